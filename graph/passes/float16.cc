#include "graph/passes/float16.h"

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "graph/float16.h"
#include "graph/status.h"
#include "graph/topo.h"

namespace sf {
namespace {

bool IsFloat32(const Graph& graph, ValueId v) {
  return v != kNoValue && graph.value(v).dtype == DataType::kFloat32;
}

// Whether `inputs` is one bool value (a Cast's input).
bool IsBool(const Graph& graph, const std::vector<ValueId>& inputs) {
  return inputs.size() == 1 && inputs[0] != kNoValue &&
         graph.value(inputs[0]).dtype == DataType::kBool;
}

bool TouchesFloat32(const Graph& graph, const Node& node) {
  auto f32 = [&](ValueId v) { return IsFloat32(graph, v); };
  return std::any_of(node.inputs.begin(), node.inputs.end(), f32) ||
         std::any_of(node.outputs.begin(), node.outputs.end(), f32);
}

absl::StatusOr<Tensor> RoundToFloat16(const Tensor& t, const std::string& name) {
  SF_ASSIGN_OR_RETURN(Tensor out, Tensor::Create(DataType::kFloat16, t.dims(), name));
  std::span<const float> in = t.span<float>();
  std::span<uint16_t> h = out.span<uint16_t>();
  for (size_t i = 0; i < in.size(); ++i) h[i] = FloatToHalf(in[i]);
  return out;
}

void ReplaceAll(std::vector<ValueId>& ids, ValueId from, ValueId to) {
  std::replace(ids.begin(), ids.end(), from, to);
}

// Adds values and Cast nodes with unique names.
class Rewriter {
 public:
  explicit Rewriter(Graph& graph) : graph_(graph) {
    for (const Node& n : graph.nodes()) node_names_.insert(n.name);
  }

  // A new value like `like` (same shape) of `dtype`, named "<like>.<suffix>".
  ValueId NewValue(ValueId like, DataType dtype, absl::string_view suffix) {
    const std::string name =
        graph_.UniqueValueName(absl::StrCat(graph_.value(like).name, ".", suffix));
    std::optional<Shape> shape = graph_.value(like).shape;
    return graph_.AddValue(name, dtype, std::move(shape));
  }

  // Cast(from) -> to, converting to `to`'s dtype.
  void AddCast(ValueId from, ValueId to) {
    std::string name = graph_.value(to).name;
    for (int i = 2; node_names_.contains(name); ++i) {
      name = absl::StrCat(graph_.value(to).name, "_", i);
    }
    node_names_.insert(name);
    Node cast{name, OpType::kCast, {from}, {to}, {}};
    cast.attrs.Set("to", int64_t{ToOnnx(graph_.value(to).dtype)});
    graph_.AddNode(std::move(cast));
  }

 private:
  Graph& graph_;
  absl::flat_hash_set<std::string> node_names_;
};

}  // namespace

absl::StatusOr<int> ConvertToFloat16(Graph& graph, const Float16Support& runs_float16) {
  const int num_nodes = graph.num_nodes();
  std::vector<bool> half(num_nodes, false);
  int converted = 0;
  for (int i = 0; i < num_nodes; ++i) {
    const Node& node = graph.node(i);
    half[i] = node.op != OpType::kCast && TouchesFloat32(graph, node) && runs_float16(graph, node);
    converted += half[i] ? 1 : 0;
  }
  if (converted == 0) return 0;

  const std::vector<std::vector<int>> consumers = graph.Consumers();
  std::vector<bool> is_output(graph.num_values(), false);
  for (ValueId v : graph.outputs()) is_output[v] = true;
  // Each original float32 value is decided on its own; new values get ids
  // past num_values and are not revisited.
  Rewriter rw(graph);
  const int num_values = graph.num_values();
  for (ValueId v = 0; v < num_values; ++v) {
    if (!IsFloat32(graph, v)) continue;
    std::vector<int> readers16;
    bool need32 = is_output[v];
    for (int c : consumers[v]) {
      if (half[c]) {
        readers16.push_back(c);
      } else {
        need32 = true;
      }
    }
    const int producer = graph.value(v).producer;
    ValueId v16 = kNoValue;
    if (producer >= 0 && half[producer]) {
      if (!need32) {
        graph.value(v).dtype = DataType::kFloat16;
        continue;
      }
      // The float16 node writes a new value; a Cast recreates `v` in float32.
      v16 = rw.NewValue(v, DataType::kFloat16, "fp16");
      ReplaceAll(graph.node(producer).outputs, v, v16);
      graph.value(v16).producer = producer;
      rw.AddCast(v16, v);
    } else if (readers16.empty()) {
      continue;
    } else if (!need32 && producer >= 0 && graph.node(producer).op == OpType::kCast &&
               IsBool(graph, graph.node(producer).inputs)) {
      // A model's Cast of a bool (a spike from a comparison) that only
      // float16 nodes read writes float16 itself: 0 and 1 are exact either
      // way, and the Cast a float32 output would need is one kernel less
      // (per time step of a neuron written with primitive ops).
      graph.value(v).dtype = DataType::kFloat16;
      graph.node(producer).attrs.Set("to", int64_t{ToOnnx(DataType::kFloat16)});
      continue;
    } else if (graph.value(v).constant) {
      SF_ASSIGN_OR_RETURN(Tensor t, RoundToFloat16(*graph.value(v).constant, graph.value(v).name));
      if (!need32) {
        graph.value(v).dtype = DataType::kFloat16;
        graph.value(v).constant = std::move(t);
        continue;
      }
      v16 = graph.AddConstant(graph.UniqueValueName(absl::StrCat(graph.value(v).name, ".fp16")),
                              std::move(t));
    } else {
      v16 = rw.NewValue(v, DataType::kFloat16, "fp16");
      rw.AddCast(v, v16);
    }
    for (int c : readers16) ReplaceAll(graph.node(c).inputs, v, v16);
  }
  SF_RETURN_IF_ERROR(SortTopologically(graph));
  return converted;
}

}  // namespace sf
