# Session 22 run 10 (H200): the walk's loops without a special first or last pass, and the
# prologue's two loads in one loop (walk_loops.patch; the same barriers in the same order, the
# tile-8 NHWC kernel 100 -> 91 KB of code). H = HEAD (5f65e25's kernels), P = the change.
# Focused tests, an H/P timing interleaved (two passes), racecheck and synccheck.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 90 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16*:SpikeOccupancy*:ConvNeuronF16*:FusedSpikeMarks*:DensitySwitch*:*Executor*Sparse*:SpikePacked*' --gtest_brief=1 > $R/focused_tests_P.txt 2>&1; echo "rc=$?" >> $R/focused_tests_P.txt; tail -3 $R/focused_tests_P.txt; snap
for p in 1 2; do for v in H P; do timeout 60 /tmp/bin/gbench_$v --reps=20 --benchmark_filter='/tiles_(0|1|5|10|100)%/' > $R/gbench_${v}_$p.txt 2>&1; echo "rc=$?" >> $R/gbench_${v}_$p.txt; done; done; snap
CS=/usr/local/cuda/bin/compute-sanitizer
RT='SparseConvF16GpuTest.SingleSpike*:SparseConvF16GpuTest.Deterministic*'
timeout 60 $CS --tool synccheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/synccheck_P.txt 2>&1; echo "rc=$?" >> $R/synccheck_P.txt; tail -3 $R/synccheck_P.txt; snap
timeout 100 $CS --tool racecheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/racecheck_P.txt 2>&1; echo "rc=$?" >> $R/racecheck_P.txt; tail -3 $R/racecheck_P.txt; snap
