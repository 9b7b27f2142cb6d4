// Small file helpers shared by the runtime and the tools.
#ifndef SF_RUNTIME_FILE_UTIL_H_
#define SF_RUNTIME_FILE_UTIL_H_

#include <span>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace sf {

// Reads a whole regular file, refusing files above `max_bytes`. Errors name the
// path: NotFound when there is none, InvalidArgument for a folder or another
// file that is not a regular one (a named pipe is refused, never waited on).
absl::StatusOr<std::string> ReadFileToString(const std::string& path, int64_t max_bytes);

// One file to write: its path and its whole contents.
struct FileContents {
  std::string path;
  std::string bytes;
};

// Writes every file or none. Each regular destination is written (and synced)
// to a temporary file beside it, and only when all are written are they renamed
// over their destinations, so a failure leaves every destination untouched.
// - A destination that is a symbolic link is followed: the file it names is
//   replaced, the link stays.
// - A destination that exists and is not a regular file (a device such as
//   /dev/null, a named pipe with a reader) cannot be replaced: it is written in
//   place, after the temporaries and before the renames. A named pipe with no
//   reader is an error, not a wait.
// - The same regular file named twice is an error.
// Errors name the path.
absl::Status WriteFilesAtomically(std::span<const FileContents> files);
// The same for one file (`bytes` taken by value: a caller that moves them in
// writes a large tensor without a copy).
absl::Status WriteFileAtomically(const std::string& path, std::string bytes);

}  // namespace sf

#endif  // SF_RUNTIME_FILE_UTIL_H_
