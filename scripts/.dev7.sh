T0=$(date +%s)
bash scripts/gpu-check.sh build > $OUT/build.txt 2>&1; echo "build rc=$? $(( $(date +%s)-T0 ))s"; tail -3 $OUT/build.txt
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
B=/tmp/sf-build; R=$OUT/r7; mkdir -p $R
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 120 $B/tests/sf_cuda_tests --gtest_brief=1 --gtest_filter='*Neuron*:*Step*:*Fp16*:*Nhwc*' > $R/tests.txt 2>&1; echo "tests rc=$? $(( $(date +%s)-T0 ))s"
grep -E "FAILED|PASSED|Failure" $R/tests.txt | head -10
D=/tmp/m; mkdir -p $D; bash scripts/gpu-check.sh inputs $D > $R/inputs.txt 2>&1; echo "inputs rc=$? $(( $(date +%s)-T0 ))s"
IN=models/resnet18_fmnist/test_input.npy
python3 - <<'PY'
import numpy as n
x=n.load('models/resnet18_fmnist/test_input.npy'); x=x.reshape(4,8,*x.shape[1:])
for b in (1,16,64):
  y=n.concatenate([x]*max(1,b//8),1)[:, :b]
  n.save(f'/tmp/r32_n{b}.npy', y.reshape(4*b,*x.shape[2:]))
PY
for m in spiking_resnet18 sew_resnet18; do
 for n in 1 16 64; do
 L="--layer-iters 20"; [ $n != 16 ] && L=--no-layers
 timeout 100 $B/tools/sfbench $D/$m.onnx --input $IN --batch $n --precision fp16 --layout nhwc --warmup 20 --iters 200 $L --json $R/${m}_n${n}_fp16_nhwc.json > $R/${m}_n${n}_fp16_nhwc.txt 2>&1; echo "$m n$n fp16 rc=$? $(( $(date +%s)-T0 ))s"
 done
 for n in 1 64; do timeout 100 python3 tools/bench_pytorch.py $m models/resnet18_fmnist/$m /tmp/r32_n$n.npy --iters 100 --json $R/pytorch_${m}_n$n.json > $R/pytorch_${m}_n$n.txt 2>&1; echo "$m torch n$n rc=$? $(( $(date +%s)-T0 ))s"; done
 for n in 1 64; do timeout 150 python3 tools/bench_spikingjelly.py $m models/resnet18_fmnist/$m $IN --batch $n --iters 50 --fp16 --json $R/sj_${m}_n$n.json > $R/sj_${m}_n$n.txt 2>&1; echo "$m sj n$n rc=$? $(( $(date +%s)-T0 ))s"; done
done
for f in $R/*fp16_nhwc.txt; do echo "== $f"; grep -E "compute \(CUDA graph\)|^speedup|^  sparseflow  |^  dense  " $f; done
for f in $R/pytorch_*.json $R/sj_*.json; do echo "== $f"; grep -A7 median_us $f | head -8; done
cd $OUT && tar czf r7.tgz r7 && rm -rf r7
