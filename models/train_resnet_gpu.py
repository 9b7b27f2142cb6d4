#!/usr/bin/env python3
"""Trains Spiking-ResNet18 and SEW-ResNet18 on Fashion-MNIST (GPU; CPU works, slowly).

    python3 models/train_resnet_gpu.py --data DIR --out DIR [--epochs 3]
        [--archs spiking_resnet18,sew_resnet18] [--limit N] [--batch 128] [--width 1]

DIR holds the four Fashion-MNIST .gz idx files. CIFAR stem, T=4, LIF (tau 2),
1 input channel, images padded 28 -> 32 and repeated over T. For each arch,
OUT gets:
  ARCH.pt                  state_dict
  ARCH.onnx                input "input" [T*N, 1, 32, 32] (T-major, N symbolic),
                           output "logits" [N, 10]; sparseflow::LIF neurons
  ARCH_test_input.npy      8 test images as [T*8, 1, 32, 32]
  ARCH_expected_logits.npy PyTorch's logits for them, computed on the CPU (CUDA
                           divides by tau as a multiply and differs by an ulp)
  ARCH_metrics.json        test accuracy, per-layer firing rates (1000 test
                           images), epochs, seconds
Needs PyTorch >= 1.13 and onnx; nothing is downloaded.
"""

import argparse
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sparseflow_models import archs, data, export, training  # pylint: disable=wrong-import-position

STEPS = 4
SIZE = 32


def images(split, a):
  x, y = data.load(split, a.data, a.limit if split == "train" else a.test_limit)
  x = nn.functional.pad(torch.from_numpy(data.to_float(x)), (2, 2, 2, 2))
  return x, torch.from_numpy(y)


def train_arch(arch, a, device, train, test):
  training.seed_everything(0)
  net = archs.build(arch, STEPS, in_channels=1, num_classes=10, stem="cifar", width=a.width,
                    neuron="lif", neuron_kwargs=dict(tau=2.0))
  model = nn.Sequential(archs.RepeatT(STEPS), net).to(device)
  test_x, test_y = test

  def test_accuracy(m):
    return (training.evaluate(m, test_x, device=device).argmax(1) == test_y).float().mean().item()

  start = time.time()
  acc = training.fit(model, lambda idx: (train[0][idx], train[1][idx]), len(train[0]),
                     test_accuracy, a.epochs, a.batch, a.lr, device=device,
                     log=lambda line: print(f"{arch} {line}", flush=True))
  seconds = time.time() - start
  rates = training.firing_rates(model, test_x[:1000], device=device)

  net = net.cpu().eval()
  out = lambda suffix: os.path.join(a.out, f"{arch}{suffix}")
  torch.save(net.state_dict(), out(".pt"))
  sample = torch.cat([test_x[:8]] * STEPS, 0)
  np.save(out("_test_input.npy"), sample.numpy())
  np.save(out("_expected_logits.npy"), training.evaluate(net, sample, batch=len(sample)).numpy())
  export.export(net, out(".onnx"), sample, mode="custom", dynamic_batch=True)
  metrics = dict(arch=arch, steps=STEPS, input_size=SIZE, epochs=a.epochs,
                 width=a.width, train_images=len(train[0]), test_images=len(test_x), test_accuracy=acc,
                 train_seconds=seconds, device=str(device),
                 firing_rates={k.replace("1.", "", 1): v for k, v in rates.items()})
  with open(out("_metrics.json"), "w") as f:
    json.dump(metrics, f, indent=1)
  print(json.dumps({k: v for k, v in metrics.items() if k != "firing_rates"}), flush=True)


def main():
  parser = argparse.ArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawTextHelpFormatter)
  parser.add_argument("--data", required=True)
  parser.add_argument("--out", required=True)
  parser.add_argument("--epochs", type=int, default=3)
  parser.add_argument("--archs", default="spiking_resnet18,sew_resnet18")
  parser.add_argument("--batch", type=int, default=128)
  parser.add_argument("--lr", type=float, default=1e-3)
  parser.add_argument("--limit", type=int, default=None, help="first N training images")
  parser.add_argument("--test-limit", type=int, default=None, help="first N test images")
  parser.add_argument("--width", type=float, default=1.0,
                      help="channel multiplier (1 = the standard 64..512; < 1 for a CPU smoke test)")
  parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
  a = parser.parse_args()
  if a.limit is not None and a.test_limit is None:
    a.test_limit = a.limit
  os.makedirs(a.out, exist_ok=True)
  device = torch.device(a.device)
  if device.type == "cuda":
    torch.backends.cudnn.benchmark = True
  train, test = images("train", a), images("test", a)
  for arch in a.archs.split(","):
    train_arch(arch, a, device, train, test)


if __name__ == "__main__":
  main()
