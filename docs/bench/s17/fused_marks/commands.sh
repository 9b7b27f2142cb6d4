# Session 17 device scripts (2026-11-27), each run from the repository root on an H100 (nvidia-h100-x1)
# with .device-debs carried (run 2 also .device-data/change.patch: `git diff` of the change against ccd68de).
# Runs 3-5 ran the same script body (only the header differs); each run's outputs are in runN_*/.
# zoo_links.cc is scripts/.zoo_links.cc (docs/bench/s17/fused_marks/zoo_links.cc) as of runs 2-5 (run 1's printed no step lines).

## run1
# Session 17 run 1 (2026-11-27): fused conv + neuron kernels marking their consumers' spike occupancy and
# bit-packed spikes. Build; the new and the related CUDA tests; memcheck on the new ones; the trained
# ResNet18s under sparse on (fp16 NHWC, fusion on), 4 runs, links vs SF_SPIKE_OCCUPANCY=off (scripts/.zoo_links.cc, kept as zoo_links.cc here,
# the tensor-core kernel and the spike gather); fused_marks_bench.
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
grep -q zoo_links tests/perf/CMakeLists.txt || cat >> tests/perf/CMakeLists.txt <<'XX'
add_executable(zoo_links ${PROJECT_SOURCE_DIR}/scripts/.zoo_links.cc)
target_include_directories(zoo_links PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/runtime/include)
target_link_libraries(zoo_links PRIVATE sf_runtime)
XX
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; echo "build rc=$?"; tail -3 $R/build.txt
cmake --build build-dev --target zoo_links fused_marks_bench -j16 > $R/build_extra.txt 2>&1; echo "extra build rc=$?"
timeout 240 build-dev/tests/sf_cuda_tests --gtest_filter='FusedSpike*:SpikeOccupancy*:SpikePacked*:ConvNeuron*:DirectConvNeuron*:*Neuron*' --gtest_brief=1 > $R/tests.txt 2>&1; echo "rc=$?" >> $R/tests.txt
grep -E "FAILED|Failure" -A6 $R/tests.txt | cut -c1-300 | head -40; tail -3 $R/tests.txt
timeout 150 /usr/local/cuda/bin/compute-sanitizer --tool memcheck --error-exitcode 9 build-dev/tests/sf_cuda_tests --gtest_filter='FusedSpike*' --gtest_brief=1 > $R/memcheck.txt 2>&1; echo "memcheck rc=$?" >> $R/memcheck.txt; tail -2 $R/memcheck.txt
M=/tmp/m; mkdir -p $M
for m in spiking_resnet18 sew_resnet18; do
  python3 models/pack_weights.py onnx $m models/resnet18_fmnist/$m $M/$m.onnx > /dev/null 2>&1
  for k in tensor gather; do
    if [ $k = gather ]; then export SF_SPARSE_F16_KERNEL=gather; else unset SF_SPARSE_F16_KERNEL; fi
    timeout 90 build-dev/tests/perf/zoo_links $M/$m.onnx models/resnet18_fmnist/test_input.npy > $R/zoo_${m}_$k.txt 2>&1; echo "rc=$?" >> $R/zoo_${m}_$k.txt
    echo "== $m $k"; grep -v '^fused pair' $R/zoo_${m}_$k.txt
  done
done
unset SF_SPARSE_F16_KERNEL
timeout 150 build-dev/tests/perf/fused_marks_bench --reps 20 > $R/fused_marks_bench.txt 2>&1; echo "bench rc=$?" >> $R/fused_marks_bench.txt; cat $R/fused_marks_bench.txt
cd $OUT && tar czf r.tgz r

## run2
# Session 17 run 2 (2026-11-27, H100, run 1's warm machine): (1) all CUDA and tools tests; (2) fused_marks_bench
# with weights that make the fused conv fire; (3) zoo_links again, printing the first steps and every fused pair;
# (4) sfbench on the trained ResNet18s (N=16, fp16 NHWC, auto), this build against HEAD before the change
# (ccd68de: this tree with .device-data/change.patch, the tracked files' diff, reversed and the new files removed;
# built here), same machine, interleaved.
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
grep -q zoo_links tests/perf/CMakeLists.txt || cat >> tests/perf/CMakeLists.txt <<'XX'
add_executable(zoo_links ${PROJECT_SOURCE_DIR}/scripts/.zoo_links.cc)
target_include_directories(zoo_links PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/runtime/include)
target_link_libraries(zoo_links PRIVATE sf_runtime)
XX
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; echo "build rc=$?"
cmake --build build-dev --target zoo_links fused_marks_bench -j16 > $R/build_extra.txt 2>&1; echo "extra build rc=$?"
pfx=/tmp/pfx; rm -rf /tmp/old && mkdir -p /tmp/old && tar cf - --exclude=./build-dev --exclude=./.device-debs . | tar xf - -C /tmp/old
(cd /tmp/old && patch -R -p1 < .device-data/change.patch > /dev/null && rm -f cuda/kernels/spike_occupancy.cuh runtime/gpu/occupancy_marks.h tests/cuda/fused_spike_marks_test.cc tests/perf/fused_marks_bench.cc); echo "old tree rc=$?"
(export PATH=$pfx/usr/bin:$PATH; cmake -S /tmp/old -B /tmp/old-build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=$pfx/usr \
  -DCMAKE_CUDA_ARCHITECTURES=90 -DProtobuf_PROTOC_EXECUTABLE=$pfx/usr/bin/protoc -DSF_ONNX_PROTO=$pfx/usr/include/onnx/onnx.proto > $R/old_cmake.txt 2>&1 &&
  cmake --build /tmp/old-build --target sfbench -j16 > $R/old_build.txt 2>&1); echo "old build rc=$?"
timeout 200 build-dev/tests/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests.txt 2>&1; echo "rc=$?" >> $R/cuda_tests.txt
grep -E "FAILED|Failure" -A6 $R/cuda_tests.txt | cut -c1-300 | head -30; tail -3 $R/cuda_tests.txt
timeout 120 build-dev/tests/sf_tools_tests --gtest_brief=1 > $R/tools_tests.txt 2>&1; echo "rc=$?" >> $R/tools_tests.txt; tail -3 $R/tools_tests.txt
timeout 100 build-dev/tests/perf/fused_marks_bench --reps 20 > $R/fused_marks_bench.txt 2>&1; echo "bench rc=$?" >> $R/fused_marks_bench.txt; cat $R/fused_marks_bench.txt
M=/tmp/m; mkdir -p $M
for m in spiking_resnet18 sew_resnet18; do
  [ -f $M/$m.onnx ] || python3 models/pack_weights.py onnx $m models/resnet18_fmnist/$m $M/$m.onnx > /dev/null 2>&1
  timeout 90 build-dev/tests/perf/zoo_links $M/$m.onnx models/resnet18_fmnist/test_input.npy > $R/zoo_$m.txt 2>&1; echo "rc=$?" >> $R/zoo_$m.txt
done
for m in spiking_resnet18 sew_resnet18; do
  for b in new old; do
    B=build-dev/tools/sfbench; [ $b = old ] && B=/tmp/old-build/tools/sfbench
    timeout 150 $B $M/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch 16 --precision fp16 --layout nhwc --warmup 12 --iters 100 --layer-iters 20 --json $R/bench_${m}_$b.json > $R/bench_${m}_$b.txt 2>&1; echo "rc=$?" >> $R/bench_${m}_$b.txt
    echo "== $m $b"; grep -iE 'p50|graph|rc=' $R/bench_${m}_$b.txt | head -6
  done
done
cd $OUT && tar czf r.tgz r

## run3
# Session 17 run 3 (2026-11-27, H100): the fused kernel gathers its marks per block in shared memory: group bits per
# (step, pixel), then per (step, consumer tile) the OR over the pixels it reads, set in global memory. Build; the tests;
# (run 3: marks gathered per (step, consumer tile) with shared-memory atomics per pixel; same body as run 5)

## run4
# Session 17 run 4 (2026-11-27, H100): the fused kernel gathers its marks per block in shared memory: group bits per
# (step, pixel), then per (step, consumer tile) the OR over the pixels it reads, set in global memory. Build; the tests;
# racecheck and memcheck on the kernel-level fused-marks tests; fused_marks_bench; the trained ResNet18s under
# (same body as run 5)

## run5
# Session 17 run 5 (2026-11-27, H100): the block gathers its marks in two passes (per pixel row the OR over each
# column of consumer tiles, then per tile the OR over its rows) and skips the flush when no pixel fired. Build; the
# tests; racecheck and memcheck on the kernel-level fused-marks tests; fused_marks_bench; the trained ResNet18s under
# sparse on, links vs none (scripts/.zoo_links.cc, kept as zoo_links.cc here).
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
grep -q zoo_links tests/perf/CMakeLists.txt || cat >> tests/perf/CMakeLists.txt <<'XX'
add_executable(zoo_links ${PROJECT_SOURCE_DIR}/scripts/.zoo_links.cc)
target_include_directories(zoo_links PRIVATE ${PROJECT_SOURCE_DIR} ${PROJECT_SOURCE_DIR}/runtime/include)
target_link_libraries(zoo_links PRIVATE sf_runtime)
XX
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; echo "build rc=$?"
cmake --build build-dev --target zoo_links fused_marks_bench -j16 > $R/build_extra.txt 2>&1; echo "extra build rc=$?"
timeout 200 build-dev/tests/sf_cuda_tests --gtest_filter='FusedSpike*:SpikeOccupancy*:SpikePacked*:ConvNeuron*:DirectConvNeuron*:*Neuron*' --gtest_brief=1 > $R/tests.txt 2>&1; echo "rc=$?" >> $R/tests.txt
grep -E "FAILED|Failure" -A6 $R/tests.txt | cut -c1-300 | head -30; tail -3 $R/tests.txt
for tool in racecheck memcheck; do
  timeout 120 /usr/local/cuda/bin/compute-sanitizer --tool $tool --error-exitcode 9 build-dev/tests/sf_cuda_tests --gtest_filter='FusedSpikeMarksTest.*' --gtest_brief=1 > $R/$tool.txt 2>&1; echo "$tool rc=$?" >> $R/$tool.txt; tail -2 $R/$tool.txt
done
timeout 100 build-dev/tests/perf/fused_marks_bench --reps 20 > $R/fused_marks_bench.txt 2>&1; echo "bench rc=$?" >> $R/fused_marks_bench.txt; cat $R/fused_marks_bench.txt
M=/tmp/m; mkdir -p $M
for m in spiking_resnet18 sew_resnet18; do
  [ -f $M/$m.onnx ] || python3 models/pack_weights.py onnx $m models/resnet18_fmnist/$m $M/$m.onnx > /dev/null 2>&1
  timeout 90 build-dev/tests/perf/zoo_links $M/$m.onnx models/resnet18_fmnist/test_input.npy > $R/zoo_$m.txt 2>&1; echo "rc=$?" >> $R/zoo_$m.txt
  grep -E 'convs reading|^run|rc=' $R/zoo_$m.txt
done
cd $OUT && tar czf r.tgz r
