# Session 26 run 2 (H200): B = the float32 sparse conv counting in the executor's zeroed bytes (no
# memset per launch), A = 73e1070's sfrun/sfbench. The whole CUDA suite and memcheck on the sparse
# conv tests (B); every zoo model through sfrun fp32 --sparse on, A against B (the same bits); sfbench
# fp32 A/B on the spike-fed convs of fmnist_snn and two zoo nets, two passes.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 100 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvGpuTest.*:SparseConvKernelTest.*:SparseConvHostTest.*' > $R/focused.txt 2>&1; echo "rc=$?" >> $R/focused.txt; grep -E 'OK \]|FAILED|rc=' $R/focused.txt | tail -20; snap
CS=$(ls /usr/local/cuda/bin/compute-sanitizer 2>/dev/null || which compute-sanitizer)
timeout 200 $CS --tool memcheck --error-exitcode 9 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvGpuTest.ZeroedCounters*:SparseConvGpuTest.EachRun*:SparseConvGpuTest.DeterministicAndSkipsEmptyWork:SparseConvGpuTest.SingleSpike*' > $R/memcheck.txt 2>&1; echo "rc=$?" >> $R/memcheck.txt; tail -3 $R/memcheck.txt; snap
tar xzf build-bin/zoo.tgz -C /tmp
python3 - > $R/zoo_fp32_sparse_ab.txt 2>&1 <<'PY'
import json, os, subprocess, numpy as np
root = "/tmp/zoo"; bad = 0; n = 0
for area in ("snn", "neurons", "cnn"):
    d = f"{root}/{area}/models"
    if not os.path.exists(f"{d}/manifest.json"): continue
    for case in json.load(open(f"{d}/manifest.json")):
        ins = sum([["--input", f"{k}={d}/{v}"] for k, v in case["inputs"].items()], [])
        outs = {}
        for v in ("A", "B"):
            o = f"/tmp/{case['name']}_{v}.npy"
            r = subprocess.run([f"/tmp/bin/sfrun_{v}", f"{d}/{case['onnx']}", *ins, "--sparse", "on",
                                "--conv-algo", "heuristic", "--output", o], capture_output=True, text=True)
            outs[v] = np.load(o) if r.returncode == 0 else r.stderr.strip()[:200]
        n += 1
        if isinstance(outs["A"], str) or isinstance(outs["B"], str):
            print(case["name"], "run failed:", outs); bad += 1; continue
        same = outs["A"].shape == outs["B"].shape and (outs["A"].view(np.uint32) == outs["B"].view(np.uint32)).all()
        bad += not same
        print(f"{case['name']:45s} {'same bits' if same else 'DIFFERENT'}")
print(f"{n} models, {bad} not the same bits")
PY
tail -1 $R/zoo_fp32_sparse_ab.txt; snap
for pass in 1 2; do for v in A B; do
  for m in models/fmnist_snn/model.onnx:models/fmnist_snn/test_input.npy /tmp/zoo/snn/models/lenet_if_custom.onnx:/tmp/zoo/snn/models/lenet_if_custom.input.npy /tmp/zoo/snn/models/conv_lif_spikes_custom.onnx:/tmp/zoo/snn/models/conv_lif_spikes_custom.input.npy; do
    M=${m%%:*}; X=${m##*:}; b=$(basename $M .onnx)
    timeout 100 /tmp/bin/sfbench_$v $M --input $X --warmup 20 --iters 200 --layer-iters 20 > $R/sfb_${b}_${v}_$pass.txt 2>&1
    grep -E '^[^ ].* (sparse|cudnn|dense) ' $R/sfb_${b}_${v}_$pass.txt | awk -v t="$v $pass $b" '{print t": "$1, "cudnn", $12, "sparse", $13, "prescan", $14, "plan", $16, $17}'
    grep -E 'compute \(CUDA graph\)' $R/sfb_${b}_${v}_$pass.txt | awk -v t="$v $pass $b" '{print t": graph p50", $7}'
  done
done; done; snap
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -3 $R/all_tests.txt; snap
