// Converts a graph with concrete shapes so that the 4-D activations between
// layout-aware nodes are stored channels-last (NHWC), for a backend whose
// fastest kernels want that layout (cuDNN's float16 tensor-core convs). ONNX
// Runtime's NHWC transformer is the model: graph inputs and outputs keep the
// user's NCHW, and Transposes sit only where NHWC data meets a node that is
// not layout-aware.
//
// Node kinds:
//   - layout-aware: Conv (2-D, constant weight), MaxPool (without
//     its Indices output), AveragePool and GlobalAveragePool on a rank-4
//     input, when `runs_nhwc(graph, node)` is true. Such a node gets
//     Node::channels_last; a Conv's weight is re-laid out once to KRSC (a new
//     constant "<weight>.nhwc" when other nodes read the NCHW one).
//   - layout-agnostic: the elementwise ops (unary, binary and variadic with
//     broadcasting, Cast, Clip, Where, Identity, Dropout) and the IF/LIF/PLIF
//     neurons (elementwise within each T-major row slab), and Concat (its axis
//     is renamed). One runs channels-last when one of its inputs already is
//     and every output is rank 4: its rank-4 non-constant inputs are read
//     channels-last (through a Transpose when needed), a constant that is not
//     a scalar is re-laid out (aligned to rank 4 and permuted, e.g. a [C,1,1]
//     bias becomes [1,1,1,C]), scalars are left alone. An input of rank < 4
//     that is not a constant keeps the node NCHW.
//   - everything else (Flatten, Reshape, Gemm, Slice, Softmax, ...) reads
//     NCHW: a Transpose(perm [0,3,1,2]) named "<value>.nchw" makes it from
//     the channels-last value, once per value.
// Values: a channels-last value keeps its id and name and its shape becomes
// the stored NHWC dims, so shape-driven code (memory planning) stays right.
// A graph output produced channels-last is written as "<value>.nhwc" and a
// Transpose recreates the original value; a graph input (or other NCHW
// value) read channels-last goes through a Transpose to "<value>.nhwc".
// New names are made unique; the graph is re-sorted topologically. A pure
// function over the graph: the runtime supplies the backend's answer.
#ifndef SF_GRAPH_PASSES_LAYOUT_H_
#define SF_GRAPH_PASSES_LAYOUT_H_

#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace sf {

// Transpose permutations between the two layouts of a rank-4 tensor.
inline constexpr std::array<int64_t, 4> kNchwToNhwc = {0, 2, 3, 1};
inline constexpr std::array<int64_t, 4> kNhwcToNchw = {0, 3, 1, 2};

// dims[perm[i]] for each i: PermuteDims(nchw, kNchwToNhwc) gives the NHWC dims.
std::vector<int64_t> PermuteDims(const std::vector<int64_t>& dims,
                                 const std::array<int64_t, 4>& perm);

// The NCHW (for a Conv weight: [K,C,R,S]) dims of a rank-4 tensor of `node`
// from its stored dims: permuted back when the node is channels_last, else
// (and for other ranks) unchanged.
std::vector<int64_t> LogicalDims(const Node& node, std::vector<int64_t> dims);

// Whether the backend has a channels-last kernel for the layout-aware `node`.
using NhwcSupport = std::function<bool(const Graph& graph, const Node& node)>;

// Returns how many layout-aware nodes now run channels-last (0 leaves the
// graph as it was). Errors only on a failed allocation of a re-laid-out
// constant (naming the value) or a cycle.
absl::StatusOr<int> ConvertToNhwc(Graph& graph, const NhwcSupport& runs_nhwc);

}  // namespace sf

#endif  // SF_GRAPH_PASSES_LAYOUT_H_
