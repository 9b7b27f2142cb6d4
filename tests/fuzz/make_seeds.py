#!/usr/bin/python3
"""Writes the hand-made seeds of tests/fuzz/corpus (small valid and malformed inputs).

    /usr/bin/python3 tests/fuzz/make_seeds.py

corpus/run gets tiny one-op graphs (each runs in microseconds); corpus/onnx_import
gets the same plus malformed models; corpus/npy gets .npy files of every supported
dtype, byte order, layout and version, and malformed ones. Real models
(models/fmnist_snn/model.onnx, exports of models/make_test_models.py) are copied
into corpus/onnx_import by hand (see docs/security.md).
"""

import io
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

HERE = os.path.dirname(os.path.abspath(__file__))
F = TensorProto.FLOAT


def value(name, dims, elem=F):
  return helper.make_tensor_value_info(name, elem, dims)


def model(nodes, inputs, outputs, inits=(), opset=17, neurons=False):
  opsets = [helper.make_opsetid("", opset)]
  if neurons:
    opsets.append(helper.make_opsetid("sparseflow", 1))
  graph = helper.make_graph(nodes, "seed", inputs, outputs,
                            [numpy_helper.from_array(np.asarray(a), n) for n, a in inits])
  m = helper.make_model(graph, opset_imports=opsets)
  m.ir_version = 8
  return m.SerializeToString()


def node(op, ins, outs, domain="", **attrs):
  return helper.make_node(op, ins, outs, name=f"{op.lower()}_0", domain=domain, **attrs)


def f32(*shape):
  return (np.arange(np.prod(shape), dtype=np.float32).reshape(shape) % 5 - 2) / 2


def i64(*v):
  return np.array(v, dtype=np.int64)


def onnx_seeds():
  x = [value("x", [1, 2, 4, 4])]
  y = [value("y", None)]
  s = {}
  s["relu"] = model([node("Relu", ["x"], ["y"])], [value("x", ["N", 4])], y)
  s["conv"] = model([node("Conv", ["x", "w", "b"], ["y"], pads=[1, 1, 1, 1], strides=[2, 1])],
                    x, y, [("w", f32(3, 2, 3, 3)), ("b", f32(3))])
  s["conv_group"] = model([node("Conv", ["x", "w"], ["y"], group=2, auto_pad="SAME_UPPER")], x, y,
                          [("w", f32(2, 1, 2, 2))])
  for kind, extra in (("IF", {}), ("LIF", {"tau": 2.0, "decay_input": 1}), ("PLIF", {"w": 0.0})):
    s[f"neuron_{kind.lower()}"] = model(
        [node(kind, ["x"], ["y"], domain="sparseflow", steps=2, v_threshold=0.5, v_reset=0.0,
              soft_reset=0, **extra)], [value("x", [4, 3, 2, 2])], y, neurons=True)
  s["maxpool"] = model([node("MaxPool", ["x"], ["y"], kernel_shape=[2, 2], strides=[2, 2])], x, y)
  s["avgpool"] = model([node("AveragePool", ["x"], ["y"], kernel_shape=[3, 3], pads=[1, 1, 1, 1],
                             count_include_pad=0)], x, y)
  s["gap"] = model([node("GlobalAveragePool", ["x"], ["y"])], x, y)
  # 1-D ops (graph/passes/lift_1d.h): a conv with a BatchNormalization after it, pools.
  x1 = [value("x", [1, 2, 9])]
  s["conv1d"] = model([node("Conv", ["x", "w"], ["c"], kernel_shape=[3], pads=[1, 2], strides=[2]),
                       helper.make_node("BatchNormalization", ["c", "s", "b", "m", "v"], ["y"],
                                        name="bn_0")], x1, y,
                      [("w", f32(3, 2, 3)), ("s", f32(3)), ("b", f32(3)), ("m", f32(3)),
                       ("v", np.ones(3, np.float32))])
  # A 1-D spiking chain: the LIFs and the Add stay on the lifted 4-D side; "s" is
  # also an output, so its Squeeze stays.
  s["snn1d"] = model(
      [node("Conv", ["x", "w"], ["c"], kernel_shape=[3], pads=[1, 1]),
       helper.make_node("LIF", ["c"], ["s"], name="lif_0", domain="sparseflow", steps=1, tau=2.0),
       helper.make_node("Conv", ["s", "w2"], ["c2"], name="conv_1", kernel_shape=[3], pads=[1, 1]),
       helper.make_node("Add", ["c2", "s"], ["a"], name="add_0"),
       helper.make_node("LIF", ["a"], ["l"], name="lif_1", domain="sparseflow", steps=1, tau=2.0),
       helper.make_node("MaxPool", ["l"], ["y"], name="pool_0", kernel_shape=[2], strides=[2])],
      x1, y + [value("s", None)], [("w", f32(3, 2, 3)), ("w2", f32(3, 3, 3))], neurons=True)
  s["maxpool1d"] = model([node("MaxPool", ["x"], ["y"], kernel_shape=[2], strides=[2])], x1, y)
  s["avgpool1d"] = model([node("AveragePool", ["x"], ["y"], kernel_shape=[3], pads=[1, 0])], x1, y)
  s["batchnorm"] = model([node("BatchNormalization", ["x", "s", "b", "m", "v"], ["y"])], x, y,
                         [("s", f32(2)), ("b", f32(2)), ("m", f32(2)), ("v", np.ones(2, np.float32))])
  s["gemm"] = model([node("Gemm", ["a", "w", "c"], ["y"], transB=1, alpha=0.5)],
                    [value("a", [2, 3])], y, [("w", f32(4, 3)), ("c", f32(4))])
  s["matmul"] = model([node("MatMul", ["a", "w"], ["y"])], [value("a", [2, 1, 3])], y,
                      [("w", f32(2, 3, 2))])
  # Spiking self-attention (Spikformer): LIF spikes reshaped to heads, (q k^T) * scale @ v.
  s["attention"] = model(
      [node("LIF", ["x"], ["q"], domain="sparseflow", steps=2, tau=2.0),
       helper.make_node("Reshape", ["q", "sh"], ["h"], name="reshape_0"),
       helper.make_node("Transpose", ["h"], ["ht"], name="transpose_0", perm=[0, 1, 3, 2]),
       helper.make_node("MatMul", ["ht", "h"], ["qk"], name="matmul_0"),
       helper.make_node("Mul", ["qk", "scale"], ["att"], name="mul_0"),
       helper.make_node("MatMul", ["att", "ht"], ["y"], name="matmul_1")],
      [value("x", [4, 6, 3])], y, [("sh", i64(4, 2, 3, 3)), ("scale", np.float32(0.25))],
      neurons=True)
  s["softmax"] = model([node("Softmax", ["x"], ["y"], axis=1)], x, y, opset=11)
  s["reduce"] = model([node("ReduceMean", ["x", "axes"], ["y"], keepdims=0)], x, y,
                      [("axes", i64(1, -1))], opset=18)
  s["transpose"] = model([node("Transpose", ["x"], ["y"], perm=[0, 2, 3, 1])], x, y)
  s["concat"] = model([node("Concat", ["x", "x"], ["y"], axis=-3)], x, y)
  s["slice"] = model([node("Slice", ["x", "st", "en", "ax", "sp"], ["y"])], x, y,
                     [("st", i64(-1, 0)), ("en", i64(-5, 9)), ("ax", i64(3, 2)), ("sp", i64(-2, 3))])
  s["pad"] = model([node("Pad", ["x", "p"], ["y"], mode="reflect")], x, y,
                   [("p", i64(0, 0, 1, 2, 0, 0, 2, 1))])
  s["gather"] = model([node("Gather", ["x", "i"], ["y"], axis=2)], x, y, [("i", i64(-1, 0, 3))])
  s["where"] = model([node("Greater", ["x", "z"], ["c"]), node("Where", ["c", "x", "z"], ["y"])],
                     x, y, [("z", np.float32(0.25))])
  s["cast"] = model([node("Cast", ["x"], ["y"], to=TensorProto.INT64)], x, y)
  s["expand"] = model([node("Expand", ["a", "sh"], ["y"])], [value("a", [3, 1])], y,
                      [("sh", i64(2, 1, 4))])
  s["constant_of_shape"] = model(
      [node("Shape", ["x"], ["sh"]), node("ConstantOfShape", ["sh"], ["y"],
                                           value=helper.make_tensor("v", F, [1], [1.5]))], x, y)
  s["clip"] = model([node("Clip", ["x", "lo", "hi"], ["y"])], x, y,
                    [("lo", np.float32(-0.5)), ("hi", np.float32(0.5))])
  s["flatten_reshape"] = model(
      [node("Flatten", ["x"], ["f"], axis=2),
       helper.make_node("Reshape", ["f", "sh"], ["y"], name="reshape_0")], x, y,
      [("sh", i64(0, -1))])
  s["squeeze_unsqueeze"] = model(
      [node("Unsqueeze", ["x", "a"], ["u"]),
       helper.make_node("Squeeze", ["u", "a"], ["y"], name="squeeze_1")], x, y,
      [("a", i64(0))])
  # What torch's x.view(x.size(0), -1) exports: Shape -> Gather -> Unsqueeze -> Concat -> Reshape.
  s["shape_subgraph"] = model(
      [node("Shape", ["x"], ["s"]),
       helper.make_node("Gather", ["s", "zero"], ["n"], name="gather_1", axis=0),
       helper.make_node("Unsqueeze", ["n", "ax"], ["n1"], name="unsqueeze_1"),
       helper.make_node("Concat", ["n1", "minus1"], ["sh"], name="concat_1", axis=0),
       helper.make_node("Reshape", ["x", "sh"], ["y"], name="reshape_1")],
      [value("x", ["N", 2, 4, 4])], y,
      [("zero", np.int64(0)), ("ax", i64(0)), ("minus1", i64(-1))])
  s["elementwise"] = model(
      [node("Add", ["x", "x"], ["a"]), helper.make_node("Mul", ["a", "x"], ["m"], name="mul_1"),
       helper.make_node("Div", ["m", "two"], ["d"], name="div_1"),
       helper.make_node("Sigmoid", ["d"], ["y"], name="sigmoid_1")], x, y,
      [("two", np.float32(2))])
  return s


def malformed_onnx(valid):
  relu = valid["relu"]
  m = onnx.load_from_string(relu)
  bad = {"truncated": relu[: len(relu) // 2], "garbage": b"\x08\x96\x01\x12\xff\xff\xff\x0f"}
  m.ir_version = 99
  bad["ir_version_99"] = m.SerializeToString()
  m = onnx.load_from_string(relu)
  m.opset_import[0].version = 30
  bad["opset_30"] = m.SerializeToString()
  m = onnx.load_from_string(valid["conv"])
  m.graph.initializer[0].dims[0] = 1 << 40
  bad["huge_initializer"] = m.SerializeToString()
  return bad


def npy_bytes(a, version=None, fortran=False):
  buf = io.BytesIO()
  if fortran:
    a = np.asfortranarray(a)
  np.lib.format.write_array(buf, a, version=version)
  return buf.getvalue()


def npy_seeds():
  s = {
      "f4": npy_bytes(f32(2, 3)),
      "f8_scalar": npy_bytes(np.float64(3.5)),
      "i8_big_endian": npy_bytes(np.arange(4, dtype=">i8")),
      "i4_empty": npy_bytes(np.zeros((0, 3), np.int32)),
      "bool": npy_bytes(np.array([True, False, True])),
      "u1_fortran": npy_bytes(np.arange(6, dtype=np.uint8).reshape(2, 3), fortran=True),
      "f4_fortran_3d": npy_bytes(f32(2, 3, 2), fortran=True),
      "i1_v2": npy_bytes(np.arange(5, dtype=np.int8), version=(2, 0)),
      "f4_v3": npy_bytes(f32(3), version=(3, 0)),
  }
  good = s["f4"]
  s["bad_magic"] = b"\x93NUMPZ" + good[6:]
  s["truncated_data"] = good[:-3]
  s["header_len_huge"] = good[:8] + b"\xff\xff" + good[10:]
  s["object_dtype"] = good.replace(b"'<f4'", b"'|O8'" [:5])
  s["overflow_shape"] = good.replace(b"(2, 3)", b"(9223372036854775807, 3)").replace(b" " * 19, b"", 1)
  return s


def write(folder, seeds, ext):
  os.makedirs(folder, exist_ok=True)
  for name, data in seeds.items():
    with open(os.path.join(folder, name + ext), "wb") as f:
      f.write(data)


def main():
  valid = onnx_seeds()
  write(os.path.join(HERE, "corpus", "run"), valid, ".onnx")
  write(os.path.join(HERE, "corpus", "onnx_import"), {**valid, **malformed_onnx(valid)}, ".onnx")
  write(os.path.join(HERE, "corpus", "npy"), npy_seeds(), ".npy")


if __name__ == "__main__":
  main()
