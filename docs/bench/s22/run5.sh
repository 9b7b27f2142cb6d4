# Session 22 run 5 (H200): the committed code (run 4's kernels) with the new
# SparseConvF16GpuTest.DeterministicWithGroupedTiles (two 8x8 or four 4x4 tiles per item, small enough
# for the sanitizers): that test, then memcheck, racecheck and synccheck on it and on SingleSpike*
# and DeterministicAndSkipsEmptyWork.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 60 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16*' --gtest_brief=1 > $R/sparse_tests.txt 2>&1; echo "rc=$?" >> $R/sparse_tests.txt; tail -3 $R/sparse_tests.txt; snap
CS=/usr/local/cuda/bin/compute-sanitizer
RT='SparseConvF16GpuTest.SingleSpike*:SparseConvF16GpuTest.Deterministic*'
timeout 90 $CS --tool memcheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt; tail -3 $R/memcheck.txt; snap
timeout 240 $CS --tool racecheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/racecheck.txt 2>&1; echo "rc=$?" >> $R/racecheck.txt; tail -3 $R/racecheck.txt; snap
timeout 120 $CS --tool synccheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/synccheck.txt 2>&1; echo "rc=$?" >> $R/synccheck.txt; tail -3 $R/synccheck.txt; snap
