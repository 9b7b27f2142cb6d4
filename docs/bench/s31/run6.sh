# Session 31 run 6 (H200): where the trained Spiking-ResNet18's cold start goes in --sparse auto (HEAD 1dd4514):
# sfbench's load / first-run times in auto and with each sparse kernel forced, and sfrun's wall clock in auto
# and off. (The sfbench --sparse lines failed: sfbench has no --sparse; nsys is not on the device.)
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/sfbench.xz build-bin/sfrun.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
xz -T8 -dc build-bin/sr18.tar.xz | tar xf - -C /tmp
M=/tmp/sr18/sr18.onnx; X=/tmp/sr18/test_input.npy
B="--batch 16 --precision fp16 --layout nhwc --warmup 5 --iters 20 --layer-iters 2"
for v in auto tensor-core gather compact; do
  if [ $v = auto ]; then E=""; else E="SF_SPARSE_F16_KERNEL=$v"; fi
  for rep in 1 2; do env $E timeout 100 /tmp/bin/sfbench $M --input $X $B > $R/cold_${v}_${rep}.txt 2>&1; grep "cold start" $R/cold_${v}_${rep}.txt | sed "s/^/$v $rep: /" | tee -a $R/cold.txt; done
done
for s in off on; do timeout 100 /tmp/bin/sfbench $M --input $X $B --sparse $s > $R/cold_sparse_$s.txt 2>&1; grep "cold start" $R/cold_sparse_$s.txt | sed "s/^/--sparse $s: /" | tee -a $R/cold.txt; done
snap
NSYS=$(ls /usr/local/cuda/bin/nsys /opt/nvidia/nsight-systems/*/bin/nsys 2>/dev/null | head -1); echo "nsys: $NSYS" | tee $R/nsys_path.txt
if [ -n "$NSYS" ]; then
  for s in auto off; do (cd /tmp && timeout 150 $NSYS profile -o /tmp/prof_$s -t cuda,osrt --force-overwrite true /tmp/bin/sfrun $M --input $X --precision fp16 --layout nhwc --sparse $s > $R/nsys_run_$s.txt 2>&1; timeout 100 $NSYS stats -r cuda_api_sum,osrt_sum -f column /tmp/prof_$s.nsys-rep > $R/nsys_stats_$s.txt 2>&1); done
fi
for s in auto off; do /usr/bin/time -v /tmp/bin/sfrun $M --input $X --precision fp16 --layout nhwc --sparse $s > $R/time_$s.txt 2>&1; grep -E "Elapsed|Maximum resident" $R/time_$s.txt; done
snap
