// Shape and dtype inference, one function per OpType (a table in the .cc).
//
// Symbolic dims propagate where the op allows it (N stays N through Conv).
// Ops that need a constant operand to know their output shape (Reshape's shape,
// Slice's starts, ...) read Value::constant; when it is absent the output shape
// is left unknown (rank known when possible).
#ifndef SF_GRAPH_SHAPE_INFERENCE_H_
#define SF_GRAPH_SHAPE_INFERENCE_H_

#include "absl/status/status.h"
#include "graph/graph.h"

namespace sf {

// Sets dtype and shape of node `node_index`'s outputs from its inputs. Returns
// InvalidArgument naming the node when inputs are inconsistent (e.g. Conv channel
// mismatch, incompatible broadcast, out-of-range axis).
absl::Status InferNodeShapes(Graph& graph, int node_index);
// True when `op` has a shape function (every op except Constant, which the importer
// turns into constant values).
bool HasShapeInference(OpType op);
// Runs InferNodeShapes over all nodes in their current order (must be topological).
absl::Status InferShapes(Graph& graph);

}  // namespace sf

#endif  // SF_GRAPH_SHAPE_INFERENCE_H_
