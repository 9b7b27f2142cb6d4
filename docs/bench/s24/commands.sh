# Session 24 (2026-11-28, H200): the device scripts, in order. Each ran as `bash build-bin/run.sh`
# on a fresh machine with build-bin/ (the xz-compressed binaries named in it, built on the
# development machine: nvcc 13.0, sm_90, Release) and .device-debs/ carried; outputs in runN/.
# ---- run1.sh
# Session 24 run 1 (H200): where the float16 sparse path's floor goes. ncu (basic set: duration,
# memory throughput, occupancy) of the prescan and the conv kernel, one launch each inside the
# graph of 20 runs, caches and clocks as they are, at HEAD (4c6621a): ImageNet 3x3 64@56 at 0%
# and 5%, CIFAR 3x3 128@16 at 0% and 1%. Then the gbench rows of those shapes for the per-run time.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
NCU=$(ls /usr/local/cuda/bin/ncu 2>/dev/null || which ncu)
for case in "imagenet_l1_3x3_64@56 0" "imagenet_l1_3x3_64@56 5" "cifar_l2_3x3_128@16 0" "cifar_l2_3x3_128@16 1"; do
  set -- $case; L=$1; d=$2; T=${L%%_3x3*}_$d
  timeout 150 $NCU --cache-control none --clock-control none --set basic --section MemoryWorkloadAnalysis -k regex:'PrescanF16Kernel|SparseConvF16Kernel' --launch-skip 60 --launch-count 4 -o $R/p -f /tmp/bin/gbench_N --reps=20 --benchmark_filter="$L/tiles_$d%/sparse" > $R/ncu_$T.log 2>&1; echo "rc=$?" >> $R/ncu_$T.log
  $NCU --import $R/p.ncu-rep --page details > $R/details_$T.txt 2>&1
  grep -E "PrescanF16Kernel|SparseConvF16Kernel|Duration|DRAM Throughput|Memory Throughput|Achieved Occupancy|Grid Size|Registers|L2 Hit" $R/details_$T.txt | head -60
  rm -f $R/p.ncu-rep; snap
done
timeout 120 /tmp/bin/gbench_N --reps=20 --benchmark_filter='(imagenet_l1_3x3_64@56|cifar_l2_3x3_128@16)/tiles_(0|1|5)%/' > $R/gbench.txt 2>&1; echo "rc=$?" >> $R/gbench.txt; grep -E "imagenet|cifar" $R/gbench.txt; snap
# ---- run2.sh
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
# ---- run3.sh
# Session 24 run 3 (H200): the prescan kernel's own profile at HEAD (4c6621a). ncu full set with
# per-instruction stall samples, one PrescanF16Kernel launch inside the graph of 20 runs, caches and
# clocks as they are: CIFAR 3x3 128@16 and ImageNet 3x3 64@56, no tile active.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
NCU=$(ls /usr/local/cuda/bin/ncu 2>/dev/null || which ncu)
for L in cifar_l2_3x3_128@16 imagenet_l1_3x3_64@56; do
  T=${L%%_3x3*}
  timeout 150 $NCU --cache-control none --clock-control none --set full --import-source no -k regex:PrescanF16Kernel --launch-skip 30 --launch-count 1 -o $R/p -f /tmp/bin/gbench_N --reps=20 --benchmark_filter="$L/tiles_0%/sparse" > $R/ncu_$T.log 2>&1; echo "rc=$?" >> $R/ncu_$T.log
  $NCU --import $R/p.ncu-rep --page source --csv --print-source sass > $R/sass_$T.csv 2> $R/sass_$T.err
  $NCU --import $R/p.ncu-rep --page details > $R/details_$T.txt 2>&1
  grep -E "Duration|Elapsed Cycles|SM Active|DRAM Throughput|Achieved Occupancy|Stall|Warp Cycles Per Issued" $R/details_$T.txt | head -30
  gzip -f $R/sass_$T.csv; rm -f $R/p.ncu-rep; snap
done
# ---- run4.sh
# Session 24 run 4 (H200): the prescan's NHWC scan and bias store by rows of 16-byte vectors (P)
# against HEAD (A = 4c6621a). The whole CUDA suite on P, then sparse_conv_gbench A/P interleaved, two passes.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests_P.txt 2>&1; echo "rc=$?" >> $R/all_tests_P.txt; tail -4 $R/all_tests_P.txt; snap
F='/tiles_(0|1|5|10|100)%/'
for pass in 1 2; do
  timeout 100 /tmp/bin/gbench_N --reps=20 --benchmark_filter="$F" > $R/gbench_A_$pass.txt 2>&1
  timeout 100 /tmp/bin/gbench_P --reps=20 --benchmark_filter="$F" > $R/gbench_P_$pass.txt 2>&1
  snap
done
paste <(grep -h "sparse/" $R/gbench_A_1.txt | awk '{print $1, $2}') <(grep -h "sparse/" $R/gbench_P_1.txt | awk '{print $2}') <(grep -h "sparse/" $R/gbench_A_2.txt | awk '{print $2}') <(grep -h "sparse/" $R/gbench_P_2.txt | awk '{print $2}') | sed 's#/iterations:30/manual_time##'
# ---- run5.sh
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
# ---- run6.sh
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
# ---- run7.sh
# Session 24 run 7 (H200): the prescan's vector scan as it will be committed (R: its own kernel,
# 6 blocks per SM asked for 3x3 and 1x1 stride 1) with the new counting test. The whole CUDA suite,
# the 48-case zoo (sparse on against off, fused against unfused, links), compute-sanitizer memcheck
# and racecheck on the prescan tests, and sparse_conv_gbench A/R interleaved, two passes.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests_R.txt 2>&1; echo "rc=$?" >> $R/all_tests_R.txt; tail -4 $R/all_tests_R.txt; snap
tar xzf build-bin/zoo.tgz -C /tmp
timeout 240 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo_R.txt 2>&1; echo "rc=$?" >> $R/zoo_R.txt; tail -2 $R/zoo_R.txt; snap
CS=$(ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || which compute-sanitizer)
timeout 200 $CS --tool memcheck --error-exitcode 9 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16GpuTest.PrescanCounts*:SparseConvF16GpuTest.SingleSpike*:SparseConvF16GpuTest.Deterministic*' > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt; tail -3 $R/memcheck.txt
timeout 200 $CS --tool racecheck --error-exitcode 9 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16GpuTest.PrescanCounts*' > $R/racecheck.txt 2>&1; echo "rc=$?" >> $R/racecheck.txt; tail -3 $R/racecheck.txt; snap
F='/tiles_(0|1|5|10|100)%/'
for pass in 1 2; do
  for v in N R; do timeout 100 /tmp/bin/gbench_$v --reps=20 --benchmark_filter="$F" > $R/gbench_${v}_$pass.txt 2>&1; done
  snap
done
for v in N R; do for p in 1 2; do grep -h "sparse/" $R/gbench_${v}_$p.txt | awk '{print $2}' > /tmp/c_${v}_$p; done; done
grep -h "sparse/" $R/gbench_N_1.txt | awk '{print $1}' | sed 's#/iterations:30/manual_time##' > /tmp/names
grep -h "cudnn/" $R/gbench_N_1.txt | awk '{print $2}' > /tmp/c_cudnn
paste /tmp/names /tmp/c_cudnn /tmp/c_N_1 /tmp/c_N_2 /tmp/c_R_1 /tmp/c_R_2 | awk '{printf "%-45s cudnn %6.2f  A %6.2f  R %6.2f\n", $1, $2, ($3+$4)/2, ($5+$6)/2}' > $R/table.txt; cat $R/table.txt
grep -A20 "crossover" $R/gbench_R_1.txt | head -16
snap
# ---- run8.sh
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
# ---- run9.sh
# Session 24 run 9 (H200): the prescan's vector scan with four rows' loads in flight and 8 blocks per
# SM (32 registers) where a thread has at most 4 rows of the window (the 64-channel 3x3 stride-1
# layers), SF_EXP_BATCH4=1, against the committed eight (40 registers, 6 blocks); one binary (T = HEAD
# aea5fbb + the switch), interleaved, two passes; then ncu (basic set + memory workload) of the
# committed prescan on ImageNet 3x3 64@56 with no tile active.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
F='(64@56|64@32)/tiles_(0|1|5|10|100)%/sparse'
for pass in 1 2; do
  timeout 100 /tmp/bin/gbench_T --reps=20 --benchmark_filter="$F" > $R/gbench_8_$pass.txt 2>&1
  SF_EXP_BATCH4=1 timeout 100 /tmp/bin/gbench_T --reps=20 --benchmark_filter="$F" > $R/gbench_4_$pass.txt 2>&1
done
paste <(grep -h "sparse/" $R/gbench_8_1.txt | awk '{print $1, $2}') <(grep -h "sparse/" $R/gbench_8_2.txt | awk '{print $2}') <(grep -h "sparse/" $R/gbench_4_1.txt | awk '{print $2}') <(grep -h "sparse/" $R/gbench_4_2.txt | awk '{print $2}') | sed 's#/iterations:30/manual_time##' | tee $R/table.txt
snap
NCU=$(ls /usr/local/cuda/bin/ncu 2>/dev/null || which ncu)
timeout 150 $NCU --cache-control none --clock-control none --set basic --section MemoryWorkloadAnalysis -k regex:PrescanF16Kernel --launch-skip 30 --launch-count 1 -o $R/p -f /tmp/bin/gbench_T --reps=20 --benchmark_filter="imagenet_l1_3x3_64@56/tiles_0%/sparse" > $R/ncu.log 2>&1; echo "rc=$?" >> $R/ncu.log
$NCU --import $R/p.ncu-rep --page details > $R/details_imagenet_l1_0.txt 2>&1
grep -E "Duration|DRAM Throughput|Memory Throughput|Achieved Occupancy|Registers|L2 Hit" $R/details_imagenet_l1_0.txt | head -12
rm -f $R/p.ncu-rep; snap
# ---- run10.sh
# Session 24 run 10 (H200): the committed form of run 9's batch of four (PrescanBatch: 4 rows' loads and
# 8 blocks per SM where no thread has more than 4 window rows, else 8 and 6). The whole CUDA suite, the
# zoo, memcheck on the prescan tests, and sparse_conv_gbench T (run 9's binary without the switch: the
# state at aea5fbb) against U, interleaved, two passes.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests_U.txt 2>&1; echo "rc=$?" >> $R/all_tests_U.txt; tail -3 $R/all_tests_U.txt; snap
tar xzf build-bin/zoo.tgz -C /tmp
timeout 240 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo_U.txt 2>&1; echo "rc=$?" >> $R/zoo_U.txt; tail -2 $R/zoo_U.txt; snap
CS=$(ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || which compute-sanitizer)
timeout 200 $CS --tool memcheck --error-exitcode 9 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16GpuTest.PrescanCounts*:SparseConvF16GpuTest.SingleSpike*' > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt; tail -3 $R/memcheck.txt; snap
F='/tiles_(0|1|5|10|100)%/'
for pass in 1 2; do
  for v in T U; do timeout 100 /tmp/bin/gbench_$v --reps=20 --benchmark_filter="$F" > $R/gbench_${v}_$pass.txt 2>&1; done
  snap
done
for v in T U; do for p in 1 2; do grep -h "sparse/" $R/gbench_${v}_$p.txt | awk '{print $2}' > /tmp/c_${v}_$p; done; done
grep -h "sparse/" $R/gbench_T_1.txt | awk '{print $1}' | sed 's#/iterations:30/manual_time##' > /tmp/names
grep -h "cudnn/" $R/gbench_T_1.txt | awk '{print $2}' > /tmp/c_cudnn
paste /tmp/names /tmp/c_cudnn /tmp/c_T_1 /tmp/c_T_2 /tmp/c_U_1 /tmp/c_U_2 | awk '{printf "%-45s cudnn %6.2f  T %6.2f  U %6.2f\n", $1, $2, ($3+$4)/2, ($5+$6)/2}' > $R/table.txt; cat $R/table.txt
grep -A14 "crossover" $R/gbench_U_1.txt
snap
# ---- run11.sh
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
# ---- run12.sh
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
# ---- run13.sh
# Session 24 run 13 (H200): the NCHW prescan by window rows (a thread per (channel, row): the row's
# halves loaded at once, one division per row) and the NCHW bias store by tile rows (X), against HEAD
# (A). The sparse conv tests and the zoo (sparse on against off in NCHW and NHWC) on X; sfbench A/X on
# the zoo's Spiking-ResNet18 (random weights) in fp16 NCHW at batch 16, whose layer table gives
# each sparse conv's prescan time.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 120 /tmp/bin/sf_cuda_tests --gtest_brief=1 --gtest_filter='SparseConvF16*:SpikeOccupancy*:DensitySwitch*' > $R/tests_X.txt 2>&1; echo "rc=$?" >> $R/tests_X.txt; tail -3 $R/tests_X.txt; snap
tar xzf build-bin/zoo.tgz -C /tmp
timeout 200 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo_X.txt 2>&1; echo "rc=$?" >> $R/zoo_X.txt; tail -2 $R/zoo_X.txt; snap
m=/tmp/zoo/snn/models; z=zoo_spiking_resnet18_cifar
for v in A X A X; do
  timeout 60 /tmp/bin/sfbench_$v $m/$z.onnx --input $m/$z.input.npy --precision fp16 --layout nchw --batch 16 --warmup 20 --iters 200 --layer-iters 20 --label "random weights, $v" > $R/sfbench_$v.txt 2>&1; echo "rc=$?" >> $R/sfbench_$v.txt
done
for v in A X; do echo "== $v"; grep -iE "prescan|^ *name|conv" $R/sfbench_$v.txt | head -30; done
snap
# ---- run14.sh
# Session 24 run 14 (H200): run 13's sfbench A/X again without --batch (the zoo model's input has a
# fixed batch: run 13's sfbench runs refused it): fp16 NCHW, the model's own input (batch 2, T 2).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
tar xzf build-bin/zoo.tgz -C /tmp
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
m=/tmp/zoo/snn/models; z=zoo_spiking_resnet18_cifar
for v in A X; do
  timeout 60 /tmp/bin/sfbench_$v $m/$z.onnx --input $m/$z.input.npy --precision fp16 --layout nchw --warmup 20 --iters 200 --layer-iters 20 --label "random weights, $v" > $R/sfbench_$v.txt 2>&1; echo "rc=$?" >> $R/sfbench_$v.txt
done
for v in A X; do echo "== $v"; grep -B2 -A40 -i "prescan" $R/sfbench_$v.txt | grep -iE "prescan|Conv|p50" | head -24; done
snap
