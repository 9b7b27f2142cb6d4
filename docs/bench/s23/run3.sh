# Session 23 run 3 (H200): N3 = 0b6ebc2 + the executor timing each spike-occupancy link
# once, as the second run starts (GpuExecutor::TimeLinks: producer marking + consumer
# without prescan against producer plain + consumer with it, on zeroed producer inputs;
# the link stays on only where faster). Focused tests (the new TimedLinks test prints
# what it measured), the whole CUDA suite, the zoo (links timed by default).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
tar xzf build-bin/zoo.tgz -C /tmp
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 100 /tmp/bin/sf_cuda_tests --gtest_filter='SpikeOccupancyRuntimeTest.*:FusedSpikeMarksRuntime*:SpikePacked*' > $R/link_tests_N3.txt 2>&1; echo "rc=$?" >> $R/link_tests_N3.txt; grep -E "^(kOn|kAuto|on|auto) |OK|FAIL|PASSED" $R/link_tests_N3.txt | tail -40; snap
timeout 200 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests_N3.txt 2>&1; echo "rc=$?" >> $R/all_tests_N3.txt; tail -3 $R/all_tests_N3.txt; snap
timeout 240 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo_N3.txt 2>&1; echo "rc=$?" >> $R/zoo_N3.txt; tail -2 $R/zoo_N3.txt; snap
m=/tmp/zoo/snn/models; ls $m | head -60 > $R/zoo_models.txt
