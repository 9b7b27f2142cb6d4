"""Exports a small spiking CNN with torch.onnx.export for the importer tests.

usage: export_small_snn.py OUT.onnx OPSET
Conv -> BatchNorm -> sparseflow::LIF -> MaxPool -> Flatten -> Linear -> Softmax,
batch dimension dynamic ("N").
"""
import sys

import torch


class LIFSpike(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        return (x >= 1.0).to(x.dtype)

    @staticmethod
    def symbolic(g, x):
        return g.op("sparseflow::LIF", x, steps_i=2, tau_f=2.0, v_threshold_f=1.0)


class Net(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(3, 8, 3, padding=1)
        self.bn = torch.nn.BatchNorm2d(8)
        self.pool = torch.nn.MaxPool2d(2)
        self.fc = torch.nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        y = self.pool(LIFSpike.apply(self.bn(self.conv(x))))
        return torch.softmax(self.fc(y.flatten(1)), dim=-1)


def main():
    torch.manual_seed(0)
    torch.onnx.export(Net().eval(), torch.zeros(2, 3, 8, 8), sys.argv[1],
                      opset_version=int(sys.argv[2]), input_names=["x"], output_names=["y"],
                      dynamic_axes={"x": {0: "N"}, "y": {0: "N"}},
                      custom_opsets={"sparseflow": 1})


if __name__ == "__main__":
    main()
