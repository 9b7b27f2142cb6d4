# Session 13 run 6: whole model, sfbench Spiking-ResNet18 / SEW-ResNet18 N=16 fp16 NHWC, links on (default) vs off, same machine.
set -x
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; tail -1 $R/build.txt
M=/tmp/m; mkdir -p $M
for m in spiking_resnet18 sew_resnet18; do
  python3 models/pack_weights.py onnx $m models/resnet18_fmnist/$m $M/$m.onnx > /dev/null 2>&1
done
for round in 1 2; do for m in spiking_resnet18 sew_resnet18; do for occ in on off; do
  SF_SPIKE_OCCUPANCY=$occ timeout 120 build-dev/tools/sfbench $M/$m.onnx --input models/resnet18_fmnist/test_input.npy --batch 16 \
    --precision fp16 --layout nhwc --warmup 30 --iters 300 --no-layers --json $R/${m}_${occ}_$round.json > $R/${m}_${occ}_$round.txt 2>&1
  echo "$m occ=$occ round=$round rc=$?"; grep -iE "graph|p50" $R/${m}_${occ}_$round.txt | head -4
done; done; done
grep -h "spike occupancy" $R/*_on_1.txt | cut -c1-250 | head
cd $OUT && tar czf r.tgz r
