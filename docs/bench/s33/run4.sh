# Session 33 run 4 (H200): the sparse convs' density crossovers kept in the tuning cache too: the tuning-cache and density-switch tests, sfrun's tests, the whole CUDA suite; then cold starts of sfrun on the trained Spiking-ResNet18 in fp16 NHWC --sparse auto (the crossovers' home) and fp32 defaults, without the file, creating it and reading it, and the outputs.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *.tar.xz) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
mkdir -p build-cuda/tools; cp /tmp/bin/sfrun build-cuda/tools/sfrun
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 150 /tmp/bin/sf_cuda_tests --gtest_filter='TuningCache*:DensitySwitch*' > $R/focused_tests.txt 2>&1; echo "rc=$?" >> $R/focused_tests.txt
grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=" $R/focused_tests.txt
timeout 120 /tmp/bin/sf_tools_tests --gtest_filter='SfrunTest.*' > $R/sfrun_tests.txt 2>&1; echo "rc=$?" >> $R/sfrun_tests.txt
grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=" $R/sfrun_tests.txt; snap
xz -T8 -dc build-bin/sr18.tar.xz | tar xf - -C /tmp
M=/tmp/sr18/sr18.onnx; X=/tmp/sr18/test_input.npy
C=/tmp/cache.txt
t() { local s=$(date +%s.%N); "$@" > /dev/null 2>>$R/err.txt; local rc=$?; local e=$(date +%s.%N); awk -v s=$s -v e=$e -v rc=$rc 'BEGIN{printf "%.3f s rc=%d\n", e-s, rc}'; }
n=0
for cfg in "--precision fp16 --layout nhwc" "--precision fp16 --layout nhwc --sparse off" ""; do
  n=$((n+1)); rm -f $C
  echo "== [$n] sfrun $cfg" >> $R/cold.txt
  for i in 1 2 3; do echo "no cache  $(t /tmp/bin/sfrun $M --input $X $cfg)" >> $R/cold.txt; done
  echo "creating  $(t /tmp/bin/sfrun $M --input $X $cfg --tuning-cache $C)" >> $R/cold.txt
  for i in 1 2 3; do echo "reading   $(t /tmp/bin/sfrun $M --input $X $cfg --tuning-cache $C)" >> $R/cold.txt; done
  cp $C $R/cache_$n.txt 2>/dev/null
  /tmp/bin/sfrun $M --input $X $cfg --output /tmp/a.npy > /dev/null 2>&1
  /tmp/bin/sfrun $M --input $X $cfg --tuning-cache $C --output /tmp/b.npy --plan > $R/plan_$n.txt 2>&1
  python3 -c "
import numpy as np; a=np.load('/tmp/a.npy'); b=np.load('/tmp/b.npy'); print('[$n] no cache vs cache: max|diff|', abs(a-b).max(), 'argmax equal', (a.argmax(1)==b.argmax(1)).all())" >> $R/outputs.txt
  tail -8 $R/cold.txt; snap
done
cat $R/outputs.txt
timeout 330 /tmp/bin/sf_cuda_tests > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=" $R/all_tests.txt | head; snap
