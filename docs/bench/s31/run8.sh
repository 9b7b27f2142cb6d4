# Session 31 run 8 (H200): the share of the density crossover's calibration in --sparse auto's load on the trained
# Spiking-ResNet18 (1dd4514): sfbench cold start with SF_SPARSE_SWITCH=off (no calibration) against the default, 3 processes each.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/sfbench.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
xz -T8 -dc build-bin/sr18.tar.xz | tar xf - -C /tmp
M=/tmp/sr18/sr18.onnx; X=/tmp/sr18/test_input.npy
B="--batch 16 --precision fp16 --layout nhwc --warmup 5 --iters 20 --layer-iters 2"
for rep in 1 2 3; do
  for v in default off; do
    if [ $v = default ]; then E=""; else E="SF_SPARSE_SWITCH=off"; fi
    env $E timeout 100 /tmp/bin/sfbench $M --input $X $B > $R/cold_${v}_${rep}.txt 2>&1; grep "sparseflow plan: cold start" $R/cold_${v}_${rep}.txt | sed "s/^/switch $v $rep: /" | tee -a $R/cold.txt
  done
done
snap
