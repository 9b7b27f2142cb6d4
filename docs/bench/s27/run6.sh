# Session 27 run 6 (H200): the review (the fused interpreter calls elementwise_ops.cuh, the per-element code of the
# elementwise kernels; compiled kernels launched beside it). The fusion tests, zoo primitive models F against U to the bit
# (--no-fuse-elementwise; fp32 NCHW and fp16 NHWC), the whole CUDA suite, the 48-case zoo check.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
tar xzf build-bin/zoo.tgz -C /tmp
timeout 200 /tmp/bin/sf_cuda_tests --gtest_filter='Fused*' > $R/fused_tests.txt 2>&1; echo "rc=$?" >> $R/fused_tests.txt; tail -3 $R/fused_tests.txt; snap
python3 - > $R/zoo_ab.txt 2>&1 <<'PY'
import json, subprocess, numpy as np
d = "/tmp/zoo/snn/models"; bad = 0; n = 0; nz = 0
for case in json.load(open(f"{d}/manifest.json")):
    if "primitive" not in case["name"]: continue
    ins = sum([["--input", f"{k}={d}/{v}"] for k, v in case["inputs"].items()], [])
    for prec, layout in (("fp32", "nchw"), ("fp16", "nhwc")):
        outs = {}
        for v, extra in (("F", []), ("U", ["--no-fuse-elementwise"])):
            o = f"/tmp/{case['name']}_{v}.npy"
            r = subprocess.run(["/tmp/bin/sfrun", f"{d}/{case['onnx']}", *ins, "--precision", prec,
                                "--layout", layout, "--sparse", "off", "--conv-algo", "heuristic",
                                "--output", o, *extra], capture_output=True, text=True)
            outs[v] = np.load(o) if r.returncode == 0 else r.stderr.strip()[:200]
        n += 1
        if isinstance(outs["F"], str) or isinstance(outs["U"], str):
            print(case["name"], prec, layout, "run failed:", outs); bad += 1; continue
        same = outs["F"].shape == outs["U"].shape and (outs["F"].view(np.uint32) == outs["U"].view(np.uint32)).all()
        bad += not same; nz += bool(np.abs(outs["F"]).max() > 0)
        print(f"{case['name']:45s} {prec} {layout}: {'same bits' if same else 'DIFFERENT'}  max|y| {np.abs(outs['F']).max():.4g}")
print(f"{n} comparisons, {bad} not the same bits, {nz} with a non-zero output")
PY
tail -1 $R/zoo_ab.txt; snap
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -3 $R/all_tests.txt; snap
timeout 200 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
