# Session 14 (2026-11-27): output channels per work item of the float16 tensor-core sparse conv (SparseConvShape::cout_chunk).
# All on H100s (gpu.txt), each run a fresh machine from the working tree of the moment. Scripts as run (run N = scripts/.devN.sh).
# run2: first build with the chunk a template parameter; SF_SPARSE_F16_CHUNK then set the chunk of tile-8 convs only (tile 4 ran 64).
# run3: an experiment not kept: the pipeline depth as a template parameter too, chosen by SF_SPARSE_F16_STAGES (3, 4, 6) in
#       a build of that moment; deeper pipelines did not help (summary.txt: occupied_us per layer and density, tile 8 layers).
# run4: ncu of the conv kernel (chunk 64) at 1% and 100% of tiles active, cifar l2 3x3 128@16.
# run5: final tile-8 code (default 32): all CUDA tests, spike_occupancy_bench, sparse_conv_gbench default vs SF_SPARSE_F16_CHUNK=64.
# run6: tile 4 may run 32 (one n-block per warp): all CUDA tests, the tile-4 layers at 32 vs 64, zoo sfrun --sparse on 32 vs 64.

## run2
set -x
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1
(cd build-dev && cmake --build . --target spike_occupancy_bench -j 16 >> $R/build.txt 2>&1); tail -1 $R/build.txt
timeout 100 build-dev/tests/sf_cuda_tests --gtest_filter='SparseConvF16*:SpikeOccupancy*' --gtest_brief=1 > $R/tests.txt 2>&1; echo "rc=$?" >> $R/tests.txt
grep -E "FAILED|Failure" $R/tests.txt | cut -c1-300 | head; tail -3 $R/tests.txt
for ch in 64 16 32; do
  SF_SPARSE_F16_CHUNK=$ch timeout 100 build-dev/tests/perf/spike_occupancy_bench --reps 20 > $R/bench_$ch.txt 2>&1; echo "rc=$?" >> $R/bench_$ch.txt
done
paste -d'|' <(grep -E "^ +[0-9.]+%|^[a-z]" $R/bench_64.txt | cut -c1-46) <(grep -E "^ +[0-9.]+%|^[a-z]" $R/bench_16.txt | cut -c10-46) <(grep -E "^ +[0-9.]+%|^[a-z]" $R/bench_32.txt | cut -c10-46)
cd $OUT && tar czf r.tgz r

## run3
set -x
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1
(cd build-dev && cmake --build . --target spike_occupancy_bench -j 16 >> $R/build.txt 2>&1); tail -1 $R/build.txt
for st in 4 6; do for ch in 16 32; do
SF_SPARSE_F16_STAGES=$st SF_SPARSE_F16_CHUNK=$ch timeout 100 build-dev/tests/sf_cuda_tests --gtest_filter='SparseConvF16GpuTest.*:SpikeOccupancyTest.Masks*' --gtest_brief=1 > $R/tests_${st}_$ch.txt 2>&1; echo "st $st ch $ch rc=$?"; tail -2 $R/tests_${st}_$ch.txt
done; done
for cfg in 3_32 3_16 4_32 4_16 6_32 6_16; do
  st=${cfg%_*}; ch=${cfg#*_}
  SF_SPARSE_F16_STAGES=$st SF_SPARSE_F16_CHUNK=$ch timeout 100 build-dev/tests/perf/spike_occupancy_bench --reps 20 > $R/bench_$cfg.txt 2>&1; echo "rc=$?" >> $R/bench_$cfg.txt
done
cd $R; for f in bench_*.txt; do echo "== $f"; grep -E "^ +[0-9.]+%|^[a-z]" $f | cut -c1-46; done > summary.txt
cd $OUT && tar czf r.tgz r

## run4
set -x
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1
(cd build-dev && cmake --build . --target sparse_conv_gbench -j 16 >> $R/build.txt 2>&1); tail -1 $R/build.txt
NCU=$(ls /usr/local/cuda/bin/ncu 2>/dev/null || which ncu)
for d in 1 100; do
timeout 150 $NCU --kernel-name regex:SparseConvF16Kernel --launch-count 1 --set full \
  build-dev/tests/perf/sparse_conv_gbench --reps=1 --benchmark_filter="cifar_l2_3x3_128@16/tiles_$d%/sparse" > $R/ncu_$d.txt 2>&1; echo "rc=$?" >> $R/ncu_$d.txt
done
grep -E "Duration|Registers|Achieved Occupancy|Stall|stall|Issue Slots|Warp Cycles|Block Limit|Waves|Grid Size|Theoretical Occ|Eligible|Issued Warp|No Eligible|Active Warps" $R/ncu_1.txt | head -60
cd $OUT && tar czf r.tgz r

## run5
# sparse_conv_gbench with the default and with SF_SPARSE_F16_CHUNK=64 (the old kernel) on the same machine.
set -x
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1
(cd build-dev && cmake --build . --target spike_occupancy_bench sparse_conv_gbench -j 16 >> $R/build.txt 2>&1); tail -1 $R/build.txt
timeout 120 build-dev/tests/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests.txt 2>&1; echo "rc=$?" >> $R/cuda_tests.txt
grep -E "FAILED|Failure|SKIPPED" $R/cuda_tests.txt | cut -c1-300 | head; tail -3 $R/cuda_tests.txt
timeout 100 build-dev/tests/perf/spike_occupancy_bench --reps 20 > $R/bench.txt 2>&1; echo "rc=$?" >> $R/bench.txt
timeout 150 build-dev/tests/perf/sparse_conv_gbench --reps=20 --benchmark_out=$R/gbench.json --benchmark_out_format=json > $R/gbench.txt 2>&1; echo "rc=$?" >> $R/gbench.txt
SF_SPARSE_F16_CHUNK=64 timeout 150 build-dev/tests/perf/sparse_conv_gbench --reps=20 --benchmark_out=$R/gbench_chunk64.json --benchmark_out_format=json > $R/gbench_chunk64.txt 2>&1; echo "rc=$?" >> $R/gbench_chunk64.txt
tail -14 $R/gbench.txt; tail -14 $R/gbench_chunk64.txt
cd $OUT && tar czf r.tgz r

## run6
# tile-4 layers of spike_occupancy_bench and sparse_conv_gbench at chunk 32 vs 64, zoo sfrun --sparse on chunk default vs 64.
set -x
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1
(cd build-dev && cmake --build . --target spike_occupancy_bench sparse_conv_gbench -j 16 >> $R/build.txt 2>&1); tail -1 $R/build.txt
timeout 120 build-dev/tests/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests.txt 2>&1; echo "rc=$?" >> $R/cuda_tests.txt
grep -E "FAILED|Failure|SKIPPED" $R/cuda_tests.txt | cut -c1-300 | head; tail -3 $R/cuda_tests.txt
for ch in 32 64; do
  SF_SPARSE_F16_CHUNK=$ch timeout 60 build-dev/tests/perf/spike_occupancy_bench --reps 20 --only 256 > $R/bench_$ch.txt 2>&1; echo "rc=$?" >> $R/bench_$ch.txt
  SF_SPARSE_F16_CHUNK=$ch timeout 90 build-dev/tests/perf/sparse_conv_gbench --reps=20 --benchmark_filter='256@8|256@14' > $R/gbench_$ch.txt 2>&1; echo "rc=$?" >> $R/gbench_$ch.txt
done
M=/tmp/m; mkdir -p $M
for m in spiking_resnet18 sew_resnet18; do
  python3 models/pack_weights.py onnx $m models/resnet18_fmnist/$m $M/$m.onnx > /dev/null 2>&1
  for ch in 32 64; do
    SF_SPARSE_F16_CHUNK=$ch timeout 60 build-dev/tools/sfrun $M/$m.onnx --input models/resnet18_fmnist/test_input.npy \
      --device cuda --precision fp16 --layout nhwc --sparse on --plan --output $M/${m}_$ch.npy > $R/zoo_${m}_$ch.txt 2>&1; echo "rc=$?" >> $R/zoo_${m}_$ch.txt
  done
  python3 -c "import numpy as np; a=np.load('$M/${m}_32.npy'); b=np.load('$M/${m}_64.npy'); print('$m sparse on, chunk 32 vs 64: max|diff|', abs(a-b).max(), a.shape)" | tee -a $R/zoo.txt
  grep -c "output channels per item" $R/zoo_${m}_32.txt | tee -a $R/zoo.txt
done
cd $OUT && tar czf r.tgz r

## run7 (run7_plan_halo/): the halo's copy sources worked out once per work item; the build of that run chose it or not by SF_EXP_PLAN_HALO
## (an experiment switch removed afterwards: the final code always plans the halo, as with SF_EXP_PLAN_HALO unset here)
# kernel and occupancy tests, then sparse_conv_gbench with it (SF_EXP_PLAN_HALO unset) and without (=0), same machine.
R=$OUT
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
mkdir -p /tmp/b; SF_BUILD_DIR=$PWD/build-dev OUT=/tmp/b scripts/gpu-check.sh build > /tmp/b/build.txt 2>&1
(cd build-dev && cmake --build . --target sparse_conv_gbench -j 16 >> /tmp/b/build.txt 2>&1); tail -1 /tmp/b/build.txt
timeout 60 build-dev/tests/sf_cuda_tests --gtest_filter='SparseConvF16*:SpikeOccupancy*:DensitySwitch*:GpuExecutor*' --gtest_brief=1 > $R/tests.txt 2>&1; echo "rc=$?" >> $R/tests.txt
tail -3 $R/tests.txt
for v in 1 0; do
  SF_EXP_PLAN_HALO=$v timeout 80 build-dev/tests/perf/sparse_conv_gbench --reps=20 --benchmark_filter='3x3_' > $R/gbench_$v.txt 2>&1; echo "rc=$?" >> $R/gbench_$v.txt
done
paste <(grep manual_time $R/gbench_0.txt | awk '{print $1, $2}') <(grep manual_time $R/gbench_1.txt | awk '{print $2}') | sed 's|/iterations:30/manual_time||' | grep sparse > $R/ab.txt
cat $R/ab.txt
