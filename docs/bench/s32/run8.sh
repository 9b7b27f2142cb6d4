# Session 32 run 8 (H200), code 6522e68: the sparse conv microbenchmark against the new cuDNN search (crossovers per shape), and the trained Spiking-ResNet18 against PyTorch 2.11 (same weights, same input, same GPU).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
D=/tmp/m; mkdir -p $D
python3 models/pack_weights.py onnx spiking_resnet18 models/resnet18_fmnist/spiking_resnet18 $D/sr18.onnx > /dev/null 2>&1; ls -la $D
python3 -c "
import numpy as np
x = np.load('models/resnet18_fmnist/test_input.npy').reshape(4, 8, 1, 32, 32)
np.save('$D/n16.npy', np.concatenate([x, x], 1).reshape(64, 1, 32, 32).astype(np.float32))"
timeout 120 /tmp/bin/sfbench $D/sr18.onnx --input $D/n16.npy --batch 16 --precision fp16 --layout nhwc --warmup 30 --iters 300 --json $R/sf_n16.json > $R/sf_n16.txt 2>&1; echo "rc=$?" >> $R/sf_n16.txt; grep -E "CUDA graph|rc=" $R/sf_n16.txt; snap
timeout 200 python3 tools/bench_pytorch.py spiking_resnet18 models/resnet18_fmnist/spiking_resnet18 $D/n16.npy --iters 300 --json $R/pt_n16.json > $R/pt_n16.txt 2>&1; echo "rc=$?" >> $R/pt_n16.txt; cat $R/pt_n16.txt | tail -6; snap
timeout 150 /tmp/bin/sparse_conv_gbench --reps=20 --benchmark_filter='/tiles_(0|1|5|10|100)%/' > $R/gbench.txt 2>&1; echo "rc=$?" >> $R/gbench.txt; grep -A16 crossover $R/gbench.txt; snap
