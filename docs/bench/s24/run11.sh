# Session 24 run 11 (H200): HEAD after the review mend (the prescan kernel picked by a helper; the same
# kernels as run 10's U). The sparse conv, occupancy and density-switch tests, and sparse_conv_gbench on
# the two layers whose prescan takes four rows (CIFAR 64@32, ImageNet 64@56) and CIFAR 128@16.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 150 /tmp/bin/sf_cuda_tests --gtest_brief=1 --gtest_filter='SparseConvF16*:SpikeOccupancy*:DensitySwitch*' > $R/tests_V.txt 2>&1; echo "rc=$?" >> $R/tests_V.txt; tail -3 $R/tests_V.txt; snap
timeout 100 /tmp/bin/gbench_V --reps=20 --benchmark_filter='(64@32|64@56|128@16)/tiles_(0|1|5)%/' > $R/gbench_V.txt 2>&1; grep -E "sparse/|cudnn/" $R/gbench_V.txt | awk '{print $1, $2}' | sed 's#/iterations:30/manual_time##'
snap
