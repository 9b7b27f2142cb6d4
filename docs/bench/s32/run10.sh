# Session 32 run 10 (H200), code de3671e: the trained SEW-ResNet18 (N = 16, the 8 test samples twice, T = 4), sfbench fp16 NHWC with SF_CUDNN_BACKEND=0 (A) and on (D) in turn, 2 processes each; PyTorch 2.11 on the same weights and input.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
D=/tmp/m; mkdir -p $D
python3 models/pack_weights.py onnx sew_resnet18 models/resnet18_fmnist/sew_resnet18 $D/sew.onnx > /dev/null 2>&1; ls -la $D
python3 -c "
import numpy as np
x = np.load('models/resnet18_fmnist/test_input.npy').reshape(4, 8, 1, 32, 32)
np.save('$D/n16.npy', np.concatenate([x, x], 1).reshape(64, 1, 32, 32).astype(np.float32))"
for i in 1 2; do for v in A D; do
  case $v in A) E=0;; D) E=1;; esac
  SF_CUDNN_BACKEND=$E timeout 120 /tmp/bin/sfbench $D/sew.onnx --input $D/n16.npy --batch 16 --precision fp16 --layout nhwc --warmup 30 --iters 300 > $R/sew_${v}_$i.txt 2>&1; echo "rc=$?" >> $R/sew_${v}_$i.txt
  echo "$v $i: $(grep -E 'cold start' $R/sew_${v}_$i.txt | head -1)"; grep -E "CUDA graph|compute \(stream" $R/sew_${v}_$i.txt | head -4
done; done; snap
timeout 150 python3 tools/bench_pytorch.py sew_resnet18 models/resnet18_fmnist/sew_resnet18 $D/n16.npy --iters 300 --json $R/pt_sew_n16.json > $R/pt_sew_n16.txt 2>&1; echo "rc=$?" >> $R/pt_sew_n16.txt; tail -6 $R/pt_sew_n16.txt; snap
