# Session 22 run 8 (H200): is an item's time at low density the fetch of cold code? gbench_T2 =
# HEAD e92b983 with item_timing_twice.patch (run 7's timing, and each block runs its first item of
# the work list twice: the second run finds the code and the data the first one fetched; thread
# 128 of items 3000-3031 prints). Layers at 1% of tiles, two-tile kernel and one tile per item.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
for f in 'imagenet_l1_3x3_64@56/tiles_1%/sparse' 'cifar_l2_3x3_128@16/tiles_1%/sparse' 'cifar_l3_3x3_256@8/tiles_1%/sparse'; do
  n=$(echo "$f" | tr -c 'a-z0-9\n' '_')
  for gt in on off; do
    SF_SPARSE_F16_GROUP_TILES=$gt timeout 60 /tmp/bin/gbench_T2 --reps=20 --benchmark_filter="^$f" > $R/${n}_$gt.txt 2>&1; echo "rc=$?" >> $R/${n}_$gt.txt
    echo "== $f group_tiles=$gt"; grep EXP $R/${n}_$gt.txt | sort -k3,3 -k9,9r | head -8 | cut -c1-200
  done
done
snap
