# Session 31 run 1 (H200): where the compacted kernel's time goes, per SASS instruction (Nsight Compute's
# source page: instructions executed and warp-state samples per instruction), on the trained
# Spiking-ResNet18's first 64-channel conv (real spikes, compact forced) and on CIFAR 64@32 with no tile active.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *.tar.xz) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
NCU=/usr/local/cuda/bin/ncu; $NCU --version > $R/ncu_version.txt 2>&1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
xz -T8 -dc build-bin/sr18.tar.xz | tar xf - -C /tmp
S="--section SpeedOfLight --section WarpStateStats --section SchedulerStats --section SourceCounters --section InstructionStats"
SF_SPARSE_F16_KERNEL=compact timeout 240 $NCU -k regex:CompactSpikeConv --launch-count 1 --import-source yes $S -o $R/sr18 /tmp/bin/sfrun /tmp/sr18/sr18.onnx --input /tmp/sr18/test_input.npy --precision fp16 --layout nhwc --sparse on > $R/ncu_sr18_log.txt 2>&1; echo "rc=$?" >> $R/ncu_sr18_log.txt; tail -3 $R/ncu_sr18_log.txt
$NCU --import $R/sr18.ncu-rep --page source --print-source sass --csv > $R/sr18_source.csv 2> $R/sr18_source_err.txt; echo "rc=$?" >> $R/sr18_source_err.txt; wc -l $R/sr18_source.csv
$NCU --import $R/sr18.ncu-rep --page details > $R/sr18_details.txt 2>&1; snap
SF_SPARSE_F16_KERNEL=compact timeout 200 $NCU -k regex:CompactSpikeConv --launch-skip 40 --launch-count 1 $S -o $R/empty /tmp/bin/sparse_conv_gbench --reps=2 --benchmark_filter='cifar_l1_3x3_64@32/tiles_0%/sparse' > $R/ncu_empty_log.txt 2>&1; echo "rc=$?" >> $R/ncu_empty_log.txt
$NCU --import $R/empty.ncu-rep --page source --print-source sass --csv > $R/empty_source.csv 2>&1; wc -l $R/empty_source.csv
$NCU --import $R/empty.ncu-rep --page details > $R/empty_details.txt 2>&1
rm -f $R/*.ncu-rep; snap
