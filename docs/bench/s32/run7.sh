# Session 32 run 7 (H200): final code (backend configs fp16 + fp32, TF32 named in the plan): the whole CUDA suite, the zoo fp16 check (scripts/zoo_fp16_check.py), compute-sanitizer memcheck on the backend tests.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *.tar.xz) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 300 /tmp/bin/sf_cuda_tests > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=" $R/all_tests.txt | head -20; snap
tar xzf build-bin/zoo.tgz -C /tmp
timeout 200 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -3 $R/zoo.txt; snap
CS=$(ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || which compute-sanitizer)
timeout 200 $CS --tool memcheck /tmp/bin/sf_cuda_tests --gtest_filter='CudnnBackendConvTest.PlanRefuses*:CudnnBackendConvTest.TimedSearch*' > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt; tail -4 $R/memcheck.txt; snap
