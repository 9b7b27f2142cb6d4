// Helpers that build small hand-made graphs with shapes set directly, for the
// pass and plan tests. Every op adds one float32 output named after the node.
#ifndef SF_TESTS_PASSES_TEST_GRAPHS_H_
#define SF_TESTS_PASSES_TEST_GRAPHS_H_

#include <string>
#include <vector>

#include "graph/graph.h"

namespace sf::testing {

// Attributes holding one list of ints (perm, axes, ...).
inline Attrs IntsAttr(const std::string& name, std::vector<int64_t> values) {
  Attrs a;
  a.Set(name, std::move(values));
  return a;
}

class GraphBuilder {
 public:
  ValueId Input(const std::string& name, std::vector<int64_t> dims,
                DataType dtype = DataType::kFloat32) {
    ValueId v = g_.AddValue(name, dtype, MakeShape(dims));
    g_.AddInput(v);
    return v;
  }

  ValueId Const(const std::string& name, std::vector<int64_t> dims, float fill) {
    Tensor t = Tensor::Create(DataType::kFloat32, dims).value();
    for (float& f : t.span<float>()) f = fill;
    return g_.AddConstant(name, t);
  }

  // A node with one output "<name>:0" of shape `out_dims` (rank unknown when empty
  // and `known` is false).
  ValueId Op(OpType op, const std::string& name, std::vector<ValueId> inputs,
             std::vector<int64_t> out_dims, Attrs attrs = {},
             DataType out_dtype = DataType::kFloat32) {
    ValueId out = g_.AddValue(name + ":0", out_dtype, MakeShape(out_dims));
    last_node_ = g_.AddNode(Node{name, op, std::move(inputs), {out}, std::move(attrs)});
    return out;
  }

  // Conv with a [c_out, c_in, k, k] weight (constant 0.5), square kernel,
  // stride and symmetric pad; output shape computed.
  ValueId Conv(const std::string& name, ValueId x, int64_t c_out, int64_t k,
               int64_t stride = 1, int64_t pad = -1, Attrs extra = {}) {
    if (pad < 0) pad = k / 2;
    const Shape s = *g_.value(x).shape;  // a copy: adding values reallocates
    int64_t c_in = s[1].value;
    ValueId w = Const(name + ".weight", {c_out, c_in, k, k}, 0.5f);
    Attrs attrs = std::move(extra);
    attrs.Set("kernel_shape", std::vector<int64_t>{k, k});
    attrs.Set("strides", std::vector<int64_t>{stride, stride});
    attrs.Set("pads", std::vector<int64_t>{pad, pad, pad, pad});
    int64_t oh = (s[2].value + 2 * pad - k) / stride + 1;
    int64_t ow = (s[3].value + 2 * pad - k) / stride + 1;
    return Op(OpType::kConv, name, {x, w}, {s[0].value, c_out, oh, ow}, std::move(attrs));
  }

  // An op whose output has the same shape as its first input.
  ValueId Same(OpType op, const std::string& name, std::vector<ValueId> inputs,
               Attrs attrs = {}) {
    std::vector<int64_t> dims = *ConcreteDims(*g_.value(inputs[0]).shape);
    return Op(op, name, std::move(inputs), dims, std::move(attrs));
  }

  ValueId Lif(const std::string& name, ValueId x) {
    Attrs a;
    a.Set("steps", int64_t{1});
    a.Set("tau", 2.0f);
    return Same(OpType::kLIF, name, {x}, std::move(a));
  }

  // BatchNormalization with per-channel constants.
  ValueId BatchNorm(const std::string& name, ValueId x) {
    int64_t c = (*g_.value(x).shape)[1].value;
    std::vector<ValueId> in = {x};
    for (const char* p : {"scale", "bias", "mean", "var"}) {
      in.push_back(Const(name + "." + p, {c}, 1.0f));
    }
    return Same(OpType::kBatchNormalization, name, std::move(in));
  }

  int last_node() const { return last_node_; }
  Graph& graph() { return g_; }

 private:
  Graph g_;
  int last_node_ = -1;
};

}  // namespace sf::testing

#endif  // SF_TESTS_PASSES_TEST_GRAPHS_H_
