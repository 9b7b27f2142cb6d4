#!/usr/bin/env python3
"""PyTorch latency of make_spikformer.py's model (the framework peer of sfbench).

    python3 docs/bench/s28/bench_spikformer_torch.py DIR [--iters 200] [--json F]

Loads DIR/state.pt into archs.spikformer, checks the fp32 GPU output against
DIR/expected.npy (exact weights: every sum is exact, so it must be equal), then
times one forward on DIR/x.npy as tools/bench_pytorch.py does: eager fp32 (the
neurons' T-loop of small ops), a CUDA graph of it in fp32 (TF32 off) and in fp16
(channels_last), median of --iters CUDA-event timings after warm-up.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "models"))
sys.path.insert(0, os.path.join(HERE, "..", "..", "..", "tools"))
sys.path.insert(0, HERE)
from bench_pytorch import graphed, time_us  # pylint: disable=wrong-import-position
from make_spikformer import CONFIG  # pylint: disable=wrong-import-position
from sparseflow_models import archs  # pylint: disable=wrong-import-position


def main():
  p = argparse.ArgumentParser()
  p.add_argument("dir")
  p.add_argument("--iters", type=int, default=200)
  p.add_argument("--json")
  a = p.parse_args()
  info = json.load(open(os.path.join(a.dir, "rates.json")))
  model = archs.build("spikformer", info["steps"], **CONFIG)
  model.load_state_dict(torch.load(os.path.join(a.dir, "state.pt")))
  model = model.cuda().eval()
  torch.backends.cudnn.benchmark = True
  torch.backends.cuda.matmul.allow_tf32 = False
  torch.backends.cudnn.allow_tf32 = False
  x = torch.from_numpy(np.load(os.path.join(a.dir, "x.npy"))).cuda()
  expected = np.load(os.path.join(a.dir, "expected.npy"))
  out = {}
  with torch.no_grad():
    y = model(x).cpu().numpy()
    out["fp32_max_abs_diff_vs_cpu"] = float(np.abs(y - expected).max())
    out["eager_fp32_us"] = time_us(lambda: model(x), a.iters)
    out["graph_fp32_us"] = time_us(graphed(lambda: model(x)), a.iters)
    half = model.half().to(memory_format=torch.channels_last)
    xh = x.half().to(memory_format=torch.channels_last)
    yh = half(xh).float().cpu().numpy()
    out["fp16_max_abs_diff_vs_fp32"] = float(np.abs(yh - expected).max())
    out["graph_fp16_channels_last_us"] = time_us(graphed(lambda: half(xh)), a.iters)
  out["torch"] = torch.__version__
  out["gpu"] = torch.cuda.get_device_name()
  print(json.dumps(out, indent=1))
  if a.json:
    with open(a.json, "w") as f:
      json.dump(out, f, indent=1)


if __name__ == "__main__":
  main()
