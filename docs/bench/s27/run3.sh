# Session 27 run 3 (H200): FusedElementwise with channels-last loads and stores (the NHWC
# Transposes around a primitive neuron, and the fp16 input Cast + its Transpose, join the fused
# step). F = sfrun/sfbench as built, U = --no-fuse-elementwise. GPU tests; zoo F against U to the
# bit (primitive models x 5 configurations, every model in fp16 NHWC); sfbench fp16 NHWC on the
# LeNets and two zoo ResNets; the whole CUDA suite and the 48-case zoo check.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
tar xzf build-bin/zoo.tgz -C /tmp
timeout 200 /tmp/bin/sf_cuda_tests --gtest_filter='Fused*:GpuFp16Test.Fmnist*:*Nhwc*' > $R/fused_tests.txt 2>&1; echo "rc=$?" >> $R/fused_tests.txt; tail -4 $R/fused_tests.txt; snap
python3 - > $R/zoo_ab.txt 2>&1 <<'PY'
import json, subprocess, numpy as np
d = "/tmp/zoo/snn/models"; bad = 0; n = 0; nz = 0
for case in json.load(open(f"{d}/manifest.json")):
    ins = sum([["--input", f"{k}={d}/{v}"] for k, v in case["inputs"].items()], [])
    configs = [("fp16", "nhwc", "off")]
    if "primitive" in case["name"]:
        configs += [("fp32", "nchw", "off"), ("fp32", "nhwc", "off"), ("fp16", "nchw", "off"), ("fp16", "nhwc", "on")]
    for prec, layout, sparse in configs:
        outs = {}
        for v, extra in (("F", []), ("U", ["--no-fuse-elementwise"])):
            o = f"/tmp/{case['name']}_{v}.npy"
            r = subprocess.run(["/tmp/bin/sfrun", f"{d}/{case['onnx']}", *ins, "--precision", prec,
                                "--layout", layout, "--sparse", sparse, "--conv-algo", "heuristic",
                                "--output", o, *extra], capture_output=True, text=True)
            outs[v] = np.load(o) if r.returncode == 0 else r.stderr.strip()[:200]
        n += 1
        if isinstance(outs["F"], str) or isinstance(outs["U"], str):
            print(case["name"], prec, layout, sparse, "run failed:", outs); bad += 1; continue
        same = outs["F"].shape == outs["U"].shape and (outs["F"].view(np.uint32) == outs["U"].view(np.uint32)).all()
        bad += not same; nz += bool(np.abs(outs["F"]).max() > 0)
        print(f"{case['name']:45s} {prec} {layout} sparse {sparse}: {'same bits' if same else 'DIFFERENT'}  max|y| {np.abs(outs['F']).max():.4g}")
print(f"{n} comparisons, {bad} not the same bits, {nz} with a non-zero output")
PY
tail -1 $R/zoo_ab.txt; snap
for m in lenet_lif_soft_primitive lenet_if_primitive lenet_plif_primitive lenet_lif_soft_custom zoo_spiking_resnet18_cifar zoo_sew_resnet18_cifar; do
  for v in F U; do extra=""; [ $v = U ] && extra="--no-fuse-elementwise"
    inp=$(python3 -c "import json;c=[c for c in json.load(open('/tmp/zoo/snn/models/manifest.json')) if c['name']=='$m'][0];print(list(c['inputs'].values())[0])")
    timeout 150 /tmp/bin/sfbench /tmp/zoo/snn/models/$m.onnx --input /tmp/zoo/snn/models/$inp --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 $extra > $R/sfb_${m}_$v.txt 2>&1
    grep -E '^  sparseflow +[0-9]' $R/sfb_${m}_$v.txt | sed "s/^/$m $v: /"
  done
done; snap
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -3 $R/all_tests.txt; snap
timeout 200 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
