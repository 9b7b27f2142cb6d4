"""Training and measurement helpers shared by the training scripts."""

import time

import numpy as np
import torch
from torch import nn

from . import neurons


def evaluate(model, x, batch=500, device="cpu"):
  """model(x) in eval mode, batch by batch, gathered on the CPU."""
  model.eval()
  with torch.no_grad():
    return torch.cat([model(x[i:i + batch].to(device)).cpu() for i in range(0, len(x), batch)])


def firing_rates(model, x, batch=500, device="cpu"):
  """{neuron module name: mean spike rate over x}, measured with forward hooks."""
  return evaluate_with_rates(model, x, batch, device)[1]


def evaluate_with_rates(model, x, batch=500, device="cpu"):
  """(evaluate(model, x), firing_rates(model, x)) in one pass."""
  sums, counts = {}, {}

  def hook(name):
    def record(_m, _i, out):
      sums[name] = sums.get(name, 0.0) + out.sum().item()
      counts[name] = counts.get(name, 0) + out.numel()
    return record

  handles = [m.register_forward_hook(hook(n)) for n, m in model.named_modules()
             if isinstance(m, neurons.BaseNode)]
  try:
    logits = evaluate(model, x, batch, device)
  finally:
    for h in handles:
      h.remove()
  return logits, {n: sums[n] / counts[n] for n in sums}


def min_margins(model, x, steps):
  """Per sample of x: the smallest |H - v_threshold| over all neurons and steps.

  x is what the model takes; each neuron sees [steps*len(x), ...] rows.
  """
  sns = neurons.neurons_of(model)
  for sn in sns:
    sn.record_margin = True
  try:
    evaluate(model, x, batch=len(x))
    n = len(x)
    per_layer = [sn.margin.reshape(steps, n, -1).permute(1, 0, 2).reshape(n, -1).min(1).values
                 for sn in sns]
  finally:
    for sn in sns:
      sn.record_margin, sn.margin = False, None
  return torch.stack(per_layer, 1).min(1).values


def fit(model, make_batch, num_train, test_fn, epochs, batch, lr, device="cpu", seed=0,
        log=print):
  """Adam + one-cycle LR over `epochs`; make_batch(indices) -> (x, y) on device.

  test_fn(model) -> accuracy is called after each epoch; returns the last accuracy.
  """
  opt = torch.optim.Adam(model.parameters(), lr=lr)
  steps_per_epoch = (num_train + batch - 1) // batch
  sched = torch.optim.lr_scheduler.OneCycleLR(opt, lr, total_steps=epochs * steps_per_epoch)
  gen = torch.Generator().manual_seed(seed)
  acc = float("nan")
  for epoch in range(epochs):
    model.train()
    start, perm = time.time(), torch.randperm(num_train, generator=gen)
    for i in range(steps_per_epoch):
      x, y = make_batch(perm[i * batch:(i + 1) * batch])
      loss = nn.functional.cross_entropy(model(x.to(device)), y.to(device))
      opt.zero_grad()
      loss.backward()
      opt.step()
      sched.step()
    acc = test_fn(model)
    log(f"epoch {epoch}: loss {loss.item():.3f} test acc {acc:.4f} ({time.time() - start:.0f} s)")
  return acc


def seed_everything(seed):
  torch.manual_seed(seed)
  np.random.seed(seed)
