#include "importers/onnx/external_data.h"

#include <algorithm>
#include <fstream>
#include <optional>
#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "graph/status.h"

namespace sf {
namespace fs = std::filesystem;

namespace {

struct ExternalDataKeys {
  std::string location;
  int64_t offset = 0;
  std::optional<int64_t> length;
};

absl::StatusOr<int64_t> ParseByteCount(const std::string& text, absl::string_view key,
                                       absl::string_view what) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(text, &v) || v < 0) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": external data ", key, " '", text,
                                                   "' is not a non-negative integer"));
  }
  return v;
}

absl::StatusOr<ExternalDataKeys> ParseKeys(const onnx::TensorProto& proto,
                                           absl::string_view what) {
  ExternalDataKeys keys;
  bool has_location = false;
  for (const onnx::StringStringEntryProto& e : proto.external_data()) {
    if (e.key() == "location") {
      keys.location = e.value();
      has_location = true;
    } else if (e.key() == "offset") {
      SF_ASSIGN_OR_RETURN(keys.offset, ParseByteCount(e.value(), "offset", what));
    } else if (e.key() == "length") {
      SF_ASSIGN_OR_RETURN(keys.length, ParseByteCount(e.value(), "length", what));
    }
  }
  SF_CHECK_ARG(has_location && !keys.location.empty(), what,
               ": external data has no 'location'");
  return keys;
}

// True when `path` is `dir` or below it (both canonical).
bool IsInside(const fs::path& path, const fs::path& dir) {
  auto [dir_end, path_it] = std::mismatch(dir.begin(), dir.end(), path.begin(), path.end());
  return dir_end == dir.end();
}

}  // namespace

absl::StatusOr<fs::path> ResolveExternalDataPath(absl::string_view location,
                                                 absl::string_view model_dir,
                                                 absl::string_view what) {
  const std::string loc(location);
  SF_CHECK_ARG(!model_dir.empty(), what, ": external data '", loc,
               "' is refused: the model's folder is unknown");
  fs::path rel(loc);
  SF_CHECK_ARG(!rel.is_absolute() && !rel.has_root_name() && !rel.has_root_directory(), what,
               ": external data location '", loc, "' is an absolute path");
  for (const fs::path& part : rel) {
    SF_CHECK_ARG(part != "..", what, ": external data location '", loc,
                 "' has a '..' component");
  }
  std::error_code ec;
  fs::path dir = fs::canonical(fs::path(std::string(model_dir)), ec);
  SF_CHECK_ARG(!ec, what, ": model folder '", model_dir, "': ", ec.message());
  fs::path full = fs::weakly_canonical(dir / rel, ec);
  SF_CHECK_ARG(!ec, what, ": external data '", loc, "': ", ec.message());
  SF_CHECK_ARG(IsInside(full, dir) && full != dir, what, ": external data '", loc,
               "' resolves to '", full.string(), "', outside the model folder '",
               dir.string(), "'");
  return full;
}

absl::StatusOr<Tensor> ReadExternalTensor(const onnx::TensorProto& proto, DataType dtype,
                                          std::vector<int64_t> dims, int64_t num_bytes,
                                          absl::string_view model_dir, absl::string_view what) {
  SF_CHECK_ARG(!proto.has_raw_data() && proto.float_data_size() == 0 &&
                   proto.int32_data_size() == 0 && proto.int64_data_size() == 0 &&
                   proto.double_data_size() == 0 && proto.uint64_data_size() == 0,
               what, ": has both external and inline data");
  SF_ASSIGN_OR_RETURN(ExternalDataKeys keys, ParseKeys(proto, what));
  SF_ASSIGN_OR_RETURN(fs::path path, ResolveExternalDataPath(keys.location, model_dir, what));
  std::error_code ec;
  SF_CHECK_ARG(fs::is_regular_file(path, ec), what, ": external data file '", keys.location,
               "' does not exist or is not a regular file");
  // A hard link inside the folder can name a file outside it, and no path check
  // can tell: files with more than one link are refused (docs/security.md).
  const uintmax_t links = fs::hard_link_count(path, ec);
  SF_CHECK_ARG(!ec && links == 1, what, ": external data file '", keys.location, "' has ",
               links, " hard links; refused because a hard link may lead outside the model "
               "folder (store a copy of the file instead)");
  const uintmax_t file_size = fs::file_size(path, ec);
  SF_CHECK_ARG(!ec, what, ": external data file '", keys.location, "': ", ec.message());
  const auto size = static_cast<int64_t>(std::min<uintmax_t>(file_size, INT64_MAX));
  SF_CHECK_ARG(keys.offset <= size, what, ": external data offset ", keys.offset,
               " is past the end of '", keys.location, "' (", size, " bytes)");
  const int64_t length = keys.length.value_or(size - keys.offset);
  SF_CHECK_ARG(length <= size - keys.offset, what, ": external data file '", keys.location,
               "' is too short: needs bytes [", keys.offset, ", ", keys.offset, "+", length,
               ") but has ", size);
  SF_CHECK_ARG(length == num_bytes, what, ": external data length ", length,
               " does not match the ", num_bytes, " bytes of shape ", ShapeToString(dims));
  SF_ASSIGN_OR_RETURN(Tensor t, Tensor::Create(dtype, std::move(dims), what));
  std::ifstream in(path, std::ios::binary);
  in.seekg(keys.offset);
  in.read(static_cast<char*>(t.raw_data()), static_cast<std::streamsize>(num_bytes));
  if (!in) {
    return absl::DataLossError(
        absl::StrCat(what, ": cannot read external data file '", keys.location, "'"));
  }
  return t;
}

}  // namespace sf
