# Session 23 run 2 (H200): N2 = N (a334860) with the kAuto timings (sparse vs cuDNN,
# gather vs tensor core, the calibration, fused vs unfused conv + neuron) queuing the
# sparse path as a whole run does (its counters zeroed once per graph of runs, not reset
# per launch). The whole CUDA suite, the zoo (sparse on vs off, fused vs unfused, links
# on, three runs each), the Google Benchmark over all densities (crossovers), and nsys
# traces of the neuron + conv pairs and of the prescan path on CIFAR 128@16.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
tar xzf build-bin/zoo.tgz -C /tmp
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 200 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests_N2.txt 2>&1; echo "rc=$?" >> $R/all_tests_N2.txt; tail -3 $R/all_tests_N2.txt; snap
timeout 240 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo_N2.txt 2>&1; echo "rc=$?" >> $R/zoo_N2.txt; tail -3 $R/zoo_N2.txt; snap
timeout 120 /tmp/bin/gbench_N --reps=20 > $R/gbench_N2_all.txt 2>&1; echo "rc=$?" >> $R/gbench_N2_all.txt; tail -14 $R/gbench_N2_all.txt; snap
NSYS=$(ls /usr/local/cuda/bin/nsys /opt/nvidia/nsight-systems/*/bin/nsys /usr/local/cuda/nsight-systems*/bin/nsys 2>/dev/null | head -1); echo "nsys: $NSYS" > $R/nsys.txt
if [ -n "$NSYS" ]; then
  timeout 150 $NSYS profile --cuda-graph-trace=node -t cuda -o /tmp/occ128 -f true /tmp/bin/occ_N --reps 20 --only "cifar l2 3x3 128@16" > $R/occ128_nsys.txt 2>&1; echo "rc=$?" >> $R/occ128_nsys.txt
  timeout 100 $NSYS stats -r cuda_gpu_trace -f csv -o /tmp/occ128 /tmp/occ128.nsys-rep > /dev/null 2>&1
  python3 build-bin/trace_reduce.py /tmp/occ128_cuda_gpu_trace.csv $R/occ128_trace.txt; gzip -f $R/occ128_trace.txt
  timeout 100 $NSYS profile --cuda-graph-trace=node -t cuda -o /tmp/gb128 -f true /tmp/bin/gbench_N --reps=20 --benchmark_filter='cifar_l2_3x3_128@16/tiles_(0|1)%/sparse' > $R/gb128_nsys.txt 2>&1; echo "rc=$?" >> $R/gb128_nsys.txt
  timeout 100 $NSYS stats -r cuda_gpu_trace -f csv -o /tmp/gb128 /tmp/gb128.nsys-rep > /dev/null 2>&1
  python3 build-bin/trace_reduce.py /tmp/gb128_cuda_gpu_trace.csv $R/gb128_trace.txt; gzip -f $R/gb128_trace.txt
fi
ls /tmp/*.csv >> $R/nsys.txt 2>&1; snap
