// Composes a Transpose that reads another Transpose's output into one.
//
// For Transposes T1 (perm p1) -> T2 (perm p2), T2 reads T1's input with perm
// p[i] = p1[p2[i]] instead. When p is the identity, T2's readers read T1's
// input directly and T2 goes (where T2's output is a graph output, T2 becomes
// an Identity instead, so that the output keeps its name). T1 goes once nothing
// reads it. PyTorch exports Linear + BatchNorm1d on tokens as Transpose -> BN
// -> Transpose; with the BN folded (fold_batchnorm.h) the pair is left. An
// absent perm (the axes reversed) needs the input's rank; a Transpose whose
// rank is unknown or whose perm is not a permutation is left alone, as are
// nodes stored channels-last or carrying state (both functions).
//
// ComposeTransposesThroughViews, on a specialised graph (concrete shapes; it
// writes them into Reshapes): a Transpose -> views (Reshape, Squeeze,
// Unsqueeze, Flatten, Identity) -> Transpose chain, every value in it read
// once and no graph output, with
// concrete shapes: the whole chain moves elements as one transpose of the
// input seen as the factors its axes split into, so it becomes a Reshape to
// those factors (adjacent ones merged), one Transpose and a Reshape to the
// output dims (each Reshape only where the dims differ; none at all when the
// elements do not move). The layout pass's NHWC -> NCHW Transpose, a
// Squeeze and the model's head Reshape and Transpose in a spiking
// transformer are such a chain: one copy instead of two.
//
// Runs on a graph in topological order; a pure function over the graph.
#ifndef SF_GRAPH_PASSES_COMPOSE_TRANSPOSES_H_
#define SF_GRAPH_PASSES_COMPOSE_TRANSPOSES_H_

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace sf {

// Returns how many Transposes were rewritten or removed.
absl::StatusOr<int> ComposeTransposes(Graph& graph);
// Returns how many chains were rewritten.
absl::StatusOr<int> ComposeTransposesThroughViews(Graph& graph);

}  // namespace sf

#endif  // SF_GRAPH_PASSES_COMPOSE_TRANSPOSES_H_
