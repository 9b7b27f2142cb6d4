// ONNX AttributeProto list -> Attrs.
#ifndef SF_IMPORTERS_ONNX_ONNX_ATTRS_H_
#define SF_IMPORTERS_ONNX_ONNX_ATTRS_H_

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/attr.h"
#include "onnx/onnx.pb.h"

namespace sf {

// Converts the attributes of `node` (INT, FLOAT, STRING, INTS, FLOATS, STRINGS,
// TENSOR). Other types, references to function attributes, unnamed or repeated
// attributes are refused with an error naming `node_name`. TENSOR attributes with
// external data are resolved against `model_dir`.
absl::StatusOr<Attrs> AttrsFromOnnx(const onnx::NodeProto& node, absl::string_view node_name,
                                    absl::string_view model_dir);

}  // namespace sf

#endif  // SF_IMPORTERS_ONNX_ONNX_ATTRS_H_
