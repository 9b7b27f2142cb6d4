# Session 21 run 3 (H100): where one active item's time goes, timed inside the kernel. T = HEAD with
# SF_EXP_TIMING (clock64() at the item's steps; threads 0 and 96 of the items 4000..4039 of the process
# printf the differences in SM cycles). Built here (sm_90, nvcc 13.0).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T4 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done; ls /tmp/bin
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
for f in 'cifar_l2_3x3_128@16/tiles_1%/sparse' 'cifar_l1_3x3_64@32/tiles_1%/sparse' 'cifar_l3_3x3_256@8/tiles_1%/sparse' 'imagenet_l2_3x3_128@28/tiles_1%/sparse' 'cifar_l2_3x3_128@16/tiles_10%/sparse'; do
  n=$(echo "$f" | tr -c 'a-z0-9\n' '_')
  timeout 60 /tmp/bin/gbench_T --reps=20 --benchmark_filter="^$f" > $R/$n.txt 2>&1; echo "rc=$?" >> $R/$n.txt
  grep -v EXP $R/$n.txt | grep -E "tiles|rc=" | cut -c1-150; grep EXP $R/$n.txt | head -6 | cut -c1-250
done
nvidia-smi --query-gpu=clocks.sm --format=csv,noheader >> $R/gpu.txt
(cd $R && cat *.txt > all.txt); snap
