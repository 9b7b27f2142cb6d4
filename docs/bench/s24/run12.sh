# Session 24 run 12 (H200): the prescan also writes each active tile's masks in work-list order
# (Workspace::work_masks), so a conv block reads an item's tile and masks at once instead of the masks
# after the tile (W), against HEAD's kernels (V = run 11's binary). Focused tests on W, then
# sparse_conv_gbench V/W interleaved, two passes, at 0-10% of tiles.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 150 /tmp/bin/sf_cuda_tests --gtest_brief=1 --gtest_filter='SparseConvF16*:SpikeOccupancy*:DensitySwitch*:ConvNeuronF16*:FusedSpikeMarks*' > $R/tests_W.txt 2>&1; echo "rc=$?" >> $R/tests_W.txt; tail -3 $R/tests_W.txt; snap
F='/tiles_(0|1|5|10)%/sparse'
for pass in 1 2; do
  for v in V W; do timeout 100 /tmp/bin/gbench_$v --reps=20 --benchmark_filter="$F" > $R/gbench_${v}_$pass.txt 2>&1; done
done
for v in V W; do for p in 1 2; do grep -h "sparse/" $R/gbench_${v}_$p.txt | awk '{print $2}' > /tmp/c_${v}_$p; done; done
grep -h "sparse/" $R/gbench_V_1.txt | awk '{print $1}' | sed 's#/iterations:30/manual_time##' > /tmp/names
paste /tmp/names /tmp/c_V_1 /tmp/c_V_2 /tmp/c_W_1 /tmp/c_W_2 | awk '{printf "%-45s V %6.2f  W %6.2f  %+6.2f\n", $1, ($2+$3)/2, ($4+$5)/2, ($4+$5)/2-($2+$3)/2}' > $R/table.txt; cat $R/table.txt
snap
