#!/usr/bin/env python3
"""PyTorch's own cuDNN conv choice for the convs of the trained ResNet18s, per conv.

    python3 tools/bench_pytorch_convs.py

On the GPU machine (PyTorch with CUDA): each conv shape of Spiking-/SEW-ResNet18
at 64 rows (T=4, N=16), fp16 channels_last with bias, uniform 5% binary input,
torch.backends.cudnn.benchmark on, 20 launches captured in a CUDA graph and
replayed 30 times; prints one JSON line per shape: median and min us per conv
(PyTorch adds the bias in a separate kernel) and the kernels the profiler saw.
Compare with sfbench's cudnn_us column (bias fused) on the same GPU.
"""

import json

import torch

ROWS = 64
LAUNCHES = 20
# (C_in, C_out, H, kernel, stride)
SHAPES = [(1, 64, 32, 3, 1), (64, 64, 32, 3, 1), (64, 128, 32, 3, 2), (64, 128, 32, 1, 2),
          (128, 128, 16, 3, 1), (128, 256, 16, 3, 2), (128, 256, 16, 1, 2), (256, 256, 8, 3, 1),
          (256, 512, 8, 3, 2), (256, 512, 8, 1, 2), (512, 512, 4, 3, 1)]


def time_conv(conv, x):
  """(median us, min us) per conv launch, graph-replayed."""
  side = torch.cuda.Stream()
  side.wait_stream(torch.cuda.current_stream())
  with torch.cuda.stream(side):
    for _ in range(3):
      conv(x)
  torch.cuda.current_stream().wait_stream(side)
  graph = torch.cuda.CUDAGraph()
  with torch.cuda.graph(graph):
    for _ in range(LAUNCHES):
      conv(x)
  times = []
  for _ in range(30):
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    graph.replay()
    end.record()
    end.synchronize()
    times.append(start.elapsed_time(end) * 1000 / LAUNCHES)
  times.sort()
  return times[len(times) // 2], times[0]


def main():
  torch.backends.cudnn.benchmark = True
  print("torch", torch.__version__, "cudnn", torch.backends.cudnn.version(),
        torch.cuda.get_device_name())
  for c_in, c_out, h, k, stride in SHAPES:
    conv = torch.nn.Conv2d(c_in, c_out, k, stride, k // 2, bias=True).cuda().half()
    conv = conv.to(memory_format=torch.channels_last)
    x = (torch.rand(ROWS, c_in, h, h, device="cuda") < 0.05).half()
    x = x.to(memory_format=torch.channels_last)
    with torch.no_grad():
      for _ in range(5):
        conv(x)
      torch.cuda.synchronize()
      p50, low = time_conv(conv, x)
      with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CUDA]) as prof:
        conv(x)
        torch.cuda.synchronize()
    kernels = [e.name for e in prof.events() if e.device_type == torch.autograd.DeviceType.CUDA]
    print(json.dumps(dict(cin=c_in, cout=c_out, h=h, k=k, s=stride, us_p50=p50, us_min=low,
                          kernels=kernels)))


if __name__ == "__main__":
  main()
