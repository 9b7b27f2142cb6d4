// Reading a tensor's bytes from an ONNX external-data file.
//
// The file is named by the tensor's `location` key, relative to the model's folder.
// Untrusted models must not read outside that folder: absolute paths, '..'
// components and symlinks leading out of the folder are refused, and so are files
// with more than one hard link (a hard link can lead out of the folder unseen).
#ifndef SF_IMPORTERS_ONNX_EXTERNAL_DATA_H_
#define SF_IMPORTERS_ONNX_EXTERNAL_DATA_H_

#include <cstdint>
#include <filesystem>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/tensor.h"
#include "onnx/onnx.pb.h"

namespace sf {

// The file `location` names, checked to lie inside `model_dir` (after following
// symlinks). `what` names the tensor in errors.
absl::StatusOr<std::filesystem::path> ResolveExternalDataPath(absl::string_view location,
                                                              absl::string_view model_dir,
                                                              absl::string_view what);

// Reads the external data of `proto` (data_location EXTERNAL; keys location, offset,
// length) into a new tensor of `dtype` and `dims`. The byte range must lie inside
// the file and hold exactly the tensor's bytes.
absl::StatusOr<Tensor> ReadExternalTensor(const onnx::TensorProto& proto, DataType dtype,
                                          std::vector<int64_t> dims, int64_t num_bytes,
                                          absl::string_view model_dir, absl::string_view what);

}  // namespace sf

#endif  // SF_IMPORTERS_ONNX_EXTERNAL_DATA_H_
