#!/usr/bin/env python3
"""The model zoo on a GPU in float16: --sparse on vs off (the FP16 tensor-core
block-sparse conv vs cuDNN), NHWC and NCHW, and against float32; and the
fused Add + neuron steps (on by default) against --no-fuse, fp32 and fp16,
the sparse-on runs against one tile per work item
(SF_SPARSE_F16_GROUP_TILES=off), and under sparse on the fused conv + neuron
pairs against --no-fuse (fp16 NHWC, third run: spike-occupancy links on), which
must agree to the bit.

    python3 scripts/zoo_fp16_check.py SFRUN [ZOO_ROOT]

ZOO_ROOT holds {snn,neurons,cnn}/models/manifest.json as exported by
models/make_test_models.py (default .device-models, what scripts/gpu-check.sh
carries). Prints per model: logits models the largest |diff| relative to the
largest |value|, spike models the count of differing spikes. Exits 1 when an
fp16 sparse-on output differs from sparse-off (same layout) by more than
0.25 + 2% (logits) or in more than 1% of the spikes, a fused output differs
from --no-fuse or a grouped-tile one from one tile per item at all, or a run
fails. A missing {snn,neurons,cnn} folder is skipped.
"""
import concurrent.futures
import json
import os
import subprocess
import sys

import numpy as np

# The runs compared to the bit (fused vs --no-fuse, grouped tiles vs one tile)
# take cuDNN's heuristic algorithm choice: the default timed search runs in
# each process, and with several processes timing at once it can pick
# algorithms with other fp32 sums in the two (docs/bench/s8/
# lenet_if_primitive_repeat.txt; docs/bench/s31/run12: a model whose two
# convs both ran cuDNN differed grouped against one tile).
SAME = ["--conv-algo", "heuristic"]
ONE_TILE = {"SF_SPARSE_F16_GROUP_TILES": "off"}
LINKED = ["--runs", "3"]
RUNS = (("f32off", ["--sparse", "off", *SAME]),
        ("f16on_nhwc", ["--precision", "fp16", "--layout", "nhwc", "--sparse", "on", *SAME]),
        ("f16off_nhwc", ["--precision", "fp16", "--layout", "nhwc", "--sparse", "off", *SAME]),
        ("f16on_nhwc_one_tile",
         ["--precision", "fp16", "--layout", "nhwc", "--sparse", "on", *SAME], ONE_TILE),
        ("f16on_nchw", ["--precision", "fp16", "--sparse", "on", *SAME]),
        ("f16on_nchw_one_tile", ["--precision", "fp16", "--sparse", "on", *SAME], ONE_TILE),
        ("f16off_nchw", ["--precision", "fp16", "--sparse", "off"]),
        ("f32off_nofuse", ["--sparse", "off", "--no-fuse", *SAME]),
        ("f16off_nhwc_nofuse", ["--precision", "fp16", "--layout", "nhwc", "--sparse", "off",
                                "--no-fuse", *SAME]),
        # Issue 12: the conv + neuron pairs fused (sparse on runs the fused
        # kernels) against conv + neuron kernel, to the bit, on the third run:
        # from the second on, the producers (fused pairs in one, neuron
        # kernels in the other) mark their consumers' spike occupancy and the
        # consumers skip their prescan.
        ("f16on_nhwc_same", ["--precision", "fp16", "--layout", "nhwc", "--sparse", "on", *SAME,
                             *LINKED]),
        ("f16on_nhwc_nofuse", ["--precision", "fp16", "--layout", "nhwc", "--sparse", "on",
                               "--no-fuse", *SAME, *LINKED]))


def run_case(sfrun, d, case):
  ins = sum([["--input", f"{k}={d}/{v}"] for k, v in case["inputs"].items()], [])
  outs = {}
  for tag, extra, *env in RUNS:
    o = f"/tmp/zoo16_{case['name']}_{tag}.npy"  # names are unique across the zoo
    r = subprocess.run([sfrun, f"{d}/{case['onnx']}", *ins, "--device", "cuda", "--output", o,
                        *extra], capture_output=True, text=True, timeout=120, check=False,
                       env={**os.environ, **(env[0] if env else {})})
    outs[tag] = np.load(o) if r.returncode == 0 else "ERR " + (r.stderr.strip().splitlines() or [""])[-1]
  return outs


def compare(outs, a, b, kind):
  """(text, ok): relative max |diff| for logits, differing spikes for spikes. ok: logits
  within 0.25 + 2% (the GPU fp16 model tests' bound: float16 rounding flips a few spikes
  whose membrane is within ~1e-3 of the threshold), at most 1% of spikes differing."""
  for t in (a, b):
    if isinstance(outs[t], str):
      return outs[t], False
  x, y = outs[a].astype(np.float64), outs[b].astype(np.float64)
  if x.shape != y.shape:
    return "shape", False
  if kind == "spikes":
    n = int((x != y).sum())
    return f"{n}/{x.size} spikes", n <= 0.01 * x.size
  rel = np.abs(x - y).max() / max(1e-6, np.abs(y).max())
  return f"{rel:.2e}", bool((np.abs(x - y) <= 0.25 + 0.02 * np.abs(y)).all())


def identical(outs, a, b):
  """(text, ok): the count of differing elements; ok only when there are none."""
  for t in (a, b):
    if isinstance(outs[t], str):
      return outs[t], False
  if outs[a].shape != outs[b].shape:
    return "shape", False
  n = int((outs[a] != outs[b]).sum())
  return f"{n} differ", n == 0


def main():
  sfrun = sys.argv[1]
  root = sys.argv[2] if len(sys.argv) > 2 else ".device-models"
  bad = total = 0
  print(f"{'model':40s} {'kind':7s} {'fp16 on/off nhwc':18s} {'fp16 on/off nchw':22s} "
        "fp16 on vs fp32   fused vs --no-fuse (fp32, fp16)   grouped vs one tile (nhwc, nchw)   "
        "sparse on: fused vs --no-fuse (nhwc)")
  jobs = []
  for sub in ("snn", "neurons", "cnn"):
    d = f"{root}/{sub}/models"
    if not os.path.exists(f"{d}/manifest.json"):
      continue
    with open(f"{d}/manifest.json") as f:
      jobs += [(d, case) for case in json.load(f)]
  # Several sfrun processes at once (each is mostly start-up); results in order.
  with concurrent.futures.ThreadPoolExecutor(max_workers=6) as pool:
    results = pool.map(lambda job: run_case(sfrun, *job), jobs)
    for (_, case), outs in zip(jobs, results):
      on_off, ok1 = compare(outs, "f16on_nhwc", "f16off_nhwc", case["kind"])
      nchw, ok2 = compare(outs, "f16on_nchw", "f16off_nchw", case["kind"])
      vs32, _ = compare(outs, "f16on_nhwc", "f32off", case["kind"])
      f32fuse, ok3 = identical(outs, "f32off", "f32off_nofuse")
      f16fuse, ok4 = identical(outs, "f16off_nhwc", "f16off_nhwc_nofuse")
      tiles_nhwc, ok5 = identical(outs, "f16on_nhwc", "f16on_nhwc_one_tile")
      tiles_nchw, ok6 = identical(outs, "f16on_nchw", "f16on_nchw_one_tile")
      on_fuse, ok7 = identical(outs, "f16on_nhwc_same", "f16on_nhwc_nofuse")
      total += 1
      bad += not (ok1 and ok2 and ok3 and ok4 and ok5 and ok6 and ok7)
      print(f"{case['name']:40s} {case['kind']:7s} {on_off:18s} {nchw:22s} {vs32:17s} "
            f"{f32fuse}, {f16fuse}   {tiles_nhwc}, {tiles_nchw}   {on_fuse}", flush=True)
  print(f"{total} models, {bad} with fp16 sparse-on/off, fused/unfused or grouped/one-tile "
        "disagreements")
  return 1 if bad or total == 0 else 0


if __name__ == "__main__":
  sys.exit(main())
