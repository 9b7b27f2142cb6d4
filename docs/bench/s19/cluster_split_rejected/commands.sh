# Session 19 device scripts (2026-11-28), each run from the repository root with .device-debs carried; docs/ and
# models/resnet18_fmnist/*.part* were moved out of the tree to fit the 64 MiB the device tool carries (no run needs
# them). Run 2 ran without a kind and got a fresh H200 (so it built first); runs 1 and 3 on H100s. The code of
# run 3 is cluster_split.patch (against 88aad95); run 1's lacked the list-count fix described in benchmarks.md.

## run1
# Session 19 run 1 (2026-11-28, H100): clusters of blocks sharing few active items (SparseConvShape::split).
# Build; the sparse-conv, occupancy, fused and switch tests; fused_marks_bench and spike_occupancy_bench on
# the tile-4 256-channel layers with SF_SPARSE_F16_SPLIT=1 (one block per item, the kernel as before) and 4.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; echo "build rc=$?"; tail -5 $R/build.txt | cut -c1-300
snap
timeout 200 build-dev/tests/sf_cuda_tests --gtest_filter='SparseConvF16*:SpikeOccupancy*:ConvNeuronF16*:FusedSpikeMarks*:DensitySwitch*:SpikePacked*' --gtest_brief=1 > $R/focused_tests.txt 2>&1; echo "rc=$?" >> $R/focused_tests.txt
grep -E "FAILED|Failure" -A6 $R/focused_tests.txt | cut -c1-300 | head -40; tail -3 $R/focused_tests.txt; snap
for sp in 1 4; do
  SF_SPARSE_F16_SPLIT=$sp timeout 60 build-dev/tests/perf/fused_marks_bench --reps 20 --only "l3 3x3 256" > $R/fused_marks_s$sp.txt 2>&1; echo "rc=$?" >> $R/fused_marks_s$sp.txt
done
for sp in 1 4; do echo "== split $sp"; grep -vE "^\s*$" $R/fused_marks_s$sp.txt | head -30; done; snap

## run2
# Session 19 run 2: the launch failure of run 1, located: the new kernel test alone, then under memcheck.
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
snap() { (cd $OUT && tar czf r.tgz r); }
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
[ -x build-dev/tests/sf_cuda_tests ] || { SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; echo "build rc=$?"; }

timeout 100 build-dev/tests/sf_cuda_tests --gtest_filter='*ClustersSharing*' > $R/t1.txt 2>&1; echo "rc=$?" >> $R/t1.txt
grep -E "Failure" -A4 $R/t1.txt | head -30 | cut -c1-250; tail -3 $R/t1.txt; snap
timeout 200 /usr/local/cuda/bin/compute-sanitizer --tool memcheck --show-backtrace device --print-limit 5 build-dev/tests/sf_cuda_tests --gtest_filter='*ClustersSharing*' > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt
grep -E "=========" $R/memcheck.txt | head -40 | cut -c1-250; snap

## run3
# Session 19 run 3: the cluster list count fixed (every block summed rank 0's list and its own, not all).
# Build; the focused tests; fused_marks_bench and spike_occupancy_bench (tile-4 256-channel layers) and
# sparse_conv_gbench (five 3x3 shapes) at SF_SPARSE_F16_SPLIT=1 (the kernel as before: one block per item)
# and 4, interleaved, one machine.
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
snap() { (cd $OUT && tar czf r.tgz r); }
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; echo "build rc=$?"
timeout 150 build-dev/tests/sf_cuda_tests --gtest_filter='SparseConvF16*:SpikeOccupancy*:ConvNeuronF16*:FusedSpikeMarks*:DensitySwitch*:SpikePacked*' --gtest_brief=1 > $R/focused_tests.txt 2>&1; echo "rc=$?" >> $R/focused_tests.txt
grep -E "FAILED|Failure" -A6 $R/focused_tests.txt | cut -c1-300 | head -40; tail -3 $R/focused_tests.txt; snap
F='^(cifar_l1_3x3_64@32|cifar_l2_3x3_128@16|cifar_l3_3x3_256@8|imagenet_l2_3x3_128@28|imagenet_l3_3x3_256@14)/tiles_(0|1|5|10|25|100)%/'
for sp in 1 4; do
  SF_SPARSE_F16_SPLIT=$sp timeout 45 build-dev/tests/perf/fused_marks_bench --reps 20 --only "l3 3x3 256" > $R/fused_marks_s$sp.txt 2>&1; echo "rc=$?" >> $R/fused_marks_s$sp.txt
  SF_SPARSE_F16_SPLIT=$sp timeout 45 build-dev/tests/perf/spike_occupancy_bench --reps 20 --only "l3 3x3 256" > $R/occupancy_s$sp.txt 2>&1; echo "rc=$?" >> $R/occupancy_s$sp.txt
done; snap
for sp in 1 4; do
  SF_SPARSE_F16_SPLIT=$sp timeout 75 build-dev/tests/perf/sparse_conv_gbench --reps=20 --benchmark_filter="$F" --benchmark_out=$R/gbench_s$sp.json > $R/gbench_s$sp.txt 2>&1; echo "rc=$?" >> $R/gbench_s$sp.txt
done; snap
for sp in 1 4; do echo "== split $sp"; grep -E "^[0-9]|rc=" $R/fused_marks_s$sp.txt | head -12; grep -E "sparse|rc=" $R/gbench_s$sp.txt | awk '{print $1, $2}' | head -40; done


## run4
# Session 19 run 4 (H100): the second version of clusters sharing items. The occupied conv lists its few active
# tiles (CollectActiveTiles) and takes them as the prescan path does, no cluster-wide triage; the grid is the plain
# launch's resident blocks (a multiple of split); items of fewer than 8 input-channel groups are never shared.
# Build; focused tests; fused_marks_bench, spike_occupancy_bench (l3 256 and l2 128 layers) and sparse_conv_gbench
# at SF_SPARSE_F16_SPLIT=1 and 4, one machine.
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
snap() { (cd $OUT && tar czf r.tgz r); }
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; echo "build rc=$?"; tail -3 $R/build.txt | cut -c1-200
timeout 150 build-dev/tests/sf_cuda_tests --gtest_filter='SparseConvF16*:SpikeOccupancy*:ConvNeuronF16*:FusedSpikeMarks*:DensitySwitch*:SpikePacked*' --gtest_brief=1 > $R/focused_tests.txt 2>&1; echo "rc=$?" >> $R/focused_tests.txt
grep -E "FAILED|Failure" -A6 $R/focused_tests.txt | cut -c1-300 | head -30; tail -3 $R/focused_tests.txt; snap
F='^(cifar_l1_3x3_64@32|cifar_l2_3x3_128@16|cifar_l3_3x3_256@8|imagenet_l2_3x3_128@28|imagenet_l3_3x3_256@14)/tiles_(0|1|5|10|25|100)%/'
for sp in 1 4; do
  for L in "l3 3x3 256" "l2 3x3 128"; do
    n=$(echo $L | tr -d ' ')
    SF_SPARSE_F16_SPLIT=$sp timeout 40 build-dev/tests/perf/fused_marks_bench --reps 20 --only "$L" > $R/fused_marks_${n}_s$sp.txt 2>&1; echo "rc=$?" >> $R/fused_marks_${n}_s$sp.txt
    SF_SPARSE_F16_SPLIT=$sp timeout 40 build-dev/tests/perf/spike_occupancy_bench --reps 20 --only "$L" > $R/occupancy_${n}_s$sp.txt 2>&1; echo "rc=$?" >> $R/occupancy_${n}_s$sp.txt
  done
done; snap
for sp in 1 4; do
  SF_SPARSE_F16_SPLIT=$sp timeout 75 build-dev/tests/perf/sparse_conv_gbench --reps=20 --benchmark_filter="$F" --benchmark_out=$R/gbench_s$sp.json > $R/gbench_s$sp.txt 2>&1; echo "rc=$?" >> $R/gbench_s$sp.txt
done; snap
for sp in 1 4; do echo "== split $sp"; for f in $R/fused_marks_*_s$sp.txt; do grep -E "^[0-9]|rc=" $f | awk '{print $1,$2,$6,$7,$8}' | tr '\n' ';'; echo; done; for f in $R/occupancy_*_s$sp.txt; do grep -E "^ +[0-9.]+%|rc=" $f | awk '{print $1,$2,$3,$4}' | tr '\n' ';'; echo; done; grep -E "sparse" $R/gbench_s$sp.txt | awk '{print $2}' | tr '\n' ' '; echo; done
