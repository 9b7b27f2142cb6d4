# Session 11 run 6 (2026-11-27, H100): the PDL-launched kernels (neurons, sparse conv) and the fused stem asking for the
# max shared-memory carveout (cudaFuncAttributePreferredSharedMemoryCarveout), A/B against HEAD a208f9c; measured, NOT kept.
R=$OUT/r; mkdir -p $R
exec > >(tee $R/run.log) 2>&1
date; nvidia-smi --query-gpu=name,driver_version --format=csv,noheader | tee $R/gpu.txt
rm -rf /tmp/old && mkdir /tmp/old && cp -r CMakeLists.txt cmake cuda graph importers runtime tests tools models examples scripts .device-debs /tmp/old/ && cp -r scripts/.ab2/cuda/kernels/* /tmp/old/cuda/kernels/
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > /dev/null; echo build rc $?
(cd /tmp/old && SF_BUILD_DIR=/tmp/old/build OUT=/tmp/oldout scripts/gpu-check.sh build > /dev/null; echo old build rc $?)
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
build-dev/tests/sf_cuda_tests --gtest_brief=1 2>&1 | tail -2
D=/tmp/sf-bench-models; mkdir -p $D; scripts/gpu-check.sh inputs $D > /dev/null 2>&1
m=spiking_resnet18
for v in new old new old; do
  bin=build-dev/tools/sfbench; [ $v = old ] && bin=/tmp/old/build/tools/sfbench
  $bin $D/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch 16 --precision fp16 --layout nhwc --warmup 30 --iters 300 --no-layers --kernel-trace $R/trace_$v.txt --json $R/ab_$v.json > $R/ab_$v.txt 2>&1
  echo "$v rc $? $(grep -E 'compute \(CUDA graph\)' $R/ab_$v.txt | awk '{print $7}' | tr '\n' ' ') $(grep -E 'kernels, span' $R/trace_$v.txt | tr '\n' ' ')"
  cp $R/trace_$v.txt $R/trace_${v}_$(date +%s).txt
done
tar czf $OUT/r.tgz -C $OUT r
