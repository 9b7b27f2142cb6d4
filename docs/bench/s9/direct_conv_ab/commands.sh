#!/bin/bash
# Device script of the ninth run (2026-11-27), run from the repository root on the GPU machine with .device-debs carried; scripts/.old and scripts/.base held the baseline sources of the A/B (not committed).
# direct conv+neuron A/B, tests, ncu
R=$OUT/r; mkdir -p $R
exec > >(tee $R/run.log) 2>&1
date; nvidia-smi --query-gpu=name --format=csv,noheader | tee $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > /dev/null; echo build rc $?
rm -rf /tmp/old && mkdir /tmp/old && cp -r CMakeLists.txt cmake cuda graph importers runtime tools tests models examples docs scripts .device-debs /tmp/old/ 2>/dev/null
cp scripts/.old/*.cu scripts/.old/*.cuh /tmp/old/cuda/kernels/
(cd /tmp/old && SF_BUILD_DIR=/tmp/old/build OUT=/tmp/oldout scripts/gpu-check.sh build > /dev/null; echo old build rc $?)
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
build-dev/tests/sf_cuda_tests --gtest_filter='*DirectConv*:*Neuron*:*Lif*:*LIF*:GpuFp16*' --gtest_brief=1 2>&1 | tail -6
D=/tmp/sf-bench-models; mkdir -p $D; [ -f $D/resnet_n16.npy ] || scripts/gpu-check.sh inputs $D >/dev/null 2>&1
for m in spiking_resnet18 sew_resnet18; do
  /tmp/old/build/tools/sfbench $D/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch 16 --precision fp16 --layout nhwc --warmup 30 --iters 300 --layer-iters 20 --json $R/${m}_n16_old.json > $R/${m}_n16_old.txt 2>&1
  echo $m old rc $?; grep -E "compute \(CUDA graph\)|stem.0/Conv" $R/${m}_n16_old.txt | cut -c1-400
  build-dev/tools/sfbench $D/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch 16 --precision fp16 --layout nhwc --warmup 30 --iters 300 --layer-iters 20 --kernel-trace $R/trace_${m}_n16.txt --json $R/${m}_n16.json > $R/${m}_n16.txt 2>&1
  echo $m new rc $?; grep -E "compute \(CUDA graph\)|CUPTI|stem.0/Conv" $R/${m}_n16.txt | cut -c1-400
done
timeout 120 /usr/local/cuda/bin/ncu --kernel-name regex:DirectConvNeuronNhwc --launch-count 1 --section SpeedOfLight --section Occupancy --section LaunchStats --section WarpStateStats --section MemoryWorkloadAnalysis $PWD/build-dev/tools/sfrun $D/spiking_resnet18.onnx --input $D/resnet_n16.npy --precision fp16 --layout nhwc --device cuda --sparse on --output /tmp/o.npy > $R/ncu_direct.txt 2>&1; echo ncu rc $?
grep -E "Duration|Throughput|Registers|Achieved Occupancy|Theoretical Occupancy|Warp Cycles Per Issued" $R/ncu_direct.txt
tar czf $OUT/r.tgz -C $OUT r
