# Session 25 run 8 (H200): the vector scan's rows and the bias store's rows by a pointer stepped by `lanes` rows
# (a 64-bit multiply per load or store before). A is run 7's B (83cd15f).
# Focused tests (B), then sparse_conv_gbench A (83cd15f) against B interleaved, two passes.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
TF='SparseConv*:SpikeOccupancy*:ConvNeuronF16*:FusedSpikeMarks*:*DensitySwitch*:SpikeGather*:SpikePacked*'
timeout 200 /tmp/bin/sf_cuda_tests --gtest_brief=1 --gtest_filter="$TF" > $R/tests_B.txt 2>&1; echo "rc=$?" >> $R/tests_B.txt; tail -3 $R/tests_B.txt; snap
F='/tiles_(0|1|5|10|100)%/'
for pass in 1 2; do
  for v in A B; do timeout 100 /tmp/bin/gbench_$v --reps=20 --benchmark_filter="$F" > $R/gbench_${v}_$pass.txt 2>&1; done
  snap
done
for v in A B; do for p in 1 2; do grep -h "sparse/" $R/gbench_${v}_$p.txt | awk '{print $2}' > /tmp/c_${v}_$p; done; done
grep -h "sparse/" $R/gbench_A_1.txt | awk '{print $1}' | sed 's#/iterations:30/manual_time##;s#/sparse##' > /tmp/names
grep -h "cudnn/" $R/gbench_A_1.txt | awk '{print $2}' > /tmp/c_cudnn
paste /tmp/names /tmp/c_cudnn /tmp/c_A_1 /tmp/c_A_2 /tmp/c_B_1 /tmp/c_B_2 | awk '{printf "%-38s cudnn %6.2f A %6.2f %6.2f B %6.2f %6.2f\n", $1, $2, $3, $4, $5, $6}' > $R/table.txt; cat $R/table.txt
grep -A14 "crossover" $R/gbench_B_1.txt
snap
