#!/usr/bin/env python3
"""Synthetic DVS event streams from Fashion-MNIST, and an event-model trainer.

    python3 models/event_data.py --data DIR --out DIR [--epochs 3] [--steps 8]
        [--arch lenet_snn|sew_resnet18|...] [--limit N] [--batch 128]

An event camera reports where log intensity changes. We fake one: each image
follows a random smooth path of small translations (<= 2 px) and rotations
(<= 6 degrees) over T+1 poses; frame t holds the events between poses t and
t+1, ON in channel 0 (log brightness rose by more than THRESHOLD) and OFF in
channel 1 (fell by more), as 0/1 values. So the network input is already
binary: [T*N, 2, 28, 28], T-major, exactly what the zoo architectures take.

OUT gets ARCH_events.pt (state_dict), ARCH_events.onnx (input "input"
[T*N, 2, 28, 28], N symbolic; output "logits"), ARCH_events_test_input.npy
(8 event samples [T*8, 2, 28, 28]) with ARCH_events_expected_logits.npy
(PyTorch, CPU) and ARCH_events_metrics.json (accuracy, firing rates, input
event density). Events are drawn afresh for every training batch (seeded).
"""

import argparse
import json
import math
import os
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sparseflow_models import archs, data, export, training  # pylint: disable=wrong-import-position

THRESHOLD = 0.15  # log-intensity change that fires an event
MAX_SHIFT_PX = 2.0
MAX_ROTATION = math.radians(6.0)
EPS = 0.1  # keeps log() finite on black pixels


def poses(n, steps, gen, device):
  """Random smooth paths: [steps+1, n, 3] of (dx, dy, angle), each within its bound."""
  ends = (torch.rand((2, n, 3), generator=gen) * 2 - 1).to(device)
  t = torch.linspace(0, 1, steps + 1, device=device).reshape(-1, 1, 1)
  path = ends[0] * (1 - t) + ends[1] * t
  scale = torch.tensor([MAX_SHIFT_PX, MAX_SHIFT_PX, MAX_ROTATION], device=device)
  return path * scale


def warp(images, pose):
  """images [n, 1, H, W] moved by pose [n, 3] (pixels, pixels, radians)."""
  n, _, h, w = images.shape
  cos, sin = torch.cos(pose[:, 2]), torch.sin(pose[:, 2])
  theta = torch.stack([torch.stack([cos, -sin, pose[:, 0] * 2 / w], 1),
                       torch.stack([sin, cos, pose[:, 1] * 2 / h], 1)], 1)
  grid = nn.functional.affine_grid(theta, (n, 1, h, w), align_corners=False)
  return nn.functional.grid_sample(images, grid, align_corners=False, padding_mode="zeros")


def events(images, steps, gen):
  """images [n, 1, H, W] in [0, 1] -> binary events [steps*n, 2, H, W], T-major."""
  path = poses(len(images), steps, gen, images.device)
  logs = torch.stack([torch.log(warp(images, p) + EPS) for p in path])
  diff = logs[1:] - logs[:-1]
  frames = torch.cat([(diff > THRESHOLD), (diff < -THRESHOLD)], 2).float()
  return frames.reshape(steps * len(images), 2, *images.shape[2:])


class EventBatches:
  """Fresh events for each batch of images (indices -> (x [T*n, ...], y))."""

  def __init__(self, images, labels, steps, seed, device):
    self.images, self.labels, self.steps = images.to(device), labels, steps
    self.gen = torch.Generator().manual_seed(seed)

  def __call__(self, idx):
    return events(self.images[idx], self.steps, self.gen), self.labels[idx]


class EventModel(nn.Module):
  """A zoo network that takes [T*N, 2, H, W] events (the T-major layout)."""

  def __init__(self, arch, steps):
    super().__init__()
    kw = dict(in_channels=2, num_classes=10, neuron="lif", neuron_kwargs=dict(tau=2.0))
    if arch == "lenet_snn":
      kw.update(input_size=28, channels=(16, 32))
    else:
      kw.update(stem="cifar", width=0.5)
    self.net = archs.build(arch, steps, **kw)

  def forward(self, x):
    return self.net(x)


def main():
  parser = argparse.ArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawTextHelpFormatter)
  parser.add_argument("--data", required=True)
  parser.add_argument("--out", required=True)
  parser.add_argument("--epochs", type=int, default=3)
  parser.add_argument("--steps", type=int, default=8)
  parser.add_argument("--arch", default="lenet_snn", choices=sorted(archs.ARCHS))
  parser.add_argument("--batch", type=int, default=128)
  parser.add_argument("--lr", type=float, default=2e-3)
  parser.add_argument("--limit", type=int, default=None)
  parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
  a = parser.parse_args()
  os.makedirs(a.out, exist_ok=True)
  device = torch.device(a.device)
  training.seed_everything(0)

  def load(split):
    x, y = data.load(split, a.data, a.limit)
    return torch.from_numpy(data.to_float(x)), torch.from_numpy(y)

  (train_x, train_y), (test_x, test_y) = load("train"), load("test")
  # The test set's events are drawn once (seed 1), so every epoch sees the same ones.
  test_events = EventBatches(test_x, test_y, a.steps, 1, device)
  test_batches = [test_events(torch.arange(i, min(i + 500, len(test_x))))[0].cpu()
                  for i in range(0, len(test_x), 500)]

  def predict(m, batches):
    m.eval()
    with torch.no_grad():
      return torch.cat([m(b.to(device)).cpu() for b in batches])

  def test_accuracy(m):
    return (predict(m, test_batches).argmax(1) == test_y).float().mean().item()

  model = EventModel(a.arch, a.steps).to(device)
  start = time.time()
  acc = training.fit(model, EventBatches(train_x, train_y, a.steps, 0, device), len(train_x),
                     test_accuracy, a.epochs, a.batch, a.lr, device=device,
                     log=lambda line: print(f"{a.arch} events {line}", flush=True))
  seconds = time.time() - start

  first = test_batches[0]
  rates = training.firing_rates(model, first, batch=len(first), device=device)
  model = model.cpu().eval()
  out = lambda suffix: os.path.join(a.out, f"{a.arch}_events{suffix}")
  torch.save(model.state_dict(), out(".pt"))
  n = min(8, len(test_x))
  sample = first.reshape(a.steps, -1, *first.shape[1:])[:, :n].reshape(-1, *first.shape[1:])
  np.save(out("_test_input.npy"), sample.numpy())
  np.save(out("_expected_logits.npy"), training.evaluate(model, sample, batch=len(sample)).numpy())
  export.export(model, out(".onnx"), sample, mode="custom", dynamic_batch=True)
  metrics = dict(arch=a.arch, steps=a.steps, epochs=a.epochs, test_accuracy=acc,
                 train_seconds=seconds, device=str(device), event_density=first.mean().item(),
                 firing_rates=rates)
  with open(out("_metrics.json"), "w") as f:
    json.dump(metrics, f, indent=1)
  print(json.dumps({k: v for k, v in metrics.items() if k != "firing_rates"}), flush=True)


if __name__ == "__main__":
  main()
