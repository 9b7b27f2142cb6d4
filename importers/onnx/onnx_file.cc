#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "importers/onnx/onnx_importer.h"

namespace sf {

absl::StatusOr<Graph> ImportOnnxFile(const std::string& path) {
  std::error_code ec;
  // By stat, before any open: a named pipe is refused, never waited on.
  if (!std::filesystem::is_regular_file(path, ec)) {
    if (std::filesystem::exists(path, ec)) {
      return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
    }
    return absl::NotFoundError(absl::StrCat(path, ": no such model file"));
  }
  OnnxImportOptions options;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return absl::NotFoundError(absl::StrCat(path, ": ", ec.message()));
  if (static_cast<int64_t>(size) > options.max_model_bytes) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": model is ", size,
                                                   " bytes, above the protobuf limit of ",
                                                   options.max_model_bytes));
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open: ", std::strerror(errno)));
  std::string bytes(size, '\0');
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  if (!in) return absl::DataLossError(absl::StrCat(path, ": short read"));
  options.model_dir = std::filesystem::absolute(path, ec).parent_path().string();
  auto graph = ImportOnnxModel(bytes, options);
  if (!graph.ok()) {
    return absl::Status(graph.status().code(), absl::StrCat(path, ": ", graph.status().message()));
  }
  return graph;
}

}  // namespace sf
