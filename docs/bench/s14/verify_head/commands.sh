# Session 14 run 1 (2026-11-27, H100): HEAD 6ba6651 on the GPU before any change of this session. Script as run (scripts/.dev1.sh).
# Session 14 run 1: HEAD 6ba6651 on the GPU: all CUDA tests, spike_occupancy_bench, memcheck + racecheck on the occupancy tests.
set -x
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
git log -1 --format=%h > $R/commit.txt 2>/dev/null
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1
(cd build-dev && cmake --build . --target spike_occupancy_bench -j 16 >> $R/build.txt 2>&1); tail -1 $R/build.txt
timeout 120 build-dev/tests/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests.txt 2>&1; echo "rc=$?" >> $R/cuda_tests.txt
grep -E "FAILED|Failure|SKIPPED" $R/cuda_tests.txt | cut -c1-300 | head; tail -3 $R/cuda_tests.txt
timeout 100 build-dev/tests/perf/spike_occupancy_bench --reps 20 > $R/bench.txt 2>&1; echo "rc=$?" >> $R/bench.txt
cat $R/bench.txt
CS=/usr/local/cuda/bin/compute-sanitizer
run() {  # tool filter seconds name
  timeout $3 $CS --tool $1 --error-exitcode 99 build-dev/tests/sf_cuda_tests --gtest_filter="$2" --gtest_brief=1 > $R/$4.txt 2>&1
  echo "$4 rc=$?" | tee -a $R/$4.txt; grep -E "SUMMARY|PASSED|FAILED" $R/$4.txt | head -4
}
run memcheck 'SpikeOccupancy*' 120 memcheck
run racecheck 'SpikeOccupancyTest.OneNeuronMarksTwoConvs:SpikeOccupancyTest.ScalarKernel*' 100 racecheck_small
cd $OUT && tar czf r.tgz r
