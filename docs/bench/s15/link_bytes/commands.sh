# Session 15 run 6 (2026-11-27, H100): the plan's spike link bytes: packed-spike tests, sfrun --plan on the
# trained ResNet18s (fp16 NHWC, auto; default fusion and --no-fuse).
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; tail -1 $R/build.txt
timeout 120 build-dev/tests/sf_cuda_tests --gtest_filter='SpikePacked*:SpikeOccupancy*:GpuExecutor*' --gtest_brief=1 > $R/tests.txt 2>&1; echo "rc=$?" >> $R/tests.txt; tail -3 $R/tests.txt
M=/tmp/m; mkdir -p $M
for m in spiking_resnet18 sew_resnet18; do
  python3 models/pack_weights.py onnx $m models/resnet18_fmnist/$m $M/$m.onnx > /dev/null 2>&1
  for f in "" "--no-fuse"; do
    timeout 90 build-dev/tools/sfrun $M/$m.onnx --input models/resnet18_fmnist/test_input.npy --device cuda \
      --precision fp16 --layout nhwc $f --plan --plan-json $R/${m}${f}.json > $R/${m}${f}.txt 2>&1; echo "$m $f rc=$?"
    grep -E "^memory|^spike links" $R/${m}${f}.txt
  done
done
cd $OUT && tar czf r.tgz r
