# Session 22 run 12 (H200): after the launch dispatch went through one helper (LaunchConvTiles;
# the sm_90 cubin is byte-identical, host code only): the sparse conv, occupancy and executor tests.
R=$OUT/r; mkdir -p $R
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
timeout 120 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16*:SpikeOccupancy*:ConvNeuronF16*:FusedSpikeMarks*:DensitySwitch*:*Executor*Sparse*:SpikePacked*' --gtest_brief=1 > $R/focused_tests.txt 2>&1; echo "rc=$?" >> $R/focused_tests.txt; tail -4 $R/focused_tests.txt
