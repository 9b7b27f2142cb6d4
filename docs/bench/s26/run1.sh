# Session 26 run 1 (H200): HEAD (B) = f70afca + SplitColumns returning the thread's lane and column
# (same kernels' registers); A = 73e1070's binaries (sfrun, sfbench). The whole CUDA suite, the 48-case
# zoo, the 1-D spiking net (docs/bench/s26/make_snn1d.py) A against B: outputs and sfbench, and
# sparse_conv_gbench with the output-write floor.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
M=build-bin/snn1d.onnx; X=build-bin/snn1d_x.npy
for p in "fp32 nchw" "fp16 nhwc"; do set -- $p
  for v in A B; do
    /tmp/bin/sfrun_$v $M --input $X --precision $1 --layout $2 --output /tmp/y_${v}_$1.npy --plan > $R/sfrun_${v}_$1.txt 2>&1; echo "rc=$?" >> $R/sfrun_${v}_$1.txt
  done
  python3 -c "import numpy as np,sys; a=np.load('/tmp/y_A_$1.npy'); b=np.load('/tmp/y_B_$1.npy'); print('$1', a.shape, 'max|A-B|', float(np.abs(a-b).max()), 'equal', bool((a==b).all()))" >> $R/snn1d_outputs.txt 2>&1
done; cat $R/snn1d_outputs.txt; snap
for pass in 1 2; do for v in A B; do
  timeout 100 /tmp/bin/sfbench_$v $M --input $X --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 --json $R/sfb_${v}_fp16_$pass.json > $R/sfb_${v}_fp16_$pass.txt 2>&1
  grep -iE 'p50|latency' $R/sfb_${v}_fp16_$pass.txt | head -4 | sed "s/^/$v $pass: /"
done; done; snap
for v in A B; do timeout 100 /tmp/bin/sfbench_$v $M --input $X --precision fp32 --warmup 20 --iters 200 --layer-iters 20 --json $R/sfb_${v}_fp32.json > $R/sfb_${v}_fp32.txt 2>&1; grep -iE 'p50' $R/sfb_${v}_fp32.txt | head -3 | sed "s/^/$v fp32: /"; done; snap
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -3 $R/all_tests.txt; snap
tar xzf build-bin/zoo.tgz -C /tmp
timeout 240 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun_B /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
timeout 150 /tmp/bin/sparse_conv_gbench --reps=20 --benchmark_filter='/tiles_(0|1|5)%/|output_write' > $R/gbench.txt 2>&1; echo "rc=$?" >> $R/gbench.txt; grep -A30 crossover $R/gbench.txt; snap
