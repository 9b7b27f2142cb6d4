# Session 26 run 3 (H200): C = the float32 sparse conv counting in the executor's zeroed bytes (its
# executor test's inputs fixed after run 2) + GlobalAveragePool on the 1-D lift's 4-D side; A = 73e1070.
# The sparse conv tests and memcheck on them; the 1-D SNN A/C (outputs, sfbench fp16 NHWC, two passes);
# the whole CUDA suite and the 48-case zoo at C.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 100 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvGpuTest.*:SparseConvKernelTest.*:SparseConvHostTest.*:SparseConvF16*:SpikeOccupancy*' > $R/focused.txt 2>&1; echo "rc=$?" >> $R/focused.txt; grep -E 'PASSED|FAILED|rc=' $R/focused.txt | tail -5; snap
CS=$(ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || which compute-sanitizer)
timeout 200 $CS --tool memcheck --error-exitcode 9 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvGpuTest.ZeroedCounters*:SparseConvGpuTest.EachRun*:SparseConvGpuTest.DeterministicAndSkipsEmptyWork:SparseConvGpuTest.SingleSpike*' > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt; tail -3 $R/memcheck.txt; snap
M=build-bin/snn1d.onnx; X=build-bin/snn1d_x.npy
for p in "fp32 nchw" "fp16 nhwc"; do set -- $p
  for v in A C; do /tmp/bin/sfrun_$v $M --input $X --precision $1 --layout $2 --output /tmp/y_${v}_$1.npy --plan > $R/sfrun_${v}_$1.txt 2>&1; echo "rc=$?" >> $R/sfrun_${v}_$1.txt; done
  python3 -c "import numpy as np; a=np.load('/tmp/y_A_$1.npy'); b=np.load('/tmp/y_C_$1.npy'); print('$1', a.shape, 'max|A-C|', float(np.abs(a-b).max()), 'max|A|', float(np.abs(a).max()), 'equal', bool((a==b).all()))" >> $R/snn1d_outputs.txt 2>&1
done; cat $R/snn1d_outputs.txt; snap
for pass in 1 2; do for v in A C; do
  timeout 100 /tmp/bin/sfbench_$v $M --input $X --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 > $R/sfb_${v}_fp16_$pass.txt 2>&1
  grep -E '^  sparseflow +[0-9]' $R/sfb_${v}_fp16_$pass.txt | sed "s/^/$v $pass: /"
done; done; snap
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -3 $R/all_tests.txt; snap
tar xzf build-bin/zoo.tgz -C /tmp
timeout 240 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun_C /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
