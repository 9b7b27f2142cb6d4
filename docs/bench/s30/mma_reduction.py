#!/usr/bin/python3
# MMA steps a channel-compacted conv needs against a dense one on the trained Spiking-ResNet18's real
# spikes (16 Fashion-MNIST test images, T=4): per output tile (rows x cols pixels) and tap, the input
# channels that fire at any pixel the tap reads, in steps of 16 ("compact"), or the 16-channel chunks
# holding any such channel ("chunk"); dense = 9 x ceil(C/16) per tile. Prints dense/compact and
# dense/chunk per conv. Usage: /usr/bin/python3 docs/bench/s30/mma_reduction.py [spiking_resnet18|sew_resnet18] [images]
import sys, os, math, torch
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "models"))
import measure_sparsity as ms
from torch import nn
import torch.nn.functional as F
TILES = [(1,8),(2,4),(4,4),(4,8),(8,8)]
rows = {}
def hook(name, conv, first):
  def rec(_m, inputs, _o):
    if first: return
    x = (inputs[0] != 0).float()
    B,C,H,W = x.shape
    k, s, p = conv.kernel_size[0], conv.stride[0], conv.padding[0]
    Ho = (H + 2*p - k)//s + 1; Wo = (W + 2*p - k)//s + 1
    xp = F.pad(x, (p,p,p,p))
    r = rows.setdefault(name, dict(shape=(C,H,W,k,s), dens=0.0, n=0, **{f"{t}":[0,0,0] for t in TILES}))
    r["dens"] += x.mean().item()*B; r["n"] += B
    kc = math.ceil(C/16)
    for t in TILES:
      th, tw = t
      comp = 0; chunk = 0; dense = 0
      for ky in range(k):
        for kx in range(k):
          sh = xp[:, :, ky:ky+s*(Ho-1)+1:s, kx:kx+s*(Wo-1)+1:s]
          act = F.max_pool2d(sh, (th,tw), (th,tw), ceil_mode=True)  # B,C,Ht,Wt
          nact = act.sum(1)
          comp += torch.ceil(nact/16).sum().item()
          cp = F.pad(act, (0,0,0,0,0,kc*16-C)).reshape(B,kc,16,*act.shape[2:]).amax(2)
          chunk += cp.sum().item()
          dense += kc*nact.numel()
      r[f"{t}"][0]+=dense; r[f"{t}"][1]+=comp; r[f"{t}"][2]+=chunk
  return rec
arch = sys.argv[1] if len(sys.argv)>1 else "spiking_resnet18"
model, batches = ms.resnet(arch, ms.data.DEFAULT_DIR, int(sys.argv[2]) if len(sys.argv)>2 else 16)
model.eval()
net = model[1]
convs = [(n,m) for n,m in net.named_modules() if isinstance(m, nn.Conv2d)]
for i,(n,c) in enumerate(convs): c.register_forward_hook(hook(n,c,i==0))
torch.set_num_threads(2)
with torch.no_grad():
  for x in batches: model(x)
print("| conv | CxH k/s | density | " + " | ".join(f"{a}x{b} compact / chunk" for a,b in TILES) + " |")
for n,r in rows.items():
  C,H,W,k,s = r["shape"]
  cells = [f"{r[str(t)][0]/r[str(t)][1]:.2f} / {r[str(t)][0]/r[str(t)][2]:.2f}" for t in TILES]
  print(f"| {n} | {C}x{H} {k}/{s} | {r['dens']/r['n']:.3f} | " + " | ".join(cells) + " |")
