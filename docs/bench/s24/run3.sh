# Session 24 run 3 (H200): the prescan kernel's own profile at HEAD (4c6621a). ncu full set with
# per-instruction stall samples, one PrescanF16Kernel launch inside the graph of 20 runs, caches and
# clocks as they are: CIFAR 3x3 128@16 and ImageNet 3x3 64@56, no tile active.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
NCU=$(ls /usr/local/cuda/bin/ncu 2>/dev/null || which ncu)
for L in cifar_l2_3x3_128@16 imagenet_l1_3x3_64@56; do
  T=${L%%_3x3*}
  timeout 150 $NCU --cache-control none --clock-control none --set full --import-source no -k regex:PrescanF16Kernel --launch-skip 30 --launch-count 1 -o $R/p -f /tmp/bin/gbench_N --reps=20 --benchmark_filter="$L/tiles_0%/sparse" > $R/ncu_$T.log 2>&1; echo "rc=$?" >> $R/ncu_$T.log
  $NCU --import $R/p.ncu-rep --page source --csv --print-source sass > $R/sass_$T.csv 2> $R/sass_$T.err
  $NCU --import $R/p.ncu-rep --page details > $R/details_$T.txt 2>&1
  grep -E "Duration|Elapsed Cycles|SM Active|DRAM Throughput|Achieved Occupancy|Stall|Warp Cycles Per Issued" $R/details_$T.txt | head -30
  gzip -f $R/sass_$T.csv; rm -f $R/p.ncu-rep; snap
done
