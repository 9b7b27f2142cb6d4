"""A 1-D spiking net (random weights) for timing the 1-D lift (run 1 of the
twenty-sixth run): input [T*N=64, 16, 256] (T=4, N=16), conv1d + LIF stem, two
residual blocks (conv1d -> LIF -> conv1d -> Add -> LIF), MaxPool1d between, a
global average pool and a Gemm. Writes snn1d.onnx into the folder given.

    /usr/bin/python3 make_snn1d.py OUT_DIR [SCALE BIAS [scaled]]
"""
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

rng = np.random.default_rng(0)
# Weights N(0, SCALE^2 / fan_in) and biases N(BIAS, 0.01): every LIF fires (run 1's
# 2.0 and 0.0 left the second block silent and the logits all 0; run 4 on).
SCALE = float(sys.argv[2]) if len(sys.argv) > 2 else 2.5
BIAS = float(sys.argv[3]) if len(sys.argv) > 3 else 0.3
# "scaled": each block's second conv output is multiplied by a scalar 0.75 before its Add
# (run 6: an elementwise op with a scalar constant on the lifted side).
SCALED = len(sys.argv) > 4 and sys.argv[4] == "scaled"
nodes, inits = [], []


def conv(name, x, cin, cout):
    w = (rng.standard_normal((cout, cin, 3)) * (SCALE / np.sqrt(cin * 3))).astype(np.float32)
    b = (rng.standard_normal(cout) * 0.1 + BIAS).astype(np.float32)
    inits.append(numpy_helper.from_array(w, name + "_w"))
    inits.append(numpy_helper.from_array(b, name + "_b"))
    nodes.append(helper.make_node("Conv", [x, name + "_w", name + "_b"], [name], name=name,
                                  kernel_shape=[3], pads=[1, 1]))
    return name


def lif(name, x):
    nodes.append(helper.make_node("LIF", [x], [name], name=name, domain="sparseflow", steps=4,
                                  tau=2.0))
    return name


def block(name, x, c):
    a = lif(name + "_lif_a", conv(name + "_conv_a", x, c, c))
    b = conv(name + "_conv_b", a, c, c)
    if SCALED:
        if not any(i.name == "three_quarters" for i in inits):
            inits.append(numpy_helper.from_array(np.array(0.75, np.float32), "three_quarters"))
        nodes.append(helper.make_node("Mul", [b, "three_quarters"], [name + "_scaled"],
                                      name=name + "_scale"))
        b = name + "_scaled"
    nodes.append(helper.make_node("Add", [b, x], [name + "_add"], name=name + "_add"))
    return lif(name + "_lif_b", name + "_add")


def pool(name, x):
    nodes.append(helper.make_node("MaxPool", [x], [name], name=name, kernel_shape=[2], strides=[2]))
    return name


s = lif("stem_lif", conv("stem_conv", "x", 16, 64))
s = pool("pool1", block("block1", s, 64))
s = lif("down_lif", conv("down_conv", s, 64, 128))
s = pool("pool2", block("block2", s, 128))
nodes.append(helper.make_node("GlobalAveragePool", [s], ["gap"], name="gap"))
nodes.append(helper.make_node("Flatten", ["gap"], ["flat"], name="flat"))
fc = (rng.standard_normal((10, 128)) * 0.1).astype(np.float32)
inits.append(numpy_helper.from_array(fc, "fc_w"))
nodes.append(helper.make_node("Gemm", ["flat", "fc_w"], ["logits"], name="fc", transB=1))
graph = helper.make_graph(nodes, "snn1d",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [64, 16, 256])],
                          [helper.make_tensor_value_info("logits", TensorProto.FLOAT, [64, 10])],
                          inits)
model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13),
                                                helper.make_opsetid("sparseflow", 1)])
onnx.checker.check_model(model)
onnx.save(model, sys.argv[1] + ("/snn1d_scaled.onnx" if SCALED else "/snn1d.onnx"))
