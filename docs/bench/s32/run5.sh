# Session 32 run 5 (H200): the backend search's cold start. A = SF_CUDNN_BACKEND=0, B = 73e00d1 (every backend plan timed in 4 rounds after 3 warm-up runs), C = B + 1 warm-up run and 4 finalists after the first round; trained Spiking-ResNet18 sfbench in turn, 3 processes each; C's sfrun outputs.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *.tar.xz) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
xz -T8 -dc build-bin/sr18.tar.xz | tar xf - -C /tmp
M=/tmp/sr18/sr18.onnx; X=/tmp/sr18/test_input.npy
for i in 1 2 3; do
  for v in A B C; do
    case $v in A) B=/tmp/bin/sfbench; E=0;; B) B=/tmp/bin/sfbench_b; E=1;; C) B=/tmp/bin/sfbench; E=1;; esac
    SF_CUDNN_BACKEND=$E timeout 150 $B $M --input $X --batch 16 --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 > $R/sr18_${v}_$i.txt 2>&1; echo "rc=$?" >> $R/sr18_${v}_$i.txt
    echo "$v $i: $(grep -E 'cold start' $R/sr18_${v}_$i.txt | head -2 | tr '\n' ' ')"; grep -E "CUDA graph" $R/sr18_${v}_$i.txt | head -2
  done
done; snap
# (sf_cuda_tests not carried in this run: the 64 MiB limit)
/tmp/bin/sfrun $M --input $X --precision fp16 --layout nhwc --sparse off --plan --output /tmp/offC.npy > $R/sr18_plan_off_C.txt 2>&1
SF_CUDNN_BACKEND=0 /tmp/bin/sfrun $M --input $X --precision fp16 --layout nhwc --sparse off --output /tmp/offA.npy > /dev/null 2>&1
python3 -c "
import numpy as np; e=np.load('/tmp/sr18/expected.npy'); a=np.load('/tmp/offA.npy'); c=np.load('/tmp/offC.npy')
print('C vs A max|diff|', abs(a-c).max(), '; C vs pytorch fp32 max|diff|', abs(c-e).max(), 'argmax agree', (c.argmax(1)==e.argmax(1)).mean())" | tee $R/sr18_outputs.txt; snap
