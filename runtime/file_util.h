// Small file helpers shared by the runtime and the tools.
#ifndef SF_RUNTIME_FILE_UTIL_H_
#define SF_RUNTIME_FILE_UTIL_H_

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sf {

// Reads a whole regular file, refusing files above `max_bytes`. Errors name the
// path: NotFound when there is none, InvalidArgument for a folder or another
// file that is not a regular one.
absl::StatusOr<std::string> ReadFileToString(const std::string& path, int64_t max_bytes);
// Writes `bytes` to a temporary file beside `path` and renames it over `path`, so
// that `path` is either untouched or complete. Errors name the path.
absl::Status WriteFileAtomically(const std::string& path, absl::string_view bytes);

}  // namespace sf

#endif  // SF_RUNTIME_FILE_UTIL_H_
