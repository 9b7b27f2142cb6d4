# Session 23 run 4 (H200): N4 = 7468b1f + per-step timing (GpuExecutor::ProfileSteps, what
# sfbench's layer table shows) giving each timed call zeroed counters of its own
# (TimeStepAlone), as in a run. The whole CUDA suite, and sfbench on two zoo ResNets
# (random weights; fp16 NHWC, default auto) to see the layer table and the link timings.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
tar xzf build-bin/zoo.tgz -C /tmp
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 200 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests_N4.txt 2>&1; echo "rc=$?" >> $R/all_tests_N4.txt; tail -3 $R/all_tests_N4.txt; snap
m=/tmp/zoo/snn/models
for z in zoo_spiking_resnet18_cifar zoo_sew_resnet18_cifar; do
  timeout 150 /tmp/bin/sfbench $m/$z.onnx --input $m/$z.input.npy --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 --label "random weights" -v > $R/sfbench_$z.txt 2>&1; echo "rc=$?" >> $R/sfbench_$z.txt; tail -12 $R/sfbench_$z.txt; snap
done
