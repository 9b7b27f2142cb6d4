# Session 15 run 9 (2026-11-27, H100): after the review refactors (gather halo pixel helper, neuron
# packing block merged, executor link layout computed once, shared test helpers): the affected CUDA
# tests, memcheck on the packed tests, and spike_packed_bench on two layers against run 1's figures.
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; tail -1 $R/build.txt
cmake --build build-dev --target spike_packed_bench -j16 > $R/build_bench.txt 2>&1; echo "bench build rc=$?"
timeout 200 build-dev/tests/sf_cuda_tests --gtest_filter='SpikePacked*:SpikeOccupancy*:SpikeGather*:GpuNeuron*:NeuronAdd*:GpuExecutor*:SideStream*:GpuStepParts*:*Profile*' --gtest_brief=1 > $R/tests.txt 2>&1; echo "rc=$?" >> $R/tests.txt; tail -3 $R/tests.txt
timeout 120 /usr/local/cuda/bin/compute-sanitizer --tool memcheck --error-exitcode 9 build-dev/tests/sf_cuda_tests --gtest_filter='SpikePackedTest.*' --gtest_brief=1 > $R/memcheck.txt 2>&1; echo "memcheck rc=$?" >> $R/memcheck.txt; tail -2 $R/memcheck.txt
for l in "64@32" "256@8"; do timeout 60 build-dev/tests/perf/spike_packed_bench --reps 20 --only "3x3 $l" >> $R/bench.txt 2>&1; done; cat $R/bench.txt
cd $OUT && tar czf r.tgz r
