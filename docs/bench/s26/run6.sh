# Session 26 run 6 (H200): E = the 1-D lift moving any elementwise op whose other inputs are
# single-element constants (6721c8c); A = 73e1070. The 1-D SNN with a scalar Mul in each block
# (make_snn1d.py OUT 2.5 0.3 scaled): outputs A against E in fp32 NCHW, fp16 NHWC and fp16 NCHW, and the
# plain 1-D SNN's too; sfbench fp16 NHWC on the scaled net, A and E, one pass each.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
X=build-bin/snn1d_x.npy
for m in snn1d snn1d_scaled; do for p in "fp32 nchw" "fp16 nhwc" "fp16 nchw"; do set -- $p
  for v in A E; do /tmp/bin/sfrun_$v build-bin/$m.onnx --input $X --precision $1 --layout $2 --output /tmp/y_${v}.npy > $R/sfrun_${m}_${v}_$1_$2.txt 2>&1; echo "rc=$?" >> $R/sfrun_${m}_${v}_$1_$2.txt; done
  python3 -c "import numpy as np; a=np.load('/tmp/y_A.npy'); b=np.load('/tmp/y_E.npy'); print('$m $1 $2', a.shape, 'max|A-E|', float(np.abs(a-b).max()), 'max|A|', float(np.abs(a).max()), 'equal', bool((a==b).all()))" >> $R/outputs.txt 2>&1
done; done; cat $R/outputs.txt; snap
for v in A E; do timeout 100 /tmp/bin/sfbench_$v build-bin/snn1d_scaled.onnx --input $X --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 > $R/sfb_${v}.txt 2>&1; grep -E '^  sparseflow +[0-9]' $R/sfb_${v}.txt | sed "s/^/$v: /"; done; snap
