T0=$(date +%s)
bash scripts/gpu-check.sh build > $OUT/build.txt 2>&1; echo "build rc=$? $(( $(date +%s)-T0 ))s"; tail -3 $OUT/build.txt
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1 SF_CUDA_ARENA_BYPASS=1
B=/tmp/sf-build; CS=/usr/local/cuda/bin/compute-sanitizer
F='SparseConvF16GpuTest.DeterministicAndSkipsEmptyWork:SparseConvF16GpuTest.ExecutorRunsPlannedFloat16SparseConvs:GpuNhwcTest.SparseConvKernelByPrecision:GpuFp16Test.*'
for tool in racecheck memcheck initcheck synccheck; do
  timeout 170 $CS --tool $tool --error-exitcode 99 $B/tests/sf_cuda_tests --gtest_filter="$F" --gtest_brief=1 > $OUT/san-$tool.log 2>&1
  echo "$tool rc=$? $(( $(date +%s)-T0 ))s: $(grep -h SUMMARY $OUT/san-$tool.log | tail -1)"; grep -E "PASSED|FAILED" $OUT/san-$tool.log | head -3
done
