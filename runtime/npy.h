// NumPy .npy reading and writing.
//
// Reads format versions 1.0, 2.0 and 3.0; dtypes <f4, <f8, |b1, <i8, <i4, |u1 (and
// their big-endian forms, byte-swapped); C order, Fortran order transposed to C.
// Every header field and size is checked against the file length before use;
// the header is capped at 10,000 bytes as NumPy does; object/pickle dtypes refused.
#ifndef SF_RUNTIME_NPY_H_
#define SF_RUNTIME_NPY_H_

#include "absl/strings/string_view.h"
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "graph/tensor.h"

namespace sf {

// Parses .npy bytes; `what` names the source in error messages.
absl::StatusOr<Tensor> ParseNpy(absl::string_view bytes, absl::string_view what = "npy");
absl::StatusOr<Tensor> ReadNpy(const std::string& path);
// Serialises as a version 1.0 C-order .npy of the tensor's dtype.
absl::StatusOr<std::string> SerializeNpy(const Tensor& tensor);
// Writes atomically: a temporary file in the same folder renamed over `path`, so a
// failure never leaves a partial file.
absl::Status WriteNpy(const std::string& path, const Tensor& tensor);

}  // namespace sf

#endif  // SF_RUNTIME_NPY_H_
