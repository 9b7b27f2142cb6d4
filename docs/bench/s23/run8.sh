# Session 23 run 8 (H200): N8 = 13cc742 + the review mend (one replay-timing module,
# runtime/gpu/replay_timing.h, serving kAuto and the link timing; AsInARun serving the
# per-step timing; ConcreteValueBytes, AlignUpToDevice, ZeroedSlotBytes; the arena's
# cleared span as one expression). The timed-link test, the whole CUDA suite, the zoo.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
tar xzf build-bin/zoo.tgz -C /tmp
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 60 /tmp/bin/sf_cuda_tests --gtest_filter='SpikeOccupancyRuntimeTest.TimedLinks*' > $R/timed_links_N8.txt 2>&1; echo "rc=$?" >> $R/timed_links_N8.txt; grep -o "spike occupancy from '[a-z_]*': [^;]*" $R/timed_links_N8.txt; tail -2 $R/timed_links_N8.txt; snap
timeout 200 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests_N8.txt 2>&1; echo "rc=$?" >> $R/all_tests_N8.txt; tail -3 $R/all_tests_N8.txt; snap
timeout 240 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo_N8.txt 2>&1; echo "rc=$?" >> $R/zoo_N8.txt; tail -2 $R/zoo_N8.txt; snap
