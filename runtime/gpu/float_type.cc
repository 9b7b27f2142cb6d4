#include "runtime/gpu/float_type.h"

#include "runtime/cpu/kernel_util.h"

namespace sf {

absl::StatusOr<DataType> CheckGpuFloatType(const Graph& graph, const Node& node, bool allow_half) {
  const DataType t = OutputType(graph, node, 0);
  if (t != DataType::kFloat32 && !(allow_half && t == DataType::kFloat16)) {
    return NodeError(node, "output must be ", allow_half ? "float32 or float16" : "float32",
                     " on CUDA, not ", ToString(t));
  }
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    if (HasInput(node, static_cast<int>(i)) && InputType(graph, node, static_cast<int>(i)) != t) {
      return NodeError(node, "input ", i, " must be ", ToString(t), " like the output on CUDA");
    }
  }
  return t;
}

}  // namespace sf
