"""ONNX export of SparseFlow models: input "input", output "logits".

    python3 -m sparseflow_models.export --arch sew_resnet18 --steps 4 \
        --input-shape 4,3,32,32 --out sew18.onnx [--mode custom|primitive] \
        [--seed S] [--dynamic-hw]

(run from models/). `mode="custom"` writes neurons as sparseflow::IF/LIF/PLIF
(opset_import sparseflow 1); `mode="primitive"` writes them with plain ONNX ops.
"""

import argparse
import inspect

import onnx
import torch

from . import archs, neurons

MIN_OPSET, MAX_OPSET = 13, 17


def export(model, path, example_input, mode="custom", opset=13, dynamic_batch=False,
           keep_batchnorm=False, input_names=("input",), output_names=("logits",),
           dynamic_hw=False):
  """Exports `model` (put in eval mode) to `path`; returns the loaded onnx.ModelProto.

  `example_input` is one tensor or a tuple of tensors (one per input name).
  `dynamic_batch` makes dim 0 of every input and output symbolic ("N").
  `dynamic_hw` makes dims 2 and 3 of every (NCHW) input symbolic ("H", "W"),
  for architectures that end in a global average pool (any image size works).
  `keep_batchnorm` writes BatchNormalization nodes instead of folding them into
  the preceding Conv (PyTorch's eval-mode export folds them).
  """
  if not MIN_OPSET <= opset <= MAX_OPSET:
    raise ValueError(f"opset must be in [{MIN_OPSET}, {MAX_OPSET}], got {opset}")
  model.eval()
  args = example_input if isinstance(example_input, tuple) else (example_input,)
  dynamic_axes = None
  if dynamic_batch or dynamic_hw:
    dynamic_axes = {name: {} for name in (*input_names, *output_names)}
    for name in dynamic_axes:
      if dynamic_batch:
        dynamic_axes[name][0] = "N"
      if dynamic_hw and name in input_names:
        dynamic_axes[name].update({2: "H", 3: "W"})
  extra = {}
  if "dynamo" in inspect.signature(torch.onnx.export).parameters:
    extra["dynamo"] = False  # PyTorch 2.x: the TorchScript exporter runs `symbolic`.
  with neurons.export_mode(mode), torch.no_grad():
    torch.onnx.export(model, args, path, opset_version=opset, input_names=list(input_names),
                      output_names=list(output_names), dynamic_axes=dynamic_axes,
                      custom_opsets={"sparseflow": 1} if mode == "custom" else None,
                      do_constant_folding=True,
                      training=(torch.onnx.TrainingMode.PRESERVE if keep_batchnorm
                                else torch.onnx.TrainingMode.EVAL), **extra)
  proto = onnx.load(path)
  check(proto)
  return proto


def check(proto):
  """onnx.checker on everything the checker understands (not the custom domain)."""
  if any(n.domain == "sparseflow" for n in proto.graph.node):
    onnx.checker.check_model(proto)  # Structure only: custom ops have no schema.
  else:
    onnx.checker.check_model(proto, full_check=True)


def main():
  parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
  parser.add_argument("--arch", required=True, choices=sorted(archs.ARCHS))
  parser.add_argument("--steps", type=int, default=4)
  parser.add_argument("--input-shape", required=True, help="T*N,C,H,W e.g. 4,3,32,32")
  parser.add_argument("--classes", type=int, default=10)
  parser.add_argument("--neuron", default="lif", choices=sorted(neurons.NEURONS))
  parser.add_argument("--stem", default=None, choices=["cifar", "imagenet"])
  parser.add_argument("--width", type=float, default=1.0)
  parser.add_argument("--mode", default="custom", choices=["custom", "primitive"])
  parser.add_argument("--opset", type=int, default=13)
  parser.add_argument("--weights", help="state_dict .pt to load (default: random init)")
  parser.add_argument("--seed", type=int, default=None, help="torch seed of the random init")
  parser.add_argument("--dynamic-hw", action="store_true",
                      help="symbolic input H and W (N too): any image size")
  parser.add_argument("--out", required=True)
  a = parser.parse_args()
  shape = [int(s) for s in a.input_shape.split(",")]
  kw = dict(in_channels=shape[1], num_classes=a.classes, neuron=a.neuron)
  if a.arch == "lenet_snn":
    kw["input_size"] = shape[2]
  else:
    kw["width"] = a.width
  if a.stem:
    kw["stem"] = a.stem
  if a.seed is not None:
    torch.manual_seed(a.seed)
  model = archs.build(a.arch, a.steps, **kw)
  if a.weights:
    model.load_state_dict(torch.load(a.weights, map_location="cpu"))
  export(model, a.out, torch.rand(shape), mode=a.mode, opset=a.opset,
         dynamic_batch=a.dynamic_hw, dynamic_hw=a.dynamic_hw)
  print(f"wrote {a.out}")


if __name__ == "__main__":
  main()
