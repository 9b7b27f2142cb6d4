#!/bin/bash
# Tenth run (2026-11-27), last device run: the stem kernel with 8 instead of 16 channels per thread (/tmp/v8: kWideVec = 8, not committed) against the committed kernel; then N=16 with --layer-iters 20 (the per-step tables) + PyTorch, both ResNet18s.
R=$OUT/r; mkdir -p $R
exec > >(tee $R/run.log) 2>&1
date; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > /dev/null; echo build rc $?
rm -rf /tmp/v8 && mkdir /tmp/v8 && cp -r CMakeLists.txt cmake cuda graph importers runtime tools tests models examples docs scripts .device-debs /tmp/v8/ 2>/dev/null
sed -i 's/constexpr int kWideVec = 16;/constexpr int kWideVec = 8;/' /tmp/v8/cuda/kernels/direct_conv_neuron.cu; grep -n "kWideVec = " /tmp/v8/cuda/kernels/direct_conv_neuron.cu
(cd /tmp/v8 && SF_BUILD_DIR=/tmp/v8/build OUT=/tmp/v8out scripts/gpu-check.sh build > /dev/null; echo v8 build rc $?)
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
/tmp/v8/build/tests/sf_cuda_tests --gtest_filter='DirectConv*' --gtest_brief=1 2>&1 | tail -2
D=/tmp/sf-bench-models; mkdir -p $D; [ -f $D/resnet_n16.npy ] || scripts/gpu-check.sh inputs $D >/dev/null 2>&1
for v in v16 v8 v16 v8; do
  bin=build-dev/tools/sfbench; [ $v = v8 ] && bin=/tmp/v8/build/tools/sfbench
  m=spiking_resnet18
  $bin $D/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch 16 --precision fp16 --layout nhwc --warmup 30 --iters 300 --no-layers --kernel-trace $R/ab_trace_${m}_$v.txt --json $R/ab_${m}_$v.json > $R/ab_${m}_$v.txt 2> $R/ab_${m}_$v.err
  echo "ab $m $v rc $? $(grep -E 'compute \(CUDA graph\)' $R/ab_${m}_$v.txt | awk '{print $7}' | tr '\n' ' ') $(grep -E 'max.*diff' $R/ab_${m}_$v.txt | head -1)"
  awk '/per plan step/{f++} f==1' $R/ab_trace_${m}_$v.txt | grep -E "stem.0/Conv"
done
tar czf $OUT/r.tgz -C $OUT r
for m in spiking_resnet18 sew_resnet18; do n=16
  build-dev/tools/sfbench $D/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch $n --precision fp16 --layout nhwc --warmup 30 --iters 300 --layer-iters 20 --kernel-trace $R/trace_${m}_n$n.txt --json $R/${m}_n$n.json --export-profile $R/profile_${m}_n$n.json > $R/${m}_n$n.txt 2> $R/${m}_n$n.err
  echo $m n$n rc $?; grep -E "compute \(CUDA graph\)|CUPTI|per-step|max.*diff|^  (sparseflow|dense) +5" $R/${m}_n$n.txt | cut -c1-200
  python3 tools/bench_pytorch.py $m models/resnet18_fmnist/$m $D/resnet_n$n.npy --iters 300 --json $R/pytorch_${m}_n$n.json > $R/pytorch_${m}_n$n.txt 2>&1; echo pt rc $?; grep "graph fp16" $R/pytorch_${m}_n$n.txt
  tar czf $OUT/r.tgz -C $OUT r
done
