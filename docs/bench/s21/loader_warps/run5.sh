# Session 21 run 5 (H100): the loader/MMA warp split with named barriers (bar.arrive / bar.sync per stage;
# run5_named_barriers.patch) as N against HEAD f7dbe00 (A), both built here (sm_90, nvcc 13.0, Release).
# N: the whole CUDA suite; compute-sanitizer memcheck, racecheck and synccheck on the sparse conv and
# occupancy tests; sparse_conv_gbench, spike_occupancy_bench and fused_marks_bench A/N interleaved; the
# 48-case zoo through scripts/zoo_fp16_check.py with N's sfrun.
# Run 6 ran this script on the block-barrier walk (bar.sync 0 from both loops) with four changes: the
# racecheck filter without SpikeOccupancyTest.MasksAndConv* and timeout 100, synccheck timeout 90,
# spike_occupancy_bench and fused_marks_bench once per binary (A N), the zoo timeout 200; the sanitizer
# logs went into benches.tgz.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin /tmp/zoo; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *zoo*) continue;; esac; xz -T4 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done; ls /tmp/bin
tar xJf build-bin/zoo-all-48.tar.xz -C /tmp/zoo
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 300 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests_N.txt 2>&1; echo "rc=$?" >> $R/cuda_tests_N.txt
grep -E "FAILED|Failure" -A3 $R/cuda_tests_N.txt | cut -c1-250 | head -30; tail -4 $R/cuda_tests_N.txt; snap
CS=/usr/local/cuda/bin/compute-sanitizer
timeout 150 $CS --tool memcheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16*:SpikeOccupancyTest.*' --gtest_brief=1 > $R/memcheck_N.txt 2>&1; echo "rc=$?" >> $R/memcheck_N.txt; tail -3 $R/memcheck_N.txt
RT='SparseConvF16GpuTest.SingleSpike*:SparseConvF16GpuTest.Deterministic*:SparseConvF16GpuTest.GroupedTiles*:SpikeOccupancyTest.MasksAndConv*'
timeout 200 $CS --tool racecheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/racecheck_N.txt 2>&1; echo "rc=$?" >> $R/racecheck_N.txt; tail -3 $R/racecheck_N.txt
timeout 150 $CS --tool synccheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/synccheck_N.txt 2>&1; echo "rc=$?" >> $R/synccheck_N.txt; tail -3 $R/synccheck_N.txt; snap
F='^(cifar_l1_3x3_64@32|cifar_l2_3x3_128@16|cifar_l3_3x3_256@8|cifar_l2_down_3x3s2_64@32|cifar_l2_short_1x1s2_64@32|imagenet_l1_3x3_64@56|imagenet_l2_3x3_128@28|imagenet_l3_3x3_256@14)/tiles_(0|1|5|10|25|100)%/'
for v in A N A N; do
  timeout 100 /tmp/bin/sparse_conv_gbench_$v --reps=20 --benchmark_filter="$F" > $R/t.tmp 2>&1; echo "rc=$?" >> $R/t.tmp; cat $R/t.tmp >> $R/gbench_$v.txt
done; snap
for v in A N A N; do
  timeout 60 /tmp/bin/spike_occupancy_bench_$v --reps 20 > $R/t.tmp 2>&1; echo "rc=$?" >> $R/t.tmp; cat $R/t.tmp >> $R/occ_$v.txt
  timeout 60 /tmp/bin/fused_marks_bench_$v --reps 20 > $R/t.tmp 2>&1; echo "rc=$?" >> $R/t.tmp; cat $R/t.tmp >> $R/marks_$v.txt
done; rm -f $R/*.tmp; (cd $R && tar czf benches.tgz occ_* marks_* && rm occ_* marks_*); snap
timeout 420 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo-fp16.txt 2>&1; echo "zoo rc=$?" | tee -a $R/zoo-fp16.txt; tail -4 $R/zoo-fp16.txt; snap
# (then the same A/N gbench summary as run 4's script)
