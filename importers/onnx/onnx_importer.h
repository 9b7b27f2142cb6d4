// ONNX (protobuf) -> SparseFlow IR.
//
// Accepts opset 11-21 of the default domain and version 1 of the `sparseflow`
// domain (../shared/spec/neuron-ops.md). One converter per op in a table; each
// converter validates its attributes and writes a Node. Initializers from raw_data
// or typed fields; external data resolved relative to `model_dir` and refused when
// the path escapes it. The result is verified and topologically sorted.
// Never throws; every malformed input gives an error naming the node/tensor.
#ifndef SF_IMPORTERS_ONNX_ONNX_IMPORTER_H_
#define SF_IMPORTERS_ONNX_ONNX_IMPORTER_H_

#include "absl/strings/string_view.h"
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace sf {

struct OnnxImportOptions {
  // Folder that external-data locations are resolved against ("" = refuse external data).
  std::string model_dir;
  // Limits on untrusted models.
  int64_t max_model_bytes = int64_t{2} << 30;  // protobuf's own 2 GiB limit
  int max_nodes = 1 << 20;
};

absl::StatusOr<Graph> ImportOnnxModel(absl::string_view bytes, const OnnxImportOptions& options);
// Reads `path` and imports it with model_dir = the file's folder.
absl::StatusOr<Graph> ImportOnnxFile(const std::string& path);

}  // namespace sf

#endif  // SF_IMPORTERS_ONNX_ONNX_IMPORTER_H_
