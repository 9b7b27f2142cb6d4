# Session 24 run 1 (H200): where the float16 sparse path's floor goes. ncu (basic set: duration,
# memory throughput, occupancy) of the prescan and the conv kernel, one launch each inside the
# graph of 20 runs, caches and clocks as they are, at HEAD (4c6621a): ImageNet 3x3 64@56 at 0%
# and 5%, CIFAR 3x3 128@16 at 0% and 1%. Then the gbench rows of those shapes for the per-run time.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
NCU=$(ls /usr/local/cuda/bin/ncu 2>/dev/null || which ncu)
for case in "imagenet_l1_3x3_64@56 0" "imagenet_l1_3x3_64@56 5" "cifar_l2_3x3_128@16 0" "cifar_l2_3x3_128@16 1"; do
  set -- $case; L=$1; d=$2; T=${L%%_3x3*}_$d
  timeout 150 $NCU --cache-control none --clock-control none --set basic --section MemoryWorkloadAnalysis -k regex:'PrescanF16Kernel|SparseConvF16Kernel' --launch-skip 60 --launch-count 4 -o $R/p -f /tmp/bin/gbench_N --reps=20 --benchmark_filter="$L/tiles_$d%/sparse" > $R/ncu_$T.log 2>&1; echo "rc=$?" >> $R/ncu_$T.log
  $NCU --import $R/p.ncu-rep --page details > $R/details_$T.txt 2>&1
  grep -E "PrescanF16Kernel|SparseConvF16Kernel|Duration|DRAM Throughput|Memory Throughput|Achieved Occupancy|Grid Size|Registers|L2 Hit" $R/details_$T.txt | head -60
  rm -f $R/p.ncu-rep; snap
done
timeout 120 /tmp/bin/gbench_N --reps=20 --benchmark_filter='(imagenet_l1_3x3_64@56|cifar_l2_3x3_128@16)/tiles_(0|1|5)%/' > $R/gbench.txt 2>&1; echo "rc=$?" >> $R/gbench.txt; grep -E "imagenet|cifar" $R/gbench.txt; snap
