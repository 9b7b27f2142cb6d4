# Session 28 run 1 (H200): a0df9ca's binaries (no C++ change) with the Spikformer zoo cases:
# the whole CUDA suite, the 50-case zoo check, the Spikformer cases against PyTorch on the GPU
# (fp32, sparse on/off), and a Spikformer-4-384 (T=4, N=16) through sfbench and PyTorch.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/sf*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
tar xzf build-bin/zoo.tgz -C /tmp; xz -T8 -dc build-bin/sfb.tar.xz | tar xf - -C /tmp
timeout 120 python3 tests/models/run_model_tests.py /tmp/bin/sfrun /tmp/w zoo --only spikformer --models-dir /tmp/zoo/snn/models --device cuda > $R/spikformer_zoo_gpu.txt 2>&1; echo "rc=$?" >> $R/spikformer_zoo_gpu.txt; tail -3 $R/spikformer_zoo_gpu.txt; snap
for m in custom primitive; do
  /tmp/bin/sfrun /tmp/sfb/spikformer_$m.onnx --input /tmp/sfb/x.npy --output /tmp/sfb_$m.npy --plan > $R/sfrun_plan_$m.txt 2>&1
  python3 -c "import numpy as np; a=np.load('/tmp/sfb_$m.npy'); b=np.load('/tmp/sfb/expected.npy'); print('$m fp32 gpu vs pytorch cpu: max|diff|', abs(a-b).max(), 'max|y|', abs(b).max())" | tee -a $R/sfb_check.txt
  /tmp/bin/sfrun /tmp/sfb/spikformer_$m.onnx --input /tmp/sfb/x.npy --output /tmp/sfb16_$m.npy --precision fp16 --layout nhwc > /dev/null 2>&1
  python3 -c "import numpy as np; a=np.load('/tmp/sfb16_$m.npy'); b=np.load('/tmp/sfb/expected.npy'); print('$m fp16 nhwc vs fp32: max|diff|', abs(a-b).max(), 'argmax same', (a.argmax(1)==b.argmax(1)).mean())" | tee -a $R/sfb_check.txt
done; snap
for m in custom primitive; do
  timeout 240 /tmp/bin/sfbench /tmp/sfb/spikformer_$m.onnx --input /tmp/sfb/x.npy --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 --json $R/sfbench_${m}_fp16.json > $R/sfbench_${m}_fp16.txt 2>&1; tail -6 $R/sfbench_${m}_fp16.txt; snap
done
timeout 240 /tmp/bin/sfbench /tmp/sfb/spikformer_custom.onnx --input /tmp/sfb/x.npy --warmup 20 --iters 200 --layer-iters 20 --json $R/sfbench_custom_fp32.json > $R/sfbench_custom_fp32.txt 2>&1; tail -6 $R/sfbench_custom_fp32.txt; snap
timeout 200 python3 docs/bench/s28/bench_spikformer_torch.py /tmp/sfb --json $R/torch.json > $R/torch.txt 2>&1; cat $R/torch.txt | tail -12; snap
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -3 $R/all_tests.txt; snap
timeout 250 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
