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
