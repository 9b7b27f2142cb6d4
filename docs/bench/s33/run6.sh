# Session 33 run 6 (H200): after the review's refactor (shared knob bound, one tile count, one merge helper, ReadFileToString tells a folder from a missing file, the crossover parser straight-line): the tuning-cache, density-switch and backend tests, sfrun's tests, the whole CUDA suite.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *.tar.xz) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
mkdir -p build-cuda/tools; cp /tmp/bin/sfrun build-cuda/tools/sfrun
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 150 /tmp/bin/sf_cuda_tests --gtest_filter='TuningCache*:DensitySwitch*:CudnnBackend*' > $R/focused_tests.txt 2>&1; echo "rc=$?" >> $R/focused_tests.txt
grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=" $R/focused_tests.txt
timeout 120 /tmp/bin/sf_tools_tests --gtest_filter='SfrunTest.*' > $R/sfrun_tests.txt 2>&1; echo "rc=$?" >> $R/sfrun_tests.txt
grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=" $R/sfrun_tests.txt; snap
timeout 330 /tmp/bin/sf_cuda_tests > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=" $R/all_tests.txt | head; snap
