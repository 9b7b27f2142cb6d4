# Session 22 run 1 (H200): the walk's barrier as barrier.sync 1, 256 (unaligned) in both loops.
# H = HEAD 94065ee (bar.sync 1, 256 = barrier.sync.aligned; its binary from session 21 run 7),
# N = the unaligned barrier, built here (sm_90, nvcc 13.0). Focused tests, synccheck, racecheck,
# memcheck, and an H/N timing interleaved (two passes).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T4 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 60 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16*:SpikeOccupancy*:ConvNeuronF16*:FusedSpikeMarks*:DensitySwitch*:*Executor*Sparse*' --gtest_brief=1 > $R/focused_tests_N.txt 2>&1; echo "rc=$?" >> $R/focused_tests_N.txt; tail -3 $R/focused_tests_N.txt; snap
CS=/usr/local/cuda/bin/compute-sanitizer
RT='SparseConvF16GpuTest.SingleSpike*:SparseConvF16GpuTest.Deterministic*'
timeout 60 $CS --tool synccheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/synccheck_N.txt 2>&1; echo "rc=$?" >> $R/synccheck_N.txt; tail -3 $R/synccheck_N.txt; snap
timeout 120 $CS --tool racecheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/racecheck_N.txt 2>&1; echo "rc=$?" >> $R/racecheck_N.txt; tail -3 $R/racecheck_N.txt; snap
timeout 120 $CS --tool memcheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16*:SpikeOccupancy*' --gtest_brief=1 > $R/memcheck_N.txt 2>&1; echo "rc=$?" >> $R/memcheck_N.txt; tail -3 $R/memcheck_N.txt; snap
F='^(cifar_l2_3x3_128@16|cifar_l3_3x3_256@8|imagenet_l3_3x3_256@14|imagenet_l2_3x3_128@28)/tiles_(0|1|5|10|100)%/'
for p in 1 2; do for v in H N; do timeout 60 /tmp/bin/gbench_$v --reps=20 --benchmark_filter="$F" > $R/gbench_${v}_$p.txt 2>&1; echo "rc=$?" >> $R/gbench_${v}_$p.txt; done; done
grep -h -E "sparse|cudnn" $R/gbench_*_1.txt | cut -c1-90; snap
