# Session 34 run 1 (H200): the new ops (Erf, Pow, LeakyRelu, ..., LayerNormalization) against the CPU kernels in fp32 and fp16, sfrun's tests (all-or-none files, pipes), the whole CUDA suite, and the cnn zoo (with the ActivationNet cases at opsets 13/14/17) against PyTorch on the GPU.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *.tar.xz) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
tar xJf build-bin/zoo.tar.xz -C /tmp
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
mkdir -p build-cuda/tools; cp /tmp/bin/sfrun build-cuda/tools/sfrun
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 150 /tmp/bin/sf_cuda_tests --gtest_filter='GpuOpsTest.*:GpuFp16Test.*' > $R/ops_tests.txt 2>&1; echo "rc=$?" >> $R/ops_tests.txt
grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=" $R/ops_tests.txt
timeout 120 /tmp/bin/sf_tools_tests --gtest_filter='SfrunTest.*' > $R/sfrun_tests.txt 2>&1; echo "rc=$?" >> $R/sfrun_tests.txt
grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=" $R/sfrun_tests.txt; snap
timeout 150 python3 tests/models/run_model_tests.py /tmp/bin/sfrun /tmp/w zoo --models-dir /tmp/devzoo/cnn/models --device cuda > $R/cnn_zoo_gpu.txt 2>&1; echo "rc=$?" >> $R/cnn_zoo_gpu.txt; tail -3 $R/cnn_zoo_gpu.txt
for p in fp32 fp16; do for m in cnn_activations_opset13 cnn_activations_opset17; do Z=/tmp/devzoo/cnn/models; /tmp/bin/sfrun $Z/$m.onnx --input $Z/$m.input.npy --device cuda --precision $p --output $R/$m.$p.npy > /dev/null 2>> $R/act_runs.txt || echo "$m $p failed" >> $R/act_runs.txt; done; done
python3 -c "
import numpy as np,sys
Z='/tmp/devzoo/cnn/models'; R='$R'
for m in ['cnn_activations_opset13','cnn_activations_opset17']:
  e=np.load(f'{Z}/{m}.expected.npy')
  for p in ['fp32','fp16']:
    try: o=np.load(f'{R}/{m}.{p}.npy'); print(m,p,'max|diff|',float(np.abs(o-e).max()),'max|ref|',float(np.abs(e).max()))
    except Exception as x: print(m,p,'ERR',x)
" > $R/act_diff.txt 2>&1; cat $R/act_diff.txt; snap
timeout 330 /tmp/bin/sf_cuda_tests > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=" $R/all_tests.txt | head; snap
