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
