# Session 23 run 5 (H200): compute-sanitizer on the final code (fab6f6a's kernels and
# runtime): memcheck on the sparse conv, occupancy (the timed links among them) and
# density-switch rig tests; racecheck and synccheck on the kernel-level ones.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
CS=/usr/local/cuda/bin/compute-sanitizer
MC='SparseConvF16GpuTest.SingleSpike*:SparseConvF16GpuTest.Deterministic*:SpikeOccupancy*:DensitySwitchTest.RigRunsCountTheirOwnTiles'
timeout 280 $CS --tool memcheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$MC" --gtest_brief=1 > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt; tail -4 $R/memcheck.txt; snap
RT='SparseConvF16GpuTest.SingleSpike*:SparseConvF16GpuTest.Deterministic*'
timeout 100 $CS --tool racecheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/racecheck.txt 2>&1; echo "rc=$?" >> $R/racecheck.txt; tail -3 $R/racecheck.txt; snap
timeout 80 $CS --tool synccheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/synccheck.txt 2>&1; echo "rc=$?" >> $R/synccheck.txt; tail -3 $R/synccheck.txt; snap
