# Session 15 run 7 (2026-11-27, H100): the final code (5921b3f): all CUDA tests, all tools tests on the GPU.
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; tail -1 $R/build.txt
timeout 240 build-dev/tests/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests.txt 2>&1; echo "rc=$?" >> $R/cuda_tests.txt
grep -E "FAILED|Failure" $R/cuda_tests.txt | cut -c1-300 | head; tail -3 $R/cuda_tests.txt
timeout 200 build-dev/tests/sf_tools_tests --gtest_brief=1 > $R/tools_tests.txt 2>&1; echo "rc=$?" >> $R/tools_tests.txt; tail -3 $R/tools_tests.txt
timeout 100 build-dev/tests/sf_runtime_tests --gtest_brief=1 > $R/runtime_tests.txt 2>&1; echo "rc=$?" >> $R/runtime_tests.txt; tail -3 $R/runtime_tests.txt
cd $OUT && tar czf r.tgz r
