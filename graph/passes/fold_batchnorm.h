// Folds inference BatchNormalization into the Conv, MatMul or Gemm that feeds it.
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

// The same for a BatchNormalization whose channels are the output columns of a
// MatMul or Gemm with a float32 constant rank-2 weight, as PyTorch exports
// Linear + BatchNorm1d (the form spiking transformers use):
//   MatMul(X, W) [-> Add(bias)] [-> Transpose] -> BatchNormalization
//   Gemm(A, B [, C])                          -> BatchNormalization
// The Transpose must move the last axis to axis 1 (perm[1] == rank - 1, e.g.
// [0, 2, 1]); without one the BN's input must be rank 2. The bias is a float32
// constant of one element or of C elements along the last axis; Gemm's C the
// same. Every value of the chain must be read by the next node only and not be
// a graph output, and shapes must be inferred (the ranks are checked). Then
// W's column c (Gemm with transB: row c) is multiplied by k[c], the bias
// becomes (b[c] - mean[c]) * k[c] + B[c] (Gemm: b = beta * C, beta set to 1),
// the chain's last node writes the BN's output and the BN is removed. A MatMul
// without a bias gets a new Add node (the graph is then re-sorted). The
// Transpose stays (ComposeTransposes cancels it against the one PyTorch puts
// after the BN). Returns how many were folded.
absl::StatusOr<int> FoldBatchNormIntoLinear(Graph& graph);

}  // namespace sf

#endif  // SF_GRAPH_PASSES_FOLD_BATCHNORM_H_
