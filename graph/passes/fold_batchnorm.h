// Folds inference BatchNormalization into the Conv that feeds it.
//
// A BatchNormalization node qualifies when its X input is the output of a Conv
// that nothing else reads (and that is not a graph output), and the Conv weight
// (float32 [C_out, C_in/group, kh, kw]), its optional bias and the four BN
// parameters are float32 constants with C_out elements. Then, per output
// channel c with k = scale[c] / sqrt(var[c] + epsilon):
//   W'[c] = W[c] * k,   b'[c] = (b[c] - mean[c]) * k + B[c]   (b = 0 when absent),
// computed in double and rounded to float once. The Conv then writes the BN's
// output value and the BN node is removed. Weights read only by this Conv are
// replaced in their value; shared ones get a new constant. The BN parameters
// stay as unused constants. A pure function over the graph (no runtime); the
// result differs from running the two nodes by float rounding (about 1 ulp of
// the pre-activation).
#ifndef SF_GRAPH_PASSES_FOLD_BATCHNORM_H_
#define SF_GRAPH_PASSES_FOLD_BATCHNORM_H_

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace sf {

// Returns how many BatchNormalization nodes were folded. Errors only on an
// epsilon attribute of the wrong type or a failed allocation (naming the node).
absl::StatusOr<int> FoldBatchNormIntoConv(Graph& graph);

}  // namespace sf

#endif  // SF_GRAPH_PASSES_FOLD_BATCHNORM_H_
