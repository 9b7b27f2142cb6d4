# Session 15 run 5 (2026-11-27, H100): after moving shared test and bench helpers (spike_link_test_util.h,
# sparse_kernel_rig.h): the occupancy and packed-spike tests, both benches on one layer each.
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; tail -1 $R/build.txt
cmake --build build-dev --target spike_packed_bench spike_occupancy_bench -j16 > $R/build_bench.txt 2>&1; echo "bench build rc=$?"
timeout 120 build-dev/tests/sf_cuda_tests --gtest_filter='SpikePacked*:SpikeOccupancy*:SpikeGather*' --gtest_brief=1 > $R/tests.txt 2>&1; echo "rc=$?" >> $R/tests.txt; tail -3 $R/tests.txt
timeout 60 build-dev/tests/perf/spike_packed_bench --reps 20 --only "256@8" > $R/packed_bench.txt 2>&1; echo "rc=$?" >> $R/packed_bench.txt; cat $R/packed_bench.txt
timeout 60 build-dev/tests/perf/spike_occupancy_bench --reps 20 --only "256@8" > $R/occupancy_bench.txt 2>&1; echo "rc=$?" >> $R/occupancy_bench.txt; cat $R/occupancy_bench.txt
cd $OUT && tar czf r.tgz r
