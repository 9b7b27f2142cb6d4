T0=$(date +%s)
bash scripts/gpu-check.sh build > $OUT/build.txt 2>&1; echo "build rc=$? $(( $(date +%s)-T0 ))s"; tail -3 $OUT/build.txt
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
B=/tmp/sf-build; R=$OUT/r10; mkdir -p $R
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 100 $B/tests/sf_cuda_tests --gtest_brief=1 > $R/tests.txt 2>&1; echo "tests rc=$? $(( $(date +%s)-T0 ))s"; grep -E "PASSED|FAILED" $R/tests.txt | head -5
D=/tmp/m; mkdir -p $D; bash scripts/gpu-check.sh inputs $D > $R/inputs.txt 2>&1; echo "inputs rc=$? $(( $(date +%s)-T0 ))s"
IN=models/resnet18_fmnist/test_input.npy; F=models/fmnist_snn
run() { local name=$1; shift; timeout 90 $B/tools/sfbench "$@" --json $R/$name.json > $R/$name.txt 2>&1; echo "$name rc=$? $(( $(date +%s)-T0 ))s $(grep -m1 -E '^WARNING' $R/$name.txt | cut -c1-120)"; }
for m in spiking_resnet18 sew_resnet18; do
  for n in 1 64; do run ${m}_n${n}_fp32 $D/$m.onnx --input $IN --batch $n --warmup 20 --iters 100 --no-layers; done
  run ${m}_224_n1_fp16_nhwc $D/${m}_anyhw.onnx --input $D/resnet_224.npy --batch 1 --precision fp16 --layout nhwc --warmup 10 --iters 50 --layer-iters 10
  run ${m}_224_n16_fp16_nhwc $D/${m}_anyhw.onnx --input $D/resnet_224.npy --batch 16 --precision fp16 --layout nhwc --warmup 5 --iters 20 --no-layers
  run ${m}_224_n1_fp32 $D/${m}_anyhw.onnx --input $D/resnet_224.npy --batch 1 --warmup 10 --iters 50 --layer-iters 10
done
for p in fp32 fp16; do L=nchw; [ $p = fp16 ] && L=nhwc
  for n in 1 16 64; do run fmnist_snn_n${n}_$p $F/model.onnx --input $F/test_input.npy --batch $n --precision $p --layout $L --warmup 20 --iters 100 $( [ $n = 16 ] && echo --layer-iters 20 || echo --no-layers ); done
  for m in spiking_resnet34 spiking_resnet50; do run ${m}_random_n16_$p $D/${m}_random.onnx --input $IN --batch 16 --precision $p --layout $L --warmup 10 --iters 50 --layer-iters 10 --label "random weights"; done
done
for f in $R/*.txt; do case $f in *tests*|*inputs*|*gpu*) continue;; esac; echo "== $(basename $f)"; grep -E "compute \(CUDA graph\)|^  sparseflow  |^  dense  " $f | awk '{print $1,$2,$3,$4,$5,$6,$7,$8,$NF}'; done
cd $OUT && tar czf r10.tgz r10 && rm -rf r10
