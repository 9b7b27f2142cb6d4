# Session 21 run 7 (H100): the walk's barrier as named barrier 1 of the whole block (bar.sync 1, 256) in
# both the loader and the MMA loop (run 6 used bar.sync 0 there; synccheck flagged it). H = the code
# committed, A = HEAD f7dbe00, built here (sm_90, nvcc 13.0). Focused tests, racecheck and synccheck, and
# a short A/H timing.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T4 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 60 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16*:SpikeOccupancy*:ConvNeuronF16*:FusedSpikeMarks*:DensitySwitch*:*Executor*Sparse*' --gtest_brief=1 > $R/focused_tests_H.txt 2>&1; echo "rc=$?" >> $R/focused_tests_H.txt; tail -3 $R/focused_tests_H.txt; snap
CS=/usr/local/cuda/bin/compute-sanitizer
RT='SparseConvF16GpuTest.SingleSpike*:SparseConvF16GpuTest.Deterministic*'
timeout 45 $CS --tool synccheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/synccheck_H.txt 2>&1; echo "rc=$?" >> $R/synccheck_H.txt; tail -3 $R/synccheck_H.txt; snap
timeout 110 $CS --tool racecheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/racecheck_H.txt 2>&1; echo "rc=$?" >> $R/racecheck_H.txt; tail -3 $R/racecheck_H.txt; snap
F='^(cifar_l2_3x3_128@16|cifar_l3_3x3_256@8|imagenet_l3_3x3_256@14)/tiles_(1|5|10)%/'
for v in A H; do timeout 40 /tmp/bin/gbench_$v --reps=20 --benchmark_filter="$F" > $R/gbench_$v.txt 2>&1; echo "rc=$?" >> $R/gbench_$v.txt; done
grep -h -E "sparse|cudnn" $R/gbench_*.txt | cut -c1-90; snap
