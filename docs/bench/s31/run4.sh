# Session 31 run 4 (H200): run 3's kernel with regions of 16 tiles instead of 32 (dealt by the global counter):
# the trained Spiking-ResNet18 forced compact (sfbench per-conv times).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/sfbench.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
xz -T8 -dc build-bin/sr18.tar.xz | tar xf - -C /tmp
M=/tmp/sr18/sr18.onnx; X=/tmp/sr18/test_input.npy
SF_SPARSE_F16_KERNEL=compact timeout 150 /tmp/bin/sfbench $M --input $X --batch 16 --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 > $R/sr18_compact.txt 2>&1; echo "rc=$?" >> $R/sr18_compact.txt; grep -E "rc=" $R/sr18_compact.txt | head; snap
