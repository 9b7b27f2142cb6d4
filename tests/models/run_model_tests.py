#!/usr/bin/python3
"""Runs models through sfrun and compares with PyTorch (CTest driver).

    run_model_tests.py SFRUN WORK_DIR zoo [--only SUBSTRING[,SUBSTRING...]]
        exports models/make_test_models.py's cases into WORK_DIR/models, runs
        each through sfrun and compares with PyTorch's output (needs torch).
    run_model_tests.py - WORK_DIR export-resnet
        rebuilds WORK_DIR/{spiking,sew}_resnet18.onnx from the packed float16
        weights in models/resnet18_fmnist (models/pack_weights.py; needs torch),
        and WORK_DIR/spiking_resnet18_anyhw.onnx with symbolic input H and W.
    run_model_tests.py SFRUN WORK_DIR upscaled --onnx-dir DIR
        the first UPSCALED_SAMPLES samples of the ResNet test input upscaled to
        UPSCALED_EDGE x UPSCALED_EDGE by tools/upscale_input.py (bilinear) through
        DIR/spiking_resnet18_anyhw.onnx, against PyTorch on the same input
        (needs torch).
    run_model_tests.py SFRUN WORK_DIR golden [--only NAME[,NAME...]] [--onnx-dir DIR]
        runs shipped golden models (GOLDEN below: fmnist, events,
        spiking_resnet18, sew_resnet18; the ResNets' ONNX from DIR, as
        export-resnet writes it) on their test input and compares with their
        expected logits (numpy only).
    run_model_tests.py SFRUN WORK_DIR accuracy [--data DIR]
        runs the first 1000 Fashion-MNIST test images through sfrun; the
        accuracy must be within 0.1% of PyTorch's (metrics.json, numpy only).
    run_model_tests.py SFRUN WORK_DIR plan --onnx-dir DIR
        sfrun --plan-only --plan-json on DIR/spiking_resnet18.onnx: the stem conv
        (it reads the model input) is dense, every other conv is planned sparse
        with the block edge of the default rule on its input H (block 0: dense).

SFRUN "-" runs the models with tests/models/onnx_reference.py (a numpy
interpreter) instead: that checks the exported graphs themselves, without sfrun.
With a real SFRUN every model runs twice, `--sparse on` and `--sparse off`, and
the two outputs must be bit-identical (the CPU block-sparse conv is exact).

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
RESNET = os.path.join(MODELS, "resnet18_fmnist")
EVENTS = os.path.join(MODELS, "events")
RESNET_ARCHS = ("spiking_resnet18", "sew_resnet18")
# name -> (model.onnx (None: ONNX_DIR/name.onnx), test input, expected logits, labels)
GOLDEN = {
    "fmnist": (os.path.join(FMNIST, "model.onnx"), os.path.join(FMNIST, "test_input.npy"),
               os.path.join(FMNIST, "expected_logits.npy"), os.path.join(FMNIST, "test_labels.npy")),
    "events": (os.path.join(EVENTS, "model.onnx"), os.path.join(EVENTS, "test_input.npy"),
               os.path.join(EVENTS, "expected_logits.npy"), os.path.join(EVENTS, "test_labels.npy")),
    **{arch: (None, os.path.join(RESNET, "test_input.npy"),
              os.path.join(RESNET, f"expected_logits_{arch}.npy"),
              os.path.join(RESNET, "test_labels.npy")) for arch in RESNET_ARCHS},
}
# (smallest input H, block edge), first match wins: cli-and-plan.md's default rule.
BLOCK_RULE = ((32, 16), (16, 8), (8, 4), (0, 0))
ATOL = RTOL = 1e-4
SKIP = 77
# The trained ResNets' T, and the upscaled test's image edge and samples (small:
# the CPU reference convs run it).
RESNET_STEPS = 4
UPSCALED_EDGE, UPSCALED_SAMPLES = 56, 2
DEVICE = ["cpu"]  # sfrun --device for every run; set by --device


def sfrun(binary, model, inputs, output, extra=(), timeout=600):
  """Runs sfrun; inputs {name: file} (one input: bound without a name)."""
  cmd = [binary, model]
  if len(inputs) == 1:
    cmd += ["--input", next(iter(inputs.values()))]
  else:
    for name, path in inputs.items():
      cmd += ["--input", f"{name}={path}"]
  cmd += ["--output", output, "--device", DEVICE[0], *extra]
  proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
  if proc.returncode != 0:
    raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()}")
  return np.load(output)


def sfrun_sparse_on_off(binary, model, inputs, output, exact=False):
  """sfrun --sparse on; raises unless --sparse off gives the identical output (on the
  CPU, whose block-sparse conv is exact, and on a GPU for an `exact` model) or one
  within the logits tolerance (on a GPU, where the sparse conv sums in another order
  than cuDNN; spikes then still match). An exact model's sums are exact in any order,
  so on a GPU its convs take cuDNN's sum-of-products algorithms only (--conv-algo
  gemm: a Winograd or FFT transform rounds on the way)."""
  dense_file = os.path.splitext(output)[0] + ".sparse_off.npy"
  extra = ["--conv-algo", "gemm"] if exact and DEVICE[0] != "cpu" else []
  sparse = sfrun(binary, model, inputs, output, ["--sparse", "on", *extra])
  dense = sfrun(binary, model, inputs, dense_file, ["--sparse", "off", *extra])
  if DEVICE[0] != "cpu" and not exact and sparse.shape == dense.shape:
    error = compare_logits(sparse, dense)
    if error:
      raise RuntimeError(f"{os.path.basename(model)}: --sparse on vs off on {DEVICE[0]}: {error}")
    return sparse
  if sparse.shape != dense.shape or not np.array_equal(sparse, dense, equal_nan=True):
    diff = (np.abs(sparse.astype(np.float64) - dense).max() if sparse.shape == dense.shape
            else f"shapes {sparse.shape} vs {dense.shape}")
    raise RuntimeError(f"{os.path.basename(model)}: --sparse on and --sparse off outputs differ "
                       f"(max |diff| {diff})")
  return sparse


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
  if a.models_dir:  # exported earlier (e.g. on another machine): no torch needed
    work = a.models_dir
  else:
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
  if a.models_dir and a.only:
    manifest = [c for c in manifest if any(s in c["name"] for s in a.only.split(","))]
  failures = 0
  for case in manifest:
    j = lambda p: os.path.join(work, p)  # pylint: disable=cell-var-from-loop
    try:
      out = run_model(j(case["onnx"]), {k: j(v) for k, v in case["inputs"].items()},
                      j(case["name"] + ".out.npy"), case["exact"])
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
  return lambda model, inputs, output, exact=False: sfrun_sparse_on_off(a.sfrun, model, inputs,
                                                                        output, exact)


def reference_runner(_a):
  """The numpy interpreter of onnx_reference.py (checks the exports, not sfrun)."""
  import onnx_reference  # pylint: disable=import-outside-toplevel
  return lambda model, inputs, _output, _exact=False: onnx_reference.run(
      model, {k: np.load(v) for k, v in inputs.items()})[0]


def run_golden(a, run_model):
  os.makedirs(a.work_dir, exist_ok=True)
  failures = 0
  names = a.only.split(",") if a.only else ["fmnist"]
  for name in names:
    model, test_input, expected, labels = GOLDEN[name]
    model = model or os.path.join(a.onnx_dir, name + ".onnx")
    try:
      out = run_model(model, {"input": test_input}, os.path.join(a.work_dir, f"{name}_golden.npy"))
      error = compare_logits(out, np.load(expected))
      print(f"{name}: predictions {out.argmax(1).tolist()}, labels {np.load(labels).tolist()}")
    except (RuntimeError, subprocess.TimeoutExpired, ValueError, OSError) as e:
      error = str(e)
    print(f"{'FAIL' if error else 'ok  '} {name} golden" + (f": {error}" if error else ""),
          flush=True)
    failures += bool(error)
  return 1 if failures else 0


def export_resnet(a, _run_model):
  """Rebuilds the ResNet ONNX files from the packed weights (pack_weights.to_onnx)."""
  try:
    import torch  # pylint: disable=import-outside-toplevel,unused-import
  except ImportError:
    print("SKIP: torch is not importable by", sys.executable)
    return SKIP
  sys.path.insert(0, MODELS)
  import pack_weights  # pylint: disable=import-outside-toplevel
  os.makedirs(a.work_dir, exist_ok=True)
  for arch in RESNET_ARCHS:
    path = os.path.join(a.work_dir, arch + ".onnx")
    pack_weights.to_onnx(arch, os.path.join(RESNET, arch), path)
    print(f"wrote {path}")
  path = os.path.join(a.work_dir, "spiking_resnet18_anyhw.onnx")
  pack_weights.to_onnx("spiking_resnet18", os.path.join(RESNET, "spiking_resnet18"), path,
                       dynamic_hw=True)
  print(f"wrote {path}")
  return 0


def run_upscaled(a, run_model):
  """The symbolic-H/W Spiking-ResNet18 on upscaled images against PyTorch (see the doc)."""
  try:
    import torch  # pylint: disable=import-outside-toplevel
  except ImportError:
    print("SKIP: torch is not importable by", sys.executable)
    return SKIP
  sys.path.insert(0, MODELS)
  sys.path.insert(0, os.path.join(ROOT, "tools"))
  import pack_weights  # pylint: disable=import-outside-toplevel
  import upscale_input  # pylint: disable=import-outside-toplevel
  os.makedirs(a.work_dir, exist_ok=True)
  x = upscale_input.first_samples(np.load(GOLDEN["spiking_resnet18"][1]), UPSCALED_SAMPLES,
                                  RESNET_STEPS)
  x = upscale_input.resize(x, UPSCALED_EDGE, UPSCALED_EDGE, "bilinear")
  input_file = os.path.join(a.work_dir, f"resnet_input_{UPSCALED_EDGE}.npy")
  np.save(input_file, x)
  net = pack_weights.build("spiking_resnet18", RESNET_STEPS)
  net.load_state_dict(pack_weights.load_packed(os.path.join(RESNET, "spiking_resnet18")))
  net.eval()
  with torch.no_grad():
    expected = net(torch.from_numpy(x)).numpy()
  out = run_model(os.path.join(a.onnx_dir, "spiking_resnet18_anyhw.onnx"), {"input": input_file},
                  os.path.join(a.work_dir, f"resnet_{UPSCALED_EDGE}.npy"))
  error = compare_logits(out, expected)
  print(f"{'FAIL' if error else 'ok  '} spiking_resnet18 at {x.shape}: "
        f"max |diff| {np.abs(out - expected).max() if out.shape == expected.shape else '-'}"
        + (f": {error}" if error else ""))
  return 1 if error else 0


def planned_block(h):
  return next(block for min_h, block in BLOCK_RULE if h >= min_h)


def check_plan(plan, stem):
  """Errors of a plan JSON against the rule (stem: the conv that reads the input)."""
  convs = [n for n in plan["nodes"] if n["op"] == "Conv"]
  errors = [] if any(n["name"] == stem for n in convs) else [f"stem conv {stem} not in the plan"]
  for n in convs:
    block = 0 if n["name"] == stem else planned_block(n["H"])
    kernel = "sparse" if block else "dense"
    if n["block"] != block or n["kernel"] != kernel:
      errors.append(f"{n['name']} (H {n['H']}, input {n['input_class']}): block {n['block']} "
                    f"kernel {n['kernel']}, want block {block} kernel {kernel}")
    if n["name"] != stem and n["input_class"] == "dense":
      errors.append(f"{n['name']}: input_class dense, want binary or zero_preserving")
  return convs, errors


def run_plan(a, _run_model):
  """sfrun --plan-only --plan-json on the trained Spiking-ResNet18 (see check_plan)."""
  import onnx  # pylint: disable=import-outside-toplevel
  model = os.path.join(a.onnx_dir, "spiking_resnet18.onnx")
  graph = onnx.load(model).graph
  stem = next(n.name for n in graph.node if n.op_type == "Conv" and graph.input[0].name in n.input)
  num_convs = sum(n.op_type == "Conv" for n in graph.node)
  os.makedirs(a.work_dir, exist_ok=True)
  plan_file = os.path.join(a.work_dir, "spiking_resnet18.plan.json")
  cmd = [a.sfrun, model, "--input", GOLDEN["spiking_resnet18"][1], "--device", "cpu",
         "--plan-only", "--plan-json", plan_file]
  proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
  if proc.returncode != 0:
    print(f"FAIL: {' '.join(cmd)} exited {proc.returncode}: {proc.stderr.strip()}")
    return 1
  with open(plan_file) as f:
    convs, errors = check_plan(json.load(f), stem)
  if len(convs) != num_convs:
    errors.append(f"plan lists {len(convs)} convs, the model has {num_convs}")
  for n in convs:
    print(f"  {n['name']}: H {n['H']} {n['input_class']} block {n['block']} {n['kernel']}")
  for e in errors:
    print("FAIL", e)
  print(f"{'FAIL' if errors else 'ok  '} plan of {len(convs)} convs")
  return 1 if errors else 0


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
  parser.add_argument("test", choices=["zoo", "golden", "accuracy", "export-resnet", "plan",
                                       "upscaled"])
  parser.add_argument("--only", default="")
  parser.add_argument("--onnx-dir", default=None, help="where export-resnet wrote the ONNX")
  parser.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
  parser.add_argument("--device", default="cpu", help="sfrun --device for every run")
  parser.add_argument("--models-dir", default=None,
                      help="zoo: use models already exported there (with manifest.json)")
  a = parser.parse_args()
  DEVICE[0] = a.device
  try:
    runner = reference_runner(a) if a.sfrun == "-" else sfrun_runner(a)
    tests = {"zoo": run_zoo, "golden": run_golden, "accuracy": run_accuracy,
             "export-resnet": export_resnet, "plan": run_plan, "upscaled": run_upscaled}
    return tests[a.test](a, runner)
  except (RuntimeError, subprocess.TimeoutExpired, subprocess.CalledProcessError, OSError) as e:
    print("FAIL:", e, getattr(e, "stderr", "") or "")
    return 1


if __name__ == "__main__":
  sys.exit(main())
