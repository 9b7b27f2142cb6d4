# Writes model.onnx (PyTorch 1.13 Conv1d -> BatchNorm1d -> ReLU -> MaxPool1d -> Conv1d
# (dilation 2, no bias) -> AvgPool1d (count_include_pad False), eval mode, opset 13),
# input.npy [3, 4, 37] and expected_output.npy (PyTorch's output, float32).
#   cd models/conv1d_pytorch && /usr/bin/python3 make_model.py
import torch, numpy as np
torch.manual_seed(0)
class M(torch.nn.Module):
    def __init__(s):
        super().__init__()
        s.c1 = torch.nn.Conv1d(4, 8, 3, stride=2, padding=1)
        s.bn = torch.nn.BatchNorm1d(8)
        s.p1 = torch.nn.MaxPool1d(2)
        s.c2 = torch.nn.Conv1d(8, 6, 3, dilation=2, padding=2, bias=False)
        s.p2 = torch.nn.AvgPool1d(3, stride=2, padding=1, count_include_pad=False)
    def forward(s, x):
        y = torch.relu(s.bn(s.c1(x)))
        return s.p2(s.c2(s.p1(y)))
m = M().eval()
with torch.no_grad():
    m.bn.running_mean.uniform_(-0.5, 0.5); m.bn.running_var.uniform_(0.5, 2.0)
x = torch.randn(3, 4, 37)
torch.onnx.export(m, x, "model.onnx", opset_version=13, input_names=["x"], output_names=["y"])
np.save("input.npy", x.numpy())
np.save("expected_output.npy", m(x).detach().numpy())
print(m(x).shape)
