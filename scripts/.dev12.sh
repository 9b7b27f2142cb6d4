T0=$(date +%s)
bash scripts/gpu-check.sh build > $OUT/build.txt 2>&1; echo "build rc=$? $(( $(date +%s)-T0 ))s"
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
B=/tmp/sf-build; D=/tmp/m; mkdir -p $D
NSYS=$(ls /usr/local/cuda*/bin/nsys /opt/nvidia/nsight-systems*/bin/nsys 2>/dev/null | head -1); echo "nsys=$NSYS"
python3 models/pack_weights.py onnx spiking_resnet18 models/resnet18_fmnist/spiking_resnet18 $D/sr.onnx --dynamic-hw > /dev/null 2>&1
python3 tools/upscale_input.py models/resnet18_fmnist/test_input.npy $D/r224.npy --size 224 --mode bilinear > /dev/null 2>&1
cd /tmp && timeout 200 $NSYS profile --cuda-graph-trace=node -o /tmp/p224 --force-overwrite true $B/tools/sfbench $D/sr.onnx --input $D/r224.npy --batch 1 --warmup 5 --iters 20 --no-layers > $OUT/nsys_run.txt 2>&1; echo "nsys rc=$? $(( $(date +%s)-T0 ))s"
grep -E "compute \(CUDA graph\)" $OUT/nsys_run.txt
timeout 100 $NSYS stats --report cuda_gpu_kern_sum --format csv /tmp/p224.nsys-rep > $OUT/kern.csv 2>&1; echo "stats rc=$?"
python3 - <<'PY'
import csv,io
t=open('/root/out/kern.csv').read()
i=t.find('Time (%)'); rows=list(csv.reader(io.StringIO(t[i:])))
h=rows[0]; print(h[:8])
for r in rows[1:25]:
  if len(r)>=8: print(r[0], r[1], r[2], r[3], r[-1][:90])
PY
