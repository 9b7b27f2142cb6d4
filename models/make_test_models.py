#!/usr/bin/python3
"""Exports small test models with inputs and PyTorch's outputs, for sfrun tests.

    /usr/bin/python3 models/make_test_models.py OUT_DIR [--only SUBSTRING[,SUBSTRING...]]

For each case NAME writes NAME.onnx, NAME.<input>.npy (one per model input),
NAME.expected.npy (PyTorch's output) and, for models whose output is a spike
tensor, NAME.mask.npy (True where the neuron's membrane lies within 1e-5 of
the threshold: a runtime that sums in another order may flip those spikes).
OUT_DIR/manifest.json lists the cases:

  {"name", "onnx", "inputs": {input name: file}, "expected", "mask" (or null),
   "kind": "logits" | "spikes", "exact": bool, "firing_rates": {layer: rate}}

"exact" models use dyadic weights, inputs and batch-norm statistics (small
multiples of powers of two, BN epsilon 0, variances powers of 4, tau 2, PLIF
w 0) so every sum is exact in float32 whatever the summation order: their
spikes cannot flip, and the check below proves it by running them in float64
too. Firing rates are kept around 5-30% by calibrating each BN on the input.
"""

import argparse
import json
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from sparseflow_models import archs, export, neurons  # pylint: disable=wrong-import-position

MARGIN = 1e-5


# ----------------------------------------------------------------------------- models

class PlainCNN(nn.Module):
  """Conv/BN/ReLU/MaxPool/AvgPool (both count_include_pad)/view-flatten/Gemm."""

  def __init__(self):
    super().__init__()
    self.features = nn.Sequential(
        nn.Conv2d(3, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, stride=2, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
        nn.AvgPool2d(3, 1, 1, count_include_pad=True),
        nn.AvgPool2d(3, 2, 1, count_include_pad=False))
    self.fc = nn.Linear(16 * 2 * 2, 10)

  def forward(self, x):
    y = self.features(x)
    return self.fc(y.view(y.size(0), -1))  # Shape->Gather->Unsqueeze->Concat->Reshape


class ActivationNet(nn.Module):
  """The math ops of exported activations and normalisations: GELU (Erf), LayerNorm
  (ReduceMean/Pow/Sqrt below opset 17, LayerNormalization from 17), Split, LeakyReLU, ELU, Hardswish (HardSigmoid * x
  below opset 14), Softplus, Reciprocal, Log, Pow, Sign, Ceil, Round."""

  def __init__(self):
    super().__init__()
    self.conv = nn.Conv2d(3, 8, 3, padding=1)
    self.norm = nn.LayerNorm(8)
    self.fc = nn.Linear(8 * 8 * 8, 10)

  def forward(self, x):
    y = self.norm(nn.functional.gelu(self.conv(x)))
    a, b = torch.split(y, [3, 5], dim=1)  # Split (its sizes an input from opset 13)
    y = torch.cat([b * 0.5, a], dim=1)
    y = nn.functional.leaky_relu(y, 0.1) + nn.functional.elu(y, 1.2)
    y = nn.functional.hardswish(y) + nn.functional.softplus(y) + nn.functional.hardsigmoid(y)
    y = y * torch.reciprocal(1 + y.abs()) + torch.log(1 + y * y) + y.pow(2) * 0.1
    y = y + torch.sign(y) * 0.01 + torch.ceil(y) * 0.01 + torch.round(y) * 0.01
    return self.fc(y.flatten(1))


class TwoInputs(nn.Module):
  def __init__(self):
    super().__init__()
    self.a, self.b = nn.Conv2d(3, 4, 3, padding=1), nn.Conv2d(2, 4, 1)

  def forward(self, a, b):
    return torch.relu(self.a(a) + self.b(b))


class ConvNeuron(nn.Module):
  def __init__(self, sn):
    super().__init__()
    self.conv, self.sn = nn.Conv2d(3, 6, 3, padding=1), sn

  def forward(self, x):
    return self.sn(self.conv(x))


class ResidualSNN(nn.Module):
  """Stem + one residual block with a 1x1 stride-2 shortcut + linear head."""

  def __init__(self, steps, sew, neuron="lif"):
    super().__init__()
    sn = archs._Factory(steps, neuron, dict(tau=2.0) if neuron == "lif" else {})  # pylint: disable=protected-access
    self.stem = nn.Sequential(*archs.conv_bn(3, 8, 3), sn())
    self.block = archs.BasicBlock(8, 16, 2, sn, sew)
    self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(16, 10),
                              archs.MeanOverT(steps))

  def forward(self, x):
    return self.head(self.block(self.stem(x)))


# ----------------------------------------------------------------------------- weights

def dyadic(t, denominator, lo, hi, gen):
  """Integers in [lo, hi] / denominator, shaped like t."""
  return torch.randint(lo, hi + 1, t.shape, generator=gen).to(t.dtype) / denominator


def make_dyadic(model, x, gen):
  """Dyadic weights (see module doc) with BN calibrated layer by layer on x."""
  with torch.no_grad():
    for m in model.modules():
      if isinstance(m, (nn.Conv1d, nn.Conv2d, nn.Linear)):
        fan_in = m.weight[0].numel()
        bound = max(1, int(round(64 * 2.0 / fan_in ** 0.5)))
        m.weight.copy_(dyadic(m.weight, 64, -bound, bound, gen))
        if m.bias is not None:
          m.bias.copy_(dyadic(m.bias, 64, -8, 8, gen))
      elif isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
        m.eps = 0.0
        m.weight.copy_(dyadic(m.weight, 8, 6, 10, gen))
        m.bias.copy_(dyadic(m.bias, 16, 0, 12, gen))
      elif isinstance(m, neurons.PLIFNode):
        m.w.fill_(0.0)  # k = sigmoid(0) = 0.5 exactly
    model.eval()
    for bn in [m for m in model.modules() if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d))]:
      seen = {}
      handle = bn.register_forward_hook(lambda _m, inp, _o: seen.setdefault("x", inp[0]))
      model(*x)
      handle.remove()
      axes = (0, *range(2, seen["x"].dim()))  # all but the channels
      mean = seen["x"].mean(axes)
      var = seen["x"].var(axes).clamp_min(1e-6)
      bn.running_mean.copy_(torch.round(mean * 16) / 16)
      bn.running_var.copy_(4.0 ** torch.round(torch.log(var) / np.log(4.0)))


def randomize_float(model, gen):
  """Non-trivial float BN statistics (weights keep PyTorch's init)."""
  with torch.no_grad():
    for m in model.modules():
      if isinstance(m, nn.BatchNorm2d):
        m.weight.copy_(torch.rand(m.weight.shape, generator=gen) + 0.5)
        m.bias.copy_(torch.rand(m.bias.shape, generator=gen) - 0.5)
        m.running_mean.copy_(torch.rand(m.running_mean.shape, generator=gen) - 0.5)
        m.running_var.copy_(torch.rand(m.running_var.shape, generator=gen) + 0.5)
  model.eval()


def dyadic_input(shape, gen):
  return torch.randint(0, 17, shape, generator=gen).float() / 16


# ----------------------------------------------------------------------------- cases

NEURON_CONFIGS = {
    "if_hard": ("if", dict()),
    "if_soft": ("if", dict(soft_reset=True)),
    "if_vreset": ("if", dict(v_reset=-0.5)),
    "lif_tau2_decay": ("lif", dict(tau=2.0)),
    "lif_tau1p5_nodecay": ("lif", dict(tau=1.5, decay_input=False)),
    "lif_tau1p5_decay_soft": ("lif", dict(tau=1.5, soft_reset=True)),
    "lif_tau2_nodecay_vreset": ("lif", dict(tau=2.0, decay_input=False, v_reset=-0.5)),
    "lif_tau1p5_decay_vreset": ("lif", dict(tau=1.5, v_reset=-0.5, v_threshold=0.5)),
    "plif_decay": ("plif", dict(init_tau=2.5)),
    "plif_nodecay": ("plif", dict(init_tau=1.5, decay_input=False)),
    "plif_nodecay_vreset": ("plif", dict(init_tau=3.0, decay_input=False, v_reset=-0.5)),
    "plif_decay_soft": ("plif", dict(init_tau=2.0, soft_reset=True)),
}


def cases():
  """(name, build(gen) -> (model, inputs tuple), options) for every test model."""
  out = []
  t, n = 4, 2

  def plain_cnn(gen):
    model = PlainCNN()
    randomize_float(model, gen)
    return model, (torch.rand((2, 3, 16, 16), generator=gen),)

  out.append(("cnn_bn_pools_view", plain_cnn, dict(kind="logits", keep_batchnorm=True,
                                                   dynamic_batch=True)))
  out.append(("cnn_folded_bn_opset17", plain_cnn, dict(kind="logits", opset=17)))
  out.append(("two_inputs", lambda gen: (TwoInputs(), (torch.rand((1, 3, 8, 8), generator=gen),
                                                       torch.rand((1, 2, 8, 8), generator=gen))),
              dict(kind="logits", input_names=("a", "b"), output_names=("y",))))

  for cfg_name, (kind, kw) in NEURON_CONFIGS.items():
    def neuron_only(gen, kind=kind, kw=kw):
      # A decaying input is divided by tau (~2) before it charges: scale it up.
      scale = 2.0 if kind == "if" or not kw.get("decay_input", True) else 4.0
      return (nn.Sequential(neurons.make_neuron(kind, t, **kw)),
              ((torch.rand((t * n, 3, 5, 5), generator=gen) - 0.25) * scale,))
    for mode in ("custom", "primitive"):
      out.append((f"neuron_{cfg_name}_{mode}", neuron_only,
                  dict(kind="spikes", mode=mode, output_names=("spikes",))))

  def conv_lif(gen):
    torch.manual_seed(int(torch.randint(0, 2**31, (1,), generator=gen)))
    return (ConvNeuron(neurons.make_neuron("lif", t, tau=1.5)),
            (torch.rand((t * n, 3, 8, 8), generator=gen) * 3.0,))
  for mode in ("custom", "primitive"):
    out.append((f"conv_lif_spikes_{mode}", conv_lif,
                dict(kind="spikes", mode=mode, output_names=("spikes",))))

  snn_variants = {
      "if": ("if", dict()),
      "lif_soft": ("lif", dict(tau=2.0, soft_reset=True)),
      "lif_nodecay_vreset": ("lif", dict(tau=2.0, decay_input=False, v_reset=-0.5)),
      "plif": ("plif", dict()),
      "plif_nodecay": ("plif", dict(decay_input=False)),
  }
  for var_name, (kind, kw) in snn_variants.items():
    def lenet(gen, kind=kind, kw=kw):
      model = archs.lenet_snn(t, in_channels=2, input_size=16, neuron=kind, neuron_kwargs=kw)
      return model, (dyadic_input((t * n, 2, 16, 16), gen),)
    for mode in ("custom", "primitive"):
      out.append((f"lenet_{var_name}_{mode}", lenet,
                  dict(kind="logits", mode=mode, exact=True, keep_batchnorm=True)))

  for sew in (True, False):
    name = "sew_block" if sew else "spiking_block"
    out.append((name, lambda gen, sew=sew: (ResidualSNN(t, sew),
                                            (dyadic_input((t * n, 3, 16, 16), gen),)),
                dict(kind="logits", exact=True)))

  zoo = [
      ("zoo_spiking_resnet18_cifar", "spiking_resnet18", 2, 1, 32, dict(width=0.5)),
      ("zoo_sew_resnet18_cifar", "sew_resnet18", 2, 1, 32, dict(width=0.25)),
      ("zoo_sew_resnet18_imagenet", "sew_resnet18", 2, 1, 64,
       dict(width=0.25, stem="imagenet")),
      ("zoo_spiking_resnet34", "spiking_resnet34", 2, 1, 32, dict(width=0.125)),
      ("zoo_spiking_resnet50", "spiking_resnet50", 2, 1, 32, dict(width=0.125)),
      ("zoo_spiking_vgg11", "spiking_vgg11", 2, 1, 32, dict(width=0.125)),
      ("zoo_spiking_resnet18_if", "spiking_resnet18", 2, 1, 32, dict(width=0.25, neuron="if")),
      ("zoo_spikformer", "spikformer", 2, 2, 32, dict(dim=32, heads=2, depth=2, attn_scale=0.25)),
      ("zoo_spikformer_linear", "spikformer", 2, 2, 32,
       dict(dim=32, heads=2, depth=2, attn_scale=0.25, tokens="linear")),
  ]
  for name, arch, steps, batch, size, kw in zoo:
    def zoo_model(gen, arch=arch, steps=steps, batch=batch, size=size, kw=kw):
      model = archs.build(arch, steps, **kw)
      return model, (dyadic_input((steps * batch, 3, size, size), gen),)
    out.append((name, zoo_model, dict(kind="logits", exact=True)))
    if name == "zoo_spikformer":  # its neurons also as primitive ops (fused on every device)
      out.append((f"{name}_primitive", zoo_model, dict(kind="logits", exact=True,
                                                       mode="primitive")))

  # Appended last: a case's seed is its index, so earlier cases keep theirs.
  def activations(gen):
    model = ActivationNet()
    randomize_float(model, gen)
    return model, (torch.rand((2, 3, 8, 8), generator=gen),)

  for opset in (13, 14, 17):
    out.append((f"cnn_activations_opset{opset}", activations, dict(kind="logits", opset=opset)))

  return out


# ----------------------------------------------------------------------------- driver

def spike_mask(model):
  """True where the (only) neuron's membrane is within MARGIN of its threshold."""
  (sn,) = neurons.neurons_of(model)
  return (sn.margin < MARGIN).numpy()


def firing_rates(model, inputs):
  rates = {}
  handles = [m.register_forward_hook(
      lambda _m, _i, o, name=name: rates.__setitem__(name or "neuron", o.mean().item()))
             for name, m in model.named_modules() if isinstance(m, neurons.BaseNode)]
  with torch.no_grad():
    model(*inputs)
  for h in handles:
    h.remove()
  return rates


def check_exact(model, inputs, expected):
  """Float64 gives the same output: no rounding anywhere, no spike can flip."""
  model64 = model.double()
  with torch.no_grad():
    out64 = model64(*[x.double() for x in inputs])
  model.float()
  if not torch.equal(out64.float(), expected) or not torch.equal(out64, expected.double()):
    diff = (out64 - expected.double()).abs().max().item()
    raise AssertionError(f"not exact in float32: max |f64 - f32| = {diff}")


def make_case(out_dir, name, build, opts, seed):
  gen = torch.Generator().manual_seed(seed)
  torch.manual_seed(seed)
  model, inputs = build(gen)
  model.eval()
  if opts.get("exact"):
    make_dyadic(model, inputs, gen)
  sns = neurons.neurons_of(model)
  for sn in sns:
    sn.record_margin = True
  with torch.no_grad():
    expected = model(*inputs)
  mask = spike_mask(model) if opts["kind"] == "spikes" else None
  for sn in sns:
    sn.record_margin, sn.margin = False, None
  if opts.get("exact"):
    check_exact(model, inputs, expected)
  input_names = opts.get("input_names", ("input",))
  output_names = opts.get("output_names", ("logits",))
  onnx_file = f"{name}.onnx"
  export.export(model, os.path.join(out_dir, onnx_file), inputs, mode=opts.get("mode", "custom"),
                opset=opts.get("opset", 13), dynamic_batch=opts.get("dynamic_batch", False),
                keep_batchnorm=opts.get("keep_batchnorm", False), input_names=input_names,
                output_names=output_names)
  entry = {"name": name, "onnx": onnx_file, "inputs": {}, "expected": f"{name}.expected.npy",
           "mask": None, "kind": opts["kind"], "exact": bool(opts.get("exact")),
           "firing_rates": firing_rates(model, inputs)}
  for input_name, x in zip(input_names, inputs):
    entry["inputs"][input_name] = f"{name}.{input_name}.npy"
    np.save(os.path.join(out_dir, entry["inputs"][input_name]), x.numpy())
  np.save(os.path.join(out_dir, entry["expected"]), expected.numpy())
  if mask is not None:
    entry["mask"] = f"{name}.mask.npy"
    np.save(os.path.join(out_dir, entry["mask"]), mask)
  return entry


def main():
  parser = argparse.ArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawTextHelpFormatter)
  parser.add_argument("out_dir")
  parser.add_argument("--only", default="",
                      help="comma-separated substrings: only cases whose name contains one")
  parser.add_argument("--threads", type=int, default=1)
  a = parser.parse_args()
  torch.set_num_threads(a.threads)
  os.makedirs(a.out_dir, exist_ok=True)
  manifest = []
  for seed, (name, build, opts) in enumerate(cases()):
    if any(s in name for s in a.only.split(",")):
      entry = make_case(a.out_dir, name, build, opts, seed)
      rates = ", ".join(f"{r:.2f}" for r in entry["firing_rates"].values())
      print(f"{name}: rates [{rates}]", flush=True)
      manifest.append(entry)
  with open(os.path.join(a.out_dir, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)


if __name__ == "__main__":
  main()
