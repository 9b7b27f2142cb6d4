# Session 23 run 1 (H200): the sparse conv's counters zeroed with the executor's error flags
# (one memset per run) instead of a memset per launch, and the prescan launched with
# programmatic dependent launch. A = 5e82121 (HEAD at the start), N = the change.
# Focused tests (with the two new ones), an A/N timing interleaved (two passes), the
# neuron + conv pairs, memcheck on the new tests, then the whole CUDA suite.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
F='SparseConvF16*:SpikeOccupancy*:ConvNeuronF16*:FusedSpikeMarks*:DensitySwitch*:*Executor*Sparse*:SpikePacked*:GpuProfile*:GpuGraphReplay*:SideStream*'
timeout 150 /tmp/bin/sf_cuda_tests --gtest_filter="$F" --gtest_brief=1 > $R/focused_tests_N.txt 2>&1; echo "rc=$?" >> $R/focused_tests_N.txt; tail -3 $R/focused_tests_N.txt; snap
for p in 1 2; do for v in A N; do timeout 60 /tmp/bin/gbench_$v --reps=20 --benchmark_filter='/tiles_(0|1|5|10|100)%/' > $R/gbench_${v}_$p.txt 2>&1; echo "rc=$?" >> $R/gbench_${v}_$p.txt; done; done; snap
for v in A N; do timeout 120 /tmp/bin/occ_$v --reps 20 > $R/occ_$v.txt 2>&1; echo "rc=$?" >> $R/occ_$v.txt; done; snap
CS=/usr/local/cuda/bin/compute-sanitizer
timeout 120 $CS --tool memcheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter='SpikeOccupancyRuntimeTest.EachRunCountsItsOwnTiles:DensitySwitchTest.RigRunsCountTheirOwnTiles:SparseConvF16GpuTest.SingleSpike*' --gtest_brief=1 > $R/memcheck_N.txt 2>&1; echo "rc=$?" >> $R/memcheck_N.txt; tail -3 $R/memcheck_N.txt; snap
timeout 200 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests_N.txt 2>&1; echo "rc=$?" >> $R/all_tests_N.txt; tail -3 $R/all_tests_N.txt; snap
