#include "graph/verifier.h"

#include <limits>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "graph/fused_program.h"
#include "graph/status.h"
#include "graph/topo.h"

namespace sf {
namespace {

inline constexpr int kMany = std::numeric_limits<int>::max();

// How many inputs/outputs each op takes. The first `min_*` must be present;
// the optional rest may be kNoValue.
struct Arity {
  int min_inputs, max_inputs, min_outputs, max_outputs;
};

constexpr Arity kUnary{1, 1, 1, 1};
constexpr Arity kBinary{2, 2, 1, 1};
constexpr Arity kVariadic{1, kMany, 1, 1};

Arity ArityOf(OpType op) {
  switch (op) {
    case OpType::kConstant: return {0, 0, 1, 1};
    case OpType::kAdd: case OpType::kSub: case OpType::kMul: case OpType::kDiv:
    case OpType::kEqual: case OpType::kGreater: case OpType::kGreaterOrEqual:
    case OpType::kLess: case OpType::kLessOrEqual: case OpType::kMatMul:
    case OpType::kGather:
    case OpType::kReshape:
    case OpType::kExpand:
    case OpType::kPow:
      return kBinary;
    case OpType::kMax: case OpType::kMin: case OpType::kSum: case OpType::kConcat:
      return kVariadic;
    case OpType::kConv:
    case OpType::kGemm:
    case OpType::kLayerNormalization:
      return {2, 3, 1, 1};
    case OpType::kClip: return {1, 3, 1, 1};
    case OpType::kPad: return {2, 4, 1, 1};
    case OpType::kSlice: return {3, 5, 1, 1};
    case OpType::kDropout: return {1, 3, 1, 2};
    case OpType::kSplit:
      return {1, 1, 1, kMany};
    case OpType::kBatchNormalization: return {5, 5, 1, 1};
    case OpType::kWhere: return {3, 3, 1, 1};
    // Its load slots, then the program; its store slots.
    case OpType::kFusedElementwise:
      return {2, 1 + fused::kMaxSlots, 1, fused::kMaxSlots};
    default: return kUnary;
  }
}

std::string RangeText(int lo, int hi) {
  if (lo == hi) return absl::StrCat(lo);
  if (hi == kMany) return absl::StrCat("at least ", lo);
  return absl::StrCat(lo, " to ", hi);
}

absl::Status CheckIds(const Graph& graph, const Node& node, const std::vector<ValueId>& ids,
                      int required, absl::string_view what) {
  for (size_t i = 0; i < ids.size(); ++i) {
    const ValueId v = ids[i];
    if (v == kNoValue) {
      SF_CHECK_ARG(static_cast<int>(i) >= required, "node '", node.name, "' (",
                   ToString(node.op), "): required ", what, " ", i, " is missing");
      continue;
    }
    SF_CHECK_ARG(v >= 0 && v < graph.num_values(), "node '", node.name, "': ", what, " ", i,
                 " has value id ", v, " out of range [0, ", graph.num_values(), ")");
  }
  return absl::OkStatus();
}

absl::Status CheckNames(const Graph& graph) {
  absl::flat_hash_set<absl::string_view> names;
  for (const Value& v : graph.values()) {
    SF_CHECK_ARG(names.insert(v.name).second, "duplicate value name '", v.name, "'");
  }
  names.clear();
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const std::string& name = graph.node(i).name;
    SF_CHECK_ARG(!name.empty(), "node ", i, " (", ToString(graph.node(i).op), ") has no name");
    SF_CHECK_ARG(names.insert(name).second, "duplicate node name '", name, "'");
  }
  return absl::OkStatus();
}

absl::Status CheckGraphIo(const Graph& graph) {
  for (ValueId v : graph.inputs()) {
    SF_CHECK_ARG(v >= 0 && v < graph.num_values(), "graph input id ", v, " out of range");
  }
  SF_CHECK_ARG(!graph.outputs().empty(), "graph has no outputs");
  for (ValueId v : graph.outputs()) {
    SF_CHECK_ARG(v >= 0 && v < graph.num_values(), "graph output id ", v, " out of range");
  }
  return absl::OkStatus();
}

// defined[v]: v is a graph input, a constant or a node output. Fails when a value
// has two definitions.
absl::StatusOr<std::vector<bool>> DefinedValues(const Graph& graph) {
  std::vector<bool> defined(graph.num_values(), false);
  std::vector<int> producer(graph.num_values(), -1);
  for (ValueId v : graph.inputs()) {
    SF_CHECK_ARG(!defined[v], "value '", graph.value(v).name, "' is listed twice as a graph input");
    SF_CHECK_ARG(!graph.value(v).constant, "graph input '", graph.value(v).name,
                 "' is also a constant");
    defined[v] = true;
  }
  for (ValueId v = 0; v < graph.num_values(); ++v) {
    if (graph.value(v).constant) defined[v] = true;
  }
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const Node& node = graph.node(i);
    for (ValueId out : node.outputs) {
      if (out == kNoValue) continue;
      const Value& v = graph.value(out);
      SF_CHECK_ARG(producer[out] < 0, "value '", v.name, "' is produced by node '",
                   graph.node(producer[out]).name, "' and by node '", node.name, "'");
      SF_CHECK_ARG(!defined[out], "node '", node.name, "' writes value '", v.name,
                   "', which is a graph input or constant");
      producer[out] = i;
      defined[out] = true;
    }
  }
  return defined;
}

}  // namespace

absl::Status VerifyNode(const Graph& graph, int node_index) {
  SF_CHECK_ARG(node_index >= 0 && node_index < graph.num_nodes(), "node index ", node_index,
               " out of range");
  const Node& node = graph.node(node_index);
  const int op = static_cast<int>(node.op);
  SF_CHECK_ARG(op >= 0 && op < kNumOpTypes, "node '", node.name, "' has invalid op type ", op);
  const Arity a = ArityOf(node.op);
  const int num_in = static_cast<int>(node.inputs.size());
  const int num_out = static_cast<int>(node.outputs.size());
  SF_CHECK_ARG(num_in >= a.min_inputs && num_in <= a.max_inputs, "node '", node.name, "' (",
               ToString(node.op), ") has ", num_in, " inputs, expected ",
               RangeText(a.min_inputs, a.max_inputs));
  SF_CHECK_ARG(num_out >= a.min_outputs && num_out <= a.max_outputs, "node '", node.name, "' (",
               ToString(node.op), ") has ", num_out, " outputs, expected ",
               RangeText(a.min_outputs, a.max_outputs));
  SF_RETURN_IF_ERROR(CheckIds(graph, node, node.inputs, a.min_inputs, "input"));
  return CheckIds(graph, node, node.outputs, a.min_outputs, "output");
}

absl::Status VerifyGraph(const Graph& graph) {
  SF_RETURN_IF_ERROR(CheckGraphIo(graph));
  for (int i = 0; i < graph.num_nodes(); ++i) SF_RETURN_IF_ERROR(VerifyNode(graph, i));
  SF_RETURN_IF_ERROR(CheckNames(graph));
  SF_ASSIGN_OR_RETURN(std::vector<bool> defined, DefinedValues(graph));
  for (const Node& node : graph.nodes()) {
    for (ValueId in : node.inputs) {
      SF_CHECK_ARG(in == kNoValue || defined[in], "node '", node.name, "' reads value '",
                   graph.value(in).name, "', which is never defined");
    }
  }
  for (ValueId v : graph.outputs()) {
    SF_CHECK_ARG(defined[v], "graph output '", graph.value(v).name, "' is never defined");
  }
  return TopologicalOrder(graph).status();
}

}  // namespace sf
