# Session 19 run 5 (H100): HEAD (the code of 88aad95; this session changed only docs) on a GPU: build, all CUDA
# tests and the tools tests.
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
snap() { (cd $OUT && tar czf r.tgz r); }
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; echo "build rc=$?"; snap
timeout 150 build-dev/tests/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests.txt 2>&1; echo "rc=$?" >> $R/cuda_tests.txt
grep -E "FAILED|Failure" -A6 $R/cuda_tests.txt | cut -c1-300 | head -30; tail -4 $R/cuda_tests.txt; snap
timeout 45 build-dev/tests/sf_tools_tests --gtest_brief=1 > $R/tools_tests.txt 2>&1; echo "rc=$?" >> $R/tools_tests.txt; tail -4 $R/tools_tests.txt; snap
