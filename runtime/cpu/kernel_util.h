// Helpers shared by the CPU reference kernels: node-named errors, concrete
// shapes of a node's values, axis normalisation and dtype dispatch tables.
#ifndef SF_RUNTIME_CPU_KERNEL_UTIL_H_
#define SF_RUNTIME_CPU_KERNEL_UTIL_H_

#include <cstdint>
#include <cstring>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"
#include "graph/status.h"

namespace sf {

// InvalidArgument "<OpType> node '<name>': <message...>".
template <typename... Args>
absl::Status NodeError(const Node& node, const Args&... args) {
  return absl::InvalidArgumentError(
      absl::StrCat(ToString(node.op), " node '", node.name, "': ", args...));
}

// A copy of the node's op and name only, kept by kernels for Compute-time errors.
inline Node NodeLabel(const Node& node) { return Node{node.name, node.op, {}, {}, {}}; }

// Number of inputs/outputs the node must have (optional inputs may be kNoValue
// beyond `min_inputs`).
absl::Status CheckArity(const Node& node, int min_inputs, int max_inputs, int min_outputs,
                        int max_outputs);
// True when input `i` exists and is not omitted.
bool HasInput(const Node& node, int i);
// The concrete dims of the node's input/output `i`; error naming the node when
// the value is missing or its shape is not fully known.
absl::StatusOr<std::vector<int64_t>> InputDims(const Graph& graph, const Node& node, int i);
absl::StatusOr<std::vector<int64_t>> OutputDims(const Graph& graph, const Node& node, int i);
DataType InputType(const Graph& graph, const Node& node, int i);
DataType OutputType(const Graph& graph, const Node& node, int i);

// Maps `axis` in [-rank, rank) to [0, rank); error naming the node otherwise.
absl::StatusOr<int> NormalizeAxis(const Node& node, int64_t axis, int64_t rank);

// LayerNormalization's rows: X [d0..dr-1] is `rows` rows of `cols` elements
// (cols = the dims from axis on). Scale and B hold `params[i]` elements that
// repeat along a row (element j reads j % params[i]): their dims must be the
// row's trailing dims, leading 1s allowed (0 for an absent B).
struct LayerNormGeometry {
  int64_t rows = 0, cols = 0;
  int64_t params[2] = {0, 0};
  float epsilon = 1e-5f;
};
// Also checks that X, Scale and B are float32 (both backends run it in float32).
absl::StatusOr<LayerNormGeometry> LayerNormGeometryOf(const Graph& graph, const Node& node);

// Split's parts: X's dims, the axis, and each output's extent along it; checks
// that every output is X but for the axis, of X's type, and that the parts
// cover the axis.
struct SplitParts {
  std::vector<int64_t> x_dims;
  int axis = 0;
  std::vector<int64_t> sizes;
};
absl::StatusOr<SplitParts> SplitPartsOf(const Graph& graph, const Node& node);

// The float attributes of LeakyRelu and Elu (alpha) and HardSigmoid (alpha,
// beta); zeros for the other ops.
struct ActivationParams {
  float alpha = 0.0f, beta = 0.0f;
};
absl::StatusOr<ActivationParams> ActivationParamsOf(const Node& node);
int64_t Product(std::span<const int64_t> dims, size_t begin, size_t end);
inline int64_t Product(std::span<const int64_t> dims) { return Product(dims, 0, dims.size()); }

// ConstantOfShape's fill: the one-element "value" attribute (float32 0 when
// absent), checked against the node's single input and output (the output
// dtype must be the value's). Shared by the CPU and GPU kernels.
absl::StatusOr<Tensor> ConstantOfShapeValue(const Graph& graph, const Node& node);

// Resolves ONNX auto_pad ("NOTSET" keeps *begin/*end, "VALID", "SAME_UPPER",
// "SAME_LOWER") for one spatial dim of size `in` with kernel `k`.
absl::Status ResolveAutoPad(const Node& node, absl::string_view auto_pad, int64_t in, int64_t k,
                            int64_t stride, int64_t dil, int64_t* begin, int64_t* end);

// Reads the int32/int64 values of `t` (at most out.size()) into `out` and
// their number into *count; error naming the node and `what` otherwise.
absl::Status ReadIndexValues(const Node& label, const Tensor* t, absl::string_view what,
                             std::span<int64_t> out, int64_t* count);

// Calls f(T{}) with the C type of `t`, for the arithmetic types (float32,
// float64, int32, int64); error naming the node for any other dtype.
template <typename F>
absl::Status VisitArithmetic(const Node& node, DataType t, F&& f) {
  switch (t) {
    case DataType::kFloat32: return f(float{});
    case DataType::kFloat64: return f(double{});
    case DataType::kInt32: return f(int32_t{});
    case DataType::kInt64: return f(int64_t{});
    default: return NodeError(node, "unsupported element type ", ToString(t));
  }
}

// Calls f(U{}) with an unsigned integer type as wide as one element of `t`,
// for ops that only move elements.
template <typename F>
absl::Status VisitBySize(const Node& node, DataType t, F&& f) {
  switch (SizeOf(t)) {
    case 1: return f(uint8_t{});
    case 2: return f(uint16_t{});
    case 4: return f(uint32_t{});
    case 8: return f(uint64_t{});
    default: return NodeError(node, "unsupported element type ", ToString(t));
  }
}

// Checks that every input/output tensor matches the dtype and element count
// the kernel was prepared for (a mismatch would read or write out of bounds).
absl::Status CheckTensor(const Node& node, const Tensor* t, DataType dtype,
                         std::span<const int64_t> dims, absl::string_view what);

}  // namespace sf

#endif  // SF_RUNTIME_CPU_KERNEL_UTIL_H_
