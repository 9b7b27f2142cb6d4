# Session 25 device runs (H200). Binaries built on the development machine (nvcc 13.0, sm_90,
# Release), compressed into build-bin/ and carried; each script ran as `bash build-bin/run.sh`.
# run 1  run1.sh  the empty tiles' bias by the conv's idle blocks, a tile per warp, filled block by block
#                 (empties_in_conv_rejected.patch, first form): focused tests, memcheck, racecheck, A/B gbench
# run 2  run2.sh  the same dealt over blocks first: focused tests, A/B gbench
# run 3  run3.sh  the same by output rows, dealt over blocks (B) or block by block (C): tests, A/B/C gbench;
#                 none kept
# run 4  run4.sh  the occupied conv's count of active tiles estimated past 256 tiles (B) against the exact
#                 count (A): focused tests, fused_marks_bench and spike_occupancy_bench A/B, two passes
# run 5  run5.sh  the committed estimate: whole CUDA suite, 48-case zoo, memcheck and racecheck
# run 6  run6.sh  ncu full set of the prescan (ImageNet 64@56, CIFAR 128@16) and the conv at 0% (no code change)
# run 7  run7.sh  the tile's place and the vector's pixel by FastDiv, a row's split by SmallDiv: focused
#                 tests, A/B gbench
# run 8  run8.sh  the vector scan's and the bias store's rows by a stepped pointer
#                 (stepped_pointers_rejected.patch): focused tests, A/B gbench; not kept
# run 9  run9.sh  SmallDiv in the NCHW prescan and bias store, an 8-wide NCHW bias row in one store, a
#                 fallback to `/` in SmallDiv (nchw_smalldiv_rejected.patch): whole CUDA suite, zoo,
#                 memcheck, A/B gbench, A/B sfbench fp16 NCHW, fused_marks/occupancy benches; not kept
# run 10 run10.sh the state at 2d70c2d: whole CUDA suite, zoo, memcheck, gbench and fused_marks_bench
# run 11 run11.sh the occupied conv's first mask words loaded before the count (triage_prefetch_rejected.patch):
#                 focused tests, zoo, fused_marks_bench A/B; not kept
# ---- run1.sh
# Session 25 run 1 (H200): the empty tiles' bias moved from the prescan to the conv's idle blocks
# (one binary; SF_AB_EMPTIES_IN_PRESCAN=1 runs the old split, A). Focused tests (B), memcheck and
# racecheck on two of them, then sparse_conv_gbench A against B interleaved, two passes.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
TF='SparseConvF16*:*Occup*:*DensitySwitch*:*SparseConv*:*FusedSpikeMarks*'
timeout 200 /tmp/bin/sf_cuda_tests --gtest_brief=1 --gtest_filter="$TF" > $R/tests_B.txt 2>&1; echo "rc=$?" >> $R/tests_B.txt; tail -4 $R/tests_B.txt; snap
CS=$(ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || which compute-sanitizer)
CF='SparseConvF16GpuTest.SingleSpike*:SparseConvF16GpuTest.DeterministicAndSkipsEmptyWork'
timeout 150 $CS --tool memcheck --error-exitcode 9 /tmp/bin/sf_cuda_tests --gtest_filter="$CF" > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt; tail -3 $R/memcheck.txt
timeout 150 $CS --tool racecheck --error-exitcode 9 /tmp/bin/sf_cuda_tests --gtest_filter="$CF" > $R/racecheck.txt 2>&1; echo "rc=$?" >> $R/racecheck.txt; tail -3 $R/racecheck.txt; snap
F='/tiles_(0|1|5|10|100)%/'
for pass in 1 2; do
  SF_AB_EMPTIES_IN_PRESCAN=1 timeout 100 /tmp/bin/sparse_conv_gbench --reps=20 --benchmark_filter="$F" > $R/gbench_A_$pass.txt 2>&1
  timeout 100 /tmp/bin/sparse_conv_gbench --reps=20 --benchmark_filter="$F" > $R/gbench_B_$pass.txt 2>&1
  snap
done
for v in A B; do for p in 1 2; do grep -h "sparse/" $R/gbench_${v}_$p.txt | awk '{print $2}' > /tmp/c_${v}_$p; done; done
grep -h "sparse/" $R/gbench_A_1.txt | awk '{print $1}' | sed 's#/iterations:30/manual_time##' > /tmp/names
grep -h "cudnn/" $R/gbench_A_1.txt | awk '{print $2}' > /tmp/c_cudnn
paste /tmp/names /tmp/c_cudnn /tmp/c_A_1 /tmp/c_A_2 /tmp/c_B_1 /tmp/c_B_2 | awk '{printf "%-45s cudnn %6.2f  A %6.2f %6.2f  B %6.2f %6.2f\n", $1, $2, $3, $4, $5, $6}' > $R/table.txt; cat $R/table.txt
grep -A14 "crossover" $R/gbench_B_1.txt
snap
# ---- run2.sh
# Session 25 run 2 (H200): run 1 with the empty tiles dealt over blocks first (run 1 filled one block's
# warps before the next) and to the warps of busy blocks after the idle ones. Focused tests (B), then
# sparse_conv_gbench A (SF_AB_EMPTIES_IN_PRESCAN=1) against B interleaved, two passes.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
TF='SparseConvF16*:*Occup*:*DensitySwitch*:*SparseConv*:*FusedSpikeMarks*'
timeout 200 /tmp/bin/sf_cuda_tests --gtest_brief=1 --gtest_filter="$TF" > $R/tests_B.txt 2>&1; echo "rc=$?" >> $R/tests_B.txt; tail -4 $R/tests_B.txt; snap
F='/tiles_(0|1|5|10|100)%/'
for pass in 1 2; do
  SF_AB_EMPTIES_IN_PRESCAN=1 timeout 100 /tmp/bin/sparse_conv_gbench --reps=20 --benchmark_filter="$F" > $R/gbench_A_$pass.txt 2>&1
  timeout 100 /tmp/bin/sparse_conv_gbench --reps=20 --benchmark_filter="$F" > $R/gbench_B_$pass.txt 2>&1
  snap
done
for v in A B; do for p in 1 2; do grep -h "sparse/" $R/gbench_${v}_$p.txt | awk '{print $2}' > /tmp/c_${v}_$p; done; done
grep -h "sparse/" $R/gbench_A_1.txt | awk '{print $1}' | sed 's#/iterations:30/manual_time##' > /tmp/names
grep -h "cudnn/" $R/gbench_A_1.txt | awk '{print $2}' > /tmp/c_cudnn
paste /tmp/names /tmp/c_cudnn /tmp/c_A_1 /tmp/c_A_2 /tmp/c_B_1 /tmp/c_B_2 | awk '{printf "%-45s cudnn %6.2f  A %6.2f %6.2f  B %6.2f %6.2f\n", $1, $2, $3, $4, $5, $6}' > $R/table.txt; cat $R/table.txt
grep -A14 "crossover" $R/gbench_B_1.txt
snap
# ---- run3.sh
# Session 25 run 3 (H200): the empty tiles' bias by output rows (a row of a tile per warp; run 2 gave a
# warp a whole tile, up to 32 KB). Focused tests (B), then sparse_conv_gbench interleaved, two passes:
# A = the old split (SF_AB_EMPTIES_IN_PRESCAN=1), B = rows dealt over blocks first, C = rows dealt
# block by block (SF_AB_FILL=1, run 1's order).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
TF='SparseConvF16*:*Occup*:*DensitySwitch*:*SparseConv*:*FusedSpikeMarks*'
timeout 200 /tmp/bin/sf_cuda_tests --gtest_brief=1 --gtest_filter="$TF" > $R/tests_B.txt 2>&1; echo "rc=$?" >> $R/tests_B.txt; tail -3 $R/tests_B.txt
SF_AB_FILL=1 timeout 200 /tmp/bin/sf_cuda_tests --gtest_brief=1 --gtest_filter="SparseConvF16*" > $R/tests_C.txt 2>&1; echo "rc=$?" >> $R/tests_C.txt; tail -3 $R/tests_C.txt; snap
F='/tiles_(0|1|5|10|100)%/'
for pass in 1 2; do
  SF_AB_EMPTIES_IN_PRESCAN=1 timeout 100 /tmp/bin/sparse_conv_gbench --reps=20 --benchmark_filter="$F" > $R/gbench_A_$pass.txt 2>&1
  timeout 100 /tmp/bin/sparse_conv_gbench --reps=20 --benchmark_filter="$F" > $R/gbench_B_$pass.txt 2>&1
  SF_AB_FILL=1 timeout 100 /tmp/bin/sparse_conv_gbench --reps=20 --benchmark_filter="$F" > $R/gbench_C_$pass.txt 2>&1
  snap
done
for v in A B C; do for p in 1 2; do grep -h "sparse/" $R/gbench_${v}_$p.txt | awk '{print $2}' > /tmp/c_${v}_$p; done; done
grep -h "sparse/" $R/gbench_A_1.txt | awk '{print $1}' | sed 's#/iterations:30/manual_time##;s#/sparse##' > /tmp/names
grep -h "cudnn/" $R/gbench_A_1.txt | awk '{print $2}' > /tmp/c_cudnn
paste /tmp/names /tmp/c_cudnn /tmp/c_A_1 /tmp/c_A_2 /tmp/c_B_1 /tmp/c_B_2 /tmp/c_C_1 /tmp/c_C_2 | awk '{printf "%-38s cudnn %6.2f A %6.2f %6.2f B %6.2f %6.2f C %6.2f %6.2f\n", $1, $2, $3, $4, $5, $6, $7, $8}' > $R/table.txt; cat $R/table.txt
snap
# ---- run4.sh
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
# ---- run5.sh
# Session 25 run 5 (H200): the committed form of run 4's B (the occupied conv's count of active tiles
# estimated past 256 tiles), with two new cases of more than 256 tiles in
# SpikeOccupancyTest.MasksAndConvMatchThePrescanOverShapesAndDensities. The whole CUDA suite, the
# 48-case zoo, memcheck and racecheck on the occupancy test.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -4 $R/all_tests.txt; snap
tar xzf build-bin/zoo.tgz -C /tmp
timeout 240 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
CS=$(ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || which compute-sanitizer)
CF='SpikeOccupancyTest.MasksAndConvMatch*'
timeout 200 $CS --tool memcheck --error-exitcode 9 /tmp/bin/sf_cuda_tests --gtest_filter="$CF" > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt; tail -3 $R/memcheck.txt; snap
timeout 200 $CS --tool racecheck --error-exitcode 9 /tmp/bin/sf_cuda_tests --gtest_filter="$CF" > $R/racecheck.txt 2>&1; echo "rc=$?" >> $R/racecheck.txt; tail -3 $R/racecheck.txt; snap
# ---- run6.sh
# Session 25 run 6 (H200): ncu full set with stall samples of the prescan (HEAD 579db2a) on ImageNet
# 3x3 64@56 and CIFAR 3x3 128@16 with no tile active, in the graph of 20 runs (caches and clocks as
# they are), and of the conv kernel that follows it on ImageNet 64@56 (no item: what it costs to exit).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
NCU=$(ls /usr/local/cuda/bin/ncu 2>/dev/null || which ncu)
for L in imagenet_l1_3x3_64@56 cifar_l2_3x3_128@16; do
  T=${L%%_3x3*}
  for K in PrescanF16Kernel SparseConvF16Kernel; do
    [ $K = SparseConvF16Kernel ] && [ $T = cifar_l2 ] && continue
    timeout 150 $NCU --cache-control none --clock-control none --set full --import-source no -k regex:$K --launch-skip 30 --launch-count 1 -o $R/p -f /tmp/bin/sparse_conv_gbench --reps=20 --benchmark_filter="$L/tiles_0%/sparse" > $R/ncu_${T}_$K.log 2>&1; echo "rc=$?" >> $R/ncu_${T}_$K.log
    $NCU --import $R/p.ncu-rep --page source --csv --print-source sass > $R/sass_${T}_$K.csv 2> /dev/null
    $NCU --import $R/p.ncu-rep --page details > $R/details_${T}_$K.txt 2>&1
    echo "== $T $K"; grep -E "Duration|Elapsed Cycles|DRAM Throughput|Compute \(SM\)|Achieved Occupancy|Registers Per|Executed Ipc A|Issue Slots Busy|Warp Cycles Per Issued" $R/details_${T}_$K.txt | head -14
    gzip -f $R/sass_${T}_$K.csv; rm -f $R/p.ncu-rep; snap
  done
done
# ---- run7.sh
# Session 25 run 7 (H200): the tile's place (MakeWindow) and the vector's pixel by a multiply-high and
# a shift with divisors fixed on the host (FastDiv), and the split of a row's vectors among threads by a
# corrected float quotient (SmallDiv), where each was an integer division (~25 instructions): run 6's
# profile found the ImageNet 64@56 prescan issuing on 68% of its cycles, ~510 instructions a warp.
# Focused tests (B), then sparse_conv_gbench A (579db2a) against B interleaved, two passes.
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
# ---- run8.sh
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
# ---- run9.sh
# Session 25 run 9 (H200): B = 83cd15f + the NCHW prescan's (channel, row) split and the NCHW bias
# store's (channel, row) split by SmallDiv, an 8-wide NCHW bias row as one 16-byte store, and SmallDiv's
# fallback to `/` from 2^21. The whole CUDA suite, the 48-case zoo, memcheck on the prescan tests (B);
# sparse_conv_gbench A (83cd15f) / B, one pass each; sfbench A / B on the zoo's Spiking-ResNet18, fp16 NCHW;
# fused_marks_bench and spike_occupancy_bench (B, against run 4 on another machine).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -3 $R/all_tests.txt; snap
tar xzf build-bin/zoo.tgz -C /tmp
timeout 240 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
CS=$(ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || which compute-sanitizer)
timeout 200 $CS --tool memcheck --error-exitcode 9 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16GpuTest.PrescanCounts*:SparseConvF16GpuTest.SingleSpike*' > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt; tail -3 $R/memcheck.txt; snap
F='/tiles_(0|1|5|10|100)%/'
for v in A B; do timeout 100 /tmp/bin/gbench_$v --reps=20 --benchmark_filter="$F" > $R/gbench_$v.txt 2>&1; done
paste <(grep -h "sparse/" $R/gbench_A.txt | awk '{print $1, $2}') <(grep -h "sparse/" $R/gbench_B.txt | awk '{print $2}') | sed 's#/iterations:30/manual_time##;s#/sparse##' > $R/table.txt; cat $R/table.txt; snap
m=/tmp/zoo/snn/models; z=zoo_spiking_resnet18_cifar
for v in A B; do
  timeout 60 /tmp/bin/sfbench_$v $m/$z.onnx --input $m/$z.input.npy --precision fp16 --layout nchw --warmup 20 --iters 200 --layer-iters 20 --label "random weights, $v" > $R/sfbench_$v.txt 2>&1; echo "rc=$?" >> $R/sfbench_$v.txt
done
for v in A B; do echo "== $v"; grep -B2 -A40 -i "prescan" $R/sfbench_$v.txt | grep -iE "prescan|Conv|p50" | head -24; done
snap
timeout 120 /tmp/bin/fused_marks_bench --reps 20 > $R/fmb_B.txt 2>&1; echo "rc=$?" >> $R/fmb_B.txt
timeout 120 /tmp/bin/spike_occupancy_bench --reps 20 > $R/occ_B.txt 2>&1; echo "rc=$?" >> $R/occ_B.txt
snap
# ---- run10.sh
# Session 25 run 10 (H200): HEAD 2d70c2d (FastDiv/SmallDiv in the prescan, the occupied conv's estimated
# count, c_out capped at 2^21). The whole CUDA suite, the 48-case zoo, memcheck on the prescan and
# occupancy tests, sparse_conv_gbench and fused_marks_bench (one pass each) for the figures at HEAD.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -3 $R/all_tests.txt; snap
tar xzf build-bin/zoo.tgz -C /tmp
timeout 240 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
CS=$(ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || which compute-sanitizer)
timeout 200 $CS --tool memcheck --error-exitcode 9 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16GpuTest.PrescanCounts*:SparseConvF16GpuTest.SingleSpike*:SpikeOccupancyTest.MasksAndConvMatch*' > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt; tail -3 $R/memcheck.txt; snap
timeout 100 /tmp/bin/sparse_conv_gbench --reps=20 --benchmark_filter='/tiles_(0|1|5|10|100)%/' > $R/gbench.txt 2>&1; echo "rc=$?" >> $R/gbench.txt; grep -A14 crossover $R/gbench.txt; snap
timeout 120 /tmp/bin/fused_marks_bench --reps 20 > $R/fmb.txt 2>&1; echo "rc=$?" >> $R/fmb.txt; grep -E "^(cifar|imagenet)|^0 |^1 " $R/fmb.txt
snap
# ---- run11.sh
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
