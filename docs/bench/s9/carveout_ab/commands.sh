#!/bin/bash
# Device script of the ninth run (2026-11-27), run from the repository root on the GPU machine with .device-debs carried; scripts/.old and scripts/.base held the baseline sources of the A/B (not committed).
# carveout A/B + full N=16 run
R=$OUT/r; mkdir -p $R
exec > >(tee $R/run.log) 2>&1
date; nvidia-smi --query-gpu=name --format=csv,noheader | tee $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > /dev/null; echo build rc $?
rm -rf /tmp/old && mkdir /tmp/old && cp -r CMakeLists.txt cmake cuda graph importers runtime tools tests models examples docs scripts .device-debs /tmp/old/ 2>/dev/null
sed -i '/PreferMaxSharedCarveout<.*>();/d' /tmp/old/cuda/kernels/*.cu; grep -c PreferMax /tmp/old/cuda/kernels/*.cu | tr '\n' ' '; echo
(cd /tmp/old && SF_BUILD_DIR=/tmp/old/build OUT=/tmp/oldout scripts/gpu-check.sh build > /dev/null; echo old build rc $?)
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
D=/tmp/sf-bench-models; mkdir -p $D; [ -f $D/resnet_n16.npy ] || scripts/gpu-check.sh inputs $D >/dev/null 2>&1
for m in spiking_resnet18 sew_resnet18; do
  /tmp/old/build/tools/sfbench $D/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch 16 --precision fp16 --layout nhwc --warmup 30 --iters 300 --no-layers --kernel-trace $R/trace_${m}_n16_nocarve.txt --json $R/${m}_n16_nocarve.json > $R/${m}_n16_nocarve.txt 2>&1
  echo $m nocarve rc $?; grep -E "compute \(CUDA graph\)|CUPTI" $R/${m}_n16_nocarve.txt
  build-dev/tools/sfbench $D/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch 16 --precision fp16 --layout nhwc --warmup 30 --iters 300 --layer-iters 20 --kernel-trace $R/trace_${m}_n16.txt --json $R/${m}_n16.json > $R/${m}_n16.txt 2>&1
  echo $m new rc $?; grep -E "compute \(CUDA graph\)|CUPTI|^  (sparseflow|dense) " $R/${m}_n16.txt
  python3 tools/bench_pytorch.py $m models/resnet18_fmnist/$m $D/resnet_n16.npy --iters 300 --json $R/pytorch_${m}_n16.json > $R/pytorch_${m}_n16.txt 2>&1; echo pt rc $?; grep "graph fp16" $R/pytorch_${m}_n16.txt
done
tar czf $OUT/r.tgz -C $OUT r
