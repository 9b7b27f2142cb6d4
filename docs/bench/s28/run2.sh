# Session 28 run 2 (H200): --conv-algo gemm (cuDNN's sum-of-products algorithms only). The
# exact zoo on the GPU against PyTorch (fp32, sparse on/off to the bit), the ConvAlgo tests,
# and the Spikformer-4-384 (T=4, N=16) traced kernel by kernel, fp16 NHWC and fp32 (timed/gemm).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/sf*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
tar xzf build-bin/zoo.tgz -C /tmp; xz -T8 -dc build-bin/sfb.tar.xz | tar xf - -C /tmp
timeout 200 /tmp/bin/sf_cuda_tests --gtest_filter='ConvAlgo*' > $R/convalgo_tests.txt 2>&1; echo "rc=$?" >> $R/convalgo_tests.txt; grep -E "gemm only|OK|FAIL|PASSED" $R/convalgo_tests.txt; snap
timeout 300 python3 tests/models/run_model_tests.py /tmp/bin/sfrun /tmp/w zoo --models-dir /tmp/zoo/snn/models --device cuda > $R/zoo_gpu_vs_pytorch.txt 2>&1; echo "rc=$?" >> $R/zoo_gpu_vs_pytorch.txt; grep -v "^ok" $R/zoo_gpu_vs_pytorch.txt | tail -12; snap
for m in custom primitive; do
  /tmp/bin/sfrun /tmp/sfb/spikformer_$m.onnx --input /tmp/sfb/x.npy --output /tmp/g_$m.npy --conv-algo gemm > /dev/null 2>&1
  python3 -c "import numpy as np; a=np.load('/tmp/g_$m.npy'); b=np.load('/tmp/sfb/expected.npy'); print('$m fp32 gemm gpu vs pytorch cpu: max|diff|', abs(a-b).max(), 'same bits', (a==b).all())" | tee -a $R/sfb_check.txt
done
for m in custom primitive; do
  timeout 200 /tmp/bin/sfbench /tmp/sfb/spikformer_$m.onnx --input /tmp/sfb/x.npy --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 --kernel-trace $R/trace_${m}_fp16.txt --json $R/sfbench_${m}_fp16.json > $R/sfbench_${m}_fp16.txt 2>&1; grep "compute (CUDA graph)" $R/sfbench_${m}_fp16.txt; snap
done
for algo in timed gemm; do
  timeout 200 /tmp/bin/sfbench /tmp/sfb/spikformer_custom.onnx --input /tmp/sfb/x.npy --conv-algo $algo --warmup 20 --iters 200 --no-layers --json $R/sfbench_custom_fp32_$algo.json > $R/sfbench_custom_fp32_$algo.txt 2>&1; grep "compute (CUDA graph)" $R/sfbench_custom_fp32_$algo.txt; snap
done
