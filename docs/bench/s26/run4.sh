# Session 26 run 4 (H200): the 1-D SNN again, with weights that make every LIF fire (make_snn1d.py's
# defaults from this run on: in runs 1 and 3 the second block was silent and the logits all 0, so
# their output comparisons proved nothing). A = 73e1070, C = run 3's build. Outputs A against C
# (fp32 NCHW, fp16 NHWC, fp16 NCHW) and the per-step densities; sfbench fp16 NHWC two passes, fp32 one.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
M=build-bin/snn1d.onnx; X=build-bin/snn1d_x.npy
for p in "fp32 nchw" "fp16 nhwc" "fp16 nchw"; do set -- $p
  for v in A C; do /tmp/bin/sfrun_$v $M --input $X --precision $1 --layout $2 --output /tmp/y_${v}_$1_$2.npy > $R/sfrun_${v}_$1_$2.txt 2>&1; echo "rc=$?" >> $R/sfrun_${v}_$1_$2.txt; done
  python3 -c "import numpy as np; a=np.load('/tmp/y_A_$1_$2.npy'); b=np.load('/tmp/y_C_$1_$2.npy'); print('$1 $2', a.shape, 'max|A-C|', float(np.abs(a-b).max()), 'max|A|', float(np.abs(a).max()), 'equal', bool((a==b).all()), 'argmax equal', bool((a.argmax(1)==b.argmax(1)).all()))" >> $R/snn1d_outputs.txt 2>&1
done
python3 -c "import numpy as np; a=np.load('/tmp/y_A_fp32_nchw.npy'); b=np.load('/tmp/y_C_fp16_nhwc.npy'); print('C fp16 nhwc vs A fp32: max|diff|', float(np.abs(a-b).max()), 'of max', float(np.abs(a).max()))" >> $R/snn1d_outputs.txt 2>&1
cat $R/snn1d_outputs.txt; snap
for pass in 1 2; do for v in A C; do
  timeout 100 /tmp/bin/sfbench_$v $M --input $X --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 > $R/sfb_${v}_fp16_$pass.txt 2>&1
  grep -E '^  sparseflow +[0-9]' $R/sfb_${v}_fp16_$pass.txt | sed "s/^/$v $pass: /"
done; done; snap
for v in A C; do timeout 100 /tmp/bin/sfbench_$v $M --input $X --warmup 20 --iters 200 --layer-iters 20 > $R/sfb_${v}_fp32.txt 2>&1; grep -E '^  sparseflow +[0-9]' $R/sfb_${v}_fp32.txt | sed "s/^/$v fp32: /"; done; snap
