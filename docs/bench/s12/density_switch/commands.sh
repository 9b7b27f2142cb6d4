# Session 12 (2026-11-27), H100 (nvidia-h100-x1). Five device runs, each a fresh machine (run 4 on run 3's warm one); scripts as run.
# run1: first build of the switch: tests, all CUDA tests, sfbench SR18 N=16 fp16 (kAuto still timed one run per graph launch).
# run2: kAuto timing 10 runs per graph; density_switch_bench with profiled rigs (every run copied its counters to the host: superseded by run 4).
# run3: the switch opt-in; tests, all CUDA tests, memcheck (0 errors) and racecheck (did not finish in the 600 s limit) on DensitySwitch*.
# run4: density_switch_bench without profiling, sfbench SR18 N=16 fp16, sfrun --plan.
# run5: the committed code (ce544cc): switch tests, all CUDA tests (130), tools tests (72).

## run2
# Session 12 run 2: switch tests, all CUDA tests, density_switch_bench, sfbench SR18 N=16 fp16, sfrun --plan.
set -x
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1
tail -3 $R/build.txt
(cd build-dev && cmake --build . --target density_switch_bench -j 16 >> $R/build.txt 2>&1)
build-dev/tests/sf_cuda_tests --gtest_filter='DensitySwitch*' > $R/switch_tests.txt 2>&1; echo "rc=$?" >> $R/switch_tests.txt
grep -E "OK|FAIL|Skipped|calibrated|rc=|Failure|error" $R/switch_tests.txt | head -30
build-dev/tests/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests.txt 2>&1; echo "rc=$?" >> $R/cuda_tests.txt
tail -6 $R/cuda_tests.txt
build-dev/tests/sf_tools_tests --gtest_brief=1 > $R/tools_tests.txt 2>&1; echo "rc=$?" >> $R/tools_tests.txt
tail -4 $R/tools_tests.txt
build-dev/tests/perf/density_switch_bench --reps 20 $R/switch_bench.json > $R/switch_bench.txt 2>&1; echo "rc=$?" >> $R/switch_bench.txt
cat $R/switch_bench.txt | cut -c1-400
D=/tmp/sf-bench-models; scripts/gpu-check.sh inputs $D > $R/inputs.txt 2>&1
build-dev/tools/sfbench $D/spiking_resnet18.onnx --input models/resnet18_fmnist/test_input.npy --batch 16 --precision fp16 --layout nhwc --warmup 30 --iters 300 --layer-iters 20 --json $R/sfbench.json > $R/sfbench.txt 2>&1; echo "rc=$?" >> $R/sfbench.txt
grep -E "whole model|cold start|compute \(CUDA graph\)|speedup|rc=" $R/sfbench.txt
build-dev/tools/sfrun $D/spiking_resnet18.onnx --input models/resnet18_fmnist/test_input.npy --precision fp16 --layout nhwc --plan > $R/plan.txt 2>&1
grep -A3 "kernels as prepared" $R/plan.txt | cut -c1-300
cd $OUT && tar czf r.tgz r

## run1
# As run 2 without the tools tests, density_switch_bench and sfrun's 'kernels as prepared' lines (it counted
# 'density switch' in plan.txt: 0, sfrun did not print kernel details yet); output tails instead of greps.

## run3
# As run 2, plus after the tools tests (the run hit the 600 s limit inside racecheck, so the bench and sfbench did not run):
for tool in memcheck racecheck; do
  /usr/local/cuda/bin/compute-sanitizer --tool $tool --error-exitcode 9 build-dev/tests/sf_cuda_tests --gtest_filter='DensitySwitch*:-*Plan*' > $R/$tool.txt 2>&1; echo "rc=$?" >> $R/$tool.txt
done

## run4
# Session 12 run 4: density_switch_bench (switch opt-in, no profiling), sfbench SR18 N=16 fp16, sfrun --plan.
set -x
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1
(cd build-dev && cmake --build . --target density_switch_bench -j 16 >> $R/build.txt 2>&1)
timeout 200 build-dev/tests/perf/density_switch_bench --reps 20 $R/switch_bench.json > $R/switch_bench.txt 2>&1; echo "rc=$?" >> $R/switch_bench.txt
cut -c1-420 $R/switch_bench.txt
D=/tmp/sf-bench-models; scripts/gpu-check.sh inputs $D > $R/inputs.txt 2>&1
timeout 150 build-dev/tools/sfbench $D/spiking_resnet18.onnx --input models/resnet18_fmnist/test_input.npy --batch 16 --precision fp16 --layout nhwc --warmup 30 --iters 300 --layer-iters 20 --json $R/sfbench.json > $R/sfbench.txt 2>&1; echo "rc=$?" >> $R/sfbench.txt
grep -E "cold start|compute \(CUDA graph\)|speedup \(|rc=" $R/sfbench.txt
timeout 60 build-dev/tools/sfrun $D/spiking_resnet18.onnx --input models/resnet18_fmnist/test_input.npy --precision fp16 --layout nhwc --plan > $R/plan.txt 2>&1
grep -A2 "kernels as prepared" $R/plan.txt | cut -c1-300
cd $OUT && tar czf r.tgz r

## run5
# Session 12 run 5 (the committed code, ce544cc + docs): switch tests, all CUDA and tools tests.
set -x
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1
timeout 120 build-dev/tests/sf_cuda_tests --gtest_filter='DensitySwitch*' > $R/switch_tests.txt 2>&1; echo "rc=$?" >> $R/switch_tests.txt
grep -E "^\[ |rc=|Failure" $R/switch_tests.txt | head -20
timeout 200 build-dev/tests/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests.txt 2>&1; echo "rc=$?" >> $R/cuda_tests.txt
tail -5 $R/cuda_tests.txt
timeout 100 build-dev/tests/sf_tools_tests --gtest_brief=1 > $R/tools_tests.txt 2>&1; echo "rc=$?" >> $R/tools_tests.txt
tail -4 $R/tools_tests.txt
cd $OUT && tar czf r.tgz r
