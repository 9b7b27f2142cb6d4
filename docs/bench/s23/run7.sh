# Session 23 run 7 (H200): N7 = f95f370 + the links timed on the run's own inputs (the
# steps before the producer queued on them first; zero inputs only for RunBound or a
# model with state). The timed-link test (prints what it measured), the whole CUDA suite,
# the zoo (links timed by default at each model's second run).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
tar xzf build-bin/zoo.tgz -C /tmp
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 60 /tmp/bin/sf_cuda_tests --gtest_filter='SpikeOccupancyRuntimeTest.TimedLinks*' > $R/timed_links_N7.txt 2>&1; echo "rc=$?" >> $R/timed_links_N7.txt; grep -o "spike occupancy from '[a-z_]*': [^;]*" $R/timed_links_N7.txt; tail -2 $R/timed_links_N7.txt; snap
timeout 200 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests_N7.txt 2>&1; echo "rc=$?" >> $R/all_tests_N7.txt; tail -3 $R/all_tests_N7.txt; snap
timeout 240 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo_N7.txt 2>&1; echo "rc=$?" >> $R/zoo_N7.txt; tail -2 $R/zoo_N7.txt; snap
