# Session 30 run 6 (H200): the final code (run 5's kernel). The whole CUDA suite; the zoo's fp16 check
# (scripts/zoo_fp16_check.py) and the zoo against PyTorch on the GPU, both with kAuto timing the compacted
# kernel; sfbench on the event-camera LeNet (models/events, T=8) in kAuto and with the compacted kernel
# forced; the ImageNet rows of sparse_conv_gbench with the compacted kernel forced.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *.tar.xz) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
tar xzf build-bin/zoo.tgz -C /tmp
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -3 $R/all_tests.txt; snap
timeout 250 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
timeout 200 python3 tests/models/run_model_tests.py /tmp/bin/sfrun /tmp/w zoo --models-dir /tmp/zoo/snn/models --device cuda > $R/zoo_gpu_vs_pytorch.txt 2>&1; echo "rc=$?" >> $R/zoo_gpu_vs_pytorch.txt; tail -2 $R/zoo_gpu_vs_pytorch.txt; snap
M=models/events/model.onnx; X=models/events/test_input.npy
timeout 100 /tmp/bin/sfbench $M --input $X --batch 16 --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 > $R/events_auto.txt 2>&1; echo "rc=$?" >> $R/events_auto.txt; grep -E "compute \(CUDA|rc=" $R/events_auto.txt; snap
SF_SPARSE_F16_KERNEL=compact timeout 100 /tmp/bin/sfbench $M --input $X --batch 16 --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 > $R/events_compact.txt 2>&1; echo "rc=$?" >> $R/events_compact.txt; grep -E "compute \(CUDA|rc=" $R/events_compact.txt; snap
SF_SPARSE_F16_KERNEL=compact timeout 150 /tmp/bin/sparse_conv_gbench --reps=20 --benchmark_filter='imagenet' > $R/gbench_compact_imagenet.txt 2>&1; echo "rc=$?" >> $R/gbench_compact_imagenet.txt; snap
