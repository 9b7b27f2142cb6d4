# Session 15 run 4 (2026-11-27, H100): tensor traffic per step in sfbench (modelled bytes, fusions followed)
# on the trained ResNet18s at N=16 fp16 NHWC with per-step tables; GPU tools tests and profiling tests.
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; tail -1 $R/build.txt
timeout 200 build-dev/tests/sf_tools_tests --gtest_brief=1 > $R/tools_tests.txt 2>&1; echo "rc=$?" >> $R/tools_tests.txt; tail -3 $R/tools_tests.txt
timeout 100 build-dev/tests/sf_cuda_tests --gtest_filter='GpuStepParts*:*Profile*:SpikePacked*' --gtest_brief=1 > $R/cuda_tests.txt 2>&1; echo "rc=$?" >> $R/cuda_tests.txt; tail -3 $R/cuda_tests.txt
M=/tmp/m; mkdir -p $M
for m in spiking_resnet18 sew_resnet18; do
  python3 models/pack_weights.py onnx $m models/resnet18_fmnist/$m $M/$m.onnx > /dev/null 2>&1
  timeout 150 build-dev/tools/sfbench $M/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch 16 \
    --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 --json $R/$m.json > $R/$m.txt 2>&1
  echo "$m rc=$?"; sed -n '/^tensor traffic/,/moves/p' $R/$m.txt; grep "CUDA graph" $R/$m.txt | cut -c1-60
done
cd $OUT && tar czf r.tgz r
