#include "graph/passes/fold_batchnorm.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status.h"

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
    graph.value(v).constant = std::move(t);
    return v;
  }
  return graph.AddConstant(graph.UniqueValueName(fallback_name), std::move(t));
}

absl::Status Fold(Graph& graph, const std::vector<std::vector<int>>& consumers, int conv_index,
                  int bn_index) {
  const Node& bn = graph.node(bn_index);
  const absl::StatusOr<float> epsilon_or = bn.attrs.GetFloatOr("epsilon", 1e-5f);
  if (!epsilon_or.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("node '", bn.name, "': ", epsilon_or.status().message()));
  }
  const double epsilon = *epsilon_or;
  const Node& conv = graph.node(conv_index);
  const ValueId weight_id = conv.inputs[1];
  const ValueId bias_id = conv.inputs.size() > 2 ? conv.inputs[2] : kNoValue;
  const Tensor& w = *graph.value(weight_id).constant;
  const int64_t channels = w.dim(0);
  const int64_t per_channel = channels == 0 ? 0 : w.num_elements() / channels;
  const Tensor* b = bias_id == kNoValue ? nullptr : &*graph.value(bias_id).constant;
  auto param = [&](int i) { return graph.value(bn.inputs[i]).constant->data<float>(); };
  const float* scale = param(kBnScale);
  const float* shift = param(kBnBias);
  const float* mean = param(kBnMean);
  const float* var = param(kBnVar);

  SF_ASSIGN_OR_RETURN(Tensor new_w, Tensor::Create(DataType::kFloat32, w.dims(), conv.name));
  SF_ASSIGN_OR_RETURN(Tensor new_b, Tensor::Create(DataType::kFloat32, {channels}, conv.name));
  for (int64_t c = 0; c < channels; ++c) {
    const double k = static_cast<double>(scale[c]) /
                     std::sqrt(static_cast<double>(var[c]) + epsilon);
    const float* src = w.data<float>() + c * per_channel;
    float* dst = new_w.data<float>() + c * per_channel;
    for (int64_t i = 0; i < per_channel; ++i) dst[i] = static_cast<float>(src[i] * k);
    const double bias = b == nullptr ? 0.0 : b->data<float>()[c];
    new_b.data<float>()[c] = static_cast<float>((bias - mean[c]) * k + shift[c]);
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

}  // namespace sf
