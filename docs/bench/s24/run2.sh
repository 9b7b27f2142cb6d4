# Session 24 run 2 (H200): programmatic dependent launch with an early trigger. A = HEAD (4c6621a);
# B = A + griddepcontrol.launch_dependents at the start of the prescan, the sparse conv and the neuron
# kernels (so the kernel behind each launches while it runs, not when its last block exits);
# B with SF_EXP_CARVEOUT=1 also asks the prescan for the conv's shared-memory carveout (max shared),
# so the SMs need not change their L1/shared split between the two. Interleaved A, B, B+carveout, twice.
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
  timeout 100 /tmp/bin/gbench_B --reps=20 --benchmark_filter="$F" > $R/gbench_B_$pass.txt 2>&1
  SF_EXP_CARVEOUT=1 timeout 100 /tmp/bin/gbench_B --reps=20 --benchmark_filter="$F" > $R/gbench_C_$pass.txt 2>&1
  snap
done
for v in A B C; do echo "== $v"; grep -h "sparse/" $R/gbench_${v}_1.txt | awk '{print $1, $2}'; done
