#include "graph/passes/compose_transposes.h"

#include <optional>
#include <vector>

namespace sf {
namespace {

// The perm of Transpose `node` (absent: reversed axes), or nullopt when its
// input's rank is unknown or the perm is not a permutation of [0, rank).
std::optional<std::vector<int64_t>> PermOf(const Graph& graph, const Node& node) {
  if (node.op != OpType::kTranspose || node.inputs.size() != 1 || node.outputs.size() != 1 ||
      node.inputs[0] == kNoValue) {
    return std::nullopt;
  }
  const std::optional<Shape>& shape = graph.value(node.inputs[0]).shape;
  if (!shape) return std::nullopt;
  const int64_t rank = static_cast<int64_t>(shape->size());
  absl::StatusOr<std::vector<int64_t>> perm = node.attrs.GetIntsOr("perm", {});
  if (!perm.ok()) return std::nullopt;
  if (!node.attrs.Has("perm")) {
    for (int64_t i = rank - 1; i >= 0; --i) perm->push_back(i);
  }
  if (static_cast<int64_t>(perm->size()) != rank) return std::nullopt;
  std::vector<bool> seen(rank, false);
  for (int64_t p : *perm) {
    if (p < 0 || p >= rank || seen[p]) return std::nullopt;
    seen[p] = true;
  }
  return *std::move(perm);
}

bool IsIdentity(const std::vector<int64_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<int> ComposeTransposes(Graph& graph) {
  std::vector<bool> keep(graph.num_nodes(), true);
  std::vector<int> readers(graph.num_values(), 0);
  for (const Node& node : graph.nodes()) {
    for (ValueId v : node.inputs) {
      if (v != kNoValue) ++readers[v];
    }
  }
  int changed = 0;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const std::optional<std::vector<int64_t>> p2 = PermOf(graph, graph.node(i));
    if (!p2) continue;
    const ValueId mid = graph.node(i).inputs[0];
    const int first = graph.value(mid).producer;
    if (first < 0 || !keep[first]) continue;
    const std::optional<std::vector<int64_t>> p1 = PermOf(graph, graph.node(first));
    if (!p1) continue;
    const ValueId source = graph.node(first).inputs[0];
    std::vector<int64_t> perm(p2->size());
    for (size_t k = 0; k < perm.size(); ++k) perm[k] = (*p1)[(*p2)[k]];
    --readers[mid];
    ++readers[source];
    Node& second = graph.node(i);
    const ValueId out = second.outputs[0];
    if (!IsIdentity(perm)) {
      second.inputs[0] = source;
      second.attrs.Set("perm", std::move(perm));
    } else if (graph.IsOutput(out)) {
      second.op = OpType::kIdentity;
      second.attrs = Attrs();
      second.inputs[0] = source;
    } else {
      // Its readers read the source; the node goes.
      for (int j = i + 1; j < graph.num_nodes(); ++j) {
        for (ValueId& v : graph.node(j).inputs) {
          if (v == out) v = source;
        }
      }
      readers[source] += readers[out] - 1;
      readers[out] = 0;
      keep[i] = false;
    }
    ++changed;
    if (readers[mid] == 0 && !graph.IsOutput(mid)) {
      keep[first] = false;
      --readers[source];
    }
  }
  if (changed > 0) graph.KeepNodes(keep);
  return changed;
}

}  // namespace sf
