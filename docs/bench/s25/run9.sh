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
