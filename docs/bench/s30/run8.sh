# Session 30 run 8 (H200): after the final review (the tensor-core PTX helpers shared by the tile kernel and the
# compacted one in tensor_core.cuh; the compacted kernel's redundant build check and name ternaries gone).
# The whole CUDA suite, memcheck and racecheck on the compacted kernel's tests, the zoo's fp16 check.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *.tar.xz) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
tar xzf build-bin/zoo.tgz -C /tmp
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -3 $R/all_tests.txt; snap
CS=$(ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || which compute-sanitizer)
timeout 200 $CS --tool racecheck --error-exitcode 9 /tmp/bin/sf_cuda_tests --gtest_filter='CompactSpikeConvGpuTest.SingleSpike*:CompactSpikeConvGpuTest.TwoLaunches*' > $R/racecheck.txt 2>&1; echo "rc=$?" >> $R/racecheck.txt; tail -3 $R/racecheck.txt; snap
timeout 200 $CS --tool memcheck --error-exitcode 9 /tmp/bin/sf_cuda_tests --gtest_filter='CompactSpikeConvGpuTest.*:*ForcedKernel*:SpikeGatherConvGpuTest.SingleSpike*:SparseConvF16GpuTest.SingleSpike*' > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt; tail -3 $R/memcheck.txt; snap
timeout 250 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
