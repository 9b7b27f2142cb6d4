#!/usr/bin/python3
"""Runs models through sfrun and compares with PyTorch (CTest driver).

    run_model_tests.py SFRUN WORK_DIR zoo [--only SUBSTRING[,SUBSTRING...]]
        exports models/make_test_models.py's cases into WORK_DIR/models, runs
        each through sfrun and compares with PyTorch's output (needs torch).
    run_model_tests.py SFRUN WORK_DIR golden
        runs the shipped models/fmnist_snn/model.onnx on its test_input.npy and
        compares with expected_logits.npy (numpy only).
    run_model_tests.py SFRUN WORK_DIR accuracy [--data DIR]
        runs the first 1000 Fashion-MNIST test images through sfrun; the
        accuracy must be within 0.1% of PyTorch's (metrics.json, numpy only).

SFRUN "-" runs the models with tests/models/onnx_reference.py (a numpy
interpreter) instead: that checks the exported graphs themselves, without sfrun.

Logits match when |out - expected| <= 1e-4 + 1e-4 * |expected|. Spikes match
exactly, except where the mask (membrane within 1e-5 of threshold) allows.
Exit 0 pass, 1 fail, 77 skip (torch not importable, dataset missing).
"""

import argparse
import gzip
import json
import os
import subprocess
import sys

try:
  import numpy as np
except ImportError:
  print("SKIP: numpy is not importable by", sys.executable)
  sys.exit(77)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
MODELS = os.path.join(ROOT, "models")
FMNIST = os.path.join(MODELS, "fmnist_snn")
ATOL = RTOL = 1e-4
SKIP = 77


def sfrun(binary, model, inputs, output, timeout=600):
  """Runs sfrun; inputs {name: file} (one input: bound without a name)."""
  cmd = [binary, model]
  if len(inputs) == 1:
    cmd += ["--input", next(iter(inputs.values()))]
  else:
    for name, path in inputs.items():
      cmd += ["--input", f"{name}={path}"]
  cmd += ["--output", output, "--device", "cpu"]
  proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
  if proc.returncode != 0:
    raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()}")
  return np.load(output)


def compare_logits(out, expected):
  """None when equal within tolerance, else a message."""
  if out.shape != expected.shape:
    return f"shape {out.shape} != expected {expected.shape}"
  err = np.abs(out.astype(np.float64) - expected)
  bad = err > ATOL + RTOL * np.abs(expected)
  if bad.any():
    i = np.unravel_index(np.argmax(err), err.shape)
    return (f"{bad.sum()} of {bad.size} values differ; max |diff| {err[i]:.3g} at {i} "
            f"(got {out[i]}, want {expected[i]})")
  return None


def compare_spikes(out, expected, mask):
  if out.shape != expected.shape:
    return f"shape {out.shape} != expected {expected.shape}"
  if not np.isin(out, (0.0, 1.0)).all():
    return "output is not binary"
  bad = (out != expected) & ~mask
  if bad.any():
    return (f"{bad.sum()} of {bad.size} spikes differ away from the threshold, first at "
            f"{np.argwhere(bad)[0].tolist()}")
  return None


def run_zoo(a, run_model):
  """Exports the --only cases and compares run_model(onnx, inputs, out) with PyTorch."""
  try:
    import torch  # pylint: disable=import-outside-toplevel,unused-import
  except ImportError:
    print("SKIP: torch is not importable by", sys.executable)
    return SKIP
  work = os.path.join(a.work_dir, "models")
  os.makedirs(work, exist_ok=True)
  subprocess.run([sys.executable, "-W", "ignore", os.path.join(MODELS, "make_test_models.py"),
                  work, "--only", a.only], check=True, capture_output=True)
  with open(os.path.join(work, "manifest.json")) as f:
    manifest = json.load(f)
  failures = 0
  for case in manifest:
    j = lambda p: os.path.join(work, p)  # pylint: disable=cell-var-from-loop
    try:
      out = run_model(j(case["onnx"]), {k: j(v) for k, v in case["inputs"].items()},
                      j(case["name"] + ".out.npy"))
      expected = np.load(j(case["expected"]))
      if case["kind"] == "spikes":
        error = compare_spikes(out, expected, np.load(j(case["mask"])))
      else:
        error = compare_logits(out, expected)
      if not error and case["exact"] and not np.array_equal(out, expected):
        error = "not bit-exact (the model's arithmetic is exact: any difference is a bug)"
    except (RuntimeError, subprocess.TimeoutExpired, ValueError, OSError,
            NotImplementedError) as e:
      error = str(e)
    print(f"{'FAIL' if error else 'ok  '} {case['name']}" + (f": {error}" if error else ""),
          flush=True)
    failures += bool(error)
  print(f"{len(manifest) - failures} of {len(manifest)} models match PyTorch")

  return 1 if failures or not manifest else 0


def sfrun_runner(a):
  return lambda model, inputs, output: sfrun(a.sfrun, model, inputs, output)


def reference_runner(_a):
  """The numpy interpreter of onnx_reference.py (checks the exports, not sfrun)."""
  import onnx_reference  # pylint: disable=import-outside-toplevel
  return lambda model, inputs, _output: onnx_reference.run(
      model, {k: np.load(v) for k, v in inputs.items()})[0]


def run_golden(a, run_model):
  os.makedirs(a.work_dir, exist_ok=True)
  out = run_model(os.path.join(FMNIST, "model.onnx"),
              {"input": os.path.join(FMNIST, "test_input.npy")},
              os.path.join(a.work_dir, "fmnist_golden.npy"))
  error = compare_logits(out, np.load(os.path.join(FMNIST, "expected_logits.npy")))
  labels = np.load(os.path.join(FMNIST, "test_labels.npy"))
  print(f"predictions {out.argmax(1).tolist()}, labels {labels.tolist()}")
  if error:
    print("FAIL fmnist golden:", error)
    return 1
  print("ok   fmnist golden")
  return 0


def load_test_images(data_dir, count):
  with gzip.open(os.path.join(data_dir, "t10k-images-idx3-ubyte.gz"), "rb") as f:
    images = np.frombuffer(f.read()[16:], dtype=np.uint8).reshape(-1, 28, 28)[:count]
  with gzip.open(os.path.join(data_dir, "t10k-labels-idx1-ubyte.gz"), "rb") as f:
    labels = np.frombuffer(f.read()[8:], dtype=np.uint8)[:count].astype(np.int64)
  return (images.astype(np.float32) / np.float32(255.0))[:, None], labels


def run_accuracy(a, run_model):
  if not os.path.exists(os.path.join(a.data, "t10k-images-idx3-ubyte.gz")):
    print("SKIP: no Fashion-MNIST in", a.data)
    return SKIP
  with open(os.path.join(FMNIST, "metrics.json")) as f:
    metrics = json.load(f)
  torch_pred = np.array(metrics["first1000_predictions"])
  images, labels = load_test_images(a.data, len(torch_pred))
  os.makedirs(a.work_dir, exist_ok=True)
  batch_file = os.path.join(a.work_dir, "fmnist_1000.npy")
  np.save(batch_file, images)
  out = run_model(os.path.join(FMNIST, "model.onnx"), {"input": batch_file},
              os.path.join(a.work_dir, "fmnist_1000_logits.npy"))
  pred = out.argmax(1)
  acc, torch_acc = (pred == labels).mean(), (torch_pred == labels).mean()
  print(f"{'reference' if a.sfrun == '-' else 'sfrun'} accuracy {acc:.4f}, PyTorch {torch_acc:.4f}, "
        f"{(pred != torch_pred).sum()} of {len(pred)} predictions differ")
  if abs(acc - torch_acc) > 0.001 + 1e-9:
    print("FAIL: accuracy differs by more than 0.1%")
    return 1
  return 0


def main():
  parser = argparse.ArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawTextHelpFormatter)
  parser.add_argument("sfrun")
  parser.add_argument("work_dir")
  parser.add_argument("test", choices=["zoo", "golden", "accuracy"])
  parser.add_argument("--only", default="")
  parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
  a = parser.parse_args()
  try:
    runner = reference_runner(a) if a.sfrun == "-" else sfrun_runner(a)
    return {"zoo": run_zoo, "golden": run_golden, "accuracy": run_accuracy}[a.test](a, runner)
  except (RuntimeError, subprocess.TimeoutExpired, subprocess.CalledProcessError, OSError) as e:
    print("FAIL:", e, getattr(e, "stderr", "") or "")
    return 1


if __name__ == "__main__":
  sys.exit(main())
