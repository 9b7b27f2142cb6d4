// Resolution of the user's device string for a Runtime.
#ifndef SF_RUNTIME_DEVICE_H_
#define SF_RUNTIME_DEVICE_H_

#include <string>

#include "absl/status/statusor.h"

namespace sf {

// "auto" | "cpu" | "cuda" | "cuda:N" -> the device a Runtime runs on: "cpu" or
// "cuda:N". "auto" is the GPU with the most free memory when one is present (and
// the build has CUDA), else "cpu". Errors: InvalidArgument for a malformed spec
// or a GPU that does not exist, FailedPrecondition when a GPU is requested but
// none is present or the build has no CUDA.
absl::StatusOr<std::string> ResolveRuntimeDevice(const std::string& spec);

// Whether `spec` is spelt as ResolveRuntimeDevice takes it: "auto", "cpu",
// "cuda" or "cuda:N" with N decimal digits. Says nothing of which GPUs exist.
bool IsDeviceSpelling(const std::string& spec);

// The CUDA ordinal of a resolved device string: -1 for "cpu", N for "cuda:N".
absl::StatusOr<int> CudaOrdinal(const std::string& resolved);

}  // namespace sf

#endif  // SF_RUNTIME_DEVICE_H_
