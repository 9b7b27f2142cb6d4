# Session 22 run 2 (H200): work-list entries carry the tile's first mask word, and each block reads
# its first entry with the count. H = HEAD c8bd34d (run 1's N), W = the change, both built here
# (sm_90, nvcc 13.0). Focused tests, memcheck, racecheck, and an H/W timing interleaved (two passes).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T4 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 60 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16*:SpikeOccupancy*:ConvNeuronF16*:FusedSpikeMarks*:DensitySwitch*:*Executor*Sparse*:SpikePacked*' --gtest_brief=1 > $R/focused_tests_W.txt 2>&1; echo "rc=$?" >> $R/focused_tests_W.txt; tail -3 $R/focused_tests_W.txt; snap
CS=/usr/local/cuda/bin/compute-sanitizer
timeout 120 $CS --tool memcheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16*:SpikeOccupancy*' --gtest_brief=1 > $R/memcheck_W.txt 2>&1; echo "rc=$?" >> $R/memcheck_W.txt; tail -3 $R/memcheck_W.txt; snap
RT='SparseConvF16GpuTest.SingleSpike*:SparseConvF16GpuTest.Deterministic*'
timeout 120 $CS --tool racecheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/racecheck_W.txt 2>&1; echo "rc=$?" >> $R/racecheck_W.txt; tail -3 $R/racecheck_W.txt; snap
F='/tiles_(0|1|5|10|100)%/'
for p in 1 2; do for v in H W; do timeout 100 /tmp/bin/gbench_$v --reps=20 --benchmark_filter="$F" > $R/gbench_${v}_$p.txt 2>&1; echo "rc=$?" >> $R/gbench_${v}_$p.txt; done; done
grep -h -E "sparse" $R/gbench_*_1.txt | cut -c1-80; snap
