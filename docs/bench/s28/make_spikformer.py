#!/usr/bin/python3
"""A Spikformer-4-384 (CIFAR configuration: 4 blocks, dim 384, 12 heads, MLP 4x) for
sfbench, with dyadic weights whose batch norms are calibrated on the input so each LIF
fires at about 5-15% (models/make_test_models.py's make_dyadic; not trained).

    /usr/bin/python3 docs/bench/s28/make_spikformer.py OUT_DIR [--batch 16] [--steps 4]
                                                       [--tokens conv1d|linear]

--tokens linear (added in the twenty-ninth session) builds the token layers as
Linear + BatchNorm1d between Transposes, as the original CIFAR code does.

Writes OUT_DIR/spikformer_{custom,primitive}.onnx, x.npy ([T*N, 3, 32, 32], T-major,
k/16 values), expected.npy (PyTorch, float32), state.pt and rates.json.
"""
import argparse
import json
import os
import sys

import numpy as np
import torch

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..")
sys.path.insert(0, os.path.join(ROOT, "models"))
import make_test_models as mt  # pylint: disable=wrong-import-position
from sparseflow_models import archs, export  # pylint: disable=wrong-import-position

CONFIG = dict(dim=384, heads=12, depth=4, mlp_ratio=4)


def main():
  p = argparse.ArgumentParser()
  p.add_argument("out")
  p.add_argument("--batch", type=int, default=16)
  p.add_argument("--steps", type=int, default=4)
  p.add_argument("--tokens", choices=("conv1d", "linear"), default="conv1d")
  a = p.parse_args()
  os.makedirs(a.out, exist_ok=True)
  torch.set_num_threads(2)
  gen = torch.Generator().manual_seed(28)
  torch.manual_seed(28)
  model = archs.build("spikformer", a.steps, tokens=a.tokens, **CONFIG).eval()
  x = mt.dyadic_input((a.steps * a.batch, 3, 32, 32), gen)
  mt.make_dyadic(model, (x,), gen)
  with torch.no_grad():
    y = model(x)
  rates = mt.firing_rates(model, (x,))
  for mode in ("custom", "primitive"):
    export.export(model, os.path.join(a.out, f"spikformer_{mode}.onnx"), (x,), mode=mode)
  np.save(os.path.join(a.out, "x.npy"), x.numpy())
  np.save(os.path.join(a.out, "expected.npy"), y.numpy())
  torch.save(model.state_dict(), os.path.join(a.out, "state.pt"))
  with open(os.path.join(a.out, "rates.json"), "w") as f:
    json.dump(dict(config=CONFIG, tokens=a.tokens, steps=a.steps, batch=a.batch, rates=rates), f, indent=1)
  print(" ".join(f"{r:.3f}" for r in rates.values()))


if __name__ == "__main__":
  main()
