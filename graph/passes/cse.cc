#include "graph/passes/cse.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"

namespace sf {
namespace {

bool SameFloat(float a, float b) { return std::memcmp(&a, &b, sizeof(float)) == 0; }

bool SameAttr(const AttrValue& a, const AttrValue& b) {
  if (a.index() != b.index()) return false;
  return std::visit(
      [&](const auto& x) {
        using T = std::decay_t<decltype(x)>;
        const T& y = std::get<T>(b);
        if constexpr (std::is_same_v<T, float>) {
          return SameFloat(x, y);
        } else if constexpr (std::is_same_v<T, std::vector<float>>) {
          if (x.size() != y.size()) return false;
          for (size_t i = 0; i < x.size(); ++i) {
            if (!SameFloat(x[i], y[i])) return false;
          }
          return true;
        } else if constexpr (std::is_same_v<T, Tensor>) {
          return x.dtype() == y.dtype() && x.dims() == y.dims() && x.nbytes() == y.nbytes() &&
                 (x.nbytes() == 0 || std::memcmp(x.raw_data(), y.raw_data(), x.nbytes()) == 0);
        } else {
          return x == y;
        }
      },
      a);
}

bool SameAttrs(const Attrs& a, const Attrs& b) {
  if (a.map().size() != b.map().size()) return false;
  for (auto ia = a.map().begin(), ib = b.map().begin(); ia != a.map().end(); ++ia, ++ib) {
    if (ia->first != ib->first || !SameAttr(ia->second, ib->second)) return false;
  }
  return true;
}

// Nodes with equal keys may be twins (attribute values are compared after).
std::string Key(const Node& node) {
  std::string key = absl::StrCat(static_cast<int>(node.op), ":", node.outputs.size(), ":",
                                 node.channels_last ? 1 : 0);
  for (ValueId v : node.inputs) absl::StrAppend(&key, ",", v);
  for (const auto& [name, value] : node.attrs.map()) absl::StrAppend(&key, ";", name);
  return key;
}

bool Candidate(const Graph& graph, const Node& node) {
  if (node.op == OpType::kConv || node.inputs.empty() || node.carries_state) return false;
  for (ValueId v : node.outputs) {
    if (v == kNoValue || graph.IsOutput(v)) return false;
  }
  return true;
}

}  // namespace

absl::StatusOr<int> EliminateCommonSubexpressions(Graph& graph) {
  std::vector<ValueId> replacement(graph.num_values());
  for (ValueId v = 0; v < graph.num_values(); ++v) replacement[v] = v;
  absl::flat_hash_map<std::string, std::vector<int>> seen;
  std::vector<bool> keep(graph.num_nodes(), true);
  int removed = 0;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    Node& node = graph.node(i);
    for (ValueId& v : node.inputs) {
      if (v != kNoValue) v = replacement[v];
    }
    std::vector<int>& twins = seen[Key(node)];
    int twin = -1;
    for (int j : twins) {
      const Node& other = graph.node(j);
      if (other.inputs == node.inputs && SameAttrs(other.attrs, node.attrs) &&
          std::find(other.outputs.begin(), other.outputs.end(), kNoValue) == other.outputs.end()) {
        twin = j;
        break;
      }
    }
    if (twin < 0 || !Candidate(graph, node)) {
      twins.push_back(i);
      continue;
    }
    const Node& kept = graph.node(twin);
    for (size_t k = 0; k < node.outputs.size(); ++k) replacement[node.outputs[k]] = kept.outputs[k];
    keep[i] = false;
    ++removed;
  }
  if (removed > 0) graph.KeepNodes(keep);
  return removed;
}

}  // namespace sf
