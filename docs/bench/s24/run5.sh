# Session 24 run 5 (H200): run 4 with the window rows loaded eight at a time (predicated) instead of an unrolled loop with a remainder; the prescan's NHWC scan and bias store by rows of 16-byte vectors (P)
# against HEAD (A = 4c6621a). sparse_conv_gbench A/P interleaved, two passes.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
F='/tiles_(0|1|5|10|100)%/'
for pass in 1 2; do
  timeout 100 /tmp/bin/gbench_N --reps=20 --benchmark_filter="$F" > $R/gbench_A_$pass.txt 2>&1
  timeout 100 /tmp/bin/gbench_P --reps=20 --benchmark_filter="$F" > $R/gbench_P_$pass.txt 2>&1
  snap
done
paste <(grep -h "sparse/" $R/gbench_A_1.txt | awk '{print $1, $2}') <(grep -h "sparse/" $R/gbench_P_1.txt | awk '{print $2}') <(grep -h "sparse/" $R/gbench_A_2.txt | awk '{print $2}') <(grep -h "sparse/" $R/gbench_P_2.txt | awk '{print $2}') | sed 's#/iterations:30/manual_time##'
