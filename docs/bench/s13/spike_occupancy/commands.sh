# Session 13 (2026-11-27): the spike occupancy runs. Each ran on a fresh device machine from the working tree of the moment;
# the device tool gave an H100 for run 1 and H200s for runs 2-8 (gpu.txt). Scripts as run (run N = scripts/.devN.sh).
# run1: first marking kernel (a load + atomic per vector) -> run1/bench.txt; runtime tests failed there (a test bug, fixed).
# run2: 32-bit index math, lanes of one pixel OR their bits by shuffles -> run2/ (bench, zoo: sfrun --sparse on, links vs none).
# run3: all CUDA tests passed, memcheck 0 errors; racecheck timed out at 100 s (with the runtime test); bench not kept (superseded).
# run4: one warp ballot per step instead of the shuffles, places in registers -> run4/bench.txt.
# run5: the occupied conv triages empty tiles per warp; the bench's +clear column -> run5/ (final code, 136/136 CUDA tests).
# run7: compute-sanitizer on the final code -> sanitize/.

## run1
# Session 13 run 1: spike occupancy tests, all CUDA tests, spike_occupancy_bench, zoo sparse on with/without links.
set -x
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
git log -1 --format=%h > $R/commit.txt 2>/dev/null
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1
(cd build-dev && cmake --build . --target spike_occupancy_bench -j 16 >> $R/build.txt 2>&1); tail -2 $R/build.txt
timeout 150 build-dev/tests/sf_cuda_tests --gtest_filter='SpikeOccupancy*' > $R/occ_tests.txt 2>&1; echo "rc=$?" >> $R/occ_tests.txt
grep -E "OK \]|FAILED|Failure|error|linked" $R/occ_tests.txt | head -40; tail -3 $R/occ_tests.txt
timeout 150 build-dev/tests/perf/spike_occupancy_bench --reps 20 > $R/bench.txt 2>&1; echo "rc=$?" >> $R/bench.txt
cat $R/bench.txt
timeout 170 build-dev/tests/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests.txt 2>&1; echo "rc=$?" >> $R/cuda_tests.txt
grep -E "FAILED" $R/cuda_tests.txt | head; tail -4 $R/cuda_tests.txt
cd $OUT && tar czf r.tgz r

## run2: run1's build and test lines, then the bench, then:
M=/tmp/m; mkdir -p $M
for m in spiking_resnet18 sew_resnet18; do
  python3 models/pack_weights.py onnx $m models/resnet18_fmnist/$m $M/$m.onnx > /dev/null 2>&1
  for occ in on off; do
    SF_SPIKE_OCCUPANCY=$occ timeout 60 build-dev/tools/sfrun $M/$m.onnx --input models/resnet18_fmnist/test_input.npy \
      --device cuda --precision fp16 --layout nhwc --sparse on --plan --output $M/${m}_$occ.npy > $R/zoo_${m}_$occ.txt 2>&1; echo "rc=$?" >> $R/zoo_${m}_$occ.txt
  done
  python3 -c "import numpy as np,sys; a=np.load('$M/${m}_on.npy'); b=np.load('$M/${m}_off.npy'); print('$m sparse on, links vs none: max|diff|', abs(a-b).max(), a.shape)" | tee -a $R/zoo.txt
  grep -c "spike occupancy from" $R/zoo_${m}_on.txt | tee -a $R/zoo.txt
  grep -E "spike occupancy" $R/zoo_${m}_on.txt | cut -c1-300 | head -8
done

## run5: run1's build line, then (run4 was the same without the all-tests line):
timeout 100 build-dev/tests/sf_cuda_tests --gtest_filter='SpikeOccupancy*:GpuNeuron*:NeuronAdd*' --gtest_brief=1 > $R/occ_tests.txt 2>&1; echo "rc=$?" >> $R/occ_tests.txt
timeout 150 build-dev/tests/perf/spike_occupancy_bench --reps 20 > $R/bench.txt 2>&1; echo "rc=$?" >> $R/bench.txt
timeout 150 build-dev/tests/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests.txt 2>&1; echo "rc=$?" >> $R/cuda_tests.txt

## run7 (sanitize/)
CS=/usr/local/cuda/bin/compute-sanitizer
run() {  # tool filter seconds name
  timeout $3 $CS --tool $1 --error-exitcode 99 build-dev/tests/sf_cuda_tests --gtest_filter="$2" --gtest_brief=1 > $R/$4.txt 2>&1
  echo "$4 rc=$?" | tee -a $R/$4.txt; grep -E "SUMMARY|PASSED|FAILED" $R/$4.txt | head -4
}
run memcheck 'SpikeOccupancy*' 150 memcheck
run racecheck 'SpikeOccupancyTest.OneNeuronMarksTwoConvs:SpikeOccupancyTest.ScalarKernel*' 120 racecheck_small
run racecheck 'SpikeOccupancyTest.MasksAndConv*' 200 racecheck_shapes
cd $OUT && tar czf r.tgz r

## run9 (run9/): the occupancy tests after adding the c 128 and 256 shapes (32 lanes per pixel): run1's build line, then
timeout 100 build-dev/tests/sf_cuda_tests --gtest_filter='SpikeOccupancy*' --gtest_brief=1 > $R/occ_tests.txt 2>&1; echo "rc=$?" >> $R/occ_tests.txt

## run10 (run10/): masks in the executor's arena, cleared with its error flags; the rig and the bench clear them before a graph of runs (final code)
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1
(cd build-dev && cmake --build . --target spike_occupancy_bench -j 16 >> $R/build.txt 2>&1); tail -1 $R/build.txt
timeout 100 build-dev/tests/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests.txt 2>&1; echo "rc=$?" >> $R/cuda_tests.txt
grep -E "FAILED|Failure" $R/cuda_tests.txt | cut -c1-300 | head; tail -3 $R/cuda_tests.txt
timeout 100 build-dev/tests/perf/spike_occupancy_bench --reps 20 > $R/bench.txt 2>&1; echo "rc=$?" >> $R/bench.txt
cat $R/bench.txt
