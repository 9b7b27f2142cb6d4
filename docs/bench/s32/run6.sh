# Session 32 run 6 (H200): backend configs for float32 too (FMA engines only, no TF32). The backend tests (fp16 + fp32), the whole CUDA suite, trained Spiking-ResNet18 sfbench fp32 NCHW (the defaults) and fp16 NHWC with SF_CUDNN_BACKEND=0 (A) and on (D) in turn, 2 processes each; sfrun fp32 outputs.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *.tar.xz) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
xz -T8 -dc build-bin/sr18.tar.xz | tar xf - -C /tmp
timeout 200 /tmp/bin/sf_cuda_tests --gtest_filter='CudnnBackend*' > $R/backend_tests.txt 2>&1; echo "rc=$?" >> $R/backend_tests.txt; grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=|info|OK \]" $R/backend_tests.txt | head -20; snap
M=/tmp/sr18/sr18.onnx; X=/tmp/sr18/test_input.npy
for i in 1 2; do
  for v in A D; do
    case $v in A) E=0;; D) E=1;; esac
    SF_CUDNN_BACKEND=$E timeout 150 /tmp/bin/sfbench $M --input $X --batch 16 --warmup 20 --iters 200 --layer-iters 20 > $R/sr18_fp32_${v}_$i.txt 2>&1; echo "rc=$?" >> $R/sr18_fp32_${v}_$i.txt
    echo "fp32 $v $i: $(grep -E 'cold start' $R/sr18_fp32_${v}_$i.txt | head -2 | tr '\n' ' ')"; grep -E "compute" $R/sr18_fp32_${v}_$i.txt | head -4
  done
done; snap
for i in 1; do
  for v in A D; do
    case $v in A) E=0;; D) E=1;; esac
    SF_CUDNN_BACKEND=$E timeout 150 /tmp/bin/sfbench $M --input $X --batch 16 --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 > $R/sr18_fp16_${v}_$i.txt 2>&1; echo "rc=$?" >> $R/sr18_fp16_${v}_$i.txt
    echo "fp16 $v $i: $(grep -E 'cold start' $R/sr18_fp16_${v}_$i.txt | head -2 | tr '\n' ' ')"; grep -E "CUDA graph" $R/sr18_fp16_${v}_$i.txt | head -2
  done
done; snap
/tmp/bin/sfrun $M --input $X --plan --output /tmp/d.npy > $R/sr18_plan_fp32_D.txt 2>&1
SF_CUDNN_BACKEND=0 /tmp/bin/sfrun $M --input $X --output /tmp/a.npy > /dev/null 2>&1
python3 -c "
import numpy as np; e=np.load('/tmp/sr18/expected.npy'); a=np.load('/tmp/a.npy'); d=np.load('/tmp/d.npy')
print('fp32: D vs A max|diff|', abs(a-d).max(), '; D vs pytorch fp32 max|diff|', abs(d-e).max(), '; A vs pytorch', abs(a-e).max(), 'argmax agree', (d.argmax(1)==e.argmax(1)).mean())" | tee $R/sr18_outputs.txt; snap
timeout 330 /tmp/bin/sf_cuda_tests > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=" $R/all_tests.txt | head -20; snap
