# Session 26 run 7 (H200): F = the float16 pass letting a model's Cast of a bool write float16 where
# only float16 nodes read it (no Cast after it); A = 73e1070. Every zoo model in fp16 (NHWC and NCHW,
# --sparse off, heuristic conv algorithms) A against F to the bit; sfbench fp16 NHWC on two
# primitive-op nets, A and F; the whole CUDA suite and the 48-case zoo at F.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
tar xzf build-bin/zoo.tgz -C /tmp
python3 - > $R/zoo_fp16_ab.txt 2>&1 <<'PY'
import json, os, subprocess, numpy as np
root = "/tmp/zoo"; bad = 0; n = 0
for area in ("snn", "neurons", "cnn"):
    d = f"{root}/{area}/models"
    if not os.path.exists(f"{d}/manifest.json"): continue
    for case in json.load(open(f"{d}/manifest.json")):
        ins = sum([["--input", f"{k}={d}/{v}"] for k, v in case["inputs"].items()], [])
        for layout in ("nhwc", "nchw"):
            outs = {}
            for v in ("A", "F"):
                o = f"/tmp/{case['name']}_{v}.npy"
                r = subprocess.run([f"/tmp/bin/sfrun_{v}", f"{d}/{case['onnx']}", *ins, "--precision", "fp16",
                                    "--layout", layout, "--sparse", "off", "--conv-algo", "heuristic",
                                    "--output", o], capture_output=True, text=True)
                outs[v] = np.load(o) if r.returncode == 0 else r.stderr.strip()[:200]
            n += 1
            if isinstance(outs["A"], str) or isinstance(outs["F"], str):
                print(case["name"], layout, "run failed:", outs); bad += 1; continue
            same = outs["A"].shape == outs["F"].shape and (outs["A"].view(np.uint32) == outs["F"].view(np.uint32)).all()
            bad += not same
            print(f"{case['name']:45s} {layout} {'same bits' if same else 'DIFFERENT'}")
print(f"{n} runs, {bad} not the same bits")
PY
tail -1 $R/zoo_fp16_ab.txt; snap
for m in lenet_lif_soft_primitive lenet_if_primitive; do for v in A F; do
  timeout 100 /tmp/bin/sfbench_$v /tmp/zoo/snn/models/$m.onnx --input /tmp/zoo/snn/models/$m.input.npy --precision fp16 --layout nhwc --warmup 20 --iters 200 --layer-iters 20 > $R/sfb_${m}_$v.txt 2>&1
  grep -E '^  sparseflow +[0-9]' $R/sfb_${m}_$v.txt | sed "s/^/$m $v: /"
done; done; snap
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -3 $R/all_tests.txt; snap
timeout 240 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun_F /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
