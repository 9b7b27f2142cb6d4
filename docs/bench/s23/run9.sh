# Session 23 run 9 (H200): the perf rig (tests/cuda/sparse_kernel_rig.h) giving each run
# its zeroed bytes through AsInARun (runtime/gpu/replay_timing.h) instead of its own copy
# of that logic. The whole CUDA suite, and the Google Benchmark on CIFAR 128@16 at 0/1%.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 200 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests_N9.txt 2>&1; echo "rc=$?" >> $R/all_tests_N9.txt; tail -3 $R/all_tests_N9.txt; snap
timeout 60 /tmp/bin/gbench_N --reps=20 --benchmark_filter='cifar_l2_3x3_128@16/tiles_(0|1)%/' > $R/gbench_N9.txt 2>&1; echo "rc=$?" >> $R/gbench_N9.txt; grep "cifar" $R/gbench_N9.txt; snap
