# Session 11 run 5 (2026-11-27, H100): the NHWC prescan with one warp per tile (4 tiles per block, one set of counter
# atomics per block), measured and NOT kept (main keeps one block per tile).
set -x
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1
for t in build-dev/tests/sf_cuda_tests build-dev/tests/sf_tools_tests; do $t --gtest_brief=1 > $R/$(basename $t).txt 2>&1; echo "rc=$?" >> $R/$(basename $t).txt; done
CS=/usr/local/cuda/bin/compute-sanitizer
F16='SparseConvF16GpuTest.SingleSpikeAtEveryTileEdgeAndCorner:SparseConvF16GpuTest.DeterministicAndSkipsEmptyWork:SparseConvF16GpuTest.ExecutorRunsPlannedFloat16SparseConvs:GpuNhwcTest.SparseConvKernelByPrecision:GpuProfileTest.SparseConvReportsItsTileDensity'
SF_CUDA_ARENA_BYPASS=1 timeout 200 $CS --tool racecheck --error-exitcode 99 build-dev/tests/sf_cuda_tests --gtest_filter="$F16" --gtest_brief=1 > $R/racecheck.txt 2>&1; echo "rc=$?" >> $R/racecheck.txt
SF_CUDA_ARENA_BYPASS=1 timeout 200 $CS --tool memcheck --error-exitcode 99 build-dev/tests/sf_cuda_tests --gtest_filter="$F16" --gtest_brief=1 > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt
cd $R
$OLDPWD/build-dev/tests/perf/sparse_conv_bench fp16 --reps 20 new_r20.json > new_r20.txt 2>&1
cd $OUT && tar czf r.tgz r
