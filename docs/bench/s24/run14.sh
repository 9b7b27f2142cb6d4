# Session 24 run 14 (H200): run 13's sfbench A/X again without --batch (the zoo model's input has a
# fixed batch: run 13's sfbench runs refused it): fp16 NCHW, the model's own input (batch 2, T 2).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
tar xzf build-bin/zoo.tgz -C /tmp
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
m=/tmp/zoo/snn/models; z=zoo_spiking_resnet18_cifar
for v in A X; do
  timeout 60 /tmp/bin/sfbench_$v $m/$z.onnx --input $m/$z.input.npy --precision fp16 --layout nchw --warmup 20 --iters 200 --layer-iters 20 --label "random weights, $v" > $R/sfbench_$v.txt 2>&1; echo "rc=$?" >> $R/sfbench_$v.txt
done
for v in A X; do echo "== $v"; grep -B2 -A40 -i "prescan" $R/sfbench_$v.txt | grep -iE "prescan|Conv|p50" | head -24; done
snap
