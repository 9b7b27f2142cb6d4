// Structural checks of a Graph: value ids in range, every input defined (graph
// input, constant or produced by a node), no value produced twice, unique value and
// node names, no cycles, arity per op, dtype agreement where ops require it.
#ifndef SF_GRAPH_VERIFIER_H_
#define SF_GRAPH_VERIFIER_H_

#include "absl/status/status.h"
#include "graph/graph.h"

namespace sf {

// Returns InvalidArgument naming the offending node/value on the first problem.
absl::Status VerifyGraph(const Graph& graph);

}  // namespace sf

#endif  // SF_GRAPH_VERIFIER_H_
