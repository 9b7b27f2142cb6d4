# Session 31 run 10 (H200): run 9's B (the calibration to 1/32 of the rows, 3 rounds per point): the whole CUDA
# suite.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *.tar.xz) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 300 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -4 $R/all_tests.txt; snap
timeout 100 /tmp/bin/sf_cuda_tests --gtest_filter='DensitySwitchTest.*' > $R/switch_tests.txt 2>&1; echo "rc=$?" >> $R/switch_tests.txt; grep -E "calibrated|PASSED|FAILED|rc=" $R/switch_tests.txt; snap
