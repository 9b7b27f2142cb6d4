# Session 24 run 6 (H200): the vector scan in a prescan kernel of its own (no element-wise path in it:
# 42 registers, P) and the same asking for 6 blocks per SM (40 registers, Q), against HEAD (A = 4c6621a).
# sparse_conv_gbench A/P/Q interleaved, two passes; the table gives each binary's mean of the two passes.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
F='/tiles_(0|1|5|10|100)%/'
for pass in 1 2; do
  for v in N P Q; do timeout 100 /tmp/bin/gbench_$v --reps=20 --benchmark_filter="$F" > $R/gbench_${v}_$pass.txt 2>&1; done
  snap
done
for v in N P Q; do for p in 1 2; do grep -h "sparse/" $R/gbench_${v}_$p.txt | awk '{print $2}' > /tmp/c_${v}_$p; done; done
grep -h "sparse/" $R/gbench_N_1.txt | awk '{print $1}' | sed 's#/iterations:30/manual_time##' > /tmp/names
paste /tmp/names /tmp/c_N_1 /tmp/c_N_2 /tmp/c_P_1 /tmp/c_P_2 /tmp/c_Q_1 /tmp/c_Q_2 | awk '{printf "%-45s A %6.2f  P %6.2f  Q %6.2f\n", $1, ($2+$3)/2, ($4+$5)/2, ($6+$7)/2}' | tee $R/table.txt
snap
