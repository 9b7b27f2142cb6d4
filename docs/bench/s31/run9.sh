# Session 31 run 9 (H200): the density crossover's calibration to 1/32 of the rows, 3 timing rounds per point
# (B) against 1dd4514 (A): sfbench cold start on the trained Spiking-ResNet18 (N = 16, fp16 NHWC), A and B in turn,
# 3 processes each; each conv's calibrated switch in the plan JSON (sfrun --plan-json); the density switch,
# sparse conv and plan tests.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *.tar.xz) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
xz -T8 -dc build-bin/sr18.tar.xz | tar xf - -C /tmp
M=/tmp/sr18/sr18.onnx; X=/tmp/sr18/test_input.npy
B="--batch 16 --precision fp16 --layout nhwc --warmup 5 --iters 20 --layer-iters 2"
for rep in 1 2 3; do
  for v in head new; do
    if [ $v = head ]; then S=/tmp/bin/sfbench_head; else S=/tmp/bin/sfbench; fi
    timeout 100 $S $M --input $X $B > $R/cold_${v}_${rep}.txt 2>&1; grep "sparseflow plan: cold start" $R/cold_${v}_${rep}.txt | sed "s/^/$v $rep: /" | tee -a $R/cold.txt
  done
done
snap
for v in head new; do
  if [ $v = head ]; then S=/tmp/bin/sfrun_head; else S=/tmp/bin/sfrun; fi
  timeout 100 $S $M --input $X --precision fp16 --layout nhwc --plan-json $R/plan_$v.json > /dev/null 2>&1
  python3 -c "import json,sys; p=json.load(open('$R/plan_$v.json')); print('$v', [(n['name'].split('/')[2] + '/' + n['name'].split('/')[-2], n.get('density_switch')) for n in p['nodes'] if n.get('op')=='Conv' and n.get('density_switch')])" | tee -a $R/switch.txt
done
snap
timeout 250 /tmp/bin/sf_cuda_tests --gtest_filter='*DensitySwitch*:*SparseConv*:*Plan*:*Calibrat*:*Auto*' > $R/tests.txt 2>&1; echo "rc=$?" >> $R/tests.txt; grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=|tests ran" $R/tests.txt | head -20; snap
