#include "runtime/device.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#ifdef SF_WITH_CUDA
#include "cuda/device.h"
#endif

namespace sf {

absl::StatusOr<std::string> ResolveRuntimeDevice(const std::string& spec) {
  if (spec == "cpu") return std::string("cpu");
  // The CUDA execution backend is not part of this build yet: "auto" runs on the
  // CPU, and an explicit GPU request is refused with the reason.
  if (spec == "auto") return std::string("cpu");
  if (spec != "cuda" && !absl::StartsWith(spec, "cuda:")) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad device '", spec, "' (expected auto, cpu, cuda or cuda:N)"));
  }
#ifdef SF_WITH_CUDA
  absl::StatusOr<int> ordinal = cuda::ResolveDevice(spec);
  if (!ordinal.ok()) return ordinal.status();
  return absl::FailedPreconditionError(absl::StrCat(
      "device '", spec, "': GPU ", *ordinal,
      " is present, but the CUDA execution backend is not available in this version"));
#else
  return absl::FailedPreconditionError(
      absl::StrCat("device '", spec, "' requested but SparseFlow was built without CUDA"));
#endif
}

}  // namespace sf
