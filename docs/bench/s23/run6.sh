# Session 23 run 6 (H200): N6 = the final code, where a profiling executor (ProfileSteps,
# sfbench's layer table) times its spike-occupancy links before timing the steps. The
# whole CUDA suite.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 60 /tmp/bin/sf_cuda_tests --gtest_filter='SpikeOccupancyRuntimeTest.TimedLinks*' > $R/timed_links_N6.txt 2>&1; echo "rc=$?" >> $R/timed_links_N6.txt; tail -3 $R/timed_links_N6.txt; snap
timeout 200 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests_N6.txt 2>&1; echo "rc=$?" >> $R/all_tests_N6.txt; tail -3 $R/all_tests_N6.txt; snap
