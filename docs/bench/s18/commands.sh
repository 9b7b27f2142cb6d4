# Session 18 device scripts (2026-11-27), each run from the repository root on an H100 (nvidia-h100-x1)
# with .device-debs and .device-data carried. .device-data held: runs 1, 3, 5, 6 zoo.tar.xz (all 48 cases of
# models/make_test_models.py, made here with `/usr/bin/python3 models/make_test_models.py DIR` and packed as
# snn/models/*); run 2 old_files.tar.xz (the files changed since ccd68de, at ccd68de); runs 3, 4, 6
# old_sparse_conv_f16.cu (cuda/kernels/sparse_conv_f16.cu at 02dd4cb). To fit the 64 MiB the device tool
# carries, docs/ and models/resnet18_fmnist/*.part* were moved out of the tree for runs 1, 3-6 (they need
# neither) and docs/ for run 2. Each run's outputs are in runN_*/.

## run1
# Session 18 run 1 (2026-11-27, H100): HEAD 02dd4cb on a GPU (its review commit was compiled only).
# (1) Build; all CUDA and tools tests. (2) The whole zoo (all 48 cases of models/make_test_models.py,
# carried as .device-data/zoo.tar.xz) through scripts/zoo_fp16_check.py: fp16 sparse on vs off, fused vs
# --no-fuse (and, issue 12, under sparse on fused conv + neuron pairs vs --no-fuse to the bit).
# (3) racecheck and memcheck on the fused-marks tests.
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; echo "build rc=$?"; tail -3 $R/build.txt
timeout 200 build-dev/tests/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests.txt 2>&1; echo "rc=$?" >> $R/cuda_tests.txt
grep -E "FAILED|Failure" -A6 $R/cuda_tests.txt | cut -c1-300 | head -30; tail -3 $R/cuda_tests.txt
timeout 120 build-dev/tests/sf_tools_tests --gtest_brief=1 > $R/tools_tests.txt 2>&1; echo "rc=$?" >> $R/tools_tests.txt; tail -3 $R/tools_tests.txt
rm -rf .device-models && mkdir -p .device-models && tar xJf .device-data/zoo.tar.xz -C .device-models
timeout 300 env SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh zoo-fp16 > /dev/null 2>&1; echo "zoo rc=$?"; tail -4 $R/zoo-fp16.txt
timeout 60 /usr/local/cuda/bin/compute-sanitizer --tool racecheck --error-exitcode 9 build-dev/tests/sf_cuda_tests --gtest_filter='FusedSpikeMarksTest.*' --gtest_brief=1 > $R/racecheck.txt 2>&1; echo "racecheck rc=$?" >> $R/racecheck.txt; tail -2 $R/racecheck.txt
timeout 60 /usr/local/cuda/bin/compute-sanitizer --tool memcheck --error-exitcode 9 build-dev/tests/sf_cuda_tests --gtest_filter='FusedSpikeMarksTest.*' --gtest_brief=1 > $R/memcheck.txt 2>&1; echo "memcheck rc=$?" >> $R/memcheck.txt; tail -2 $R/memcheck.txt
cd $OUT && tar czf r.tgz r

## run2
# Session 18 run 2 (2026-11-27, H100): the stem's direct conv + LIF kernel and the whole model after the
# kMarks split. sfbench on the trained ResNet18s (N=16, T=4, fp16 NHWC, --sparse auto), HEAD 02dd4cb against
# ccd68de (before session 17: this tree with the files changed since then replaced by their ccd68de versions,
# .device-data/old_files.tar.xz, and the new files removed;
# built here), same machine, interleaved, two rounds.
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; echo "build rc=$?"
W=$PWD; pfx=/tmp/pfx; rm -rf /tmp/old && mkdir -p /tmp/old && tar cf - --exclude=./build-dev --exclude=./.device-debs --exclude=./.device-data --exclude=./models/resnet18_fmnist . | tar xf - -C /tmp/old
(cd /tmp/old && tar xJf $W/.device-data/old_files.tar.xz && rm -f cuda/kernels/spike_occupancy.cuh runtime/gpu/occupancy_marks.h tests/cuda/fused_spike_marks_test.cc tests/perf/fused_marks_bench.cc); echo "old tree rc=$?"
(export PATH=$pfx/usr/bin:$PATH; cmake -S /tmp/old -B /tmp/old-build -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=$pfx/usr \
  -DCMAKE_CUDA_ARCHITECTURES=90 -DProtobuf_PROTOC_EXECUTABLE=$pfx/usr/bin/protoc -DSF_ONNX_PROTO=$pfx/usr/include/onnx/onnx.proto > $R/old_cmake.txt 2>&1 &&
  cmake --build /tmp/old-build --target sfbench -j16 > $R/old_build.txt 2>&1); echo "old build rc=$?"
M=/tmp/m; mkdir -p $M
for m in spiking_resnet18 sew_resnet18; do
  python3 models/pack_weights.py onnx $m models/resnet18_fmnist/$m $M/$m.onnx > /dev/null 2>&1
done
for round in 1 2; do
for m in spiking_resnet18 sew_resnet18; do
  for b in new old; do
    B=build-dev/tools/sfbench; [ $b = old ] && B=/tmp/old-build/tools/sfbench
    timeout 150 $B $M/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch 16 --precision fp16 --layout nhwc --warmup 12 --iters 100 --layer-iters 20 --json $R/bench_${m}_${b}_$round.json > $R/bench_${m}_${b}_$round.txt 2>&1; echo "rc=$?" >> $R/bench_${m}_${b}_$round.txt
    echo "== $m $b $round"; grep -iE 'p50|graph|rc=' $R/bench_${m}_${b}_$round.txt | head -6
  done
done
done
cd $OUT && tar czf r.tgz r

## run3
# Session 18 run 3 (2026-11-27, H100): the occupied tile-4 conv groups tiles 1/kTiles of the tile list apart
# (was: consecutive tiles). Build; all CUDA tests; the whole zoo (48 cases, .device-data/zoo.tar.xz) through
# scripts/zoo_fp16_check.py; the plan of one zoo model under sparse on; fused_marks_bench and
# spike_occupancy_bench on the tile-4 layers, this build, then the kernel file of HEAD (02dd4cb,
# .device-data/old_sparse_conv_f16.cu) swapped in and the benches rebuilt: old vs new on one machine.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; echo "build rc=$?"
cmake --build build-dev --target fused_marks_bench spike_occupancy_bench -j16 > $R/build_bench.txt 2>&1; echo "bench build rc=$?"
timeout 150 build-dev/tests/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests.txt 2>&1; echo "rc=$?" >> $R/cuda_tests.txt
grep -E "FAILED|Failure" -A6 $R/cuda_tests.txt | cut -c1-300 | head -30; tail -3 $R/cuda_tests.txt; snap
rm -rf .device-models && mkdir -p .device-models && tar xJf .device-data/zoo.tar.xz -C .device-models
timeout 200 env SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh zoo-fp16 > /dev/null 2>&1; echo "zoo rc=$?"; tail -2 $R/zoo-fp16.txt
Z=.device-models/snn/models
build-dev/tools/sfrun $Z/zoo_spiking_resnet18_cifar.onnx --input $Z/zoo_spiking_resnet18_cifar.input.npy --device cuda --precision fp16 --layout nhwc --sparse on --plan > $R/zoo_plan.txt 2>&1; echo "plan rc=$?"
echo "fused pairs marking: $(grep -c 'marks spike occupancy for' $R/zoo_plan.txt); convs on marks: $(grep -c 'no prescan' $R/zoo_plan.txt)"; snap
for b in new old; do
  if [ $b = old ]; then
    cp cuda/kernels/sparse_conv_f16.cu /tmp/new.cu && cp .device-data/old_sparse_conv_f16.cu cuda/kernels/sparse_conv_f16.cu
    cmake --build build-dev --target fused_marks_bench spike_occupancy_bench -j16 > $R/build_old.txt 2>&1; echo "old build rc=$?"
  fi
  timeout 90 build-dev/tests/perf/fused_marks_bench --reps 20 --only "l3 3x3 256" > $R/fused_marks_$b.txt 2>&1; echo "rc=$?" >> $R/fused_marks_$b.txt
  timeout 90 build-dev/tests/perf/spike_occupancy_bench --reps 20 --only "l3 3x3 256" > $R/occupancy_$b.txt 2>&1; echo "rc=$?" >> $R/occupancy_$b.txt
  snap
done
cp /tmp/new.cu cuda/kernels/sparse_conv_f16.cu
for b in new old; do echo "== $b"; cat $R/fused_marks_$b.txt; grep -A8 "l3" $R/occupancy_$b.txt | head -30; done
snap

## run4
# Session 18 run 4 (2026-11-27, H100): the occupied tile-4 conv takes the count of active tiles from the masks
# (every block) and groups tiles by the prescan path's rule (4 consecutive tiles per item once there are more
# active (tile, chunk) pairs than blocks, else one). Build; fused_marks_bench and spike_occupancy_bench on the
# tile-4 layers, this build, then the kernel file of 02dd4cb (.device-data/old_sparse_conv_f16.cu) swapped in
# and the benches rebuilt (old vs new on one machine); all CUDA tests.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; echo "build rc=$?"
cmake --build build-dev --target fused_marks_bench spike_occupancy_bench -j16 > $R/build_bench.txt 2>&1; echo "bench build rc=$?"
for b in new old; do
  if [ $b = old ]; then
    cp cuda/kernels/sparse_conv_f16.cu /tmp/new.cu && cp .device-data/old_sparse_conv_f16.cu cuda/kernels/sparse_conv_f16.cu
    cmake --build build-dev --target fused_marks_bench spike_occupancy_bench -j16 > $R/build_old.txt 2>&1; echo "old build rc=$?"
  fi
  timeout 90 build-dev/tests/perf/fused_marks_bench --reps 20 --only "l3 3x3 256" > $R/fused_marks_$b.txt 2>&1; echo "rc=$?" >> $R/fused_marks_$b.txt
  timeout 90 build-dev/tests/perf/spike_occupancy_bench --reps 20 --only "l3 3x3 256" > $R/occupancy_$b.txt 2>&1; echo "rc=$?" >> $R/occupancy_$b.txt
  snap
done
cp /tmp/new.cu cuda/kernels/sparse_conv_f16.cu
cmake --build build-dev -j16 > $R/build_back.txt 2>&1; echo "rebuild rc=$?"
timeout 150 build-dev/tests/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests.txt 2>&1; echo "rc=$?" >> $R/cuda_tests.txt
grep -E "FAILED|Failure" -A6 $R/cuda_tests.txt | cut -c1-300 | head -30; tail -3 $R/cuda_tests.txt; snap
for b in new old; do echo "== $b"; cat $R/fused_marks_$b.txt; grep -A9 "l3" $R/occupancy_$b.txt | grep -v "conv:" | head -20; done
snap

## run5
# Session 18 run 5 (2026-11-27, H100, run 4's machine and build): the whole zoo (48 cases,
# .device-data/zoo.tar.xz) through scripts/zoo_fp16_check.py, whose issue-12 column now compares the third
# run (sfrun --runs 3: spike-occupancy links on) fused against --no-fuse; the tools tests; racecheck and
# memcheck on the occupancy and fused-marks kernel tests (the occupied conv changed).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; echo "build rc=$?"
rm -rf .device-models && mkdir -p .device-models && tar xJf .device-data/zoo.tar.xz -C .device-models
timeout 240 env SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh zoo-fp16 > /dev/null 2>&1; echo "zoo rc=$?"; tail -2 $R/zoo-fp16.txt; snap
timeout 120 build-dev/tests/sf_tools_tests --gtest_brief=1 > $R/tools_tests.txt 2>&1; echo "rc=$?" >> $R/tools_tests.txt; tail -3 $R/tools_tests.txt; snap
F='SpikeOccupancyTest.*:FusedSpikeMarksTest.*'
timeout 100 /usr/local/cuda/bin/compute-sanitizer --tool racecheck --error-exitcode 9 build-dev/tests/sf_cuda_tests --gtest_filter="$F" --gtest_brief=1 > $R/racecheck.txt 2>&1; echo "racecheck rc=$?" >> $R/racecheck.txt; tail -2 $R/racecheck.txt; snap
timeout 100 /usr/local/cuda/bin/compute-sanitizer --tool memcheck --error-exitcode 9 build-dev/tests/sf_cuda_tests --gtest_filter="$F" --gtest_brief=1 > $R/memcheck.txt 2>&1; echo "memcheck rc=$?" >> $R/memcheck.txt; tail -2 $R/memcheck.txt
snap

## run6
# Session 18 run 6 (2026-11-27, H100): the occupied tile-4 conv as in run 4 (each block counts the active tiles
# from the masks, out of line: CountActiveTiles), but below the rule's bound an item holds tiles 1/kTiles of the
# tile list apart (`spread`) instead of one tile (run 4's runtime tile count per item cost 128 -> 96 registers and
# spills in the grouped NHWC kernel, ptxas; now its register count is the old one); and both paths group tiles once
# active (tile, chunk) pairs x kTiles > blocks (was: pairs > blocks). Build; all CUDA tests (the grouped-tiles
# test now also runs the occupied conv); fused_marks_bench and spike_occupancy_bench on the
# tile-4 layers, this build, then the kernel file of 02dd4cb (.device-data/old_sparse_conv_f16.cu) swapped in and
# the benches rebuilt (old vs new on one machine); last, the zoo check (48 cases, with the first build's sfrun).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; echo "build rc=$?"
cmake --build build-dev --target fused_marks_bench spike_occupancy_bench -j16 > $R/build_bench.txt 2>&1; echo "bench build rc=$?"
timeout 120 build-dev/tests/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests.txt 2>&1; echo "rc=$?" >> $R/cuda_tests.txt
grep -E "FAILED|Failure" -A6 $R/cuda_tests.txt | cut -c1-300 | head -30; tail -3 $R/cuda_tests.txt; snap
for b in new old; do
  if [ $b = old ]; then
    cp .device-data/old_sparse_conv_f16.cu cuda/kernels/sparse_conv_f16.cu
    cmake --build build-dev --target fused_marks_bench spike_occupancy_bench -j16 > $R/build_old.txt 2>&1; echo "old build rc=$?"
  fi
  timeout 70 build-dev/tests/perf/fused_marks_bench --reps 20 --only "l3 3x3 256" > $R/fused_marks_$b.txt 2>&1; echo "rc=$?" >> $R/fused_marks_$b.txt
  timeout 70 build-dev/tests/perf/spike_occupancy_bench --reps 20 --only "l3 3x3 256" > $R/occupancy_$b.txt 2>&1; echo "rc=$?" >> $R/occupancy_$b.txt
  snap
done
for b in new old; do echo "== $b"; cat $R/fused_marks_$b.txt; grep -A9 "l3" $R/occupancy_$b.txt | grep -v "conv:" | head -20; done
# The zoo last, with sfrun of the first build (static libraries: the old kernel went into the benches only).
rm -rf .device-models && mkdir -p .device-models && tar xJf .device-data/zoo.tar.xz -C .device-models
timeout 150 env SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh zoo-fp16 > /dev/null 2>&1; echo "zoo rc=$?"; tail -2 $R/zoo-fp16.txt
snap
