# Session 27 run 4 (H200): the final code (the random fusion tests also read a channels-last
# input through a Transpose and write one back). The FusedElementwise tests, the whole CUDA suite,
# the 48-case zoo check, and compute-sanitizer memcheck on the fused tests.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
tar xzf build-bin/zoo.tgz -C /tmp
timeout 200 /tmp/bin/sf_cuda_tests --gtest_filter='Fused*' > $R/fused_tests.txt 2>&1; echo "rc=$?" >> $R/fused_tests.txt; tail -3 $R/fused_tests.txt; snap
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -3 $R/all_tests.txt; snap
timeout 200 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
CS=$(ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || which compute-sanitizer)
timeout 240 $CS --tool memcheck --error-exitcode 9 /tmp/bin/sf_cuda_tests --gtest_filter='FusedElementwiseGpuTest.UnrolledLifMatchesTheCpu:FusedElementwiseGpuTest.KernelDetail*:FusedElementwiseGpuTest.RandomChains*' > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt; tail -3 $R/memcheck.txt; snap
