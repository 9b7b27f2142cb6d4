#!/bin/bash
# Device script of the ninth run (2026-11-27), run from the repository root on the GPU machine with .device-debs carried; scripts/.old and scripts/.base held the baseline sources of the A/B (not committed).
# new build + old-neuron build, tests, A/B bench, pytorch
R=$OUT/r; mkdir -p $R
exec > >(tee $R/run.log) 2>&1
date; nvidia-smi --query-gpu=name --format=csv,noheader
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > /dev/null; echo build rc $?
rm -rf /tmp/old && mkdir /tmp/old && cp -r CMakeLists.txt cmake cuda graph importers runtime tools tests models examples docs scripts .device-debs /tmp/old/ 2>/dev/null
cp scripts/.old/neuron.cu /tmp/old/cuda/kernels/neuron.cu; cp scripts/.old/neuron_fire.cuh /tmp/old/cuda/kernels/neuron_fire.cuh
(cd /tmp/old && SF_BUILD_DIR=/tmp/old/build OUT=/tmp/oldout scripts/gpu-check.sh build > /dev/null; echo old build rc $?)
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
build-dev/tests/sf_cuda_tests --gtest_filter='*Neuron*:*Lif*:*LIF*:KernelTrace*:GpuFp16*:DirectConv*' --gtest_brief=1 2>&1 | tail -8
D=/tmp/sf-bench-models; mkdir -p $D; [ -f $D/resnet_n16.npy ] || scripts/gpu-check.sh inputs $D >/dev/null 2>&1
for m in spiking_resnet18 sew_resnet18; do
 for b in new old; do
  bin=build-dev/tools/sfbench; [ $b = old ] && bin=/tmp/old/build/tools/sfbench
  tr=""; [ $b = new ] && tr="--kernel-trace $R/trace_${m}_n16.txt"
  $bin $D/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch 16 --precision fp16 --layout nhwc --warmup 30 --iters 300 --no-layers $tr --json $R/${m}_n16_$b.json > $R/${m}_n16_$b.txt 2>&1
  echo $m $b rc $?; grep -E "compute \(CUDA graph\)|CUPTI" $R/${m}_n16_$b.txt
 done
 python3 tools/bench_pytorch.py $m models/resnet18_fmnist/$m $D/resnet_n16.npy --iters 300 --json $R/pytorch_${m}_n16.json > $R/pytorch_${m}_n16.txt 2>&1; echo pt rc $?; tail -4 $R/pytorch_${m}_n16.txt
done
tar czf $OUT/r.tgz -C $OUT r
