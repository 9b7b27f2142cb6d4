# Session 22 run 4 (H200): two 8x8 tiles per work item (32-channel chunks, stride 1; 2 blocks per
# SM asked for), as committed. H = HEAD c8bd34d, N = the change, built here (sm_90, nvcc 13.0).
# The whole CUDA suite, the 48-case zoo (scripts/zoo_fp16_check.py: sparse on/off, fused/unfused,
# grouped/one tile per item), an H/N timing interleaved (two passes), then memcheck, racecheck and
# synccheck on the sparse conv tests that group tiles.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin /tmp/zoo; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *zoo*) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
tar xJf build-bin/zoo-all-48.tar.xz -C /tmp/zoo
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 200 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/cuda_tests_N.txt 2>&1; echo "rc=$?" >> $R/cuda_tests_N.txt
grep -E "FAILED|Failure" -A3 $R/cuda_tests_N.txt | cut -c1-250 | head -30; tail -4 $R/cuda_tests_N.txt; snap
timeout 150 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo-fp16.txt 2>&1; echo "zoo rc=$?" | tee -a $R/zoo-fp16.txt; tail -2 $R/zoo-fp16.txt; snap
for p in 1 2; do for v in H N; do timeout 60 /tmp/bin/gbench_$v --reps=20 --benchmark_filter='/tiles_(0|1|5|10|25|100)%/' > $R/gbench_${v}_$p.txt 2>&1; echo "rc=$?" >> $R/gbench_${v}_$p.txt; done; done; snap
CS=/usr/local/cuda/bin/compute-sanitizer
RT='SparseConvF16GpuTest.SingleSpike*:SparseConvF16GpuTest.Deterministic*:SparseConvF16GpuTest.GroupedTiles*'
timeout 60 $CS --tool memcheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/memcheck_N.txt 2>&1; echo "rc=$?" >> $R/memcheck_N.txt; tail -3 $R/memcheck_N.txt; snap
timeout 90 $CS --tool racecheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/racecheck_N.txt 2>&1; echo "rc=$?" >> $R/racecheck_N.txt; tail -3 $R/racecheck_N.txt; snap
timeout 60 $CS --tool synccheck --print-limit 5 /tmp/bin/sf_cuda_tests --gtest_filter="$RT" --gtest_brief=1 > $R/synccheck_N.txt 2>&1; echo "rc=$?" >> $R/synccheck_N.txt; tail -3 $R/synccheck_N.txt; snap
