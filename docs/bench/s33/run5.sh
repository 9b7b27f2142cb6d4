# Session 33 run 5 (H200): the final code (e15ffc0): the tuning-cache and density-switch tests, then the whole CUDA suite.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
xz -T8 -dc build-bin/sf_cuda_tests.xz > /tmp/bin/sf_cuda_tests; chmod +x /tmp/bin/sf_cuda_tests
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 150 /tmp/bin/sf_cuda_tests --gtest_filter='TuningCache*:DensitySwitch*' > $R/focused_tests.txt 2>&1; echo "rc=$?" >> $R/focused_tests.txt
grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=" $R/focused_tests.txt; snap
timeout 330 /tmp/bin/sf_cuda_tests > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=" $R/all_tests.txt | head; snap
