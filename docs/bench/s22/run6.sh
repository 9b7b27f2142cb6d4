# Session 22 run 6 (H200): one call site of run_item for the work list and the occupied conv's
# triage (the kernels' code 30-40% smaller). H = HEAD 5f65e25, U = the change, built here (sm_90,
# nvcc 13.0). Focused tests, an H/U timing interleaved (gbench two passes; the occupancy and marks
# benches once each), then memcheck, racecheck and synccheck.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 90 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16*:SpikeOccupancy*:ConvNeuronF16*:FusedSpikeMarks*:DensitySwitch*:*Executor*Sparse*:SpikePacked*' --gtest_brief=1 > $R/focused_tests_U.txt 2>&1; echo "rc=$?" >> $R/focused_tests_U.txt; tail -3 $R/focused_tests_U.txt; snap
for p in 1 2; do for v in H U; do timeout 60 /tmp/bin/gbench_$v --reps=20 --benchmark_filter='/tiles_(0|1|5|10|25|100)%/' > $R/gbench_${v}_$p.txt 2>&1; echo "rc=$?" >> $R/gbench_${v}_$p.txt; done; done; snap
for v in H U; do
  timeout 60 /tmp/bin/spike_occupancy_bench_$v --reps 20 > $R/occ_$v.txt 2>&1; echo "rc=$?" >> $R/occ_$v.txt
  timeout 60 /tmp/bin/fused_marks_bench_$v --reps 20 > $R/marks_$v.txt 2>&1; echo "rc=$?" >> $R/marks_$v.txt
done; (cd $R && tar czf benches.tgz occ_* marks_* && rm occ_* marks_*); snap
CS=/usr/local/cuda/bin/compute-sanitizer
RT='SparseConvF16GpuTest.SingleSpike*:SparseConvF16GpuTest.Deterministic*'
timeout 90 $CS --tool memcheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16GpuTest.SingleSpike*:SparseConvF16GpuTest.Deterministic*:SpikeOccupancy*' --gtest_brief=1 > $R/memcheck_U.txt 2>&1; echo "rc=$?" >> $R/memcheck_U.txt; tail -3 $R/memcheck_U.txt; snap
timeout 100 $CS --tool racecheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/racecheck_U.txt 2>&1; echo "rc=$?" >> $R/racecheck_U.txt; tail -3 $R/racecheck_U.txt; snap
timeout 60 $CS --tool synccheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/synccheck_U.txt 2>&1; echo "rc=$?" >> $R/synccheck_U.txt; tail -3 $R/synccheck_U.txt; snap
