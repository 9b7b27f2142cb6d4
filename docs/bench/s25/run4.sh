# Session 25 run 4 (H200): the occupied conv's count of active tiles (which only picks how tiles share
# items) estimated from blockDim.x tiles spread over all, one load a thread and one barrier (B), against
# the exact count (SF_AB_EXACT_COUNT=1, A, the state at HEAD). Focused tests (B), then
# fused_marks_bench and spike_occupancy_bench, A and B interleaved, two passes.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 150 /tmp/bin/sf_cuda_tests --gtest_brief=1 --gtest_filter='SparseConvF16*:SpikeOccupancy*:ConvNeuronF16*:FusedSpikeMarks*:DensitySwitch*' > $R/tests_B.txt 2>&1; echo "rc=$?" >> $R/tests_B.txt; tail -3 $R/tests_B.txt; snap
for pass in 1 2; do
  SF_AB_EXACT_COUNT=1 timeout 120 /tmp/bin/fused_marks_bench --reps 20 > $R/fmb_A_$pass.txt 2>&1; echo "rc=$?" >> $R/fmb_A_$pass.txt
  timeout 120 /tmp/bin/fused_marks_bench --reps 20 > $R/fmb_B_$pass.txt 2>&1; echo "rc=$?" >> $R/fmb_B_$pass.txt
  SF_AB_EXACT_COUNT=1 timeout 120 /tmp/bin/spike_occupancy_bench --reps 20 > $R/occ_A_$pass.txt 2>&1; echo "rc=$?" >> $R/occ_A_$pass.txt
  timeout 120 /tmp/bin/spike_occupancy_bench --reps 20 > $R/occ_B_$pass.txt 2>&1; echo "rc=$?" >> $R/occ_B_$pass.txt
  snap
done
for v in A B; do echo "== fmb $v pass 1"; cat $R/fmb_${v}_1.txt | cut -c1-110 | head -60; done
snap
