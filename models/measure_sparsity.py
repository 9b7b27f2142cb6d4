#!/usr/bin/env python3
"""All-zero blocks at every conv input of the trained models (a markdown table).

    python3 models/measure_sparsity.py [--images 32] [--models a,b,...]
        [--data /usr/share/datasets/fashion-mnist]

Models: spiking_resnet18, sew_resnet18 (models/resnet18_fmnist, float16 weights),
events (models/events/model.onnx rebuilt as PyTorch), fmnist_snn (models/fmnist_snn).
A forward hook on every Conv2d sees its input x [T*N, C, H, W] over the first
IMAGES test images (event model: their synthetic events, as event_data.py draws
the test set). For each conv the table gives the block edge the planner picks
(shared/spec/cli-and-plan.md: H >= 32 -> 16, 16..31 -> 8, 8..15 -> 4, < 8 -> 0;
0 also for the first conv, whose input is the model input and so "dense"), the
fraction of zero elements, and at that block edge the fraction of all-zero
blocks: per channel (b x b pixels of one channel) and per 8-channel group
(b x b pixels of 8 consecutive channels). Edge blocks that stick out of the
image count with their in-image part.
"""

import argparse
import os
import sys

import onnx
import onnx.numpy_helper
import torch
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import event_data  # pylint: disable=wrong-import-position
import pack_weights  # pylint: disable=wrong-import-position
from sparseflow_models import archs, data  # pylint: disable=wrong-import-position

GROUP = 8
# (smallest input H, block edge), first match wins: the planner's default rule.
BLOCK_RULE = ((32, 16), (16, 8), (8, 4), (0, 0))
RESNET_STEPS = 4  # as models/train_resnet_gpu.py trains them
EVENT_STEPS = 8  # as models/events was trained (event_data.py --steps 8)


def planned_block(h, first):
  return 0 if first else next(b for min_h, b in BLOCK_RULE if h >= min_h)


def zero_block_fraction(x, block, group):
  """Fraction of all-zero [group ch x block x block] blocks of x [N, C, H, W]."""
  n, c, h, w = x.shape
  pad = lambda size, k: (-size) % k
  nz = nn.functional.pad(x != 0, (0, pad(w, block), 0, pad(h, block)))
  nz = torch.cat([nz, nz.new_zeros(n, pad(c, group), *nz.shape[2:])], 1)
  hb, wb = nz.shape[2] // block, nz.shape[3] // block
  blocks = nz.reshape(n, nz.shape[1] // group, group, hb, block, wb, block)
  return 1.0 - blocks.any(6).any(4).any(2).float().mean().item()


class Recorder:
  """Forward hooks on every Conv2d: zero counts per conv input."""

  def __init__(self, model):
    self.rows, self.handles = {}, []
    if isinstance(model, nn.Sequential) and isinstance(model[0], archs.RepeatT):
      model = model[1]  # Names as in the network's own state_dict.
    convs = [(n, m) for n, m in model.named_modules() if isinstance(m, nn.Conv2d)]
    for i, (name, conv) in enumerate(convs):
      self.handles.append(conv.register_forward_hook(self._hook(name, conv, i == 0)))

  def _hook(self, name, conv, first):
    def record(_m, inputs, _out):
      x = inputs[0]
      row = self.rows.setdefault(name, dict(
          shape=tuple(x.shape[1:]), kernel=tuple(conv.kernel_size), stride=tuple(conv.stride),
          block=planned_block(x.shape[2], first), n=0, zeros=0.0, ch=0.0, grp=0.0))
      k = len(x)
      row["n"] += k
      row["zeros"] += (x == 0).float().mean().item() * k
      if row["block"]:
        row["ch"] += zero_block_fraction(x, row["block"], 1) * k
        row["grp"] += zero_block_fraction(x, row["block"], GROUP) * k
    return record

  def remove(self):
    for h in self.handles:
      h.remove()

  def table(self):
    lines = ["| conv | input C x H x W | kernel / stride | block | zero elements | "
             "all-zero blocks per channel | per 8-channel group |",
             "|---|---|---|---|---|---|---|"]
    for name, r in self.rows.items():
      pct = lambda v: f"{100 * v / r['n']:.1f} %"  # pylint: disable=cell-var-from-loop
      b = r["block"]
      cells = [f"`{name}`", "x".join(map(str, r["shape"])),
               f"{r['kernel'][0]}x{r['kernel'][1]} / {r['stride'][0]}",
               f"{b}x{b}" if b else "0 (dense)", pct(r["zeros"]),
               pct(r["ch"]) if b else "-", pct(r["grp"]) if b else "-"]
      lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def fashion(data_dir, count, pad):
  """The first `count` test images [count, 1, 28 + 2 pad, ...], in batches of 8."""
  x, _ = data.load("test", data_dir, count)
  x = nn.functional.pad(torch.from_numpy(data.to_float(x)), (pad,) * 4)
  return list(torch.split(x, 8))


def resnet(arch, data_dir, count):
  net = pack_weights.build(arch, RESNET_STEPS)
  net.load_state_dict(pack_weights.load_packed(os.path.join(HERE, "resnet18_fmnist", arch)))
  return nn.Sequential(archs.RepeatT(RESNET_STEPS), net), fashion(data_dir, count, 2)


def events_model():
  """models/events/model.onnx as PyTorch: event_data's LeNet with the BNs folded."""
  proto = onnx.load(os.path.join(HERE, "events", "model.onnx"))
  weights = {t.name: torch.from_numpy(onnx.numpy_helper.to_array(t).copy())
             for t in proto.graph.initializer}
  net = event_data.EventModel("lenet_snn", EVENT_STEPS).net
  convs = [n for n in proto.graph.node if n.op_type == "Conv"]
  gemm = next(n for n in proto.graph.node if n.op_type == "Gemm")
  for index, node in zip((0, 4), convs):  # features: conv, bn, lif, pool, conv, bn, ...
    net.features[index].weight.data = weights[node.input[1]]
    net.features[index].bias = nn.Parameter(weights[node.input[2]])
    net.features[index + 1] = nn.Identity()
  net.head[1].weight.data, net.head[1].bias.data = weights[gemm.input[1]], weights[gemm.input[2]]
  return net.eval()


def events(data_dir, count):
  """The event model and the first `count` test samples' events in batches of 8,
  drawn as event_data.py draws its test set (seed 1, first batch of 500)."""
  images, labels = data.load("test", data_dir, 500)
  draw = event_data.EventBatches(torch.from_numpy(data.to_float(images)),
                                 torch.from_numpy(labels), EVENT_STEPS, 1, "cpu")
  frames = draw(torch.arange(len(images)))[0]
  frames = frames.reshape(EVENT_STEPS, len(images), *frames.shape[1:])[:, :count]
  return events_model(), [b.reshape(-1, *b.shape[2:]) for b in torch.split(frames, 8, 1)]


def fmnist_snn(data_dir, count):
  import train_fmnist  # pylint: disable=import-outside-toplevel
  model = train_fmnist.build_model()
  model.load_state_dict(torch.load(os.path.join(HERE, "fmnist_snn", "model.pt")))
  return model, fashion(data_dir, count, 0)


MODELS = {
    "spiking_resnet18": lambda d, n: resnet("spiking_resnet18", d, n),
    "sew_resnet18": lambda d, n: resnet("sew_resnet18", d, n),
    "events": events,
    "fmnist_snn": fmnist_snn,
}


def main():
  parser = argparse.ArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawTextHelpFormatter)
  parser.add_argument("--images", type=int, default=32)
  parser.add_argument("--models", default=",".join(MODELS))
  parser.add_argument("--data", default=data.DEFAULT_DIR)
  a = parser.parse_args()
  torch.set_num_threads(1)
  for name in a.models.split(","):
    model, batches = MODELS[name](a.data, a.images)
    model.eval()
    recorder = Recorder(model)
    with torch.no_grad():
      for x in batches:
        model(x)
    recorder.remove()
    print(f"### {name} ({a.images} test images)\n\n{recorder.table()}\n", flush=True)


if __name__ == "__main__":
  main()
