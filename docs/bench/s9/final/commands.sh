#!/bin/bash
# Device script of the ninth run (2026-11-27), run from the repository root on the GPU machine with .device-debs carried; scripts/.old and scripts/.base held the baseline sources of the A/B (not committed).
# final: tests + N=16/N=1 sfbench (layers + kernel trace) + PyTorch, both ResNet18s
R=$OUT/r; mkdir -p $R
exec > >(tee $R/run.log) 2>&1
date; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > /dev/null; echo build rc $?
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
(build-dev/tests/sf_cuda_tests --gtest_brief=1 2>&1 | tail -15; build-dev/tests/sf_tools_tests --gtest_brief=1 2>&1 | tail -8) > $R/gpu_tests.log 2>&1
grep -E "PASSED|FAILED|SKIPPED" $R/gpu_tests.log
D=/tmp/sf-bench-models; mkdir -p $D; [ -f $D/resnet_n16.npy ] || scripts/gpu-check.sh inputs $D >/dev/null 2>&1
python3 -c "import numpy as n; r=n.load('models/resnet18_fmnist/test_input.npy'); n.save('$D/resnet_n1.npy', r.reshape(4,8,1,32,32)[:, :1].reshape(4,1,32,32).astype(n.float32))"
for n in 16 1; do for m in spiking_resnet18 sew_resnet18; do
  SF_CUDNN_SEARCH_LOG=$([ $n = 16 ] && echo 1 || echo 0) build-dev/tools/sfbench $D/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch $n --precision fp16 --layout nhwc --warmup 30 --iters 300 --layer-iters 20 --kernel-trace $R/trace_${m}_n$n.txt --json $R/${m}_n$n.json --export-profile $R/profile_${m}_n$n.json > $R/${m}_n$n.txt 2> $R/${m}_n$n.err
  echo $m n$n rc $?; grep -E "compute \(CUDA graph\)|CUPTI|per-step|^  (sparseflow|dense) " $R/${m}_n$n.txt | cut -c1-220
  python3 tools/bench_pytorch.py $m models/resnet18_fmnist/$m $D/resnet_n$n.npy --iters 300 --json $R/pytorch_${m}_n$n.json > $R/pytorch_${m}_n$n.txt 2>&1; echo pt rc $?; grep "graph fp16" $R/pytorch_${m}_n$n.txt
done; done
tar czf $OUT/r.tgz -C $OUT r
