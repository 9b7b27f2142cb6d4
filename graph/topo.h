// Topological ordering of a Graph's nodes.
#ifndef SF_GRAPH_TOPO_H_
#define SF_GRAPH_TOPO_H_

#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace sf {

// Node indices in a topological order, stable (keeps file order where possible).
// InvalidArgument naming a node on the cycle when the graph has one.
absl::StatusOr<std::vector<int>> TopologicalOrder(const Graph& graph);
// Reorders graph's nodes topologically.
absl::Status SortTopologically(Graph& graph);

}  // namespace sf

#endif  // SF_GRAPH_TOPO_H_
