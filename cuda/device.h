// CUDA device discovery and selection. Every call names its device explicitly;
// nothing here changes global CUDA state except where documented.
#ifndef SF_CUDA_DEVICE_H_
#define SF_CUDA_DEVICE_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sf::cuda {

struct DeviceInfo {
  int ordinal = -1;
  std::string name;
  int sm_major = 0, sm_minor = 0;
  size_t free_bytes = 0, total_bytes = 0;
};

// All visible CUDA devices; an empty list (not an error) when there is no GPU or
// no driver.
std::vector<DeviceInfo> ListDevices();
// Resolves "cuda" (the device with the most free memory) or "cuda:N". Fails with
// FailedPrecondition when no GPU is present, InvalidArgument for a bad spec or N.
absl::StatusOr<int> ResolveDevice(const std::string& spec);

}  // namespace sf::cuda

#endif  // SF_CUDA_DEVICE_H_
