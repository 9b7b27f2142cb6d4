#include "runtime/device.h"

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#ifdef SF_WITH_CUDA
#include "cuda/device.h"
#endif

namespace sf {

bool IsDeviceSpelling(const std::string& spec) {
  if (spec == "auto" || spec == "cpu" || spec == "cuda") return true;
  return absl::StartsWith(spec, "cuda:") && spec.size() > 5 &&
         spec.find_first_not_of("0123456789", 5) == std::string::npos;
}

absl::StatusOr<std::string> ResolveRuntimeDevice(const std::string& spec) {
  if (spec == "cpu") return std::string("cpu");
  if (!IsDeviceSpelling(spec)) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad device '", spec, "' (expected auto, cpu, cuda or cuda:N)"));
  }
#ifdef SF_WITH_CUDA
  if (spec == "auto") {
    if (cuda::ListDevices().empty()) return std::string("cpu");
    absl::StatusOr<int> best = cuda::ResolveDevice("cuda");
    if (!best.ok()) return std::string("cpu");
    return absl::StrCat("cuda:", *best);
  }
  absl::StatusOr<int> ordinal = cuda::ResolveDevice(spec);
  if (!ordinal.ok()) return ordinal.status();
  return absl::StrCat("cuda:", *ordinal);
#else
  if (spec == "auto") return std::string("cpu");
  return absl::FailedPreconditionError(
      absl::StrCat("device '", spec, "' requested but SparseFlow was built without CUDA (no GPU support)"));
#endif
}

absl::StatusOr<int> CudaOrdinal(const std::string& resolved) {
  if (resolved == "cpu") return -1;
  int n = -1;
  if (!absl::StartsWith(resolved, "cuda:") || !absl::SimpleAtoi(resolved.substr(5), &n) || n < 0) {
    return absl::InvalidArgumentError(absl::StrCat("not a resolved device: '", resolved, "'"));
  }
  return n;
}

}  // namespace sf
