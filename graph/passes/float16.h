// Converts a graph with concrete shapes to float16 activations for a backend
// that has float16 kernels for some ops (ONNX Runtime's "block list" approach:
// ops without a float16 kernel stay float32 with Casts around them, so every
// model still runs).
//
// A node runs in float16 when `runs_float16(graph, node)` is true, it is not a
// Cast (a model's Cast keeps its 'to', but for one from bool whose float32
// output only float16 nodes read: it writes float16 instead, 0 and 1 being
// exact either way, and no Cast follows it), and it reads or writes a float32
// value.
// All float32 inputs and outputs of such a node become float16; integer, bool
// and float64 values are never touched. Where a value crosses between the two
// precisions:
//   - a float32 graph input, or a float32 node's output, read by float16 nodes
//     gets one Cast(to float16) whose output those nodes read;
//   - a float16 node's output that float32 nodes or the graph outputs read is
//     written as a new float16 value, and a Cast(to float32) recreates the
//     original value (same id and name), so graph outputs keep their float32
//     type and names for the user;
//   - a float32 constant read by float16 nodes is rounded to float16 (nearest
//     even): in place when only float16 nodes read it, else as a new constant.
// New values are named "<value>.fp16" / "<value>.fp32" (made unique); each Cast
// node is named like its output. The graph is re-sorted topologically. A pure
// function over the graph: the caller (the runtime) supplies the backend's
// answer; nothing here knows about CUDA.
#ifndef SF_GRAPH_PASSES_FLOAT16_H_
#define SF_GRAPH_PASSES_FLOAT16_H_

#include <functional>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace sf {

// Whether the backend has a float16 kernel for `node` (types as in the input graph).
using Float16Support = std::function<bool(const Graph& graph, const Node& node)>;

// Returns how many nodes now run in float16. Errors only on a failed
// allocation of a converted constant (naming the value) or a cycle.
absl::StatusOr<int> ConvertToFloat16(Graph& graph, const Float16Support& runs_float16);

}  // namespace sf

#endif  // SF_GRAPH_PASSES_FLOAT16_H_
