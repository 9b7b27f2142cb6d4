# Session 11 (2026-11-27), H100 (nvidia-h100-x1). Three device runs, each a fresh machine; scripts as run.
# run1: commit 76d482c's three kernel files (scripts/.ab = git show HEAD:...) built in /tmp/old vs the working tree
#       (persistent conv + 3 stages + PDL + 16-byte bias stores), sparse_conv_bench with 1 and 20 runs per graph.
# run2: + ldmatrix fragments of tap+1 loaded before the MMAs of tap (no change measured; reverted), ncu of one conv
#       launch with a single active tile (layer2 3x3, 'tiles 0.01').
# run3: + weight copies with fixed per-thread slots (the committed kernel); all GPU tests, racecheck/memcheck on the
#       FP16 sparse conv tests, the bench (20 runs per graph), sfbench Spiking-ResNet18 N=16 fp16.

## run1
# Session 11 run 1: correctness of the persistent/3-stage sparse conv + A/B bench vs HEAD.
set -x
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1
# old tree: the three files at HEAD
rm -rf /tmp/old && mkdir /tmp/old && cp -r CMakeLists.txt cmake cuda graph importers runtime tests tools models examples scripts /tmp/old/
cp -r scripts/.ab/cuda/* /tmp/old/cuda/
(export PATH=/tmp/pfx/usr/bin:$PATH; cmake -S /tmp/old -B /tmp/old/b -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=/tmp/pfx/usr -DCMAKE_CUDA_ARCHITECTURES=90 -DProtobuf_PROTOC_EXECUTABLE=/tmp/pfx/usr/bin/protoc -DSF_ONNX_PROTO=/tmp/pfx/usr/include/onnx/onnx.proto > $R/old-cmake.txt 2>&1; cmake --build /tmp/old/b --target sparse_conv_bench -j 16 > $R/old-build.txt 2>&1) &
OLDPID=$!
build-dev/tests/sf_cuda_tests --gtest_brief=1 --gtest_filter='*Sparse*:*ConvNeuron*:*Executor*' > $R/tests.txt 2>&1; echo "tests rc=$?" >> $R/tests.txt
wait $OLDPID
cd $R
for reps in 1 20; do
  $OLDPWD/build-dev/tests/perf/sparse_conv_bench fp16 --reps $reps new_r$reps.json > new_r$reps.txt 2>&1
  /tmp/old/b/tests/perf/sparse_conv_bench fp16 --reps $reps old_r$reps.json > old_r$reps.txt 2>&1
done
cd $OUT && tar czf r.tgz r

## run2
# Session 11 run 2: tap-pipelined fragments; tests + bench (reps 20) + ncu of one single-tile conv.
set -x
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1
build-dev/tests/sf_cuda_tests --gtest_brief=1 --gtest_filter='*Sparse*:*ConvNeuron*:*Executor*' > $R/tests.txt 2>&1; echo "tests rc=$?" >> $R/tests.txt
cd $R
$OLDPWD/build-dev/tests/perf/sparse_conv_bench fp16 --reps 20 new_r20.json > new_r20.txt 2>&1
timeout 150 /usr/local/cuda/bin/ncu --cache-control none --clock-control none -k regex:SparseConvF16Kernel --launch-skip 111 --launch-count 1 --section SpeedOfLight --section WarpStateStats --section LaunchStats --section Occupancy $OLDPWD/build-dev/tests/perf/sparse_conv_bench fp16 --only "layer2 3x3" /tmp/x.json > ncu.txt 2>&1
cd $OUT && tar czf r.tgz r

## run3
# Session 11 run 3: weights copied with fixed per-thread slots; all GPU tests, sanitizers on the
# FP16 sparse conv tests, the kernel bench (20 runs per graph) and sfbench Spiking-ResNet18 N=16.
set -x
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1
scripts/gpu-check.sh inputs /tmp/sf-bench-models > $R/inputs.txt 2>&1 &
IPID=$!
for t in build-dev/tests/sf_cuda_tests build-dev/tests/sf_tools_tests; do $t --gtest_brief=1 > $R/$(basename $t).txt 2>&1; echo "rc=$?" >> $R/$(basename $t).txt; done
CS=/usr/local/cuda/bin/compute-sanitizer
F16='SparseConvF16GpuTest.SingleSpikeAtEveryTileEdgeAndCorner:SparseConvF16GpuTest.DeterministicAndSkipsEmptyWork:SparseConvF16GpuTest.ExecutorRunsPlannedFloat16SparseConvs:GpuNhwcTest.SparseConvKernelByPrecision'
SF_CUDA_ARENA_BYPASS=1 timeout 200 $CS --tool racecheck --error-exitcode 99 build-dev/tests/sf_cuda_tests --gtest_filter="$F16" --gtest_brief=1 > $R/racecheck.txt 2>&1; echo "rc=$?" >> $R/racecheck.txt
SF_CUDA_ARENA_BYPASS=1 timeout 200 $CS --tool memcheck --error-exitcode 99 build-dev/tests/sf_cuda_tests --gtest_filter="$F16" --gtest_brief=1 > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt
cd $R
$OLDPWD/build-dev/tests/perf/sparse_conv_bench fp16 --reps 20 new_r20.json > new_r20.txt 2>&1
cd $OLDPWD
wait $IPID
D=/tmp/sf-bench-models
build-dev/tools/sfbench $D/spiking_resnet18.onnx --input models/resnet18_fmnist/test_input.npy --batch 16 --precision fp16 --layout nhwc --warmup 30 --iters 300 --layer-iters 20 --json $R/sfbench_sr18.json > $R/sfbench_sr18.txt 2>&1
cd $OUT && tar czf r.tgz r
