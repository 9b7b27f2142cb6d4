// Common subexpression elimination: a node that computes what an earlier node
// already computes (the same op, the same input values, equal attributes) is
// removed and its readers read the earlier node's outputs.
//
// Exporters write such twins: a 1-D conv net lifted to 2-D (lift_1d.h) gets
// one Unsqueeze per conv that reads a value, so a spiking transformer's q, k
// and v projections unsqueeze the same tokens three times, and in channels-last
// each then gets its own transpose. Every op SparseFlow runs is deterministic,
// so twins hold the same values. Not merged:
//   - a node one of whose outputs is a graph output (the output keeps its name);
//   - Conv nodes: the plan lists every Conv of the model by name
//     (../shared/spec/cli-and-plan.md);
//   - nodes without inputs, and nodes that carry state (step graphs).
// Attributes compare by value (tensors by their bytes, floats by their bits).
// Runs on a graph in topological order; a pure function over the graph.
#ifndef SF_GRAPH_PASSES_CSE_H_
#define SF_GRAPH_PASSES_CSE_H_

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace sf {

// Returns how many nodes were removed.
absl::StatusOr<int> EliminateCommonSubexpressions(Graph& graph);

}  // namespace sf

#endif  // SF_GRAPH_PASSES_CSE_H_
