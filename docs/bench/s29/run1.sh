# Session 29 run 1 (H200): load-time passes (BatchNorm folded into MatMul/Gemm, Transpose
# pairs composed, twin nodes merged) on the Spikformer-4-384 in both token forms, old (O,
# 900864d's passes) against new (N), interleaved; then the CUDA suite and the zoo checks on N.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/sf*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
tar xzf build-bin/zoo.tgz -C /tmp; xz -T8 -dc build-bin/sf2.tar.xz | tar xf - -C /tmp
for pass in 1 2; do for d in sfl sfb; do for b in sfbenchold sfbench; do
  timeout 200 /tmp/bin/$b /tmp/$d/spikformer_custom.onnx --input /tmp/$d/x.npy --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 --json $R/${d}_${b}_p$pass.json > $R/${d}_${b}_p$pass.txt 2>&1
  echo "$d $b pass $pass: $(grep -m1 'compute (CUDA graph)' $R/${d}_${b}_p$pass.txt)"; grep -m2 "steps" $R/${d}_${b}_p$pass.txt | tail -1
done; done; snap; done
for d in sfl sfb; do
  /tmp/bin/sfrun /tmp/$d/spikformer_custom.onnx --input /tmp/$d/x.npy --precision fp16 --layout nhwc --output /tmp/h_$d.npy > /dev/null 2>&1
  /tmp/bin/sfrun /tmp/$d/spikformer_custom.onnx --input /tmp/$d/x.npy --device cuda --conv-algo gemm --output /tmp/f_$d.npy > /dev/null 2>&1
  python3 -c "import numpy as np; h=np.load('/tmp/h_$d.npy'); f=np.load('/tmp/f_$d.npy'); b=np.load('/tmp/$d/expected.npy'); print('$d: fp32 gemm vs pytorch same bits', (f==b).all(), abs(f-b).max(), '; fp16 nhwc vs pytorch max|diff|', abs(h-b).max(), 'argmax agree', (h.argmax(1)==b.argmax(1)).mean())" | tee -a $R/sf_check.txt
done; snap
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -3 $R/all_tests.txt; snap
timeout 250 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
timeout 200 python3 tests/models/run_model_tests.py /tmp/bin/sfrun /tmp/w zoo --models-dir /tmp/zoo/snn/models --device cuda > $R/zoo_gpu_vs_pytorch.txt 2>&1; echo "rc=$?" >> $R/zoo_gpu_vs_pytorch.txt; tail -2 $R/zoo_gpu_vs_pytorch.txt; snap
