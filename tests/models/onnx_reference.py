"""A small numpy ONNX interpreter for the ops the model zoo exports.

It checks the exported graphs themselves (the primitive-op neuron loops, the
sparseflow:: attributes, shape subgraphs) without sfrun and without
onnxruntime (not installed here): run_model_tests.py's `selfcheck` runs every
test model through it and compares with PyTorch. Reference quality, not speed.
"""

import math

import numpy as np
import onnx
from onnx import numpy_helper

F32 = np.float32


def _attrs(node):
  return {a.name: onnx.helper.get_attribute_value(a) for a in node.attribute}


def _pads(at, rank):
  p = list(at.get("pads", [0] * (2 * rank)))
  return p[:rank], p[rank:]


def _windows(x, kernel, strides, pads, dilations, fill):
  """x [N, C, H, W] -> [N, C, OH, OW, KH, KW] views of the padded input."""
  (pt, pl), (pb, pr) = pads
  x = np.pad(x, ((0, 0), (0, 0), (pt, pb), (pl, pr)), constant_values=fill)
  kh, kw = kernel
  eh, ew = (kh - 1) * dilations[0] + 1, (kw - 1) * dilations[1] + 1
  oh = (x.shape[2] - eh) // strides[0] + 1
  ow = (x.shape[3] - ew) // strides[1] + 1
  win = np.lib.stride_tricks.sliding_window_view(x, (eh, ew), axis=(2, 3))
  return win[:, :, :oh * strides[0]:strides[0], :ow * strides[1]:strides[1],
             ::dilations[0], ::dilations[1]]


def _conv(x, w, b=None, **at):
  if at.get("group", 1) != 1 or at.get("auto_pad", "NOTSET") not in ("NOTSET", b"NOTSET"):
    raise NotImplementedError("reference Conv: group 1, explicit pads only")
  if x.ndim == 3:  # 1-D: a 2-D conv over [N, C, 1, L]
    at = dict(at, strides=[1, *at.get("strides", [1])], dilations=[1, *at.get("dilations", [1])],
              pads=[0, at.get("pads", [0, 0])[0], 0, at.get("pads", [0, 0])[1]])
    return _conv(x[:, :, None], w[:, :, None], b, **at)[:, :, 0]
  kernel = w.shape[2:]
  begin, end = _pads(at, 2)
  win = _windows(x, kernel, at.get("strides", [1, 1]), (begin, end),
                 at.get("dilations", [1, 1]), 0)
  y = np.einsum("nchwij,ocij->nohw", win.astype(np.float64), w.astype(np.float64))
  if b is not None:
    y += b.reshape(1, -1, 1, 1)
  return y.astype(F32)


def _pool(x, at, kind):
  if at.get("ceil_mode", 0):
    raise NotImplementedError("reference pools: ceil_mode 0 only")
  begin, end = _pads(at, 2)
  kernel, strides = at["kernel_shape"], at.get("strides", [1, 1])
  if kind == "max":
    return _windows(x, kernel, strides, (begin, end), at.get("dilations", [1, 1]),
                    -np.inf).max((4, 5))
  total = _windows(x.astype(np.float64), kernel, strides, (begin, end), [1, 1], 0).sum((4, 5))
  if at.get("count_include_pad", 0):
    return (total / (kernel[0] * kernel[1])).astype(F32)
  count = _windows(np.ones_like(x[:1, :1], dtype=np.float64), kernel, strides, (begin, end),
                   [1, 1], 0).sum((4, 5))
  return (total / count).astype(F32)


def _neuron(op_type, x, at):
  """The spec's loop (shared/spec/neuron-ops.md) in float32, in the spec's order."""
  steps, vth = at["steps"], F32(at.get("v_threshold", 1.0))
  soft = at.get("soft_reset", 0)
  v_reset = F32(at.get("v_reset", 0.0))
  vr = F32(0) if soft else v_reset
  xs = x.reshape(steps, -1, *x.shape[1:])
  v = np.full(xs.shape[1:], vr, dtype=F32)
  decay = at.get("decay_input", 1)
  if op_type == "PLIF":
    k = F32(1) / (F32(1) + np.exp(-F32(at["w"])))
  out = np.empty_like(xs)
  for t in range(steps):
    xt = xs[t]
    if op_type == "IF":
      h = v + xt
    elif op_type == "LIF":
      tau = F32(at["tau"])
      if decay:
        h = v + (xt - (v - vr)) / tau
      elif vr == 0:
        h = v * F32(1.0 - 1.0 / float(at["tau"])) + xt
      else:
        h = v - (v - vr) / tau + xt
    elif decay:
      h = v + (xt - (v - vr)) * k
    elif vr == 0:
      h = v * (F32(1) - k) + xt
    else:
      h = v - (v - vr) * k + xt
    s = (h >= vth).astype(F32)
    v = (h - vth * s) if soft else (h * (F32(1) - s) + v_reset * s)
    out[t] = s
  return out.reshape(x.shape)


def _reshape(x, shape, allowzero=0):
  shape = [x.shape[i] if d == 0 and not allowzero else int(d) for i, d in enumerate(shape)]
  return x.reshape(shape)


def _gemm(a, b, c=None, **at):
  a = a.T if at.get("transA", 0) else a
  b = b.T if at.get("transB", 0) else b
  y = at.get("alpha", 1.0) * (a.astype(np.float64) @ b.astype(np.float64))
  if c is not None:
    y = y + at.get("beta", 1.0) * c
  return y.astype(F32)


def _batchnorm(x, scale, bias, mean, var, **at):
  shape = (1, -1) + (1,) * (x.ndim - 2)
  inv = 1.0 / np.sqrt(var.astype(np.float64) + at.get("epsilon", 1e-5))
  y = (x - mean.reshape(shape)) * (scale * inv).reshape(shape) + bias.reshape(shape)
  return y.astype(F32)


def _reduce_mean(x, **at):
  axes = tuple(at["axes"]) if "axes" in at else None
  return x.mean(axis=axes, keepdims=bool(at.get("keepdims", 1)), dtype=np.float64).astype(x.dtype)


def _slice(x, starts, ends, axes=None, steps=None):
  axes = range(len(starts)) if axes is None else axes
  steps = [1] * len(starts) if steps is None else steps
  index = [slice(None)] * x.ndim
  for start, end, axis, step in zip(starts, ends, axes, steps):
    index[int(axis)] = slice(int(start), int(end), int(step))
  return x[tuple(index)]


def _matmul(a, b):
  return (a.astype(np.float64) @ b.astype(np.float64)).astype(F32)


def _cast(x, to):
  return x.astype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[to])


def _pad(x, pads, value=None, mode="constant"):
  if mode not in ("constant", b"constant"):
    raise NotImplementedError("reference Pad: constant mode only")
  rank = x.ndim
  widths = [(int(pads[i]), int(pads[i + rank])) for i in range(rank)]
  return np.pad(x, widths, constant_values=0 if value is None else value.item())


def _float_math(f):
  """A unary float op evaluated in float64 and rounded once to the input's type."""
  return lambda x: np.asarray(f(x.astype(np.float64))).astype(x.dtype)


_erf = np.vectorize(math.erf)


def _softplus(x):
  return np.where(x > 0, x + np.log1p(np.exp(-np.abs(x))), np.log1p(np.exp(np.minimum(x, 0))))


def _layer_norm(x, scale, bias=None, axis=-1, epsilon=1e-5, stash_type=1):
  del stash_type
  axes = tuple(range(axis % x.ndim, x.ndim))
  x64 = x.astype(np.float64)
  mean = x64.mean(axis=axes, keepdims=True)
  var = ((x64 - mean) ** 2).mean(axis=axes, keepdims=True)
  y = (x64 - mean) / np.sqrt(var + epsilon) * scale
  return (y if bias is None else y + bias).astype(x.dtype)


OPS = {
    "Add": lambda a, b: a + b, "Sub": lambda a, b: a - b, "Mul": lambda a, b: a * b,
    "Div": lambda a, b: a // b if a.dtype.kind == "i" else a / b,
    "GreaterOrEqual": lambda a, b: a >= b, "Greater": lambda a, b: a > b,
    "Relu": lambda x: np.maximum(x, 0).astype(x.dtype),
    "Sigmoid": lambda x: (F32(1) / (F32(1) + np.exp(-x))).astype(x.dtype),
    "Identity": lambda x: x, "Shape": lambda x: np.array(x.shape, dtype=np.int64),
    "Reshape": _reshape, "Pad": _pad, "Gemm": _gemm, "Conv": _conv, "BatchNormalization": _batchnorm,
    "ReduceMean": _reduce_mean, "Slice": _slice, "MatMul": _matmul,
    "Transpose": lambda x, perm=None: np.transpose(x, perm),
    "Cast": lambda x, to: _cast(x, to),
    "Gather": lambda x, i, axis=0: np.take(x, i, axis=axis),
    "Unsqueeze": lambda x, a=None, axes=None: np.expand_dims(
        x, tuple(int(v) for v in (axes if axes is not None else a))),
    "Concat": lambda *xs, axis: np.concatenate(xs, axis=axis),
    "Flatten": lambda x, axis=1: x.reshape(int(np.prod(x.shape[:axis])), -1),
    "GlobalAveragePool": lambda x: x.mean((2, 3), keepdims=True, dtype=np.float64).astype(F32),
    "Abs": np.abs, "Sqrt": _float_math(np.sqrt), "Erf": _float_math(_erf),
    "Log": _float_math(np.log), "Reciprocal": _float_math(lambda x: 1.0 / x),
    "Ceil": np.ceil, "Round": np.round, "Sign": np.sign,
    "Pow": lambda a, b: np.power(a.astype(np.float64), b.astype(np.float64)).astype(a.dtype),
    "Softplus": _float_math(_softplus),
    "LeakyRelu": lambda x, alpha=0.01: np.where(x < 0, F32(alpha) * x, x).astype(x.dtype),
    "Elu": lambda x, alpha=1.0: np.where(
        x < 0, alpha * np.expm1(x.astype(np.float64)), x).astype(x.dtype),
    "HardSigmoid": lambda x, alpha=0.2, beta=0.5: np.clip(
        alpha * x.astype(np.float64) + beta, 0, 1).astype(x.dtype),
    "HardSwish": _float_math(lambda x: x * np.clip(x / 6 + 0.5, 0, 1)),
    "LayerNormalization": _layer_norm,
}


def run(path, inputs):
  """Evaluates the model at `path` on {input name: array}; returns the outputs list."""
  model = onnx.load(path)
  env = {t.name: numpy_helper.to_array(t) for t in model.graph.initializer}
  env.update(inputs)
  for node in model.graph.node:
    at = _attrs(node)
    args = [env[i] if i else None for i in node.input]
    while args and args[-1] is None:
      args.pop()
    if node.op_type == "Split":
      axis = at.get("axis", 0)
      sizes = at.get("split", args[1] if len(args) > 1 else None)
      if sizes is None:
        sizes = [args[0].shape[axis] // len(node.output)] * len(node.output)
      parts = np.split(args[0], np.cumsum(sizes)[:-1], axis=axis)
      for name, part in zip(node.output, parts):
        env[name] = part
      continue
    if node.op_type == "Constant":
      out = numpy_helper.to_array(at["value"])
    elif node.domain == "sparseflow":
      out = _neuron(node.op_type, args[0], at)
    elif node.op_type in ("MaxPool", "AveragePool"):
      out = _pool(args[0], at, "max" if node.op_type == "MaxPool" else "avg")
    elif node.op_type in OPS:
      out = OPS[node.op_type](*args, **at)
    else:
      raise NotImplementedError(f"reference: no op {node.op_type} (node {node.name})")
    env[node.output[0]] = np.asarray(out)
  return [env[o.name] for o in model.graph.output]
