#include "graph/passes/fold_batchnorm.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status.h"
#include "graph/topo.h"

namespace sf {
namespace {

// BatchNormalization inputs (normalized IR: X, scale, B, mean, var).
enum BnInput { kBnX = 0, kBnScale, kBnBias, kBnMean, kBnVar, kBnInputs };

// A float32 constant with exactly `count` elements, or nullptr.
const Tensor* FloatConstant(const Graph& graph, ValueId v, int64_t count) {
  if (v == kNoValue) return nullptr;
  const std::optional<Tensor>& c = graph.value(v).constant;
  if (!c || c->dtype() != DataType::kFloat32 || c->num_elements() != count) return nullptr;
  return &*c;
}

// The index of the Conv that BN node `bn` can be folded into, or nullopt.
std::optional<int> FoldableConv(const Graph& graph, const std::vector<std::vector<int>>& consumers,
                                int bn) {
  const Node& node = graph.node(bn);
  if (node.op != OpType::kBatchNormalization || node.inputs.size() != kBnInputs ||
      node.outputs.size() != 1 || node.inputs[kBnX] == kNoValue) {
    return std::nullopt;
  }
  const ValueId x = node.inputs[kBnX];
  const int conv = graph.value(x).producer;
  if (conv < 0 || graph.node(conv).op != OpType::kConv) return std::nullopt;
  const Node& c = graph.node(conv);
  if (c.outputs.size() != 1 || c.inputs.size() < 2 || consumers[x].size() != 1 ||
      graph.IsOutput(x)) {
    return std::nullopt;
  }
  const std::optional<Tensor>& w = graph.value(c.inputs[1]).constant;
  if (!w || w->dtype() != DataType::kFloat32 || w->rank() != 4) return std::nullopt;
  const int64_t channels = w->dim(0);
  if (c.inputs.size() > 2 && c.inputs[2] != kNoValue &&
      FloatConstant(graph, c.inputs[2], channels) == nullptr) {
    return std::nullopt;
  }
  for (int i = kBnScale; i < kBnInputs; ++i) {
    if (FloatConstant(graph, node.inputs[i], channels) == nullptr) return std::nullopt;
  }
  return conv;
}

// Stores `t` as the constant of `v` when only `node` reads it (the old tensor's
// buffer is left alone: other graph copies may share it), else as a new value.
ValueId StoreConstant(Graph& graph, const std::vector<std::vector<int>>& consumers, int node,
                      ValueId v, Tensor t, absl::string_view fallback_name) {
  const bool private_value =
      v != kNoValue && consumers[v].size() == 1 && consumers[v][0] == node && !graph.IsOutput(v);
  if (private_value) {
    graph.value(v).shape = MakeShape(t.dims());  // a one-element bias becomes [C]
    graph.value(v).constant = std::move(t);
    return v;
  }
  return graph.AddConstant(graph.UniqueValueName(fallback_name), std::move(t));
}

// k[c] = scale[c] / sqrt(var[c] + epsilon) of BN node `bn_index`, in double.
absl::StatusOr<std::vector<double>> Multipliers(const Graph& graph, int bn_index,
                                                int64_t channels) {
  const Node& bn = graph.node(bn_index);
  const absl::StatusOr<float> epsilon_or = bn.attrs.GetFloatOr("epsilon", 1e-5f);
  if (!epsilon_or.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("node '", bn.name, "': ", epsilon_or.status().message()));
  }
  const double epsilon = *epsilon_or;
  const float* scale = graph.value(bn.inputs[kBnScale]).constant->data<float>();
  const float* var = graph.value(bn.inputs[kBnVar]).constant->data<float>();
  std::vector<double> k(channels);
  for (int64_t c = 0; c < channels; ++c) {
    k[c] = static_cast<double>(scale[c]) / std::sqrt(static_cast<double>(var[c]) + epsilon);
  }
  return k;
}

absl::Status Fold(Graph& graph, const std::vector<std::vector<int>>& consumers, int conv_index,
                  int bn_index) {
  const Node& conv = graph.node(conv_index);
  const ValueId weight_id = conv.inputs[1];
  const ValueId bias_id = conv.inputs.size() > 2 ? conv.inputs[2] : kNoValue;
  const Tensor& w = *graph.value(weight_id).constant;
  const int64_t channels = w.dim(0);
  const int64_t per_channel = channels == 0 ? 0 : w.num_elements() / channels;
  SF_ASSIGN_OR_RETURN(const std::vector<double> k, Multipliers(graph, bn_index, channels));
  const Node& bn = graph.node(bn_index);
  const Tensor* b = bias_id == kNoValue ? nullptr : &*graph.value(bias_id).constant;
  const float* shift = graph.value(bn.inputs[kBnBias]).constant->data<float>();
  const float* mean = graph.value(bn.inputs[kBnMean]).constant->data<float>();

  SF_ASSIGN_OR_RETURN(Tensor new_w, Tensor::Create(DataType::kFloat32, w.dims(), conv.name));
  SF_ASSIGN_OR_RETURN(Tensor new_b, Tensor::Create(DataType::kFloat32, {channels}, conv.name));
  for (int64_t c = 0; c < channels; ++c) {
    const float* src = w.data<float>() + c * per_channel;
    float* dst = new_w.data<float>() + c * per_channel;
    for (int64_t i = 0; i < per_channel; ++i) dst[i] = static_cast<float>(src[i] * k[c]);
    const double bias = b == nullptr ? 0.0 : b->data<float>()[c];
    new_b.data<float>()[c] = static_cast<float>((bias - mean[c]) * k[c] + shift[c]);
  }

  const std::string conv_name = conv.name;
  const ValueId bn_out = bn.outputs[0];
  const ValueId w_out = StoreConstant(graph, consumers, conv_index, weight_id, std::move(new_w),
                                      absl::StrCat(conv_name, ".folded_weight"));
  const ValueId b_out = StoreConstant(graph, consumers, conv_index, bias_id, std::move(new_b),
                                      absl::StrCat(conv_name, ".folded_bias"));
  Node& c = graph.node(conv_index);
  c.inputs.resize(3);
  c.inputs[1] = w_out;
  c.inputs[2] = b_out;
  c.outputs[0] = bn_out;
  return absl::OkStatus();
}

// ---------------------------------------------------------------- MatMul / Gemm

// A BatchNormalization whose channels are the output columns of a MatMul or
// Gemm with a constant weight:
//   MatMul(X, W) [-> Add(., bias)] [-> Transpose] -> BN      or   Gemm -> BN.
// The Transpose must bring the last axis to axis 1 (the BN's channel axis);
// without one the BN's input must be rank 2.
struct LinearChain {
  int linear = -1;     // the MatMul or Gemm
  int add = -1;        // the MatMul's bias Add, or -1
  int add_const = -1;  // which input of the Add is the bias
  int transpose = -1;  // or -1
  int64_t channels = 0;
};

// The known rank of `v`, or -1.
int RankOf(const Graph& graph, ValueId v) {
  const std::optional<Shape>& s = graph.value(v).shape;
  return s ? static_cast<int>(s->size()) : -1;
}

// Whether only one node reads `v` and it is not a graph output: the chain may
// rewrite the node that writes it.
bool PrivateLink(const Graph& graph, const std::vector<std::vector<int>>& consumers, ValueId v) {
  return consumers[v].size() == 1 && !graph.IsOutput(v);
}

// Whether a bias constant of `count` elements broadcasts along the last axis of
// a rank-`rank` value with `channels` columns: [.., 1, channels] or one element.
bool IsColumnBias(const Tensor& t, int rank, int64_t channels) {
  if (t.dtype() != DataType::kFloat32 || t.rank() > rank) return false;
  if (t.num_elements() == 1) return true;
  if (t.num_elements() != channels || t.rank() == 0) return false;
  return t.dims().back() == channels;
}

// The channel count of a foldable MatMul/Gemm node, or 0.
int64_t LinearChannels(const Graph& graph, const Node& node) {
  if (node.outputs.size() != 1 || node.inputs.size() < 2) return 0;
  const std::optional<Tensor>& w = graph.value(node.inputs[1]).constant;
  if (!w || w->dtype() != DataType::kFloat32 || w->rank() != 2) return 0;
  if (node.op == OpType::kMatMul) return node.inputs.size() == 2 ? w->dim(1) : 0;
  if (node.op != OpType::kGemm || node.inputs.size() > 3) return 0;
  const absl::StatusOr<int64_t> trans_b = node.attrs.GetIntOr("transB", 0);
  if (!trans_b.ok()) return 0;
  const int64_t channels = *trans_b != 0 ? w->dim(0) : w->dim(1);
  if (node.inputs.size() == 3 && node.inputs[2] != kNoValue) {
    const std::optional<Tensor>& c = graph.value(node.inputs[2]).constant;
    if (!c || !IsColumnBias(*c, 2, channels)) return 0;
  }
  return channels;
}

std::optional<LinearChain> FoldableLinear(const Graph& graph,
                                          const std::vector<std::vector<int>>& consumers, int bn) {
  const Node& node = graph.node(bn);
  if (node.op != OpType::kBatchNormalization || node.inputs.size() != kBnInputs ||
      node.outputs.size() != 1 || node.inputs[kBnX] == kNoValue) {
    return std::nullopt;
  }
  LinearChain chain;
  ValueId v = node.inputs[kBnX];
  if (graph.value(v).dtype != DataType::kFloat32) return std::nullopt;
  auto producer_of = [&](ValueId x) -> int {
    return PrivateLink(graph, consumers, x) ? graph.value(x).producer : -1;
  };
  int p = producer_of(v);
  if (p < 0) return std::nullopt;
  if (graph.node(p).op == OpType::kTranspose) {
    const Node& t = graph.node(p);
    const int rank = RankOf(graph, t.inputs[0]);
    if (t.inputs.size() != 1 || t.outputs.size() != 1 || rank < 2) return std::nullopt;
    const absl::StatusOr<std::vector<int64_t>> perm = t.attrs.GetIntsOr("perm", {});
    if (!perm.ok()) return std::nullopt;
    // Absent: the axes reversed, so axis 1 comes from axis rank - 2.
    const int64_t to_axis1 =
        perm->empty() ? rank - 2 : (perm->size() == static_cast<size_t>(rank) ? (*perm)[1] : -1);
    if (to_axis1 != rank - 1) return std::nullopt;
    chain.transpose = p;
    v = t.inputs[0];
    p = producer_of(v);
  } else if (RankOf(graph, v) != 2) {
    return std::nullopt;
  }
  if (p >= 0 && graph.node(p).op == OpType::kAdd && graph.node(p).inputs.size() == 2 &&
      graph.node(p).outputs.size() == 1) {
    const Node& add = graph.node(p);
    for (int i = 0; i < 2; ++i) {
      const ValueId other = add.inputs[1 - i];
      if (!graph.value(add.inputs[i]).constant || other == kNoValue) continue;
      const int q = graph.value(other).producer;
      if (q < 0 || graph.node(q).op != OpType::kMatMul) continue;
      chain.add = p;
      chain.add_const = i;
      v = other;
      p = producer_of(v);
      break;
    }
    if (chain.add < 0) return std::nullopt;
  }
  if (p < 0) return std::nullopt;
  const Node& linear = graph.node(p);
  chain.linear = p;
  chain.channels = LinearChannels(graph, linear);
  if (chain.channels <= 0) return std::nullopt;
  const int rank = RankOf(graph, linear.outputs[0]);
  if (rank < 2) return std::nullopt;
  if (chain.add >= 0) {
    const Node& add = graph.node(chain.add);
    const Tensor& bias = *graph.value(add.inputs[chain.add_const]).constant;
    if (!IsColumnBias(bias, rank, chain.channels) || RankOf(graph, add.outputs[0]) != rank) {
      return std::nullopt;
    }
  }
  for (int i = kBnScale; i < kBnInputs; ++i) {
    if (FloatConstant(graph, node.inputs[i], chain.channels) == nullptr) return std::nullopt;
  }
  return chain;
}

// Folds `bn` into `chain` (see FoldBatchNormIntoLinear). May append an Add node
// (a MatMul without one); returns whether it did.
absl::StatusOr<bool> FoldLinear(Graph& graph, const std::vector<std::vector<int>>& consumers,
                                const LinearChain& chain, int bn_index) {
  SF_ASSIGN_OR_RETURN(const std::vector<double> k, Multipliers(graph, bn_index, chain.channels));
  const Node& bn = graph.node(bn_index);
  auto param = [&](int i) { return graph.value(bn.inputs[i]).constant->data<float>(); };
  const float* shift = param(kBnBias);
  const float* mean = param(kBnMean);
  const int64_t channels = chain.channels;
  const Node& linear = graph.node(chain.linear);
  const std::string name = linear.name;
  const ValueId weight_id = linear.inputs[1];
  const Tensor& w = *graph.value(weight_id).constant;
  const OpType op = linear.op;
  const bool rows_are_channels =
      op == OpType::kGemm && linear.attrs.GetIntOr("transB", 0).value() != 0;

  // W' = W with each channel's column (row for Gemm's transB) times k.
  SF_ASSIGN_OR_RETURN(Tensor new_w, Tensor::Create(DataType::kFloat32, w.dims(), name));
  const int64_t rows = w.dim(0), cols = w.dim(1);
  for (int64_t r = 0; r < rows; ++r) {
    for (int64_t c = 0; c < cols; ++c) {
      const double m = k[rows_are_channels ? r : c];
      new_w.data<float>()[r * cols + c] = static_cast<float>(w.data<float>()[r * cols + c] * m);
    }
  }

  // The bias before the BN, per channel: the Add's constant, or beta * C.
  ValueId bias_id = kNoValue;
  double scale = 1.0;
  if (chain.add >= 0) {
    bias_id = graph.node(chain.add).inputs[chain.add_const];
  } else if (op == OpType::kGemm) {
    bias_id = linear.inputs.size() > 2 ? linear.inputs[2] : kNoValue;
    SF_ASSIGN_OR_RETURN(const float beta, linear.attrs.GetFloatOr("beta", 1.0f));
    scale = beta;
  }
  const Tensor* old_b = bias_id == kNoValue ? nullptr : &*graph.value(bias_id).constant;
  std::vector<int64_t> b_dims = {channels};
  if (old_b != nullptr && old_b->num_elements() == channels) b_dims = old_b->dims();
  SF_ASSIGN_OR_RETURN(Tensor new_b, Tensor::Create(DataType::kFloat32, b_dims, name));
  for (int64_t c = 0; c < channels; ++c) {
    const double b =
        old_b == nullptr ? 0.0 : scale * old_b->data<float>()[old_b->num_elements() == 1 ? 0 : c];
    new_b.data<float>()[c] = static_cast<float>((b - mean[c]) * k[c] + shift[c]);
  }

  const ValueId bn_out = bn.outputs[0];
  const int bias_reader = chain.add >= 0 ? chain.add : chain.linear;
  const ValueId w_out = StoreConstant(graph, consumers, chain.linear, weight_id, std::move(new_w),
                                      absl::StrCat(name, ".folded_weight"));
  const ValueId b_out = StoreConstant(graph, consumers, bias_reader, bias_id, std::move(new_b),
                                      absl::StrCat(name, ".folded_bias"));
  graph.node(chain.linear).inputs[1] = w_out;
  int last = chain.transpose >= 0 ? chain.transpose : chain.linear;
  bool added = false;
  if (chain.add >= 0) {
    graph.node(chain.add).inputs[chain.add_const] = b_out;
    if (chain.transpose < 0) last = chain.add;
  } else if (op == OpType::kGemm) {
    Node& gemm = graph.node(chain.linear);
    gemm.inputs.resize(3);
    gemm.inputs[2] = b_out;
    gemm.attrs.Set("beta", 1.0f);
  } else {
    // A MatMul without a bias: it writes a new value that a new Add reads.
    const ValueId y = graph.node(chain.linear).outputs[0];
    const Value like = graph.value(y);
    const ValueId product = graph.AddValue(
        graph.UniqueValueName(absl::StrCat(like.name, ".product")), like.dtype, like.shape);
    graph.node(chain.linear).outputs[0] = product;
    graph.value(product).producer = chain.linear;
    const int add = graph.AddNode(
        Node{absl::StrCat(name, ".folded_bn"), OpType::kAdd, {product, b_out}, {y}, {}});
    if (chain.transpose < 0) last = add;
    added = true;
  }
  graph.node(last).outputs[0] = bn_out;
  graph.value(bn_out).producer = last;
  return added;
}

}  // namespace

absl::StatusOr<int> FoldBatchNormIntoConv(Graph& graph) {
  const std::vector<std::vector<int>> consumers = graph.Consumers();
  std::vector<bool> keep(graph.num_nodes(), true);
  int folded = 0;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const std::optional<int> conv = FoldableConv(graph, consumers, i);
    if (!conv) continue;
    SF_RETURN_IF_ERROR(Fold(graph, consumers, *conv, i));
    keep[i] = false;
    ++folded;
  }
  if (folded > 0) graph.KeepNodes(keep);
  return folded;
}

absl::StatusOr<int> FoldBatchNormIntoLinear(Graph& graph) {
  const std::vector<std::vector<int>> consumers = graph.Consumers();
  std::vector<bool> keep(graph.num_nodes(), true);
  int folded = 0;
  bool added = false;
  const int original_nodes = graph.num_nodes();  // appended Adds are not BNs
  for (int i = 0; i < original_nodes; ++i) {
    const std::optional<LinearChain> chain = FoldableLinear(graph, consumers, i);
    if (!chain) continue;
    SF_ASSIGN_OR_RETURN(const bool add, FoldLinear(graph, consumers, *chain, i));
    keep[i] = false;
    ++folded;
    added |= add;
  }
  if (folded == 0) return 0;
  keep.resize(graph.num_nodes(), true);
  graph.KeepNodes(keep);
  if (added) SF_RETURN_IF_ERROR(SortTopologically(graph));
  return folded;
}

}  // namespace sf
