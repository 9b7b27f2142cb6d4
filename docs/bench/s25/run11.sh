# Session 25 run 11 (H200): the occupied conv's triage, two tiles per item: each warp loads its first
# item's mask words both ways before the count of active tiles that chooses between them (the count
# inline there), and an item's words all at once (B), against 2d70c2d (A). Focused tests and the zoo
# (B), fused_marks_bench A/B interleaved, two passes.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
TF='SparseConv*:SpikeOccupancy*:ConvNeuronF16*:FusedSpikeMarks*:*DensitySwitch*'
timeout 150 /tmp/bin/sf_cuda_tests --gtest_brief=1 --gtest_filter="$TF" > $R/tests_B.txt 2>&1; echo "rc=$?" >> $R/tests_B.txt; tail -3 $R/tests_B.txt; snap
for pass in 1 2; do
  for v in A B; do timeout 60 /tmp/bin/fmb_$v --reps 20 > $R/fmb_${v}_$pass.txt 2>&1; echo "rc=$?" >> $R/fmb_${v}_$pass.txt; done
  snap
done
for v in A B; do echo "== $v"; grep -E "^(cifar|imagenet)|^(0|1|4) " $R/fmb_${v}_1.txt | awk '{print $1, $2, $3, $7, $8}'; done
tar xzf build-bin/zoo.tgz -C /tmp
timeout 150 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
