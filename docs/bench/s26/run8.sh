# Session 26 run 8 (H200): the session's final code (a895d1a: IsElementwise shared by the layout
# pass, the step graph and the 1-D lift). The whole CUDA suite, the 48-case zoo, and the 1-D SNN's
# outputs against A (73e1070) in fp32 NCHW and fp16 NHWC.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
M=build-bin/snn1d.onnx; X=build-bin/snn1d_x.npy
for p in "fp32 nchw" "fp16 nhwc"; do set -- $p
  for v in A G; do /tmp/bin/sfrun_$v $M --input $X --precision $1 --layout $2 --output /tmp/y_${v}_$1.npy > $R/sfrun_${v}_$1.txt 2>&1; echo "rc=$?" >> $R/sfrun_${v}_$1.txt; done
  python3 -c "import numpy as np; a=np.load('/tmp/y_A_$1.npy'); b=np.load('/tmp/y_G_$1.npy'); print('$1 $2', a.shape, 'max|A-G|', float(np.abs(a-b).max()), 'max|A|', float(np.abs(a).max()), 'equal', bool((a==b).all()))" >> $R/snn1d_outputs.txt 2>&1
done; cat $R/snn1d_outputs.txt; snap
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -3 $R/all_tests.txt; snap
tar xzf build-bin/zoo.tgz -C /tmp
timeout 240 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun_G /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
