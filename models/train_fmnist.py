#!/usr/bin/python3
"""Trains the shipped Fashion-MNIST SNN on the CPU and writes models/fmnist_snn/.

    /usr/bin/python3 models/train_fmnist.py [--epochs 2] [--out models/fmnist_snn]

Model: RepeatT(4) + LeNetSNN (conv 1->8, 8->16, BN, LIF tau=2 hard reset, max
pools, linear 784->10, mean over T). The ONNX input is the image batch
"input" [N, 1, 28, 28] (pixels / 255); the graph repeats it over T=4 with a
Concat. Output "logits" [N, 10]. Seeded and single-threaded: reproducible.

Writes model.onnx, model.pt (state_dict), test_input.npy (8 test images whose
neurons all stay more than 1e-5 away from the threshold, so an exact runtime
cannot flip a spike through a different summation order), test_labels.npy,
expected_logits.npy and metrics.json (test accuracy, PyTorch's predictions
for the first 1000 test images, per-layer firing rates).
"""

import argparse
import json
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sparseflow_models import archs, data, export, training  # pylint: disable=wrong-import-position

STEPS = 4
GOLDEN_COUNT = 8
GOLDEN_MARGIN = 1e-5
ACCURACY_COUNT = 1000


def build_model():
  return nn.Sequential(archs.RepeatT(STEPS),
                       archs.lenet_snn(STEPS, neuron="lif", neuron_kwargs=dict(tau=2.0)))


def main():
  parser = argparse.ArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawTextHelpFormatter)
  parser.add_argument("--data", default=data.DEFAULT_DIR)
  parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "fmnist_snn"))
  parser.add_argument("--epochs", type=int, default=2)
  parser.add_argument("--batch", type=int, default=128)
  parser.add_argument("--lr", type=float, default=2e-3)
  parser.add_argument("--limit", type=int, default=None, help="train on the first N images")
  parser.add_argument("--threads", type=int, default=1)
  a = parser.parse_args()
  torch.set_num_threads(a.threads)
  training.seed_everything(0)
  os.makedirs(a.out, exist_ok=True)

  train_x, train_y = data.load("train", a.data, a.limit)
  test_x, test_y = data.load("test", a.data)
  train_x, train_y = torch.from_numpy(data.to_float(train_x)), torch.from_numpy(train_y)
  test_x, test_y = torch.from_numpy(data.to_float(test_x)), torch.from_numpy(test_y)

  def test_accuracy(model):
    return (training.evaluate(model, test_x).argmax(1) == test_y).float().mean().item()

  model = build_model()
  training.fit(model, lambda idx: (train_x[idx], train_y[idx]), len(train_x), test_accuracy,
               a.epochs, a.batch, a.lr, log=lambda line: print(line, flush=True))
  model.eval()
  pred = training.evaluate(model, test_x).argmax(1)
  accuracy = (pred == test_y).float().mean().item()
  margins = training.min_margins(model, test_x[:200], STEPS)
  golden = torch.nonzero(margins > GOLDEN_MARGIN).flatten()[:GOLDEN_COUNT]
  gx = test_x[golden]
  np.save(os.path.join(a.out, "test_input.npy"), gx.numpy())
  np.save(os.path.join(a.out, "test_labels.npy"), test_y[golden].numpy())
  np.save(os.path.join(a.out, "expected_logits.npy"), training.evaluate(model, gx).numpy())
  torch.save(model.state_dict(), os.path.join(a.out, "model.pt"))
  export.export(model, os.path.join(a.out, "model.onnx"), gx, mode="custom", dynamic_batch=True)
  metrics = {
      "steps": STEPS,
      "epochs": a.epochs,
      "test_accuracy": accuracy,
      "golden_test_indices": golden.tolist(),
      "first1000_accuracy": (pred[:ACCURACY_COUNT] == test_y[:ACCURACY_COUNT]).float().mean().item(),
      "first1000_predictions": pred[:ACCURACY_COUNT].tolist(),
      "firing_rates": training.firing_rates(model, test_x[:ACCURACY_COUNT]),
  }
  with open(os.path.join(a.out, "metrics.json"), "w") as f:
    json.dump(metrics, f, indent=1)
  print(json.dumps({k: v for k, v in metrics.items() if "predictions" not in k}, indent=1))


if __name__ == "__main__":
  main()
