# Session 13 run 8: sparse_conv_gbench (Google Benchmark) as of db7ff06+ (graph captured once per benchmark), first GPU run of that version.
set -x
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1
(cd build-dev && cmake --build . --target sparse_conv_gbench -j 16 >> $R/build.txt 2>&1); tail -1 $R/build.txt
timeout 300 build-dev/tests/perf/sparse_conv_gbench --reps=20 --benchmark_out=$R/gbench.json --benchmark_out_format=json > $R/gbench.txt 2>&1; echo "rc=$?" >> $R/gbench.txt
tail -16 $R/gbench.txt
cd $OUT && tar czf r.tgz r
