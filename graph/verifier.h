// Structural checks of a Graph: value ids in range, every input defined (graph
// input, constant or produced by a node), no value produced twice, unique value and
// node names, no cycles, arity per op. Dtype agreement is checked by shape inference.
#ifndef SF_GRAPH_VERIFIER_H_
#define SF_GRAPH_VERIFIER_H_

#include "absl/status/status.h"
#include "graph/graph.h"

namespace sf {

// Returns InvalidArgument naming the offending node/value on the first problem.
absl::Status VerifyGraph(const Graph& graph);

// Local checks of one node: known op, value ids in range, input/output counts
// allowed for its op, required inputs/outputs present (not kNoValue). Callers that
// index a node's inputs (shape inference, kernels) run this first.
absl::Status VerifyNode(const Graph& graph, int node_index);

}  // namespace sf

#endif  // SF_GRAPH_VERIFIER_H_
