# Session 34 run 3 (H200): after the review's refactor (shared Split/LayerNorm/activation checks): the ops tests on the GPU.
R=$OUT/r; mkdir -p $R
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
xz -T8 -dc build-bin/sf_cuda_tests.xz > /tmp/bin/sf_cuda_tests; chmod +x /tmp/bin/sf_cuda_tests
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 200 /tmp/bin/sf_cuda_tests --gtest_filter='GpuOpsTest.*:GpuFp16Test.*:GpuExecutor*:*Nhwc*' > $R/ops_tests.txt 2>&1; echo "rc=$?" >> $R/ops_tests.txt
grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=" $R/ops_tests.txt
