# Session 31 run 11 (H200): kAuto's timings stop after 2 rounds when every round of one side is 1.25x faster than
# every round of the other (C) against 6d657f0 (B, the cheaper calibration): sfbench cold start and each conv's pick
# on the trained Spiking-ResNet18 (N = 16, fp16 NHWC), B and C in turn, 3 processes each.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *.tar.xz) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
xz -T8 -dc build-bin/sr18.tar.xz | tar xf - -C /tmp
M=/tmp/sr18/sr18.onnx; X=/tmp/sr18/test_input.npy
B="--batch 16 --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20"
for rep in 1 2 3; do
  for v in b c; do
    if [ $v = b ]; then S=/tmp/bin/sfbench_b; else S=/tmp/bin/sfbench; fi
    timeout 150 $S $M --input $X $B > $R/sr18_${v}_${rep}.txt 2>&1; grep -E "sparseflow plan: cold start|compute \(CUDA graph\)" $R/sr18_${v}_${rep}.txt | head -2 | sed "s/^/$v $rep: /" | tee -a $R/cold.txt
    python3 - $R/sr18_${v}_${rep}.txt <<'PY' | sed "s/^/$v $rep picks: /" | tee -a $R/picks.txt
import sys,re
rows=[l for l in open(sys.argv[1]) if l.startswith('/')]
print(' '.join(l.split()[16] + ':' + '_'.join(l.split()[17:20]) if len(l.split())>19 else '?' for l in rows))
PY
  done
done
snap
