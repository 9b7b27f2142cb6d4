# Session 31 run 2 (H200): compacted kernel v4 (window ORs per region, 32-channel conversion tasks, tiles dealt to warps by a shared counter; compact_v4.patch): its tests, the trained Spiking-ResNet18 forced compact and in auto, outputs, CIFAR gbench forced compact.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *.tar.xz) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
xz -T8 -dc build-bin/sr18.tar.xz | tar xf - -C /tmp
timeout 200 /tmp/bin/sf_cuda_tests --gtest_filter='*Compact*:*SpikeGather*:*ForcedKernel*' > $R/compact_tests.txt 2>&1; echo "rc=$?" >> $R/compact_tests.txt; grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=" $R/compact_tests.txt | head -20; snap
M=/tmp/sr18/sr18.onnx; X=/tmp/sr18/test_input.npy
SF_SPARSE_F16_KERNEL=compact timeout 150 /tmp/bin/sfbench $M --input $X --batch 16 --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 > $R/sr18_compact.txt 2>&1; echo "rc=$?" >> $R/sr18_compact.txt; grep -E "compute|rc=" $R/sr18_compact.txt | head; snap
timeout 150 /tmp/bin/sfbench $M --input $X --batch 16 --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 > $R/sr18_auto.txt 2>&1; echo "rc=$?" >> $R/sr18_auto.txt; grep -E "compute|rc=" $R/sr18_auto.txt | head; snap
/tmp/bin/sfrun $M --input $X --precision fp16 --layout nhwc --sparse off --output /tmp/off.npy > /dev/null 2>&1
SF_SPARSE_F16_KERNEL=compact /tmp/bin/sfrun $M --input $X --precision fp16 --layout nhwc --sparse on --plan --output /tmp/on.npy > $R/sr18_plan_compact_on.txt 2>&1
python3 -c "import numpy as np; a=np.load('/tmp/off.npy'); b=np.load('/tmp/on.npy'); e=np.load('/tmp/sr18/expected.npy'); print('compact on vs cudnn fp16 max|diff|', abs(a-b).max(), 'argmax agree', (a.argmax(1)==b.argmax(1)).mean(), '; vs pytorch fp32 max|diff|', abs(b-e).max(), 'argmax agree', (b.argmax(1)==e.argmax(1)).mean())" | tee $R/sr18_outputs.txt; snap
CS=$(ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || which compute-sanitizer)
SF_SPARSE_F16_KERNEL=compact timeout 100 /tmp/bin/sparse_conv_gbench --reps=20 --benchmark_filter='cifar' > $R/gbench_compact.txt 2>&1; echo "rc=$?" >> $R/gbench_compact.txt; snap
CS=$(ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || which compute-sanitizer)
