# Session 22 run 3 (H200): two 8x8 tiles per work item (32-channel chunks; not 3x3 stride 2).
# H = HEAD c8bd34d, G = two tiles per item (ConvMinBlocks 3: 80 registers, the 3x3 NHWC kernel
# spills 96 bytes), G2 = the same with 2 blocks per SM asked for (128 registers). Built here
# (sm_90, nvcc 13.0). Focused tests (G2 build), memcheck of the grouped-tiles test, timing.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T4 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 90 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16*:SpikeOccupancy*:ConvNeuronF16*:FusedSpikeMarks*:DensitySwitch*:*Executor*Sparse*:SpikePacked*' --gtest_brief=1 > $R/focused_tests.txt 2>&1; echo "rc=$?" >> $R/focused_tests.txt; tail -3 $R/focused_tests.txt; snap
CS=/usr/local/cuda/bin/compute-sanitizer
timeout 150 $CS --tool memcheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16GpuTest.Grouped*' --gtest_brief=1 > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt; tail -3 $R/memcheck.txt; snap
F='^(cifar_l1_3x3_64@32|cifar_l2_3x3_128@16|cifar_l2_short_1x1s2_64@32|imagenet_l1_3x3_64@56|imagenet_l2_3x3_128@28)/tiles_(0|1|5|10|25|100)%/'
for p in 1 2; do for v in H G G2; do timeout 100 /tmp/bin/gbench_$v --reps=20 --benchmark_filter="$F" > $R/gbench_${v}_$p.txt 2>&1; echo "rc=$?" >> $R/gbench_${v}_$p.txt; done; done
grep -h -E "sparse" $R/gbench_*_1.txt | cut -c1-80; snap
