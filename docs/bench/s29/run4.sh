# Session 29 run 4 (H200): strided copies in 16/8/4-byte units where the innermost dim is
# contiguous (N) against run 3's build (P), on the Spikformer-4-384 in both token forms, interleaved;
# the plans, the CUDA suite and the zoo checks on N.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/sf*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
tar xzf build-bin/zoo.tgz -C /tmp; xz -T8 -dc build-bin/sf2.tar.xz | tar xf - -C /tmp
for pass in 1 2; do for d in sfb sfl; do for b in sfbenchprev sfbench; do
  timeout 200 /tmp/bin/$b /tmp/$d/spikformer_custom.onnx --input /tmp/$d/x.npy --precision fp16 --layout nhwc --warmup 20 --iters 200 --no-layers > $R/${d}_${b}_p$pass.txt 2>&1
  echo "$d $b pass $pass: $(grep -m1 'compute (CUDA graph)' $R/${d}_${b}_p$pass.txt | cut -c1-60)"
done; done; snap; done
for d in sfb sfl; do
  timeout 200 /tmp/bin/sfbench /tmp/$d/spikformer_custom.onnx --input /tmp/$d/x.npy --precision fp16 --layout nhwc --warmup 20 --iters 100 --no-layers --kernel-trace $R/trace_$d.txt > $R/${d}_traced.txt 2>&1
  echo "$d transposes: $(grep -c TileCopyKernel $R/trace_$d.txt) lines in the trace"
  /tmp/bin/sfrun /tmp/$d/spikformer_custom.onnx --input /tmp/$d/x.npy --precision fp16 --layout nhwc --plan-only > $R/plan_${d}_fp16_nhwc.txt 2>&1
  /tmp/bin/sfrun /tmp/$d/spikformer_custom.onnx --input /tmp/$d/x.npy --precision fp16 --layout nhwc --output /tmp/h_$d.npy > /dev/null 2>&1
  /tmp/bin/sfrun /tmp/$d/spikformer_custom.onnx --input /tmp/$d/x.npy --precision fp16 --layout nhwc --sparse off --no-fuse-elementwise --output /tmp/u_$d.npy > /dev/null 2>&1
  /tmp/bin/sfrun /tmp/$d/spikformer_custom.onnx --input /tmp/$d/x.npy --device cuda --conv-algo gemm --output /tmp/f_$d.npy > /dev/null 2>&1
  python3 -c "import numpy as np; h=np.load('/tmp/h_$d.npy'); u=np.load('/tmp/u_$d.npy'); f=np.load('/tmp/f_$d.npy'); b=np.load('/tmp/$d/expected.npy'); print('$d: fp32 gemm = pytorch bits', (f==b).all(), '; fp16 nhwc vs pytorch max|diff|', abs(h-b).max(), 'argmax agree', (h.argmax(1)==b.argmax(1)).mean(), '; fp16 sparse off unfused vs default max|diff|', abs(h-u).max())" | tee -a $R/sf_check.txt
done; snap
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -3 $R/all_tests.txt; snap
timeout 250 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
timeout 200 python3 tests/models/run_model_tests.py /tmp/bin/sfrun /tmp/w zoo --models-dir /tmp/zoo/snn/models --device cuda > $R/zoo_gpu_vs_pytorch.txt 2>&1; echo "rc=$?" >> $R/zoo_gpu_vs_pytorch.txt; tail -2 $R/zoo_gpu_vs_pytorch.txt; snap
timeout 120 /usr/local/cuda/bin/compute-sanitizer --tool memcheck /tmp/bin/sf_cuda_tests --gtest_filter='GpuOpsTest.Transpose*:GpuOpsTest.*Concat*:GpuOpsTest.*Slice*' > $R/memcheck_copies.txt 2>&1; echo "rc=$?" >> $R/memcheck_copies.txt; tail -3 $R/memcheck_copies.txt; snap
