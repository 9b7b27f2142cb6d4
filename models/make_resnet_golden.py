#!/usr/bin/env python3
"""Golden data and CPU measurements for the packed ResNet18s (models/resnet18_fmnist/).

    python3 models/make_resnet_golden.py [--dir models/resnet18_fmnist] [--out DIR]
        [--data /usr/share/datasets/fashion-mnist] [--candidates 64] [--count 1000]
        [--threads 1]

Loads DIR/ARCH.w16.npz.part* (float16 weights widened to float32: the shipped
model) for spiking_resnet18 and sew_resnet18 and writes to OUT (default DIR):
  test_input.npy                    8 test images as [T*8, 1, 32, 32] (padded 28 -> 32,
                                    repeated over T = 4, T-major): the first of the
                                    first CANDIDATES test images whose membranes stay
                                    > 1e-5 from the threshold in every neuron, step
                                    and both models (else the 8 with the widest margin)
  test_labels.npy                   their labels, int64 [8]
  expected_logits_ARCH.npy          PyTorch's CPU logits for test_input.npy, [8, 10]
  metrics.json                      per arch: accuracy and predictions on the first
                                    COUNT test images, firing rates per neuron over them;
                                    the golden images' indices and margins
On the CPU, THREADS threads (1: a shared machine; ~0.3 s per image per model).
"""

import argparse
import json
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import pack_weights  # pylint: disable=wrong-import-position
from sparseflow_models import archs, data, training  # pylint: disable=wrong-import-position

ARCHS = ("spiking_resnet18", "sew_resnet18")
STEPS = 4
MARGIN = 1e-5
GOLDEN = 8


def load_net(directory, arch):
  net = pack_weights.build(arch, STEPS)
  net.load_state_dict(pack_weights.load_packed(os.path.join(directory, arch)))
  return net.eval()


def test_images(data_dir, count):
  x, y = data.load("test", data_dir, count)
  return nn.functional.pad(torch.from_numpy(data.to_float(x)), (2, 2, 2, 2)), y


def measure(model, x, labels):
  """(accuracy, predictions, firing rates) of model ([N,...] -> logits) on x."""
  logits, rates = training.evaluate_with_rates(model, x, batch=50)
  pred = logits.argmax(1).numpy()
  return float((pred == labels).mean()), pred, {k.replace("1.", "", 1): v for k, v in rates.items()}


def main():
  parser = argparse.ArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawTextHelpFormatter)
  here = os.path.dirname(os.path.abspath(__file__))
  parser.add_argument("--dir", default=os.path.join(here, "resnet18_fmnist"))
  parser.add_argument("--data", default=data.DEFAULT_DIR)
  parser.add_argument("--candidates", type=int, default=64)
  parser.add_argument("--count", type=int, default=1000)
  parser.add_argument("--out", default=None)
  parser.add_argument("--threads", type=int, default=1)
  a = parser.parse_args()
  a.out = a.out or a.dir
  torch.set_num_threads(a.threads)
  x, y = test_images(a.data, max(a.count, a.candidates))
  nets = {arch: load_net(a.dir, arch) for arch in ARCHS}
  models = {arch: nn.Sequential(archs.RepeatT(STEPS), net) for arch, net in nets.items()}

  cand = x[:a.candidates]
  margins = torch.stack([training.min_margins(m, cand, STEPS) for m in models.values()]).min(0).values
  safe = [i for i in range(len(cand)) if margins[i] > MARGIN]
  chosen = safe[:GOLDEN] if len(safe) >= GOLDEN else sorted(
      torch.argsort(margins, descending=True)[:GOLDEN].tolist())
  sample = torch.cat([x[chosen]] * STEPS, 0)
  np.save(os.path.join(a.out, "test_input.npy"), sample.numpy())
  np.save(os.path.join(a.out, "test_labels.npy"), y[chosen])
  metrics = dict(golden_test_indices=chosen, golden_min_margin=float(margins[chosen].min()),
                 candidates_safe=len(safe), candidates=len(cand))
  for arch, net in nets.items():
    np.save(os.path.join(a.out, f"expected_logits_{arch}.npy"),
            training.evaluate(net, sample, batch=len(sample)).numpy())
    acc, pred, rates = measure(models[arch], x[:a.count], y[:a.count])
    metrics[arch] = dict(weights="float16", accuracy_images=a.count, accuracy=acc,
                         torch=torch.__version__, threads=a.threads,
                         predictions=pred.tolist(), firing_rates=rates)
    print(f"{arch}: accuracy {acc:.4f} on the first {a.count} test images", flush=True)
  with open(os.path.join(a.out, "metrics.json"), "w") as f:
    json.dump(metrics, f, indent=1)
  print(json.dumps({k: v for k, v in metrics.items() if k not in ARCHS}))


if __name__ == "__main__":
  main()
