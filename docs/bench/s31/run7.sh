# Session 31 run 7 (H200): Nsight Compute details of the compacted kernel (1dd4514, v3) on the trained
# Spiking-ResNet18's first four compacted convs (sfrun, compact forced). Meant for N = 16, but the test input holds
# 32 rows (8 samples x T = 4), so the python line left it as is: the same 32 images as run 1.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/sfrun.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
xz -T8 -dc build-bin/sr18.tar.xz | tar xf - -C /tmp
M=/tmp/sr18/sr18.onnx
python3 -c "import numpy as np; x=np.load('/tmp/sr18/test_input.npy'); print(x.shape); np.save('/tmp/x16.npy', np.concatenate([x,x],0) if x.shape[0]==8 else x)"
NCU=/usr/local/cuda/bin/ncu
SF_SPARSE_F16_KERNEL=compact timeout 300 $NCU -k regex:CompactSpikeConv --launch-count 4 --section SpeedOfLight --section WarpStateStats --section SchedulerStats --section InstructionStats --section LaunchStats /tmp/bin/sfrun $M --input /tmp/x16.npy --precision fp16 --layout nhwc --sparse on > $R/ncu_n16.txt 2>&1; echo "rc=$?" >> $R/ncu_n16.txt
grep -E "Duration|Elapsed Cycles|SM Active|Issued Warp|Executed Instructions  |Grid Size" $R/ncu_n16.txt; snap
