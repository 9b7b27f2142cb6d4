// The element-type check shared by the GPU kernels that compute on floats:
// float32, or float16 for the kernels with a float16 path (computed in float32;
// Options::precision fp16).
#ifndef SF_RUNTIME_GPU_FLOAT_TYPE_H_
#define SF_RUNTIME_GPU_FLOAT_TYPE_H_

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace sf {

// Every present input and output 0 have output 0's type, which must be
// float32, or float16 when `allow_half`. Returns that type; otherwise an
// error naming the node.
absl::StatusOr<DataType> CheckGpuFloatType(const Graph& graph, const Node& node, bool allow_half);

}  // namespace sf

#endif  // SF_RUNTIME_GPU_FLOAT_TYPE_H_
