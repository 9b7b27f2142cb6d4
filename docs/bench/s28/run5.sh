# Session 28 run 5 (H200): the session's final code (fused kernels' warps of 4 channels x 8
# pixels; the fused GPU test with sparse on). Tests, zoo checks, Spikformer-4-384 traced.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/sf*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
tar xzf build-bin/zoo.tgz -C /tmp; xz -T8 -dc build-bin/sfb.tar.xz | tar xf - -C /tmp
for m in custom primitive; do
  timeout 200 /tmp/bin/sfbench /tmp/sfb/spikformer_$m.onnx --input /tmp/sfb/x.npy --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 --kernel-trace $R/trace_${m}_fp16.txt --json $R/sfbench_${m}_fp16.json > $R/sfbench_${m}_fp16.txt 2>&1; grep "compute (CUDA graph)" $R/sfbench_${m}_fp16.txt; snap
  /tmp/bin/sfrun /tmp/sfb/spikformer_$m.onnx --input /tmp/sfb/x.npy --precision fp16 --layout nhwc --output /tmp/h_$m.npy > /dev/null 2>&1
  /tmp/bin/sfrun /tmp/sfb/spikformer_$m.onnx --input /tmp/sfb/x.npy --precision fp16 --layout nhwc --no-fuse-elementwise --output /tmp/u_$m.npy > /dev/null 2>&1
  python3 -c "import numpy as np; h=np.load('/tmp/h_$m.npy'); u=np.load('/tmp/u_$m.npy'); b=np.load('/tmp/sfb/expected.npy'); print('$m fp16 nhwc: fused vs unfused same bits', (h==u).all(), '; vs pytorch fp32 max|diff|', abs(h-b).max(), 'argmax agree', (h.argmax(1)==b.argmax(1)).mean())" | tee -a $R/sfb_check.txt
done; snap
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -3 $R/all_tests.txt; snap
timeout 250 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
timeout 200 python3 tests/models/run_model_tests.py /tmp/bin/sfrun /tmp/w zoo --models-dir /tmp/zoo/snn/models --device cuda > $R/zoo_gpu_vs_pytorch.txt 2>&1; echo "rc=$?" >> $R/zoo_gpu_vs_pytorch.txt; tail -2 $R/zoo_gpu_vs_pytorch.txt; snap
timeout 120 /usr/local/cuda/bin/compute-sanitizer --tool memcheck /tmp/bin/sf_cuda_tests --gtest_filter='GpuOpsTest.TransposeSliceConcatExpand:GpuNhwcTest.PoolingMatchesNchw:FusedElementwiseGpuTest.UnrolledLifGivesTheUnfusedBits' > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt; tail -4 $R/memcheck.txt; snap
