#!/bin/bash
# Device script of the ninth run (2026-11-27); scripts/.old = HEAD a4e5f47 neuron.cu/device_util.cuh, scripts/.pdl = those with programmatic dependent launch only, build-dev = PDL + narrower vectors for small steps (not kept).
# neuron launch: base (HEAD) vs +PDL vs +PDL+narrow vectors for small steps
R=$OUT/r; mkdir -p $R
exec > >(tee $R/run.log) 2>&1
date; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > /dev/null; echo build rc $?
for v in old pdl; do
  rm -rf /tmp/$v && mkdir /tmp/$v && cp -r CMakeLists.txt cmake cuda graph importers runtime tools tests models examples docs scripts .device-debs /tmp/$v/ 2>/dev/null
  cp scripts/.$v/neuron.cu scripts/.$v/device_util.cuh /tmp/$v/cuda/kernels/
  (cd /tmp/$v && SF_BUILD_DIR=/tmp/$v/build OUT=/tmp/${v}out scripts/gpu-check.sh build > /dev/null; echo $v build rc $?)
done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
build-dev/tests/sf_cuda_tests --gtest_filter='*Neuron*:*Lif*:*LIF*:GpuFp16*:*DirectConv*:*Trace*:*StepByStep*' --gtest_brief=1 2>&1 | tail -5
SF_CUDA_ARENA_BYPASS=1 timeout 200 /usr/local/cuda/bin/compute-sanitizer --tool memcheck --error-exitcode 9 build-dev/tests/sf_cuda_tests --gtest_filter='NeuronAddTest.*:GpuNeuronTest.*' --gtest_brief=1 > $R/memcheck_neuron.log 2>&1; echo memcheck rc $?; tail -3 $R/memcheck_neuron.log
D=/tmp/sf-bench-models; mkdir -p $D; [ -f $D/resnet_n16.npy ] || scripts/gpu-check.sh inputs $D >/dev/null 2>&1
for n in 16 1; do for m in spiking_resnet18 sew_resnet18; do for v in old pdl new old pdl new; do
  [ $n = 1 ] && [ $v = pdl ] && continue
  bin=build-dev/tools/sfbench; [ $v != new ] && bin=/tmp/$v/build/tools/sfbench
  $bin $D/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch $n --precision fp16 --layout nhwc --warmup 30 --iters 300 --no-layers --kernel-trace $R/trace_${m}_n${n}_$v.txt --json $R/${m}_n${n}_$v.json > $R/${m}_n${n}_$v.txt 2>&1
  echo "$m n$n $v rc $? $(grep -E 'compute \(CUDA graph\)' $R/${m}_n${n}_$v.txt | awk '{print $7}' | tr '\n' ' ') $(grep -E 'CUPTI' $R/${m}_n${n}_$v.txt | grep -o 'span [0-9.]* us = kernels [0-9.]* us + idle gaps [0-9.]*' | tr '\n' ' ')"
done; done; done
tar czf $OUT/r.tgz -C $OUT r
