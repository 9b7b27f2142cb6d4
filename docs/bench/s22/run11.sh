# Session 22 run 11 (H200): the committed walk loops (run 10's P, comments only changed): the whole
# CUDA suite, and memcheck on the sparse conv tests that run the walk.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 150 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests.txt 2>&1; echo "rc=$?" >> $R/cuda_tests.txt
grep -E "FAILED|Failure" -A3 $R/cuda_tests.txt | cut -c1-250 | head -20; tail -3 $R/cuda_tests.txt; snap
timeout 90 /usr/local/cuda/bin/compute-sanitizer --tool memcheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16GpuTest.SingleSpike*:SparseConvF16GpuTest.Deterministic*:SpikeOccupancy*' --gtest_brief=1 > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt; tail -3 $R/memcheck.txt; snap
