#include "cuda/device.h"

#include <cuda_runtime_api.h>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace sf::cuda {

std::vector<DeviceInfo> ListDevices() {
  std::vector<DeviceInfo> devices;
  int count = 0;
  if (cudaGetDeviceCount(&count) != cudaSuccess) {
    cudaGetLastError();  // clear the sticky "no device" error
    return devices;
  }
  int previous = 0;
  cudaGetDevice(&previous);
  for (int i = 0; i < count; ++i) {
    cudaDeviceProp prop{};
    if (cudaGetDeviceProperties(&prop, i) != cudaSuccess) continue;
    DeviceInfo info;
    info.ordinal = i;
    info.name = prop.name;
    info.sm_major = prop.major;
    info.sm_minor = prop.minor;
    if (cudaSetDevice(i) == cudaSuccess) cudaMemGetInfo(&info.free_bytes, &info.total_bytes);
    devices.push_back(info);
  }
  cudaSetDevice(previous);
  return devices;
}

absl::StatusOr<int> ResolveDevice(const std::string& spec) {
  std::vector<DeviceInfo> devices = ListDevices();
  if (devices.empty()) {
    return absl::FailedPreconditionError(
        absl::StrCat("device '", spec, "' requested but no CUDA GPU is present"));
  }
  if (spec == "cuda") {
    const DeviceInfo* best = &devices[0];
    for (const DeviceInfo& d : devices) {
      if (d.free_bytes > best->free_bytes) best = &d;
    }
    return best->ordinal;
  }
  int n = -1;
  if (!absl::StartsWith(spec, "cuda:") || !absl::SimpleAtoi(spec.substr(5), &n) || n < 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("bad device '", spec, "' (expected cpu, cuda or cuda:N)"));
  }
  if (n >= static_cast<int>(devices.size())) {
    return absl::InvalidArgumentError(absl::StrCat("device '", spec, "' does not exist (",
                                                   devices.size(), " GPU(s) present)"));
  }
  return n;
}

}  // namespace sf::cuda
