# Session 24 run 8 (H200): an empty tile's bias stored by rows of 16-byte vectors in StoreBiasTile
# itself (S), so the occupied conv's triage (one warp per item) gets it too, against 6f279c6
# (R / A: the prescan's vector scan, committed). Focused tests on S; spike_occupancy_bench
# (neuron + conv pairs, prescan and occupied paths) and fused_marks_bench A/S interleaved, twice;
# sparse_conv_gbench R/S interleaved, once.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 150 /tmp/bin/sf_cuda_tests --gtest_brief=1 --gtest_filter='SparseConvF16*:SpikeOccupancy*:ConvNeuronF16*:FusedSpikeMarks*:DensitySwitch*' > $R/tests_S.txt 2>&1; echo "rc=$?" >> $R/tests_S.txt; tail -3 $R/tests_S.txt; snap
for pass in 1 2; do
  for v in A S; do timeout 120 /tmp/bin/occ_$v --reps 20 > $R/occ_${v}_$pass.txt 2>&1; echo "rc=$?" >> $R/occ_${v}_$pass.txt; done
  for v in A S; do timeout 120 /tmp/bin/fmb_$v --reps 20 > $R/fmb_${v}_$pass.txt 2>&1; echo "rc=$?" >> $R/fmb_${v}_$pass.txt; done
  snap
done
for v in R S; do timeout 100 /tmp/bin/gbench_$v --reps=20 --benchmark_filter='/tiles_(0|1|5|10|100)%/' > $R/gbench_$v.txt 2>&1; done
paste <(grep -h "sparse/" $R/gbench_R.txt | awk '{print $1, $2}') <(grep -h "sparse/" $R/gbench_S.txt | awk '{print $2}') | sed 's#/iterations:30/manual_time##'
for v in A S; do echo "== occ $v pass 1"; grep -E "^[a-z]|^ +(0.0|1.6|6.2)%" $R/occ_${v}_1.txt | cut -c1-60; done
snap
