#!/bin/bash
# Tenth run (2026-11-27): side stream for the shortcut convs (Options::overlap_branches), A/B against --no-overlap in the same build.
R=$OUT/r; mkdir -p $R
exec > >(tee $R/run.log) 2>&1
date; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > /dev/null; echo build rc $?
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
build-dev/tests/sf_cuda_tests --gtest_filter='SideStream*' --gtest_brief=1 2>&1 | tail -15
SF_CUDA_ARENA_BYPASS=1 timeout 200 /usr/local/cuda/bin/compute-sanitizer --tool memcheck --error-exitcode 9 build-dev/tests/sf_cuda_tests --gtest_filter='SideStream*' --gtest_brief=1 > $R/memcheck_side.log 2>&1; echo memcheck rc $?; tail -3 $R/memcheck_side.log
D=/tmp/sf-bench-models; mkdir -p $D; [ -f $D/resnet_n16.npy ] || scripts/gpu-check.sh inputs $D >/dev/null 2>&1
for n in 16 1; do for m in spiking_resnet18 sew_resnet18; do for v in on1 off1 on2 off2; do
  [ $n = 1 ] && [ ${v: -1} = 2 ] && continue
  x=""; [ ${v:0:3} = off ] && x=--no-overlap
  build-dev/tools/sfbench $D/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch $n --precision fp16 --layout nhwc --warmup 30 --iters 300 --no-layers $x --kernel-trace $R/trace_${m}_n${n}_$v.txt --json $R/${m}_n${n}_$v.json > $R/${m}_n${n}_$v.txt 2>&1
  echo "$m n$n $v rc $? $(grep -E 'compute \(CUDA graph\)' $R/${m}_n${n}_$v.txt | awk '{print $7}' | tr '\n' ' ') $(grep -E 'CUPTI' $R/${m}_n${n}_$v.txt | grep -o 'span [0-9.]* us = kernels [0-9.]* us + gaps [0-9.]*' | tr '\n' ' ') $(grep -E 'max.*diff|differ' $R/${m}_n${n}_$v.txt | head -2 | tr '\n' ' ')"
done; done; done
for m in spiking_resnet18 sew_resnet18; do
  python3 tools/bench_pytorch.py $m models/resnet18_fmnist/$m $D/resnet_n16.npy --iters 300 --json $R/pytorch_${m}_n16.json > $R/pytorch_${m}_n16.txt 2>&1; echo "pytorch $m rc $? $(grep -i 'graph' $R/pytorch_${m}_n16.txt | head -3 | tr '\n' ' ')"
done
tar czf $OUT/r.tgz -C $OUT r
build-dev/tests/sf_cuda_tests --gtest_brief=1 2>&1 | tail -8
build-dev/tests/sf_tools_tests --gtest_brief=1 2>&1 | tail -4
tar czf $OUT/r.tgz -C $OUT r
