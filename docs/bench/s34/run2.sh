# Session 34 run 2 (H200): Split and the final ops (GpuOpsTest, GpuFp16Test), sfrun's tests, the cnn zoo against PyTorch on the GPU (fp32), the activation models in fp16 NCHW/NHWC against PyTorch's fp32 logits, the whole CUDA suite.
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
Z=/tmp/devzoo/cnn/models
for m in cnn_activations_opset13 cnn_activations_opset14 cnn_activations_opset17; do for p in "fp32 nchw" "fp16 nchw" "fp16 nhwc"; do set -- $p; /tmp/bin/sfrun $Z/$m.onnx --input $Z/$m.input.npy --device cuda --precision $1 --layout $2 --output $R/$m.$1.$2.npy > /dev/null 2>> $R/act_runs.txt || echo "$m $p failed" >> $R/act_runs.txt; done; done
/tmp/bin/sfrun $Z/cnn_activations_opset17.onnx --input $Z/cnn_activations_opset17.input.npy --device cuda --precision fp16 --layout nhwc --plan > $R/act17_fp16_nhwc_plan.txt 2>&1
python3 -c "
import numpy as np,glob,os
Z='/tmp/devzoo/cnn/models'; R='$R'
for f in sorted(glob.glob(R+'/cnn_activations_*.npy')):
  m=os.path.basename(f).split('.')[0]; e=np.load(f'{Z}/{m}.expected.npy'); o=np.load(f)
  print(os.path.basename(f),'max|diff|',float(np.abs(o-e).max()),'max|ref|',float(np.abs(e).max()),'argmax equal',bool((o.argmax(1)==e.argmax(1)).all()))
" > $R/act_diff.txt 2>&1; cat $R/act_diff.txt; cat $R/act_runs.txt 2>/dev/null; snap
timeout 330 /tmp/bin/sf_cuda_tests > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=" $R/all_tests.txt | head; snap
