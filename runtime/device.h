// Resolution of the user's device string for a Runtime.
#ifndef SF_RUNTIME_DEVICE_H_
#define SF_RUNTIME_DEVICE_H_

#include <string>

#include "absl/status/statusor.h"

namespace sf {

// "auto" | "cpu" | "cuda" | "cuda:N" -> the device a Runtime runs on ("cpu",
// "cuda:N"). Errors: InvalidArgument for a malformed spec, FailedPrecondition
// when a GPU is requested but none is present or the build has no CUDA.
absl::StatusOr<std::string> ResolveRuntimeDevice(const std::string& spec);

}  // namespace sf

#endif  // SF_RUNTIME_DEVICE_H_
