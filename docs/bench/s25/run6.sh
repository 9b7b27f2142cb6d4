# Session 25 run 6 (H200): ncu full set with stall samples of the prescan (HEAD 579db2a) on ImageNet
# 3x3 64@56 and CIFAR 3x3 128@16 with no tile active, in the graph of 20 runs (caches and clocks as
# they are), and of the conv kernel that follows it on ImageNet 64@56 (no item: what it costs to exit).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
NCU=$(ls /usr/local/cuda/bin/ncu 2>/dev/null || which ncu)
for L in imagenet_l1_3x3_64@56 cifar_l2_3x3_128@16; do
  T=${L%%_3x3*}
  for K in PrescanF16Kernel SparseConvF16Kernel; do
    [ $K = SparseConvF16Kernel ] && [ $T = cifar_l2 ] && continue
    timeout 150 $NCU --cache-control none --clock-control none --set full --import-source no -k regex:$K --launch-skip 30 --launch-count 1 -o $R/p -f /tmp/bin/sparse_conv_gbench --reps=20 --benchmark_filter="$L/tiles_0%/sparse" > $R/ncu_${T}_$K.log 2>&1; echo "rc=$?" >> $R/ncu_${T}_$K.log
    $NCU --import $R/p.ncu-rep --page source --csv --print-source sass > $R/sass_${T}_$K.csv 2> /dev/null
    $NCU --import $R/p.ncu-rep --page details > $R/details_${T}_$K.txt 2>&1
    echo "== $T $K"; grep -E "Duration|Elapsed Cycles|DRAM Throughput|Compute \(SM\)|Achieved Occupancy|Registers Per|Executed Ipc A|Issue Slots Busy|Warp Cycles Per Issued" $R/details_${T}_$K.txt | head -14
    gzip -f $R/sass_${T}_$K.csv; rm -f $R/p.ncu-rep; snap
  done
done
