# Session 15 run 8 (2026-11-27, H100): 1-D conv/pool model (PyTorch 1.13 Conv1d/BN/MaxPool1d/AvgPool1d export,
# (scripts/.c1d held what is now models/conv1d_pytorch: model.onnx = c1d.onnx, input.npy = x.npy, expected_output.npy = y.npy, make_model.py = make.py)
# scripts/.c1d/make.py) through sfrun on the GPU (fp32 NCHW, fp16 NCHW, fp16 NHWC) vs PyTorch's output; the
# runtime tests (incl. Conv1d*) on the GPU machine.
R=$OUT/r; mkdir -p $R
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
SF_BUILD_DIR=$PWD/build-dev OUT=$R scripts/gpu-check.sh build > $R/build.txt 2>&1; tail -1 $R/build.txt
timeout 100 build-dev/tests/sf_runtime_tests --gtest_brief=1 > $R/runtime_tests.txt 2>&1; echo "rc=$?" >> $R/runtime_tests.txt; tail -3 $R/runtime_tests.txt
C=scripts/.c1d
for cfg in "fp32 nchw" "fp16 nchw" "fp16 nhwc"; do set -- $cfg
  timeout 60 build-dev/tools/sfrun $C/c1d.onnx --input $C/x.npy --device cuda --precision $1 --layout $2 --plan --output /tmp/c1d_$1_$2.npy > $R/c1d_$1_$2.txt 2>&1; echo "$cfg rc=$?"
  python3 -c "import numpy as np; a=np.load('/tmp/c1d_$1_$2.npy'); b=np.load('$C/y.npy'); print('$1 $2: max|diff| vs PyTorch', abs(a-b).max(), 'max|y|', abs(b).max())" | tee -a $R/c1d.txt
done
cd $OUT && tar czf r.tgz r
