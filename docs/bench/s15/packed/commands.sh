## run1
# Session 15 run 1 (2026-11-27, H100): bit-packed spikes (issue 12): tests, sanitizers, bench, whole model.
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; tail -1 $R/build.txt
cmake --build build-dev --target spike_packed_bench -j16 > $R/build_bench.txt 2>&1; echo "bench build rc=$?"
timeout 150 build-dev/tests/sf_cuda_tests --gtest_filter='SpikePacked*:SpikeOccupancy*:SpikeGather*:DensitySwitch*:GpuExecutor*:SideStream*:NeuronAdd*:GpuNeuron*' --gtest_brief=1 > $R/tests.txt 2>&1; echo "tests rc=$?" >> $R/tests.txt
tail -5 $R/tests.txt
CS=/usr/local/cuda/bin/compute-sanitizer
timeout 120 $CS --tool memcheck --error-exitcode 9 build-dev/tests/sf_cuda_tests --gtest_filter='SpikePackedTest.*' --gtest_brief=1 > $R/memcheck.txt 2>&1; echo "memcheck rc=$?" >> $R/memcheck.txt; tail -2 $R/memcheck.txt
timeout 100 $CS --tool racecheck --error-exitcode 9 build-dev/tests/sf_cuda_tests --gtest_filter='SpikePackedTest.GatherReadsWhatTheNeuronPacked:SpikePackedTest.NeuronWrites*' --gtest_brief=1 > $R/racecheck.txt 2>&1; echo "racecheck rc=$?" >> $R/racecheck.txt; tail -2 $R/racecheck.txt
timeout 150 build-dev/tests/perf/spike_packed_bench --reps 20 > $R/bench.txt 2>&1; echo "bench rc=$?" >> $R/bench.txt
M=/tmp/m; mkdir -p $M
for m in spiking_resnet18 sew_resnet18; do
  python3 models/pack_weights.py onnx $m models/resnet18_fmnist/$m $M/$m.onnx > /dev/null 2>&1
done
for m in spiking_resnet18 sew_resnet18; do for occ in on off; do
  SF_SPIKE_OCCUPANCY=$occ timeout 60 build-dev/tools/sfbench $M/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch 16 \
    --precision fp16 --layout nhwc --warmup 30 --iters 300 --no-layers --json $R/${m}_${occ}.json > $R/${m}_${occ}.txt 2>&1
  echo "$m occ=$occ rc=$?"; grep -iE "graph" $R/${m}_${occ}.txt | head -2
done; done
grep -h "bit-packed" $R/*_on.txt | cut -c1-300 | head
cd $OUT && tar czf r.tgz r

## run2
# Session 15 run 2 (2026-11-27, H100): packed spikes only where the conv reads every input pixel
# (SF_SPIKE_PACKED): all CUDA tests, zoo exactness over runs (device-only check program), bench of the 1x1/2 layers.
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
cat >> tests/perf/CMakeLists.txt <<'XX'
add_executable(zoo_packed ${PROJECT_SOURCE_DIR}/scripts/.zoo_packed.cc)
target_include_directories(zoo_packed PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/runtime/include)
target_link_libraries(zoo_packed PRIVATE sf_runtime)
XX
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; tail -1 $R/build.txt
cmake --build build-dev --target spike_packed_bench zoo_packed -j16 > $R/build_bench.txt 2>&1; echo "extra build rc=$?"
timeout 240 build-dev/tests/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests.txt 2>&1; echo "rc=$?" >> $R/cuda_tests.txt
grep -E "FAILED|Failure" $R/cuda_tests.txt | cut -c1-300 | head; tail -4 $R/cuda_tests.txt
M=/tmp/m; mkdir -p $M
for m in spiking_resnet18 sew_resnet18; do
  python3 models/pack_weights.py onnx $m models/resnet18_fmnist/$m $M/$m.onnx > /dev/null 2>&1
  SF_SPARSE_F16_KERNEL=gather timeout 90 build-dev/tests/perf/zoo_packed $M/$m.onnx models/resnet18_fmnist/test_input.npy > $R/zoo_$m.txt 2>&1; echo "rc=$?" >> $R/zoo_$m.txt
  echo "== $m"; cat $R/zoo_$m.txt
done
timeout 60 build-dev/tests/perf/spike_packed_bench --reps 20 --only "1x1/2" > $R/bench_1x1.txt 2>&1; echo "rc=$?" >> $R/bench_1x1.txt; tail -3 $R/bench_1x1.txt
cd $OUT && tar czf r.tgz r

## run3
# Session 15 run 3 (2026-11-27, H100, same warm machine as run 2): zoo exactness of packed spikes over runs,
# with and without conv + neuron fusion (ZOO_NO_FUSE: Options::fuse_neurons false, so neurons feed plain sparse convs).
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
grep -q zoo_packed tests/perf/CMakeLists.txt || cat >> tests/perf/CMakeLists.txt <<'XX'
add_executable(zoo_packed ${PROJECT_SOURCE_DIR}/scripts/.zoo_packed.cc)
target_include_directories(zoo_packed PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/runtime/include)
target_link_libraries(zoo_packed PRIVATE sf_runtime)
XX
[ -d build-dev ] || { SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; }
cmake --build build-dev --target zoo_packed -j16 > $R/build_zoo.txt 2>&1; echo "build rc=$?"
M=/tmp/m; mkdir -p $M
for m in spiking_resnet18 sew_resnet18; do
  [ -f $M/$m.onnx ] || python3 models/pack_weights.py onnx $m models/resnet18_fmnist/$m $M/$m.onnx > /dev/null 2>&1
  for fuse in fused unfused; do
    if [ $fuse = unfused ]; then export ZOO_NO_FUSE=1; else unset ZOO_NO_FUSE; fi
    SF_SPARSE_F16_KERNEL=gather timeout 90 build-dev/tests/perf/zoo_packed $M/$m.onnx models/resnet18_fmnist/test_input.npy > $R/zoo_${m}_$fuse.txt 2>&1; echo "rc=$?" >> $R/zoo_${m}_$fuse.txt
    echo "== $m $fuse"; cat $R/zoo_${m}_$fuse.txt
  done
done
cd $OUT && tar czf r.tgz r
