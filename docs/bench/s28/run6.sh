# Session 28 run 6 (H200): the final binaries of run 5 with the zoo's 51st case
# (zoo_spikformer_linear: Linear + BatchNorm1d tokens). The zoo checks only.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/sfrun.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
tar xzf build-bin/zoo.tgz -C /tmp
timeout 250 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; grep spikformer $R/zoo.txt | cut -c1-200; tail -2 $R/zoo.txt; snap
timeout 200 python3 tests/models/run_model_tests.py /tmp/bin/sfrun /tmp/w zoo --models-dir /tmp/zoo/snn/models --device cuda > $R/zoo_gpu_vs_pytorch.txt 2>&1; echo "rc=$?" >> $R/zoo_gpu_vs_pytorch.txt; tail -2 $R/zoo_gpu_vs_pytorch.txt; snap
/tmp/bin/sfrun /tmp/zoo/snn/models/zoo_spikformer_linear.onnx --input /tmp/zoo/snn/models/zoo_spikformer_linear.input.npy --precision fp16 --layout nhwc --plan > $R/plan_linear_fp16.txt 2>&1; echo "rc=$?" >> $R/plan_linear_fp16.txt; snap
