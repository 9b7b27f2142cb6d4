T0=$(date +%s)
bash scripts/gpu-check.sh build > $OUT/build.txt 2>&1; echo "build rc=$? $(( $(date +%s)-T0 ))s"
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
B=/tmp/sf-build; D=/tmp/m; mkdir -p $D
python3 models/pack_weights.py onnx spiking_resnet18 models/resnet18_fmnist/spiking_resnet18 $D/sr.onnx --dynamic-hw > /dev/null 2>&1
python3 tools/upscale_input.py models/resnet18_fmnist/test_input.npy $D/r224.npy --size 224 --mode bilinear > /dev/null 2>&1
python3 -c "
import numpy as n; x=n.load('$D/r224.npy'); x=x.reshape(4,8,*x.shape[1:]); n.save('$D/r224_n2.npy', x[:, :2].reshape(8,*x.shape[2:]))"
for s in on off auto; do $B/tools/sfrun $D/sr.onnx --input $D/r224_n2.npy --device cuda --sparse $s --output $D/o_$s.npy > $OUT/sfrun_$s.txt 2>&1; echo "cuda sparse $s rc=$?"; done
$B/tools/sfrun $D/sr.onnx --input $D/r224_n2.npy --device cpu --sparse off --output $D/o_cpu.npy > $OUT/sfrun_cpu.txt 2>&1; echo "cpu rc=$? $(( $(date +%s)-T0 ))s"
python3 - <<'PY'
import numpy as n, torch, sys
sys.path.insert(0,'models'); import pack_weights
D='/tmp/m'
o={k:n.load(f'{D}/o_{k}.npy') for k in ['on','off','auto','cpu']}
for k in ['on','off','auto']: print('cuda', k, 'vs cpu max abs', float(abs(o[k]-o['cpu']).max()), 'on-vs-off', float(abs(o[k]-o['off']).max()))
net=pack_weights.build('spiking_resnet18',4); net.load_state_dict(pack_weights.load_packed('models/resnet18_fmnist/spiking_resnet18')); net.eval()
with torch.no_grad(): t=net(torch.from_numpy(n.load(f'{D}/r224_n2.npy'))).numpy()
print('torch vs cpu', float(abs(t-o['cpu']).max()), 'torch vs cuda auto', float(abs(t-o['auto']).max()))
PY
$B/tools/sfbench $D/sr.onnx --input $D/r224.npy --batch 1 --warmup 10 --iters 30 --layer-iters 10 -v > $OUT/sfb224.txt 2>&1; echo "sfbench rc=$?"
grep -E "ran|sparse  " $OUT/sfb224.txt | head -30 | cut -c1-200
