// Lifts 1-D convolutions and pools to their 2-D forms on a height-1 image, so
// that every backend runs them with its 2-D kernels (the CPU reference, cuDNN).
//
// A Conv whose W is rank 3 ([M, C/group, k], a constant or a value of known
// shape) or whose X is rank 3, and a MaxPool or AveragePool with a
// one-element kernel_shape, become
//   x [N, C, L] -> Unsqueeze(axes [2]) -> [N, C, 1, L] -> the 2-D op
//   (kernel_shape [1, k], strides [1, s], dilations [1, d], pads [0, b, 0, e];
//   auto_pad, group, ceil_mode, count_include_pad kept) -> Squeeze(axes [2])
//   -> y [N, C', L'],
// a Conv's W through its own Unsqueeze (folded when W is a constant). The op
// keeps its node name, so the plan lists it. A BatchNormalization that is the
// only reader of a lifted Conv's output (and not a graph output) moves to the
// 4-D side with it, so FoldBatchNormIntoConv still folds it. An elementwise
// op or neuron (IF/LIF/PLIF) whose inputs all come out of this pass's
// Squeezes, but for single-element constants of rank <= 3, and a
// GlobalAveragePool of such a value, run on the 4-D values instead (with a
// Squeeze of their own), and a lifted op whose X comes out of one reads its
// 4-D value: a 1-D SNN's chain of convs, neurons, residual Adds and pools
// stays 4-D, and Squeezes that no one reads are dropped. The same values in the same order: a
// height-1 window reads exactly the 1-D op's inputs, and an elementwise op, neuron or global pool
// computes each element from the same elements whatever the rank.
//
// Runs on an imported graph before shape inference (which takes 2-D ops only).
// Errors name the node: strides, dilations or pads that do not have the
// 1-D op's 1, 1 and 2 elements.
#ifndef SF_GRAPH_PASSES_LIFT_1D_H_
#define SF_GRAPH_PASSES_LIFT_1D_H_

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace sf {

// Returns how many ops were lifted; the graph stays topologically sorted.
absl::StatusOr<int> LiftOneDimensionalOps(Graph& graph);

}  // namespace sf

#endif  // SF_GRAPH_PASSES_LIFT_1D_H_
