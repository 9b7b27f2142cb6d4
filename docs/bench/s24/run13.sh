# Session 24 run 13 (H200): the NCHW prescan by window rows (a thread per (channel, row): the row's
# halves loaded at once, one division per row) and the NCHW bias store by tile rows (X), against HEAD
# (A). The sparse conv tests and the zoo (sparse on against off in NCHW and NHWC) on X; sfbench A/X on
# the zoo's Spiking-ResNet18 (random weights) in fp16 NCHW at batch 16, whose layer table gives
# each sparse conv's prescan time.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 120 /tmp/bin/sf_cuda_tests --gtest_brief=1 --gtest_filter='SparseConvF16*:SpikeOccupancy*:DensitySwitch*' > $R/tests_X.txt 2>&1; echo "rc=$?" >> $R/tests_X.txt; tail -3 $R/tests_X.txt; snap
tar xzf build-bin/zoo.tgz -C /tmp
timeout 200 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo_X.txt 2>&1; echo "rc=$?" >> $R/zoo_X.txt; tail -2 $R/zoo_X.txt; snap
m=/tmp/zoo/snn/models; z=zoo_spiking_resnet18_cifar
for v in A X A X; do
  timeout 60 /tmp/bin/sfbench_$v $m/$z.onnx --input $m/$z.input.npy --precision fp16 --layout nchw --batch 16 --warmup 20 --iters 200 --layer-iters 20 --label "random weights, $v" > $R/sfbench_$v.txt 2>&1; echo "rc=$?" >> $R/sfbench_$v.txt
done
for v in A X; do echo "== $v"; grep -iE "prescan|^ *name|conv" $R/sfbench_$v.txt | head -30; done
snap
