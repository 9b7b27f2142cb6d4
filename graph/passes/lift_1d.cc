#include "graph/passes/lift_1d.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "graph/op_type.h"
#include "graph/status.h"
#include "graph/topo.h"

namespace sf {
namespace {

bool HasRank(const Graph& graph, ValueId v, size_t rank) {
  if (v == kNoValue) return false;
  const Value& value = graph.value(v);
  if (value.constant) return static_cast<size_t>(value.constant->rank()) == rank;
  return value.shape && value.shape->size() == rank;
}

// Whether `node` is a 1-D Conv, MaxPool or AveragePool (a kernel_shape of
// another type: no, shape inference reports it).
bool IsOneDimensional(const Graph& graph, const Node& node) {
  if (node.inputs.empty() || node.inputs[0] == kNoValue || node.outputs.empty() ||
      node.outputs[0] == kNoValue) {
    return false;  // malformed: left to shape inference to report
  }
  const absl::StatusOr<std::vector<int64_t>> k = node.attrs.GetIntsOr("kernel_shape", {});
  if (!k.ok()) return false;
  const std::vector<int64_t>& kernel = *k;
  switch (node.op) {
    case OpType::kConv:
      return kernel.size() == 1 || HasRank(graph, node.inputs[0], 3) ||
             (node.inputs.size() > 1 && HasRank(graph, node.inputs[1], 3));
    case OpType::kMaxPool:
    case OpType::kAveragePool:
      return kernel.size() == 1;
    default:
      return false;
  }
}

// Attribute `name` of a 1-D op ([a] or, for pads, [b, e]) as its 2-D form:
// [fill, a] or [0, b, 0, e]; absent stays absent.
absl::Status LiftInts(const Node& node, Attrs& attrs, const std::string& name, size_t count,
                      int64_t fill) {
  if (!node.attrs.Has(name)) return absl::OkStatus();
  absl::StatusOr<std::vector<int64_t>> ints = node.attrs.GetIntsOr(name, {});
  if (!ints.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("node '", node.name, "': attribute '", name, "': ", ints.status().message()));
  }
  const std::vector<int64_t>& v = *ints;
  if (v.size() != count) {
    return absl::InvalidArgumentError(absl::StrCat("node '", node.name, "' (1-D ",
                                                   ToString(node.op), "): '", name, "' must have ",
                                                   count, " element(s), got ", v.size()));
  }
  attrs.Set(name,
            count == 2 ? std::vector<int64_t>{0, v[0], 0, v[1]} : std::vector<int64_t>{fill, v[0]});
  return absl::OkStatus();
}

// A value named after `base` for the 4-D side, of `like`'s type.
ValueId NewValue(Graph& graph, const std::string& base, ValueId like) {
  return graph.AddValue(graph.UniqueValueName(base), graph.value(like).dtype);
}

Node AxisNode(const std::string& name, OpType op, ValueId in, ValueId out) {
  Node n{name, op, {in}, {out}, {}};
  n.attrs.Set("axes", std::vector<int64_t>{2});
  return n;
}

// Whether `node` may run on the lifted 4-D values instead, its output then
// squeezed on axis 2 as a lifted op's: an elementwise op (IsElementwise) or
// neuron (per element over the T-major first axis, which the lift keeps)
// whose inputs are all values this pass squeezed (`squeezed_from`) or
// single-element constants of rank <= 3, at least one squeezed (all such
// inputs gain the same unit axis and such a constant broadcasts alike at rank
// 3 and 4, so every element is computed from the same elements), or a
// GlobalAveragePool of a squeezed value (the mean of the same L elements,
// [N, C, 1, 1] squeezed to its [N, C, 1]).
bool MovesToLiftedSide(const Graph& graph, const Node& node,
                       const absl::flat_hash_map<ValueId, ValueId>& squeezed_from) {
  if (node.outputs.size() != 1 || node.outputs[0] == kNoValue) return false;
  const auto squeezed = [&](ValueId v) { return squeezed_from.contains(v); };
  if (node.op == OpType::kGlobalAveragePool) {
    return node.inputs.size() == 1 && squeezed(node.inputs[0]);
  }
  if (!IsElementwise(node.op) && !IsNeuron(node.op)) return false;
  bool any = false;
  for (ValueId v : node.inputs) {
    if (v == kNoValue) continue;
    if (squeezed(v)) {
      any = true;
    } else if (const std::optional<Tensor>& c = graph.value(v).constant;
               !c || c->num_elements() != 1 || c->rank() > 3) {
      return false;  // a rank above 3 would add axes in front, moving the unit one
    }
  }
  return any;
}

}  // namespace

absl::StatusOr<int> LiftOneDimensionalOps(Graph& graph) {
  const int original = graph.num_nodes();
  const std::vector<std::vector<int>> consumers = graph.Consumers();
  // A 3-D value this pass squeezed -> the 4-D value it came from. A later
  // lifted op reads the 4-D value itself (no Squeeze -> Unsqueeze between
  // them), and a node that MovesToLiftedSide runs on the 4-D side too, so
  // that a 1-D conv -> LIF -> conv chain keeps the conv and its neuron
  // adjacent (fusable, and no copies between). A Squeeze no one reads in the
  // end is dropped.
  absl::flat_hash_map<ValueId, ValueId> squeezed_from;
  std::vector<int> squeezes;
  const auto squeeze = [&](const std::string& name, ValueId four, ValueId three) {
    squeezes.push_back(graph.AddNode(AxisNode(name, OpType::kSqueeze, four, three)));
    squeezed_from[three] = four;
  };
  int lifted = 0;
  for (int i = 0; i < original; ++i) {
    if (MovesToLiftedSide(graph, graph.node(i), squeezed_from)) {
      Node& node = graph.node(i);  // valid until squeeze's AddNode
      for (ValueId& v : node.inputs) {
        if (auto it = squeezed_from.find(v); it != squeezed_from.end()) v = it->second;
      }
      const ValueId y = node.outputs[0];
      node.outputs[0] = NewValue(graph, graph.value(y).name + "_2d", y);
      squeeze(absl::StrCat(node.name, "/squeeze"), node.outputs[0], y);
      continue;
    }
    if (!IsOneDimensional(graph, graph.node(i))) continue;
    const Node node = graph.node(i);  // a copy: AddNode may move the nodes
    Attrs attrs = node.attrs;
    SF_RETURN_IF_ERROR(LiftInts(node, attrs, "kernel_shape", 1, 1));
    SF_RETURN_IF_ERROR(LiftInts(node, attrs, "strides", 1, 1));
    SF_RETURN_IF_ERROR(LiftInts(node, attrs, "dilations", 1, 1));
    SF_RETURN_IF_ERROR(LiftInts(node, attrs, "pads", 2, 0));
    std::vector<ValueId> inputs = node.inputs;
    // X, and a Conv's W: through an Unsqueeze each.
    const int lifted_inputs = node.op == OpType::kConv ? std::min<int>(2, inputs.size()) : 1;
    for (int k = 0; k < lifted_inputs; ++k) {
      if (inputs[k] == kNoValue) continue;
      if (auto it = squeezed_from.find(inputs[k]); it != squeezed_from.end()) {
        inputs[k] = it->second;
        continue;
      }
      const ValueId four = NewValue(graph, graph.value(inputs[k]).name + "_2d", inputs[k]);
      graph.AddNode(
          AxisNode(absl::StrCat(node.name, "/unsqueeze_", k), OpType::kUnsqueeze, inputs[k], four));
      inputs[k] = four;
    }
    // The output; a BatchNormalization that alone reads a Conv's moves along.
    const ValueId y = node.outputs[0];
    int bn = -1;
    if (node.op == OpType::kConv && consumers[y].size() == 1 && !graph.IsOutput(y)) {
      const Node& reader = graph.node(consumers[y][0]);
      if (reader.op == OpType::kBatchNormalization && !reader.inputs.empty() &&
          reader.inputs[0] == y && reader.outputs.size() == 1 && reader.outputs[0] != kNoValue) {
        bn = consumers[y][0];
      }
    }
    const ValueId y4 = NewValue(graph, graph.value(y).name + "_2d", y);
    Node& op = graph.node(i);
    op.inputs = inputs;
    op.outputs[0] = y4;
    op.attrs = attrs;
    ValueId last = y4, out = y;
    if (bn >= 0) {
      const ValueId bn_y = graph.node(bn).outputs[0];
      const ValueId bn_y4 = NewValue(graph, graph.value(bn_y).name + "_2d", bn_y);
      graph.node(bn).inputs[0] = y4;
      graph.node(bn).outputs[0] = bn_y4;
      last = bn_y4;
      out = bn_y;
    }
    squeeze(absl::StrCat(node.name, "/squeeze"), last, out);
    ++lifted;
  }
  if (lifted == 0) return 0;
  const std::vector<std::vector<int>> readers = graph.Consumers();
  std::vector<bool> keep(graph.num_nodes(), true);
  for (int q : squeezes) {
    const ValueId three = graph.node(q).outputs[0];
    keep[q] = !readers[three].empty() || graph.IsOutput(three);
  }
  graph.KeepNodes(keep);
  SF_RETURN_IF_ERROR(SortTopologically(graph));
  return lifted;
}

}  // namespace sf
