# Session 24 run 9 (H200): the prescan's vector scan with four rows' loads in flight and 8 blocks per
# SM (32 registers) where a thread has at most 4 rows of the window (the 64-channel 3x3 stride-1
# layers), SF_EXP_BATCH4=1, against the committed eight (40 registers, 6 blocks); one binary (T = HEAD
# aea5fbb + the switch), interleaved, two passes; then ncu (basic set + memory workload) of the
# committed prescan on ImageNet 3x3 64@56 with no tile active.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
F='(64@56|64@32)/tiles_(0|1|5|10|100)%/sparse'
for pass in 1 2; do
  timeout 100 /tmp/bin/gbench_T --reps=20 --benchmark_filter="$F" > $R/gbench_8_$pass.txt 2>&1
  SF_EXP_BATCH4=1 timeout 100 /tmp/bin/gbench_T --reps=20 --benchmark_filter="$F" > $R/gbench_4_$pass.txt 2>&1
done
paste <(grep -h "sparse/" $R/gbench_8_1.txt | awk '{print $1, $2}') <(grep -h "sparse/" $R/gbench_8_2.txt | awk '{print $2}') <(grep -h "sparse/" $R/gbench_4_1.txt | awk '{print $2}') <(grep -h "sparse/" $R/gbench_4_2.txt | awk '{print $2}') | sed 's#/iterations:30/manual_time##' | tee $R/table.txt
snap
NCU=$(ls /usr/local/cuda/bin/ncu 2>/dev/null || which ncu)
timeout 150 $NCU --cache-control none --clock-control none --set basic --section MemoryWorkloadAnalysis -k regex:PrescanF16Kernel --launch-skip 30 --launch-count 1 -o $R/p -f /tmp/bin/gbench_T --reps=20 --benchmark_filter="imagenet_l1_3x3_64@56/tiles_0%/sparse" > $R/ncu.log 2>&1; echo "rc=$?" >> $R/ncu.log
$NCU --import $R/p.ncu-rep --page details > $R/details_imagenet_l1_0.txt 2>&1
grep -E "Duration|DRAM Throughput|Memory Throughput|Achieved Occupancy|Registers|L2 Hit" $R/details_imagenet_l1_0.txt | head -12
rm -f $R/p.ncu-rep; snap
