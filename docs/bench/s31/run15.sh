# Session 31 run 15 (H200): ReplayTiming's round count (ReplayTiming::rounds) and its new tests, with the
# density switch and forced/auto kernel tests.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
for i in 1 2 3; do timeout 100 /tmp/bin/sf_cuda_tests --gtest_filter='ReplayTiming*' > $R/replay_$i.txt 2>&1; echo "rc=$?" >> $R/replay_$i.txt; grep -E "PASSED|FAILED|rc=" $R/replay_$i.txt; done
timeout 150 /tmp/bin/sf_cuda_tests --gtest_brief=1 --gtest_filter='*DensitySwitch*:*Auto*:*Forced*:*SpikeLink*:*Occupan*' > $R/tests.txt 2>&1; echo "rc=$?" >> $R/tests.txt; tail -3 $R/tests.txt; snap
