# Session 30 run 4 (H200): Nsight Compute on the compacted kernel (run 3's build): CIFAR 64@32 with no tile
# active and every tile active (sparse_conv_gbench, SF_SPARSE_F16_KERNEL=compact), and the trained
# Spiking-ResNet18's stage-1 body.3 conv on its real spikes (sfrun, compact forced, sparse on).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *.tar.xz) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
NCU=$(ls /usr/local/cuda/bin/ncu 2>/dev/null || which ncu); echo "ncu: $NCU" | tee $R/ncu_path.txt
xz -T8 -dc build-bin/sr18.tar.xz | tar xf - -C /tmp
S="--section SpeedOfLight --section WarpStateStats --section SchedulerStats --section Occupancy --section LaunchStats --section MemoryWorkloadAnalysis --section SourceCounters"
SF_SPARSE_F16_KERNEL=compact timeout 200 $NCU -k regex:CompactSpikeConv --launch-skip 40 --launch-count 1 $S /tmp/bin/sparse_conv_gbench --reps=2 --benchmark_filter='cifar_l1_3x3_64@32/tiles_0%/sparse' > $R/ncu_0.txt 2>&1; echo "rc=$?" >> $R/ncu_0.txt; tail -5 $R/ncu_0.txt; snap
SF_SPARSE_F16_KERNEL=compact timeout 200 $NCU -k regex:CompactSpikeConv --launch-skip 40 --launch-count 1 $S /tmp/bin/sparse_conv_gbench --reps=2 --benchmark_filter='cifar_l1_3x3_64@32/tiles_100%/sparse' > $R/ncu_100.txt 2>&1; echo "rc=$?" >> $R/ncu_100.txt; tail -5 $R/ncu_100.txt; snap
SF_SPARSE_F16_KERNEL=compact timeout 200 $NCU -k regex:CompactSpikeConv --launch-count 3 $S /tmp/bin/sfrun /tmp/sr18/sr18.onnx --input /tmp/sr18/test_input.npy --precision fp16 --layout nhwc --sparse on > $R/ncu_sr18.txt 2>&1; echo "rc=$?" >> $R/ncu_sr18.txt; tail -5 $R/ncu_sr18.txt; snap
