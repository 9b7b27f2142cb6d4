#!/usr/bin/env python3
"""Packs trained weights small enough to commit, and rebuilds the ONNX from them.

    python3 models/pack_weights.py pack ARCH.pt OUT_PREFIX
        float tensors -> float16, saved as OUT_PREFIX.w16.npz split into parts of
        at most 15 MB (OUT_PREFIX.w16.npz.part00, part01, ...)
    python3 models/pack_weights.py onnx ARCH OUT_PREFIX MODEL.onnx [--steps 4] [--dynamic-hw]
        rebuilds the network (CIFAR stem, 1 input channel, 10 classes, LIF tau 2,
        as models/train_resnet_gpu.py trains it), loads the packed weights (float16
        values widened to float32) and exports MODEL.onnx with sparseflow::LIF.
        --dynamic-hw: input H and W symbolic (the net ends in a global average
        pool), e.g. for 224x224 inputs upscaled by tools/upscale_input.py.

The float16 rounding is part of the shipped model: accuracy and firing rates in
docs/models.md are measured with these rounded weights.
"""

import glob
import io
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sparseflow_models import archs, export  # pylint: disable=wrong-import-position

PART_BYTES = 15 * 1024 * 1024


def pack(pt_path, prefix):
  state = torch.load(pt_path, map_location="cpu")
  arrays = {k: (v.half() if v.is_floating_point() else v).numpy() for k, v in state.items()}
  buf = io.BytesIO()
  np.savez(buf, **arrays)
  data = buf.getvalue()
  for old in glob.glob(prefix + ".w16.npz.part*"):
    os.remove(old)
  for i in range(0, len(data), PART_BYTES):
    with open(f"{prefix}.w16.npz.part{i // PART_BYTES:02d}", "wb") as f:
      f.write(data[i:i + PART_BYTES])


def load_packed(prefix):
  parts = sorted(glob.glob(prefix + ".w16.npz.part*"))
  if not parts:
    raise FileNotFoundError(f"no {prefix}.w16.npz.part* files")
  data = b"".join(open(p, "rb").read() for p in parts)
  with np.load(io.BytesIO(data)) as z:
    return {k: torch.from_numpy(z[k].astype(np.float32) if z[k].dtype == np.float16 else z[k])
            for k in z.files}


def build(arch, steps):
  return archs.build(arch, steps, in_channels=1, num_classes=10, stem="cifar", width=1.0,
                     neuron="lif", neuron_kwargs=dict(tau=2.0))


def to_onnx(arch, prefix, onnx_path, steps=4, dynamic_hw=False):
  net = build(arch, steps)
  net.load_state_dict(load_packed(prefix))
  net.eval()
  sample = torch.zeros(steps * 2, 1, 32, 32)
  export.export(net, onnx_path, sample, mode="custom", dynamic_batch=True, dynamic_hw=dynamic_hw)
  return net


def main():
  if len(sys.argv) >= 4 and sys.argv[1] == "pack":
    pack(sys.argv[2], sys.argv[3])
  elif len(sys.argv) >= 5 and sys.argv[1] == "onnx":
    steps = int(sys.argv[sys.argv.index("--steps") + 1]) if "--steps" in sys.argv else 4
    to_onnx(sys.argv[2], sys.argv[3], sys.argv[4], steps, dynamic_hw="--dynamic-hw" in sys.argv)
  else:
    print(__doc__)
    sys.exit(2)


if __name__ == "__main__":
  main()
