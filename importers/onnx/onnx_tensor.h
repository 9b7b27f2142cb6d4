// ONNX TensorProto / ValueInfoProto -> SparseFlow Tensor, dtype and shape.
//
// All sizes are checked (CheckedElementCount) before anything is allocated, and the
// data must hold exactly the tensor's elements. Errors start with `what`
// ("initializer 'conv1.weight'").
#ifndef SF_IMPORTERS_ONNX_ONNX_TENSOR_H_
#define SF_IMPORTERS_ONNX_ONNX_TENSOR_H_

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"
#include "graph/tensor.h"
#include "onnx/onnx.pb.h"

namespace sf {

// Reads raw_data, the typed field of the dtype (float_data; int32_data for int32,
// int8, uint8, bool and float16; int64_data; double_data) or external data resolved
// against `model_dir` (see external_data.h).
absl::StatusOr<Tensor> TensorFromOnnx(const onnx::TensorProto& proto,
                                      absl::string_view model_dir, absl::string_view what);

// The element type and shape a ValueInfoProto declares. A missing type gives
// kUndefined and an unknown rank; dims without value or param are Symbolic("").
struct ValueType {
  DataType dtype = DataType::kUndefined;
  std::optional<Shape> shape;
};
absl::StatusOr<ValueType> ValueTypeFromOnnx(const onnx::ValueInfoProto& info,
                                            absl::string_view what);

}  // namespace sf

#endif  // SF_IMPORTERS_ONNX_ONNX_TENSOR_H_
