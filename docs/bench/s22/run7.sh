# Session 22 run 7 (H200): where an item of one tile loses time in the two-tile kernel. gbench_T =
# HEAD e92b983 with item_timing.patch (clock64 at the kernel's entry, after the grid wait, at an
# item's start, after its setup, after its walk and after its epilogue; threads 0 (loader) and 128
# (MMA) of items 3000-3023 print). Each layer at 1% of tiles with the two-tile kernel (default) and
# with one tile per item (SF_SPARSE_F16_GROUP_TILES=off).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
for f in 'imagenet_l1_3x3_64@56/tiles_1%/sparse' 'cifar_l2_3x3_128@16/tiles_1%/sparse' 'imagenet_l2_3x3_128@28/tiles_1%/sparse'; do
  n=$(echo "$f" | tr -c 'a-z0-9\n' '_')
  for gt in on off; do
    SF_SPARSE_F16_GROUP_TILES=$gt timeout 60 /tmp/bin/gbench_T --reps=20 --benchmark_filter="^$f" > $R/${n}_$gt.txt 2>&1; echo "rc=$?" >> $R/${n}_$gt.txt
    echo "== $f group_tiles=$gt"; grep -v EXP $R/${n}_$gt.txt | grep -E "tiles|rc=" | cut -c1-120; grep EXP $R/${n}_$gt.txt | sort | head -8 | cut -c1-200
  done
done
(cd $R && cat *.txt > all.txt); snap
