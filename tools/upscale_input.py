#!/usr/bin/python3
"""Resizes an .npy input [rows, C, H, W] to [rows, C, SIZE, SIZE] (or HxW) for
benchmarking trained models at ImageNet-like sizes (sfbench on 224x224).

    tools/upscale_input.py IN.npy OUT.npy --size 224 [--mode bilinear|nearest]
                           [--samples N --steps T]

--mode bilinear (default): align_corners=False bilinear interpolation, the same
sample positions as PyTorch's F.interpolate(mode="bilinear", align_corners=False)
and OpenCV's INTER_LINEAR (edge pixels clamped); nearest: source index
floor(dst * in / out), as F.interpolate(mode="nearest").
--samples N --steps T: keep only the first N samples of a T-major input
[T*Nin, ...] (rows t*Nin + n, n < N) before resizing; --steps 1 for an input
with one row per sample.
Rows and channels are unchanged; the output is float32. numpy only.
"""
import argparse
import sys

import numpy as np


def source_coords(out_size, in_size, mode):
  """Per output index: (lower index, upper index, weight of the upper one)."""
  dst = np.arange(out_size, dtype=np.float64)
  if mode == "nearest":
    lo = np.minimum(np.floor(dst * in_size / out_size).astype(np.int64), in_size - 1)
    return lo, lo, np.zeros(out_size)
  src = np.clip((dst + 0.5) * in_size / out_size - 0.5, 0, in_size - 1)
  lo = np.floor(src).astype(np.int64)
  hi = np.minimum(lo + 1, in_size - 1)
  return lo, hi, src - lo


def resize(x, height, width, mode="bilinear"):
  """x [rows, C, H, W] -> [rows, C, height, width] float32."""
  if x.ndim != 4:
    raise ValueError(f"input must be [rows, C, H, W], got shape {x.shape}")
  x = x.astype(np.float64)
  y0, y1, wy = source_coords(height, x.shape[2], mode)
  x0, x1, wx = source_coords(width, x.shape[3], mode)
  rows = x[:, :, y0] * (1 - wy)[:, None] + x[:, :, y1] * wy[:, None]
  out = rows[:, :, :, x0] * (1 - wx) + rows[:, :, :, x1] * wx
  return out.astype(np.float32)


def first_samples(x, samples, steps):
  """The first `samples` samples of a T-major [steps*Nin, ...] array."""
  if x.shape[0] % steps:
    raise ValueError(f"{x.shape[0]} rows are not a multiple of T={steps}")
  nin = x.shape[0] // steps
  if not 1 <= samples <= nin:
    raise ValueError(f"--samples must be in 1..{nin}, got {samples}")
  return x.reshape(steps, nin, *x.shape[1:])[:, :samples].reshape(steps * samples, *x.shape[1:])


def main(argv):
  parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
  parser.add_argument("input")
  parser.add_argument("output")
  parser.add_argument("--size", required=True, help="EDGE or HxW, e.g. 224 or 224x224")
  parser.add_argument("--mode", default="bilinear", choices=["bilinear", "nearest"])
  parser.add_argument("--samples", type=int, default=0, help="keep the first N samples")
  parser.add_argument("--steps", type=int, default=1, help="T of a T-major input (--samples)")
  a = parser.parse_args(argv)
  try:
    height, width = (int(v) for v in (a.size.split("x") if "x" in a.size else (a.size, a.size)))
    if height < 1 or width < 1:
      raise ValueError(f"--size must be positive, got {a.size}")
    x = np.load(a.input)
    if a.samples:
      x = first_samples(x, a.samples, a.steps)
    np.save(a.output, resize(x, height, width, a.mode))
  except (OSError, ValueError) as e:
    print(f"error: {e}", file=sys.stderr)
    return 1
  return 0


if __name__ == "__main__":
  sys.exit(main(sys.argv[1:]))
