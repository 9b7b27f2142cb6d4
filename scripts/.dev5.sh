T0=$(date +%s)
bash scripts/gpu-check.sh build > $OUT/build.txt 2>&1; echo "build rc=$? $(( $(date +%s)-T0 ))s"; tail -3 $OUT/build.txt
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
B=/tmp/sf-build; R=$OUT/r5; mkdir -p $R
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
timeout 150 $B/tests/perf/sparse_conv_bench fp16 $R/sparse_conv_bench_fp16.json > $R/sparse_conv_bench_fp16.txt 2>&1; echo "bench rc=$? $(( $(date +%s)-T0 ))s"
D=/tmp/m; mkdir -p $D; bash scripts/gpu-check.sh inputs $D > $R/inputs.txt 2>&1; echo "inputs rc=$? $(( $(date +%s)-T0 ))s"
IN=models/resnet18_fmnist/test_input.npy
timeout 100 $B/tools/sfbench $D/spiking_resnet18.onnx --input $IN --batch 16 --precision fp16 --layout nhwc --warmup 20 --iters 100 --layer-iters 20 --export-profile $R/sr18_n16_fp16_profile.json > $R/sr18_n16_fp16_profile.txt 2>&1; echo "profile rc=$? $(( $(date +%s)-T0 ))s"
python3 - <<'PY' > $R/r1.npy.log
import numpy as n
x=n.load('/tmp/m/resnet_224.npy'); x=x.reshape(4,8,*x.shape[1:])
n.save('/tmp/r224_n1.npy', x[:, :1].reshape(4,*x.shape[2:]))
n.save('/tmp/r224_n16.npy', n.concatenate([x,x],1).reshape(64,*x.shape[2:]))
PY
for m in spiking_resnet18 sew_resnet18; do
 timeout 120 $B/tools/sfbench $D/${m}_anyhw.onnx --input $D/resnet_224.npy --batch 1 --precision fp16 --layout nhwc --warmup 10 --iters 50 --layer-iters 10 --json $R/${m}_224_n1_fp16_nhwc.json > $R/${m}_224_n1_fp16_nhwc.txt 2>&1; echo "$m 224 n1 rc=$? $(( $(date +%s)-T0 ))s"
 timeout 120 $B/tools/sfbench $D/${m}_anyhw.onnx --input $D/resnet_224.npy --batch 16 --precision fp16 --layout nhwc --warmup 5 --iters 20 --no-layers --json $R/${m}_224_n16_fp16_nhwc.json > $R/${m}_224_n16_fp16_nhwc.txt 2>&1; echo "$m 224 n16 rc=$? $(( $(date +%s)-T0 ))s"
 for n in 1 16; do timeout 100 python3 tools/bench_pytorch.py $m models/resnet18_fmnist/$m /tmp/r224_n$n.npy --iters 30 --json $R/pytorch_${m}_224_n$n.json > $R/pytorch_${m}_224_n$n.txt 2>&1; echo "$m torch 224 n$n rc=$? $(( $(date +%s)-T0 ))s"; done
 for n in 1 16; do timeout 150 python3 tools/bench_spikingjelly.py $m models/resnet18_fmnist/$m $D/resnet_224.npy --batch $n --iters 20 --fp16 --json $R/sj_${m}_224_n$n.json > $R/sj_${m}_224_n$n.txt 2>&1; echo "$m sj 224 n$n rc=$? $(( $(date +%s)-T0 ))s"; done
done
for f in $R/*224*fp16_nhwc.txt; do echo "== $f"; grep -E "compute \(CUDA graph\)|^speedup|WARNING" $f; done
grep -h "median_us" -A4 $R/pytorch_*224*.json; for f in $R/sj_*224*.json; do echo "== $f"; grep -A7 median_us $f; done
cd $OUT && tar czf r5.tgz r5 && rm -rf r5
