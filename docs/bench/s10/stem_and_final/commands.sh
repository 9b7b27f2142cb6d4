#!/bin/bash
# Tenth run (2026-11-27): the NHWC direct conv+neuron kernel with 16 channels per thread and a compile-time neuron (scripts/.old held cuda/kernels/direct_conv_neuron.cu of 8d8197d, the kernel before; not committed), A/B on Spiking-ResNet18's stem; then the final numbers: tests, N=16/N=1 sfbench (layers + kernel trace) + PyTorch, both ResNet18s.
R=$OUT/r; mkdir -p $R
exec > >(tee $R/run.log) 2>&1
date; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > /dev/null; echo build rc $?
rm -rf /tmp/old && mkdir /tmp/old && cp -r CMakeLists.txt cmake cuda graph importers runtime tools tests models examples docs scripts .device-debs /tmp/old/ 2>/dev/null
cp scripts/.old/direct_conv_neuron.cu /tmp/old/cuda/kernels/
(cd /tmp/old && SF_BUILD_DIR=/tmp/old/build OUT=/tmp/oldout scripts/gpu-check.sh build > /dev/null; echo old build rc $?)
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
(build-dev/tests/sf_cuda_tests --gtest_brief=1 2>&1 | tail -15; build-dev/tests/sf_tools_tests --gtest_brief=1 2>&1 | tail -8) > $R/gpu_tests.log 2>&1
grep -E "PASSED|FAILED|SKIPPED" $R/gpu_tests.log
D=/tmp/sf-bench-models; mkdir -p $D; [ -f $D/resnet_n16.npy ] || scripts/gpu-check.sh inputs $D >/dev/null 2>&1
python3 -c "import numpy as n; r=n.load('models/resnet18_fmnist/test_input.npy'); n.save('$D/resnet_n1.npy', r.reshape(4,8,1,32,32)[:, :1].reshape(4,1,32,32).astype(n.float32))"
for v in old new old new; do
  bin=build-dev/tools/sfbench; [ $v = old ] && bin=/tmp/old/build/tools/sfbench
  m=spiking_resnet18
  $bin $D/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch 16 --precision fp16 --layout nhwc --warmup 30 --iters 300 --no-layers -v --kernel-trace $R/ab_trace_${m}_$v.txt --json $R/ab_${m}_$v.json > $R/ab_${m}_$v.txt 2> $R/ab_${m}_$v.err
  echo "ab $m $v rc $? $(grep -E 'compute \(CUDA graph\)' $R/ab_${m}_$v.txt | awk '{print $7}' | tr '\n' ' ') $(grep -E 'max.*diff' $R/ab_${m}_$v.txt | head -1)"
  grep -A3 "stem.0/Conv" $R/ab_trace_${m}_$v.txt | grep -E "^ +2 " | head -2
done
tar czf $OUT/r.tgz -C $OUT r
for n in 16 1; do for m in spiking_resnet18 sew_resnet18; do
  build-dev/tools/sfbench $D/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch $n --precision fp16 --layout nhwc --warmup 30 --iters 300 --layer-iters 10 --kernel-trace $R/trace_${m}_n$n.txt --json $R/${m}_n$n.json --export-profile $R/profile_${m}_n$n.json > $R/${m}_n$n.txt 2> $R/${m}_n$n.err
  echo $m n$n rc $?; grep -E "compute \(CUDA graph\)|CUPTI|per-step|max.*diff" $R/${m}_n$n.txt | cut -c1-200
  python3 tools/bench_pytorch.py $m models/resnet18_fmnist/$m $D/resnet_n$n.npy --iters 300 --json $R/pytorch_${m}_n$n.json > $R/pytorch_${m}_n$n.txt 2>&1; echo pt rc $?; grep "graph fp16" $R/pytorch_${m}_n$n.txt
  tar czf $OUT/r.tgz -C $OUT r
done; done
