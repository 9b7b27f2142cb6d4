"""Multi-step spiking neurons that compute exactly what SparseFlow computes.

The contract is shared/spec/neuron-ops.md. Every neuron takes `x` of shape
[T*N, ...] (T-major: time step t of sample n is row t*N + n, T = `steps`) and
returns spikes of the same shape, evaluating the spec's float32 expressions in
the spec's order (a division by tau, never a multiplication by 1/tau).

Three ways to run a neuron, chosen by the module-level export mode:

  None         plain PyTorch; training uses a surrogate gradient (ATan).
  "custom"     ONNX export emits one `sparseflow::IF|LIF|PLIF` node
               (export with custom_opsets={"sparseflow": 1}).
  "primitive"  ONNX export emits the loop over T with plain ops
               (Gather/Add/Div/GreaterOrEqual/Cast/Concat/Reshape): no custom op.

Set the mode with `with export_mode("custom"): torch.onnx.export(...)`.
`record_margin = True` on a neuron keeps |H - v_threshold| of its last forward
in `margin` (shape of the output), used to mask spikes that sit on the threshold.
"""

import contextlib
import json
import math

import torch
from torch import nn

_EXPORT_MODE = None
_MODES = (None, "custom", "primitive")


@contextlib.contextmanager
def export_mode(mode):
  """Selects how neurons trace during torch.onnx.export (see module doc)."""
  global _EXPORT_MODE
  if mode not in _MODES:
    raise ValueError(f"export mode must be one of {_MODES}, got {mode!r}")
  previous, _EXPORT_MODE = _EXPORT_MODE, mode
  try:
    yield
  finally:
    _EXPORT_MODE = previous


class ATanSpike(torch.autograd.Function):
  """Heaviside(h - vth) forward; SpikingJelly's ATan surrogate (alpha=2) backward."""

  @staticmethod
  def forward(ctx, h, v_threshold):
    ctx.save_for_backward(h)
    ctx.v_threshold = v_threshold
    return (h >= v_threshold).to(h.dtype)

  @staticmethod
  def backward(ctx, grad):
    (h,) = ctx.saved_tensors
    alpha = 2.0
    x = h - ctx.v_threshold
    sg = alpha / 2 / (1 + (math.pi / 2 * alpha * x).square())
    return grad * sg, None


def _spike(h, v_threshold):
  if torch.is_grad_enabled() and h.requires_grad:
    return ATanSpike.apply(h, v_threshold)
  return (h >= v_threshold).to(h.dtype)


class _CustomOp(torch.autograd.Function):
  """Forward = the reference loop; symbolic = one sparseflow:: node.

  The neuron travels as its op type and a JSON string of its ONNX attributes
  (the tracer accepts only tensors and plain Python values).
  """

  @staticmethod
  def forward(ctx, x, op_type, attributes_json):
    with torch.no_grad():
      return from_onnx(op_type, json.loads(attributes_json)).run_steps(x)

  @staticmethod
  def symbolic(g, x, op_type, attributes_json):
    spikes = g.op(f"sparseflow::{op_type}", x, **json.loads(attributes_json))
    spikes.setType(x.type())  # Same shape and dtype: lets the exporter fold shapes.
    return spikes


class BaseNode(nn.Module):
  """Shared state and loop; subclasses define `charge(v, x_t, vr)` and op_type."""

  op_type = None

  def __init__(self, steps, v_threshold=1.0, v_reset=0.0, soft_reset=False):
    super().__init__()
    if steps < 1:
      raise ValueError(f"steps must be >= 1, got {steps}")
    self.steps = int(steps)
    self.v_threshold = float(v_threshold)
    self.v_reset = float(v_reset)
    self.soft_reset = bool(soft_reset)
    self.record_margin = False
    self.margin = None

  def onnx_attributes(self):
    return dict(steps_i=self.steps, v_threshold_f=self.v_threshold,
                v_reset_f=self.v_reset, soft_reset_i=int(self.soft_reset))

  def extra_repr(self):
    return ", ".join(f"{k[:-2]}={v}" for k, v in self.onnx_attributes().items())

  def forward(self, x):
    if _EXPORT_MODE == "custom" and torch.onnx.is_in_onnx_export():
      return _CustomOp.apply(x, self.op_type, json.dumps(self.onnx_attributes()))
    return self.run_steps(x)

  def run_steps(self, x):
    """The spec's loop over t = 0..T-1 on x [T*N, ...]."""
    t_steps = self.steps
    if x.shape[0] % t_steps != 0:
      raise ValueError(f"first dim {x.shape[0]} not divisible by steps {t_steps}")
    xs = x.reshape(t_steps, -1, *x.shape[1:])
    vr = 0.0 if self.soft_reset else self.v_reset
    v = vr  # V_0, a Python scalar until the first step makes it a tensor.
    spikes, margins = [], []
    for t in range(t_steps):
      h = self.charge(v, xs[t], vr)
      s = _spike(h, self.v_threshold)
      if self.record_margin:
        margins.append((h.detach() - self.v_threshold).abs())
      if self.soft_reset:
        v = h - self.v_threshold * s
      else:
        v = h * (1.0 - s) + self.v_reset * s
      spikes.append(s)
    if self.record_margin:
      self.margin = torch.cat(margins, 0)
    return torch.cat(spikes, 0)


class IFNode(BaseNode):
  op_type = "IF"

  def charge(self, v, x, vr):
    return v + x


class LIFNode(BaseNode):
  op_type = "LIF"

  def __init__(self, steps, tau=2.0, decay_input=True, **kwargs):
    super().__init__(steps, **kwargs)
    if not tau > 0 or not math.isfinite(tau):
      raise ValueError(f"tau must be finite and > 0, got {tau}")
    self.tau = float(tau)
    self.decay_input = bool(decay_input)

  def onnx_attributes(self):
    return dict(super().onnx_attributes(), tau_f=self.tau,
                decay_input_i=int(self.decay_input))

  def charge(self, v, x, vr):
    if self.decay_input:
      return v + (x - (v - vr)) / self.tau
    if vr == 0.0:
      # c = float32(1 - 1/tau) with 1/tau in double: a Python float is a double
      # and PyTorch rounds it to float32 when it meets a float32 tensor.
      return v * (1.0 - 1.0 / self.tau) + x
    return v - (v - vr) / self.tau + x


class PLIFNode(BaseNode):
  """LIF with a learnable w; 1/tau = k = sigmoid(w), computed in float32."""

  op_type = "PLIF"

  def __init__(self, steps, init_tau=2.0, decay_input=True, **kwargs):
    super().__init__(steps, **kwargs)
    if not init_tau > 1:
      raise ValueError(f"init_tau must be > 1, got {init_tau}")
    self.w = nn.Parameter(torch.tensor(0.0 - math.log(init_tau - 1.0), dtype=torch.float32))
    self.decay_input = bool(decay_input)

  def onnx_attributes(self):
    return dict(super().onnx_attributes(), w_f=float(self.w.detach()),
                decay_input_i=int(self.decay_input))

  def charge(self, v, x, vr):
    k = torch.sigmoid(self.w.to(torch.float32))
    if self.decay_input:
      return v + (x - (v - vr)) * k
    if vr == 0.0:
      return v * (1.0 - k) + x
    return v - (v - vr) * k + x


NEURONS = {"if": IFNode, "lif": LIFNode, "plif": PLIFNode}


def make_neuron(kind, steps, **kwargs):
  """NEURONS[kind](steps, **kwargs); kwargs the neuron's constructor accepts."""
  try:
    cls = NEURONS[kind]
  except KeyError:
    raise ValueError(f"unknown neuron {kind!r}; known: {sorted(NEURONS)}") from None
  return cls(steps, **kwargs)


def from_onnx(op_type, attributes):
  """The neuron of a sparseflow node from its attributes (exporter's _i/_f names)."""
  a = {k[:-2]: v for k, v in attributes.items()}
  common = dict(v_threshold=a["v_threshold"], v_reset=a["v_reset"],
                soft_reset=bool(a["soft_reset"]))
  if op_type == "IF":
    return IFNode(a["steps"], **common)
  if op_type == "LIF":
    return LIFNode(a["steps"], tau=a["tau"], decay_input=bool(a["decay_input"]), **common)
  if op_type == "PLIF":
    node = PLIFNode(a["steps"], decay_input=bool(a["decay_input"]), **common)
    node.w.data.fill_(a["w"])
    return node
  raise ValueError(f"unknown sparseflow op {op_type!r}")


def neurons_of(model):
  """All SparseFlow neurons of a module tree, in registration order."""
  return [m for m in model.modules() if isinstance(m, BaseNode)]


def from_spikingjelly(model, steps):
  """Replaces SpikingJelly multi-step IFNode/LIFNode/ParametricLIFNode in place.

  Only what the spec can express is mapped: a surrogate/detach_reset setting
  does not change the forward pass; v_reset=None means soft reset. Returns the
  model. Raises ImportError when SpikingJelly is not installed.
  """
  from spikingjelly.activation_based import neuron as sj  # pylint: disable=import-outside-toplevel

  def convert(m):
    common = dict(v_threshold=m.v_threshold, v_reset=m.v_reset or 0.0,
                  soft_reset=m.v_reset is None)
    if isinstance(m, sj.ParametricLIFNode):
      out = PLIFNode(steps, decay_input=m.decay_input, **common)
      out.w.data.copy_(m.w.detach().reshape(()))
      return out
    if isinstance(m, sj.LIFNode):
      return LIFNode(steps, tau=m.tau, decay_input=m.decay_input, **common)
    if isinstance(m, sj.IFNode):
      return IFNode(steps, **common)
    return None

  for name, child in list(model.named_children()):
    replacement = convert(child)
    if replacement is not None:
      setattr(model, name, replacement)
    else:
      from_spikingjelly(child, steps)
  return model
