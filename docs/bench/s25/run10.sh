# Session 25 run 10 (H200): HEAD 2d70c2d (FastDiv/SmallDiv in the prescan, the occupied conv's estimated
# count, c_out capped at 2^21). The whole CUDA suite, the 48-case zoo, memcheck on the prescan and
# occupancy tests, sparse_conv_gbench and fused_marks_bench (one pass each) for the figures at HEAD.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -3 $R/all_tests.txt; snap
tar xzf build-bin/zoo.tgz -C /tmp
timeout 240 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
CS=$(ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || which compute-sanitizer)
timeout 200 $CS --tool memcheck --error-exitcode 9 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16GpuTest.PrescanCounts*:SparseConvF16GpuTest.SingleSpike*:SpikeOccupancyTest.MasksAndConvMatch*' > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt; tail -3 $R/memcheck.txt; snap
timeout 100 /tmp/bin/sparse_conv_gbench --reps=20 --benchmark_filter='/tiles_(0|1|5|10|100)%/' > $R/gbench.txt 2>&1; echo "rc=$?" >> $R/gbench.txt; grep -A14 crossover $R/gbench.txt; snap
timeout 120 /tmp/bin/fused_marks_bench --reps 20 > $R/fmb.txt 2>&1; echo "rc=$?" >> $R/fmb.txt; grep -E "^(cifar|imagenet)|^0 |^1 " $R/fmb.txt
snap
