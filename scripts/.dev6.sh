T0=$(date +%s)
bash scripts/gpu-check.sh build > $OUT/build.txt 2>&1; echo "build rc=$? $(( $(date +%s)-T0 ))s"; tail -3 $OUT/build.txt
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
B=/tmp/sf-build; R=$OUT/r6; mkdir -p $R
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 200 $B/tests/sf_cuda_tests --gtest_brief=1 > $R/tests.txt 2>&1; echo "tests rc=$? $(( $(date +%s)-T0 ))s"
grep -E "FAILED|PASSED|Failure" $R/tests.txt | head -20
m=models/fmnist_snn; $B/tools/sfrun $m/model.onnx --input $m/test_input.npy --device cuda --output /tmp/g.npy > /dev/null && python3 -c "import numpy as n; print('fmnist gpu vs torch', abs(n.load('/tmp/g.npy')-n.load('$m/expected_logits.npy')).max())"
D=/tmp/m; mkdir -p $D; bash scripts/gpu-check.sh inputs $D > $R/inputs.txt 2>&1; echo "inputs rc=$? $(( $(date +%s)-T0 ))s"
IN=models/resnet18_fmnist/test_input.npy
for m in spiking_resnet18 sew_resnet18; do
 for n in 1 16 64; do
 L="--layer-iters 20"; [ $n != 16 ] && L=--no-layers
 timeout 100 $B/tools/sfbench $D/$m.onnx --input $IN --batch $n --precision fp16 --layout nhwc --warmup 20 --iters 200 $L --json $R/${m}_n${n}_fp16_nhwc.json > $R/${m}_n${n}_fp16_nhwc.txt 2>&1; echo "$m n$n fp16 rc=$? $(( $(date +%s)-T0 ))s"
 done
 timeout 100 $B/tools/sfbench $D/$m.onnx --input $IN --batch 16 --warmup 20 --iters 200 --layer-iters 20 --json $R/${m}_n16_fp32.json > $R/${m}_n16_fp32.txt 2>&1; echo "$m fp32 rc=$? $(( $(date +%s)-T0 ))s"
done
for f in $R/*.txt; do case $f in *tests*|*inputs*|*gpu*) continue;; esac; echo "== $f"; grep -E "compute \(CUDA graph\)|^speedup|^  sparseflow  |^  dense  " $f; done
cd $OUT && tar czf r6.tgz r6 && rm -rf r6
