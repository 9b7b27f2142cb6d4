#!/usr/bin/env python3
"""SpikingJelly latency of the same trained SNN: the framework SNN users run (issue 8).

    python3 tools/bench_spikingjelly.py ARCH WEIGHTS_PREFIX INPUT.npy [--iters 200]
        [--backends torch,cupy,triton] [--batch N] [--fp16] [--json F]
        [--sj-path DIR] [--device cuda|cpu] [--check-tol 1e-3]

ARCH is spiking_resnet18 | sew_resnet18, WEIGHTS_PREFIX the packed weights
(models/resnet18_fmnist/ARCH), INPUT a T-major float32 [T*N, 1, H, W] (T = 4):
the shipped 32x32 test input or a 224x224 upscaled one (tools/upscale_input.py).
N is the input's rows / T; --batch N repeats its samples cyclically to N (run
row t*N+n = file row t*Nin + n mod Nin, as sfbench --batch does).

The network is SpikingJelly's own model class, built as its users write it:
  spiking_resnet.spiking_resnet18 / sew_resnet.sew_resnet18(cnf="ADD") with
  spiking_neuron=neuron.LIFNode, tau=2.0, decay_input=True, v_threshold=1.0,
  v_reset=0.0 (hard reset), surrogate ATan, detach_reset=True, num_classes=10;
  functional.set_step_mode(net, "m") and functional.set_backend(net, BACKEND,
  neuron.LIFNode). Our models (models/sparseflow_models/archs.py, built by
  models/pack_weights.py) have a CIFAR stem, which SpikingJelly's classes do
  not (they hard-code torchvision's ImageNet stem: 7x7 stride-2 conv on 3
  channels and a 3x3 stride-2 max pool), so two attributes are replaced after
  construction, as users do for CIFAR: net.conv1 = layer.Conv2d(1, 64, 3, 1, 1,
  bias=False) and net.maxpool = nn.Identity(). Everything else is the class as
  shipped: its BasicBlocks (Spiking: sn2(bn2(conv2) + downsample(x)); SEW ADD:
  sn2(bn2(conv2)) + downsample_sn(downsample(x)), identity when no
  downsample), layer.Conv2d/BatchNorm2d/AdaptiveAvgPool2d/Linear in multi-step
  mode ([T, N, ...]). The output [T, N, 10] is averaged over T, as our
  MeanOverT does. Our state_dict is mapped key by key (stem.0/1 -> conv1/bn1,
  stages.i.body.0/1/3/4 -> layerS.B.conv1/bn1/conv2/bn2, stages.i.shortcut.0/1 ->
  layerS.B.downsample.0/1, head.2 -> fc); every key must be used.

Correctness first: with each backend, the logits of models/resnet18_fmnist/
test_input.npy are compared with expected_logits_ARCH.npy (PyTorch's CPU logits
of our own model, models/make_resnet_golden.py); max abs diff printed and kept
in the JSON; a backend above --check-tol (1e-3) is not timed and the script
exits 1 at the end. The golden images keep every membrane >= 4.6e-6 from the
threshold, so another summation order (cuDNN) should not flip a spike.

Timing, per backend: eager, as users run it: each timed call is
functional.reset_net(net) + net(x.reshape(T, N, ...)).mean(0) under
torch.no_grad(), input already on the device; 10 warm-up calls (they also
compile cupy/triton kernels), then --iters calls timed one by one with CUDA
events (median). fp32 with TF32 off and cudnn.benchmark on, as
tools/bench_pytorch.py; --fp16 adds a torch.autocast(float16) row per backend
(a backend that fails under autocast is reported with its error; its
logits diff is recorded, not gated). On
--device cpu the calls are timed with time.perf_counter (for testing only).
A backend that fails to import, build or run (cupy/triton missing, a kernel
error) is reported in "errors" with its message; the others still run.

SpikingJelly is not installed: its Python package is read from --sj-path
(default .device-models under the repository root, gitignored; the package
is DIR/spikingjelly, with the commit it was taken from in
DIR/spikingjelly/SJ_COMMIT). Taken from github.com/fangwei123456/spikingjelly
at commit afb132264a8cbe38d0f221dcef04053e6ba134d3 (2026-08-08, version
2.0.0.dev1; needs torch >= 2.6, which the GPU machine has). On an older
torch (1.13 on the CPU machine) a few compatibility shims are applied so that
the torch backend can be checked there; they are listed in the JSON
("compat_shims") and none applies on torch >= 2.6 with SpikingJelly's
dependencies installed.

JSON (--json F, also printed): arch, input shape, batch, steps, device, gpu,
torch, spikingjelly (commit), compat_shims, check (max abs diff per row),
median_us (per row: "BACKEND fp32", "BACKEND fp16-autocast"), errors.
"""

# SpikingJelly is found at run time (--sj-path), so it is imported inside functions.
# pylint: disable=import-outside-toplevel
import argparse
import importlib.util
import json
import os
import sys
import time
import traceback
import types

import numpy as np
import torch
from torch import nn

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
sys.path.insert(0, os.path.join(ROOT, "models"))
import pack_weights  # pylint: disable=wrong-import-position

STEPS = 4
ARCHS = ("spiking_resnet18", "sew_resnet18")
CHECK_DIR = os.path.join(ROOT, "models", "resnet18_fmnist")


# --------------------------------------------------------------------------- import

def _torch_at_least(major, minor):
  parts = torch.__version__.split("+")[0].split(".")
  return (int(parts[0]), int(parts[1])) >= (major, minor)


def _compat_shims():
  """Lets SpikingJelly 2.0.0.dev1 import on torch < 2.6 (CPU check only).

  Returns the list of shims applied (empty on the GPU machine)."""
  shims = []
  try:
    import packaging.version  # noqa: F401  pylint: disable=unused-import
  except ImportError:
    from pkg_resources.extern import packaging
    import pkg_resources.extern.packaging.version  # noqa: F401
    sys.modules["packaging"] = packaging
    sys.modules["packaging.version"] = packaging.version
    shims.append("packaging <- pkg_resources.extern.packaging")
  lib = torch.library
  if not hasattr(lib, "custom_op"):
    # Its Triton neuron kernels register torch custom ops at import; on an old
    # torch they become plain functions (never called by the torch backend).
    class _Op:
      def __init__(self, fn):
        self._fn = fn

      def __call__(self, *args, **kwargs):
        return self._fn(*args, **kwargs)

      def __getattr__(self, name):  # register_fake, register_autograd, ...
        def register(*args, **kwargs):
          if args and callable(args[0]) and not kwargs:
            return args[0]
          return lambda fn: fn
        return register

    def custom_op(name, fn=None, mutates_args=(), **kwargs):  # pylint: disable=unused-argument
      return _Op(fn) if fn is not None else _Op

    lib.custom_op = custom_op
    shims.append("torch.library.custom_op -> plain function")
  for name in ("register_fake", "register_autograd"):
    if not hasattr(lib, name):
      def register(*args, **kwargs):  # pylint: disable=unused-argument
        return None if len(args) >= 2 and callable(args[1]) else (lambda fn: fn)
      setattr(lib, name, register)
      shims.append(f"torch.library.{name} -> no-op")
  return shims


def _import_models(shims):
  """SpikingJelly's spiking_resnet and sew_resnet modules.

  model/__init__.py also imports its ImageNet trainer (torchvision,
  tensorboard); where those are missing (CPU machine) the two model files are
  loaded alone, with torchvision's load_state_dict_from_url (used only for
  pretrained ImageNet weights) taken from torch.hub."""
  try:
    from spikingjelly.activation_based.model import sew_resnet, spiking_resnet
    return spiking_resnet, sew_resnet
  except ImportError as e:
    shims.append(f"model/__init__ not imported ({e}); "
                 "spiking_resnet.py and sew_resnet.py loaded alone")
  import spikingjelly.activation_based as ab
  pkg_name = "spikingjelly.activation_based.model"
  pkg_dir = os.path.join(os.path.dirname(ab.__file__), "model")
  pkg = types.ModuleType(pkg_name)
  pkg.__path__ = [pkg_dir]
  sys.modules[pkg_name] = pkg
  try:
    import torchvision  # noqa: F401  pylint: disable=unused-import
  except ImportError:
    tv = types.ModuleType("torchvision")
    utils = types.ModuleType("torchvision._internally_replaced_utils")
    utils.load_state_dict_from_url = torch.hub.load_state_dict_from_url
    tv._internally_replaced_utils = utils  # pylint: disable=protected-access
    sys.modules["torchvision"] = tv
    sys.modules["torchvision._internally_replaced_utils"] = utils
    shims.append("torchvision._internally_replaced_utils.load_state_dict_from_url <- torch.hub")
  mods = []
  for name in ("spiking_resnet", "sew_resnet"):
    spec = importlib.util.spec_from_file_location(f"{pkg_name}.{name}",
                                                  os.path.join(pkg_dir, name + ".py"))
    mod = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = mod
    spec.loader.exec_module(mod)
    mods.append(mod)
  return tuple(mods)


def import_spikingjelly(sj_path):
  """(namespace of SpikingJelly modules, commit, shims)."""
  if not os.path.isfile(os.path.join(sj_path, "spikingjelly", "__init__.py")):
    sys.exit(f"error: no SpikingJelly package at {sj_path}/spikingjelly (see --sj-path)")
  sys.path.insert(0, sj_path)
  shims = [] if _torch_at_least(2, 6) else _compat_shims()
  import spikingjelly
  from spikingjelly.activation_based import functional, layer, neuron, surrogate
  spiking_resnet, sew_resnet = _import_models(shims)
  commit_file = os.path.join(sj_path, "spikingjelly", "SJ_COMMIT")
  commit = open(commit_file).read().strip() if os.path.isfile(commit_file) else "unknown"
  sj = types.SimpleNamespace(functional=functional, layer=layer, neuron=neuron,
                             surrogate=surrogate, spiking_resnet=spiking_resnet,
                             sew_resnet=sew_resnet, path=os.path.dirname(spikingjelly.__file__))
  return sj, commit, shims


# --------------------------------------------------------------------------- network

def build_sj(sj, arch, backend):
  """SpikingJelly's ARCH with our CIFAR stem, multi-step, LIF on BACKEND (eval mode)."""
  kw = dict(num_classes=10, spiking_neuron=sj.neuron.LIFNode, tau=2.0, decay_input=True,
            v_threshold=1.0, v_reset=0.0, surrogate_function=sj.surrogate.ATan(),
            detach_reset=True)
  if arch == "spiking_resnet18":
    net = sj.spiking_resnet.spiking_resnet18(**kw)
  elif arch == "sew_resnet18":
    net = sj.sew_resnet.sew_resnet18(cnf="ADD", **kw)
  else:
    raise ValueError(f"unknown arch {arch!r}; known: {ARCHS}")
  # Our CIFAR stem: 3x3 stride-1 conv on 1 channel, no max pool (bn1, sn1 as shipped).
  net.conv1 = sj.layer.Conv2d(1, 64, kernel_size=3, stride=1, padding=1, bias=False)
  net.maxpool = nn.Identity()
  sj.functional.set_step_mode(net, "m")
  sj.functional.set_backend(net, backend, sj.neuron.LIFNode)
  lifs = [m for m in net.modules() if isinstance(m, sj.neuron.LIFNode)]
  wrong = [m.backend for m in lifs if m.backend != backend]
  if wrong:  # set_backend only logs a warning when a backend is not supported
    raise RuntimeError(f"set_backend({backend!r}) left {len(wrong)} LIFNodes on {wrong[0]!r}")
  return net.eval(), len(lifs)


def map_state_dict(ours):
  """Our archs.SpikingResNet state_dict -> SpikingJelly's (spiking_/sew_)resnet18 names."""
  out = {}
  for key, value in ours.items():
    parts = key.split(".")
    if parts[0] == "stem":
      new = {"0": "conv1", "1": "bn1"}[parts[1]] + "." + ".".join(parts[2:])
    elif parts[0] == "stages":
      i = int(parts[1])
      block = f"layer{i // 2 + 1}.{i % 2}"
      if parts[2] == "body":
        sub = {"0": "conv1", "1": "bn1", "3": "conv2", "4": "bn2"}[parts[3]]
      elif parts[2] == "shortcut":
        sub = "downsample." + parts[3]
      else:
        raise KeyError(key)
      new = f"{block}.{sub}." + ".".join(parts[4:])
    elif parts[0] == "head" and parts[1] == "2":
      new = "fc." + ".".join(parts[2:])
    else:
      raise KeyError(f"unmapped key {key}")
    out[new] = value
  return out


def load_net(sj, arch, prefix, backend, device):
  net, n_lif = build_sj(sj, arch, backend)
  state = map_state_dict(pack_weights.load_packed(prefix))
  net.load_state_dict(state, strict=True)  # every key on both sides
  return net.to(device), n_lif


def make_forward(sj, net, x, steps):
  x_seq = x.reshape(steps, x.shape[0] // steps, *x.shape[1:])

  def forward():
    sj.functional.reset_net(net)
    return net(x_seq).mean(0)
  return forward


def tile_batch(x, steps, n):
  """[T*Nin, ...] -> [T*n, ...]: row t*n + j = row t*Nin + j mod Nin."""
  xs = x.reshape(steps, x.shape[0] // steps, *x.shape[1:])
  idx = np.arange(n) % xs.shape[1]
  return np.ascontiguousarray(xs[:, idx].reshape(steps * n, *x.shape[1:]))


# --------------------------------------------------------------------------- timing

def time_us(fn, iters, device):
  samples = []
  if device.type == "cuda":
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    for _ in range(iters):
      start.record()
      fn()
      end.record()
      end.synchronize()
      samples.append(start.elapsed_time(end) * 1000.0)
  else:
    for _ in range(iters):
      t0 = time.perf_counter()
      fn()
      samples.append((time.perf_counter() - t0) * 1e6)
  return float(np.median(samples))


def short_error(e):
  lines = [l for l in str(e).strip().splitlines() if l.strip()]
  return f"{type(e).__name__}: {lines[0] if lines else ''}"[:400]


def main():
  parser = argparse.ArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawTextHelpFormatter)
  parser.add_argument("arch", choices=ARCHS)
  parser.add_argument("weights_prefix")
  parser.add_argument("input")
  parser.add_argument("--iters", type=int, default=200)
  parser.add_argument("--warmup", type=int, default=10)
  parser.add_argument("--backends", default="torch,cupy,triton")
  parser.add_argument("--batch", type=int, default=None)
  parser.add_argument("--fp16", action="store_true", help="also time torch.autocast(float16)")
  parser.add_argument("--json", default=None)
  parser.add_argument("--sj-path", default=os.path.join(ROOT, ".device-models"))
  parser.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
  parser.add_argument("--check-tol", type=float, default=1e-3)
  a = parser.parse_args()

  device = torch.device(a.device)
  if device.type == "cuda":
    if not torch.cuda.is_available():
      sys.exit("error: --device cuda but torch sees no GPU (use --device cpu)")
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True
  sj, commit, shims = import_spikingjelly(os.path.abspath(a.sj_path))
  print(f"spikingjelly {commit} from {sj.path}; torch {torch.__version__}; device {device}",
        file=sys.stderr)
  for s in shims:
    print(f"compat shim: {s}", file=sys.stderr)

  x_np = np.load(a.input).astype(np.float32)
  if x_np.ndim != 4 or x_np.shape[0] % STEPS:
    sys.exit(f"error: input {x_np.shape} is not [T*N, C, H, W] with T = {STEPS}")
  if a.batch:
    x_np = tile_batch(x_np, STEPS, a.batch)
  x = torch.from_numpy(x_np).to(device)
  x_check = torch.from_numpy(np.load(os.path.join(CHECK_DIR, "test_input.npy"))).to(device)
  expected = np.load(os.path.join(CHECK_DIR, f"expected_logits_{a.arch}.npy"))

  precisions = [("fp32", None)] + ([("fp16-autocast", torch.float16)] if a.fp16 else [])
  rows, check, errors, failed = {}, {}, {}, []
  for backend in [b.strip() for b in a.backends.split(",") if b.strip()]:
    try:
      net, n_lif = load_net(sj, a.arch, a.weights_prefix, backend, device)
    except Exception as e:  # pylint: disable=broad-except
      errors[backend] = short_error(e)
      print(f"{backend}: unavailable: {errors[backend]}", file=sys.stderr)
      continue
    for prec, dtype in precisions:
      row = f"{backend} {prec}"
      ctx = (lambda: torch.autocast(device.type, dtype=dtype)) if dtype else torch.no_grad
      try:
        with torch.no_grad(), ctx():
          logits = make_forward(sj, net, x_check, STEPS)().float().cpu().numpy()
          diff = float(np.abs(logits - expected).max())
          check[row] = diff
          print(f"{row}: {n_lif} LIFNodes, check max abs diff vs expected_logits_{a.arch}.npy "
                f"= {diff:.3g}" + (f" (tol {a.check_tol:g})" if dtype is None else
                                   " (fp16: not gated)"), file=sys.stderr)
          if dtype is None and not diff <= a.check_tol:
            raise RuntimeError(f"logits differ from expected by {diff:.3g} > {a.check_tol:g}")
          fn = make_forward(sj, net, x, STEPS)
          for _ in range(a.warmup):
            fn()
          if device.type == "cuda":
            torch.cuda.synchronize()
          rows[row] = time_us(fn, a.iters, device)
          print(f"{row}: median {rows[row]:.1f} us", file=sys.stderr)
      except Exception as e:  # pylint: disable=broad-except
        errors[row] = short_error(e)
        print(f"{row}: FAILED: {errors[row]}", file=sys.stderr)
        if os.environ.get("SJ_BENCH_TRACE"):
          traceback.print_exc()
        if "logits differ" in errors[row] and dtype is None:
          failed.append(row)
    del net
    if device.type == "cuda":
      torch.cuda.empty_cache()

  report = dict(arch=a.arch, input=list(x.shape), batch=x.shape[0] // STEPS, steps=STEPS,
                device=str(device),
                gpu=torch.cuda.get_device_name() if device.type == "cuda" else None,
                torch=torch.__version__, spikingjelly=commit, compat_shims=shims,
                iters=a.iters, timed="functional.reset_net(net) + net(x[T,N,...]).mean(0), eager",
                check=check, median_us=rows, errors=errors)
  print(json.dumps(report, indent=1))
  if a.json:
    with open(a.json, "w") as f:
      json.dump(report, f, indent=1)
  if failed:
    print(f"error: logits check failed for {', '.join(failed)}", file=sys.stderr)
    sys.exit(1)


if __name__ == "__main__":
  main()
