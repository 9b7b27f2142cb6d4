#!/bin/bash
# Device script of the ninth run (2026-11-27), run from the repository root on the GPU machine with .device-debs carried; scripts/.old and scripts/.base held the baseline sources of the A/B (not committed).
# isolate from the helper's in-progress edits: HEAD versions of runtime/tools files
cp -r scripts/.base/runtime scripts/.base/tools scripts/.base/tests . 
for f in tests/*/*_test.cc; do grep -qx "$f" scripts/.base/testlist || { echo "drop $f"; rm -f $f; }; done
R=$OUT/r; mkdir -p $R
exec > >(tee $R/run.log) 2>&1
date; nvidia-smi --query-gpu=name --format=csv,noheader | tee $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > /dev/null; echo build rc $?
rm -rf /tmp/old && mkdir /tmp/old && cp -r CMakeLists.txt cmake cuda graph importers runtime tools tests models examples docs scripts .device-debs /tmp/old/ 2>/dev/null
cp scripts/.old/*.cu scripts/.old/*.cuh /tmp/old/cuda/kernels/
(cd /tmp/old && SF_BUILD_DIR=/tmp/old/build OUT=/tmp/oldout scripts/gpu-check.sh build > /dev/null; echo old build rc $?)
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
build-dev/tests/sf_cuda_tests --gtest_filter='*Neuron*:*Lif*:*LIF*:GpuFp16*' --gtest_brief=1 2>&1 | tail -6
D=/tmp/sf-bench-models; mkdir -p $D; [ -f $D/resnet_n16.npy ] || scripts/gpu-check.sh inputs $D >/dev/null 2>&1
for m in spiking_resnet18 sew_resnet18; do
 for b in old new old new; do
  bin=build-dev/tools/sfbench; [ $b = old ] && bin=/tmp/old/build/tools/sfbench
  $bin $D/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch 16 --precision fp16 --layout nhwc --warmup 30 --iters 300 --no-layers --kernel-trace $R/trace_${m}_n16_$b.txt --json $R/${m}_n16_$b.json > $R/${m}_n16_$b.txt 2>&1
  echo $m $b rc $?; grep -E "compute \(CUDA graph\)|CUPTI" $R/${m}_n16_$b.txt | cut -c1-200
 done
done
timeout 120 /usr/local/cuda/bin/ncu --kernel-name regex:NeuronVecKernel --launch-count 2 --section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats --section MemoryWorkloadAnalysis --section SchedulerStats $PWD/build-dev/tools/sfrun $D/spiking_resnet18.onnx --input $D/resnet_n16.npy --precision fp16 --layout nhwc --device cuda --output /tmp/o.npy > $R/ncu_neuron_uint4.txt 2>&1; echo ncu rc $?
grep -E "Duration|Throughput|Registers|Achieved Occupancy|Theoretical Occupancy|Warp Cycles Per Issued|Issued Warp" $R/ncu_neuron_uint4.txt
tar czf $OUT/r.tgz -C $OUT r
