"""Spiking network architectures for the SparseFlow model zoo.

Every network takes x [T*N, C, H, W] (T-major; a static image repeated over T,
or T event frames) and returns class scores averaged over T, [N, classes].
`neuron` is a key of neurons.NEURONS ("if", "lif", "plif") and `neuron_kwargs`
its constructor arguments (tau, v_threshold, soft_reset, ...).

  spiking_resnet18/34/50   Spiking ResNet: conv-bn-sn-conv-bn (+shortcut) -> sn
  sew_resnet18             SEW ResNet (ADD): conv-bn-sn-conv-bn-sn + shortcut
  spiking_vgg11            VGG-11 with conv-bn-sn, max pools, one linear head
  lenet_snn                conv(c->c1)-bn-sn-pool, conv(c1->c2)-bn-sn-pool, linear
  spikformer               Spikformer (Zhou et al., ICLR 2023): a spiking patch splitter
                           (conv-bn-sn stages, two max pools, a relative position conv),
                           then blocks of spiking self-attention and an MLP on the tokens

`stem="cifar"` is a 3x3 stride-1 conv (no pool); `stem="imagenet"` a 7x7
stride-2 conv and a 3x3 stride-2 max pool. `width` scales every channel count.
"""

import torch
from torch import nn

from . import neurons


class MeanOverT(nn.Module):
  """[T*N, K] -> [N, K]: the mean of the T time steps."""

  def __init__(self, steps):
    super().__init__()
    self.steps = steps

  def forward(self, x):
    return x.reshape(self.steps, -1, x.shape[-1]).mean(0)


class RepeatT(nn.Module):
  """[N, ...] -> [T*N, ...]: a static input repeated over T (ONNX Concat)."""

  def __init__(self, steps):
    super().__init__()
    self.steps = steps

  def forward(self, x):
    return torch.cat([x] * self.steps, 0)


class _Factory:
  """Builds neurons of one kind and steps for a network."""

  def __init__(self, steps, neuron, neuron_kwargs):
    self.steps, self.kind, self.kwargs = steps, neuron, dict(neuron_kwargs or {})

  def __call__(self):
    return neurons.make_neuron(self.kind, self.steps, **self.kwargs)


def conv_bn(cin, cout, k, stride=1):
  return [nn.Conv2d(cin, cout, k, stride, k // 2, bias=False), nn.BatchNorm2d(cout)]


class BasicBlock(nn.Module):
  expansion = 1

  def __init__(self, cin, cout, stride, sn, sew):
    super().__init__()
    self.sew = sew
    self.body = nn.Sequential(*conv_bn(cin, cout, 3, stride), sn(), *conv_bn(cout, cout, 3))
    self.shortcut = _shortcut(cin, cout, stride, sn, sew)
    self.sn = sn()

  def forward(self, x):
    if self.sew:  # SEW ADD: spikes of the residual branch plus the shortcut.
      return self.sn(self.body(x)) + self.shortcut(x)
    return self.sn(self.body(x) + self.shortcut(x))


class Bottleneck(nn.Module):
  expansion = 4

  def __init__(self, cin, cout, stride, sn, sew):
    super().__init__()
    self.sew = sew
    mid = cout // self.expansion
    self.body = nn.Sequential(*conv_bn(cin, mid, 1), sn(), *conv_bn(mid, mid, 3, stride), sn(),
                              *conv_bn(mid, cout, 1))
    self.shortcut = _shortcut(cin, cout, stride, sn, sew)
    self.sn = sn()

  def forward(self, x):
    if self.sew:
      return self.sn(self.body(x)) + self.shortcut(x)
    return self.sn(self.body(x) + self.shortcut(x))


def _shortcut(cin, cout, stride, sn, sew):
  if stride == 1 and cin == cout:
    return nn.Identity()
  layers = conv_bn(cin, cout, 1, stride)
  return nn.Sequential(*layers, sn()) if sew else nn.Sequential(*layers)


def _stem(stem, cin, cout, sn):
  if stem == "cifar":
    return nn.Sequential(*conv_bn(cin, cout, 3), sn())
  if stem == "imagenet":
    return nn.Sequential(*conv_bn(cin, cout, 7, 2), sn(), nn.MaxPool2d(3, 2, 1))
  raise ValueError(f"stem must be 'cifar' or 'imagenet', got {stem!r}")


class SpikingResNet(nn.Module):
  def __init__(self, block, layers, steps, in_channels=3, num_classes=10, stem="cifar",
               width=1.0, neuron="lif", neuron_kwargs=None, sew=False):
    super().__init__()
    sn = _Factory(steps, neuron, neuron_kwargs)
    widths = [max(1, int(round(c * width))) for c in (64, 128, 256, 512)]
    self.stem = _stem(stem, in_channels, widths[0], sn)
    stages, cin = [], widths[0]
    for i, (w, n) in enumerate(zip(widths, layers)):
      cout = w * block.expansion
      for j in range(n):
        stages.append(block(cin, cout, 2 if (i > 0 and j == 0) else 1, sn, sew))
        cin = cout
    self.stages = nn.Sequential(*stages)
    self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, num_classes),
                              MeanOverT(steps))

  def forward(self, x):
    return self.head(self.stages(self.stem(x)))


def spiking_resnet18(steps, **kw):
  return SpikingResNet(BasicBlock, [2, 2, 2, 2], steps, **kw)


def spiking_resnet34(steps, **kw):
  return SpikingResNet(BasicBlock, [3, 4, 6, 3], steps, **kw)


def spiking_resnet50(steps, **kw):
  return SpikingResNet(Bottleneck, [3, 4, 6, 3], steps, **kw)


def sew_resnet18(steps, **kw):
  return SpikingResNet(BasicBlock, [2, 2, 2, 2], steps, sew=True, **kw)


class SpikingVGG11(nn.Module):
  CONFIG = (64, "M", 128, "M", 256, 256, "M", 512, 512, "M", 512, 512, "M")

  def __init__(self, steps, in_channels=3, num_classes=10, width=1.0, neuron="lif",
               neuron_kwargs=None):
    super().__init__()
    sn = _Factory(steps, neuron, neuron_kwargs)
    layers, cin = [], in_channels
    for c in self.CONFIG:
      if c == "M":
        layers.append(nn.MaxPool2d(2, 2))
      else:
        cout = max(1, int(round(c * width)))
        layers += [*conv_bn(cin, cout, 3), sn()]
        cin = cout
    self.features = nn.Sequential(*layers)
    self.head = nn.Sequential(nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(cin, num_classes),
                              MeanOverT(steps))

  def forward(self, x):
    return self.head(self.features(x))


def spiking_vgg11(steps, **kw):
  return SpikingVGG11(steps, **kw)


class LeNetSNN(nn.Module):
  """Small SNN for 28x28 inputs: two conv-bn-sn-pool stages and a linear head."""

  def __init__(self, steps, in_channels=1, num_classes=10, input_size=28, channels=(8, 16),
               neuron="lif", neuron_kwargs=None):
    super().__init__()
    sn = _Factory(steps, neuron, neuron_kwargs)
    c1, c2 = channels
    self.features = nn.Sequential(*conv_bn(in_channels, c1, 3), sn(), nn.MaxPool2d(2),
                                  *conv_bn(c1, c2, 3), sn(), nn.MaxPool2d(2))
    side = input_size // 4
    self.head = nn.Sequential(nn.Flatten(), nn.Linear(c2 * side * side, num_classes),
                              MeanOverT(steps))

  def forward(self, x):
    return self.head(self.features(x))


def lenet_snn(steps, **kw):
  return LeNetSNN(steps, **kw)


class _SelfAttention(nn.Module):
  """What both token forms of Spikformer's SSA share: `heads` heads of binary q, k, v
  [T*N, heads, L, D / heads], attended as (q k^T) * scale @ v (no softmax), and the
  attention neuron (threshold attn_threshold) the subclass applies to the result."""

  def __init__(self, dim, heads, sn, scale, attn_threshold):
    super().__init__()
    if dim % heads:
      raise ValueError(f"dim {dim} is not a multiple of heads {heads}")
    self.heads, self.scale = heads, scale
    self.attn_sn = sn(v_threshold=attn_threshold)

  def attend(self, q, k, v):
    return (q @ k.transpose(-2, -1)) * self.scale @ v


class SpikingSelfAttention(_SelfAttention):
  """Spikformer's SSA on tokens [T*N, D, L]: q, k, v = sn(bn(conv1d(x))) (binary), then
  sn((q k^T) v * scale) per head, no softmax, and a conv1d-bn-sn projection."""

  def __init__(self, dim, heads, sn, scale=0.125, attn_threshold=0.5):
    super().__init__(dim, heads, sn, scale, attn_threshold)
    def branch():
      return nn.Sequential(nn.Conv1d(dim, dim, 1, bias=False), nn.BatchNorm1d(dim), sn())
    self.q, self.k, self.v = branch(), branch(), branch()
    self.proj = nn.Sequential(nn.Conv1d(dim, dim, 1), nn.BatchNorm1d(dim), sn())

  def forward(self, x):
    tn, dim, tokens = x.shape
    def heads(y):  # [T*N, D, L] -> [T*N, heads, L, D / heads]
      return y.reshape(tn, self.heads, dim // self.heads, tokens).transpose(-1, -2)
    y = self.attend(heads(self.q(x)), heads(self.k(x)), heads(self.v(x)))
    return self.proj(self.attn_sn(y.transpose(-1, -2).reshape(tn, dim, tokens)))


class LinearSelfAttention(_SelfAttention):
  """SSA as the original Spikformer CIFAR code writes it, on tokens [T*N, L, D]:
  Linear layers, each followed by a BatchNorm1d over D (through two transposes)."""

  def __init__(self, dim, heads, sn, scale=0.125, attn_threshold=0.5):
    super().__init__(dim, heads, sn, scale, attn_threshold)
    self.linear = nn.ModuleList(nn.Linear(dim, dim) for _ in range(4))  # q, k, v, projection
    self.bn = nn.ModuleList(nn.BatchNorm1d(dim) for _ in range(4))
    self.sn = nn.ModuleList(sn() for _ in range(4))

  def branch(self, i, x):
    return self.sn[i](self.bn[i](self.linear[i](x).transpose(-1, -2)).transpose(-1, -2))

  def forward(self, x):
    tn, tokens, dim = x.shape
    def heads(y):  # [T*N, L, D] -> [T*N, heads, L, D / heads]
      return y.reshape(tn, tokens, self.heads, dim // self.heads).permute(0, 2, 1, 3)
    y = self.attend(heads(self.branch(0, x)), heads(self.branch(1, x)), heads(self.branch(2, x)))
    return self.branch(3, self.attn_sn(y.transpose(1, 2).reshape(tn, tokens, dim)))


class LinearMLP(nn.Module):
  def __init__(self, dim, hidden, sn):
    super().__init__()
    self.fc1, self.bn1, self.sn1 = nn.Linear(dim, hidden), nn.BatchNorm1d(hidden), sn()
    self.fc2, self.bn2, self.sn2 = nn.Linear(hidden, dim), nn.BatchNorm1d(dim), sn()

  def forward(self, x):
    x = self.sn1(self.bn1(self.fc1(x).transpose(-1, -2)).transpose(-1, -2))
    return self.sn2(self.bn2(self.fc2(x).transpose(-1, -2)).transpose(-1, -2))


class SpikingMLP(nn.Module):
  def __init__(self, dim, hidden, sn):
    super().__init__()
    self.body = nn.Sequential(nn.Conv1d(dim, hidden, 1), nn.BatchNorm1d(hidden), sn(),
                              nn.Conv1d(hidden, dim, 1), nn.BatchNorm1d(dim), sn())

  def forward(self, x):
    return self.body(x)


class Spikformer(nn.Module):
  """x [T*N, C, H, W] -> class scores [N, classes]. The patch splitter's four conv-bn-sn
  stages widen to dim (dim/8, dim/4, dim/2, dim), max pools after the last two; its output
  plus a conv-bn-sn of it (relative positions) becomes H*W/16 tokens of dim channels.
  Each block adds self-attention and then an MLP (mlp_ratio * dim hidden) to the tokens;
  the head averages the tokens, applies a linear layer and averages over T.
  `tokens="conv1d"` keeps the tokens [T*N, D, L] with Conv1d layers; "linear" makes
  them [T*N, L, D] with Linear layers and BatchNorm1d through transposes (the
  original CIFAR code's form)."""

  def __init__(self, steps, in_channels=3, num_classes=10, dim=64, heads=4, depth=2,
               mlp_ratio=4, attn_scale=0.125, attn_threshold=0.5, tokens="conv1d", neuron="lif",
               neuron_kwargs=None):
    super().__init__()
    kwargs = dict(neuron_kwargs or {})
    def sn(**override):
      return neurons.make_neuron(neuron, steps, **{**kwargs, **override})
    widths = [max(1, dim // 8), max(1, dim // 4), max(1, dim // 2), dim]
    layers, cin = [], in_channels
    for i, w in enumerate(widths):
      layers += [*conv_bn(cin, w, 3), sn()]
      if i >= 2:
        layers.append(nn.MaxPool2d(3, 2, 1))
      cin = w
    self.patches = nn.Sequential(*layers)
    self.rpe = nn.Sequential(*conv_bn(dim, dim, 3), sn())
    if tokens not in ("conv1d", "linear"):
      raise ValueError(f"tokens must be 'conv1d' or 'linear', got {tokens!r}")
    self.linear_tokens = tokens == "linear"
    attention = LinearSelfAttention if self.linear_tokens else SpikingSelfAttention
    mlp = LinearMLP if self.linear_tokens else SpikingMLP
    self.blocks = nn.ModuleList(
        nn.ModuleList([attention(dim, heads, sn, attn_scale, attn_threshold),
                       mlp(dim, mlp_ratio * dim, sn)])
        for _ in range(depth))
    self.fc = nn.Linear(dim, num_classes)
    self.mean_t = MeanOverT(steps)

  def forward(self, x):
    x = self.patches(x)
    x = (x + self.rpe(x)).flatten(2)  # [T*N, dim, tokens]
    if self.linear_tokens:
      x = x.transpose(1, 2)  # [T*N, tokens, dim]
    for attn, mlp in self.blocks:
      x = x + attn(x)
      x = x + mlp(x)
    return self.mean_t(self.fc(x.mean(1 if self.linear_tokens else 2)))


def spikformer(steps, **kw):
  return Spikformer(steps, **kw)


ARCHS = {
    "spiking_resnet18": spiking_resnet18,
    "spiking_resnet34": spiking_resnet34,
    "spiking_resnet50": spiking_resnet50,
    "sew_resnet18": sew_resnet18,
    "spiking_vgg11": spiking_vgg11,
    "lenet_snn": lenet_snn,
    "spikformer": spikformer,
}


def build(arch, steps, **kw):
  """ARCHS[arch](steps, **kw) with a clear error for an unknown name."""
  try:
    fn = ARCHS[arch]
  except KeyError:
    raise ValueError(f"unknown arch {arch!r}; known: {sorted(ARCHS)}") from None
  return fn(steps, **kw)
