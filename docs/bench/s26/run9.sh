# Session 26 run 9 (H200): after the final review (one counter-bytes function for both sparse kernels,
# sparse_conv_gbench's timing loop shared by the conv and output-write rows). The sparse conv,
# occupancy and density-switch tests, and sparse_conv_gbench on one layer.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 150 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConv*:SpikeOccupancy*:DensitySwitch*:FusedSpikeMarks*:SpikePacked*' --gtest_brief=1 > $R/focused.txt 2>&1; echo "rc=$?" >> $R/focused.txt; tail -3 $R/focused.txt; snap
timeout 60 /tmp/bin/sparse_conv_gbench --reps=20 --benchmark_filter='cifar_l2_3x3_128@16/(output_write|tiles_(0|1)%/)' > $R/gbench.txt 2>&1; echo "rc=$?" >> $R/gbench.txt; grep -E '^cifar|write|rc=' $R/gbench.txt; snap
