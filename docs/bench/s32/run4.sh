# Session 32 run 4 (H200): cuDNN backend engine configs in CudnnConv's timed search: the new tests, the whole CUDA suite, trained Spiking-ResNet18 sfbench with SF_CUDNN_BACKEND=0 (A) and on (B) in turn, sfrun outputs and plans.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *.tar.xz) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
xz -T8 -dc build-bin/sr18.tar.xz | tar xf - -C /tmp
timeout 120 /tmp/bin/sf_cuda_tests --gtest_filter='CudnnBackend*' > $R/backend_tests.txt 2>&1; echo "rc=$?" >> $R/backend_tests.txt; grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=|info" $R/backend_tests.txt | head -20; snap
M=/tmp/sr18/sr18.onnx; X=/tmp/sr18/test_input.npy
for i in 1 2; do
  for v in 0 1; do
    SF_CUDNN_BACKEND=$v timeout 150 /tmp/bin/sfbench $M --input $X --batch 16 --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 > $R/sr18_backend${v}_$i.txt 2>&1; echo "rc=$?" >> $R/sr18_backend${v}_$i.txt
    echo "backend=$v run $i"; grep -E "compute|load|first|rc=" $R/sr18_backend${v}_$i.txt | head -8
  done
done; snap
for v in 0 1; do
  SF_CUDNN_BACKEND=$v /tmp/bin/sfrun $M --input $X --precision fp16 --layout nhwc --sparse off --plan --output /tmp/off$v.npy > $R/sr18_plan_off_backend$v.txt 2>&1
  SF_CUDNN_BACKEND=$v /tmp/bin/sfrun $M --input $X --precision fp16 --layout nhwc --plan --output /tmp/auto$v.npy > $R/sr18_plan_auto_backend$v.txt 2>&1
done
python3 -c "
import numpy as np; e=np.load('/tmp/sr18/expected.npy')
for n in ['off0','off1','auto0','auto1']:
  a=np.load('/tmp/%s.npy'%n); print(n, 'vs pytorch fp32 max|diff|', abs(a-e).max(), 'argmax agree', (a.argmax(1)==e.argmax(1)).mean(), '; vs off0 max|diff|', abs(a-np.load('/tmp/off0.npy')).max())
" | tee $R/sr18_outputs.txt; snap
timeout 300 /tmp/bin/sf_cuda_tests > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=" $R/all_tests.txt | head -20; snap
