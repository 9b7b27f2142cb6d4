#!/usr/bin/env python3
"""The framework peer for sfbench: PyTorch latency of the same trained SNN.

    python3 tools/bench_pytorch.py ARCH WEIGHTS_PREFIX INPUT.npy [--iters 200] [--json F]

Rebuilds ARCH (spiking_resnet18 | sew_resnet18, as models/pack_weights.py does)
with the packed weights and times one forward of INPUT ([T*N, 1, 32, 32]) on the
GPU, after warm-up, with CUDA events (median of --iters):
  eager fp32          how SpikingJelly's torch backend runs (a T-loop of small ops)
  cuda-graph fp32     the same forward captured once and replayed
  cuda-graph fp16     half precision, channels_last, captured (the best plain
                      PyTorch can do without custom kernels)
TF32 is off for the fp32 rows, as in SparseFlow's default plan.
"""

import argparse
import json
import os
import sys

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "models"))
import pack_weights  # pylint: disable=wrong-import-position


def time_us(fn, iters):
  start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
  samples = []
  for _ in range(iters):
    start.record()
    fn()
    end.record()
    end.synchronize()
    samples.append(start.elapsed_time(end) * 1000.0)
  return float(np.median(samples))


def graphed(fn, warmup=3):
  stream = torch.cuda.Stream()
  stream.wait_stream(torch.cuda.current_stream())
  with torch.cuda.stream(stream):
    for _ in range(warmup):
      fn()
  torch.cuda.current_stream().wait_stream(stream)
  graph = torch.cuda.CUDAGraph()
  with torch.cuda.graph(graph):
    fn()
  return graph.replay


def main():
  parser = argparse.ArgumentParser(description=__doc__,
                                   formatter_class=argparse.RawTextHelpFormatter)
  parser.add_argument("arch")
  parser.add_argument("weights_prefix")
  parser.add_argument("input")
  parser.add_argument("--iters", type=int, default=200)
  parser.add_argument("--json", default=None)
  a = parser.parse_args()
  torch.backends.cuda.matmul.allow_tf32 = False
  torch.backends.cudnn.allow_tf32 = False
  torch.backends.cudnn.benchmark = True
  net = pack_weights.build(a.arch, 4)
  net.load_state_dict(pack_weights.load_packed(a.weights_prefix))
  net = net.cuda().eval()
  x = torch.from_numpy(np.load(a.input)).cuda()
  rows = {}
  with torch.no_grad():
    eager = lambda: net(x)
    for _ in range(10):
      eager()
    rows["eager fp32"] = time_us(eager, a.iters)
    rows["cuda-graph fp32"] = time_us(graphed(eager), a.iters)
    half = pack_weights.build(a.arch, 4)
    half.load_state_dict(pack_weights.load_packed(a.weights_prefix))
    half = half.cuda().eval().half().to(memory_format=torch.channels_last)
    xh = x.half().contiguous(memory_format=torch.channels_last)
    rows["cuda-graph fp16 channels_last"] = time_us(graphed(lambda: half(xh)), a.iters)
  report = dict(arch=a.arch, input=list(x.shape), gpu=torch.cuda.get_device_name(),
                torch=torch.__version__, median_us=rows)
  print(json.dumps(report, indent=1))
  if a.json:
    with open(a.json, "w") as f:
      json.dump(report, f, indent=1)


if __name__ == "__main__":
  main()
