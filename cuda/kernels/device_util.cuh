// Device-side helpers shared by the .cu files in cuda/kernels/: grid-stride
// launch geometry, Indexer offsets and dtype dispatch. Internal to cuda/kernels.
#ifndef SF_CUDA_KERNELS_DEVICE_UTIL_CUH_
#define SF_CUDA_KERNELS_DEVICE_UTIL_CUH_

#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <map>
#include <mutex>
#include <tuple>
#include <type_traits>
#include <utility>

#include "cuda/kernels/indexer.h"
#include "graph/dtype.h"

namespace sf::cuda {

inline constexpr int kThreadsPerBlock = 256;

// Blocks for a grid-stride loop over `n` items (capped; the loop covers the rest).
inline unsigned int BlocksFor(int64_t n) {
  const int64_t blocks = (n + kThreadsPerBlock - 1) / kThreadsPerBlock;
  return static_cast<unsigned int>(blocks < 1 ? 1 : (blocks > 65535 * 8 ? 65535 * 8 : blocks));
}

// Bit i set where half i of 8 (FP16 bit patterns, 4 words) is not +-0: the
// spike bits of 8 channels (the spike gather's and the compacted conv's halos).
__device__ __forceinline__ uint32_t NonZeroBits(uint4 v) {
  const uint32_t w[4] = {v.x, v.y, v.z, v.w};
  uint32_t m = 0;
#pragma unroll
  for (int i = 0; i < 4; ++i) {
    m |= ((w[i] & 0x7fffu) != 0 ? 1u : 0u) << (2 * i);
    m |= ((w[i] & 0x7fff0000u) != 0 ? 1u : 0u) << (2 * i + 1);
  }
  return m;
}

// Whether `p` is a multiple of `bytes` (a vector load/store width).
__host__ __device__ inline bool IsAligned(const void* p, size_t bytes) {
  return reinterpret_cast<uintptr_t>(p) % bytes == 0;
}

// Programmatic dependent launch (sm_90+): LaunchAfterPrevious lets the GPU
// start launching a kernel while the kernel before it in the stream finishes
// (its memory flush and the launch latency overlap, the idle gap between the
// two shrinks); the kernel must call WaitForPreviousGrid() before it touches
// memory, which waits for the previous kernel's completion and flush, so the
// semantics are those of an ordinary launch. Captured into CUDA graphs as a
// programmatic edge. Elsewhere (older GPUs) an ordinary launch.
__device__ __forceinline__ void WaitForPreviousGrid() {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 900
  asm volatile("griddepcontrol.wait;" ::: "memory");
#endif
}

// Whether the current device has programmatic dependent launch (compute
// capability 9.0 or later); cached per device.
inline bool ProgrammaticLaunchOnDevice() {
  static std::atomic<int> cached[64] = {};  // 0 unknown, 1 no, 2 yes
  int device = 0, major = 0;
  if (cudaGetDevice(&device) != cudaSuccess || device < 0 || device >= 64) return false;
  const int known = cached[device].load(std::memory_order_relaxed);
  if (known != 0) return known == 2;
  const bool yes =
      cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device) == cudaSuccess &&
      major >= 9;
  cached[device].store(yes ? 2 : 1, std::memory_order_relaxed);
  return yes;
}

// Opts `kernel` in to `shared_bytes` of dynamic shared memory on the current
// device (needed above 48 KiB; not a stream operation, fine under CUDA-graph
// capture) and gives how many of its blocks of `threads` threads fit on the
// device at once: SM count x occupancy, 0 when none fits. The opt-in is a
// property of the kernel, not of a launch, so it only ever grows (to the most
// any launch asked for; a smaller launch runs under a larger opt-in); the
// queries are made once per device, kernel, block size and shared size, then
// cached: these are host calls of a few us each that every plain launch
// would otherwise pay.
inline cudaError_t PrepareSharedKernel(const void* kernel, int threads, size_t shared_bytes,
                                       int* resident_blocks) {
  using Key = std::tuple<int, const void*, int, size_t>;
  static std::mutex mu;
  static std::map<Key, int> resident;                          // by device, kernel, threads, shared
  static std::map<std::pair<int, const void*>, size_t> opted;  // by device, kernel
  int device = 0;
  cudaError_t err = cudaGetDevice(&device);
  if (err != cudaSuccess) return err;
  std::lock_guard<std::mutex> lock(mu);
  const Key key{device, kernel, threads, shared_bytes};
  if (auto it = resident.find(key); it != resident.end()) {
    *resident_blocks = it->second;
    return cudaSuccess;
  }
  size_t& opted_in = opted[{device, kernel}];
  if (shared_bytes > opted_in) {
    if ((err = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize,
                                    static_cast<int>(shared_bytes))) != cudaSuccess) {
      return err;
    }
    opted_in = shared_bytes;
  }
  int sms = 0, per_sm = 0;
  if ((err = cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, device)) !=
          cudaSuccess ||
      (err = cudaOccupancyMaxActiveBlocksPerMultiprocessor(&per_sm, kernel, threads,
                                                           shared_bytes)) != cudaSuccess) {
    return err;
  }
  *resident_blocks = std::max(per_sm, 0) * std::max(sms, 0);
  resident.emplace(key, *resident_blocks);
  return cudaSuccess;
}

template <typename... KernelArgs, typename... Args>
cudaError_t LaunchAfterPrevious(void (*kernel)(KernelArgs...), dim3 grid, dim3 block,
                                size_t shared_bytes, cudaStream_t stream, Args&&... args) {
  cudaLaunchAttribute attr{};
  attr.id = cudaLaunchAttributeProgrammaticStreamSerialization;
  attr.val.programmaticStreamSerializationAllowed = 1;
  cudaLaunchConfig_t config{};
  config.gridDim = grid;
  config.blockDim = block;
  config.dynamicSmemBytes = shared_bytes;
  config.stream = stream;
  config.attrs = &attr;
  config.numAttrs = ProgrammaticLaunchOnDevice() ? 1 : 0;
  const cudaError_t err = cudaLaunchKernelEx(&config, kernel, std::forward<Args>(args)...);
  if (err != cudaSuccess) (void)cudaGetLastError();  // returned here, not left for a later check
  return err;
}

// A one-dimensional grid without dynamic shared memory.
template <typename... KernelArgs, typename... Args>
cudaError_t LaunchAfterPrevious(void (*kernel)(KernelArgs...), unsigned int blocks,
                                unsigned int threads, cudaStream_t stream, Args&&... args) {
  return LaunchAfterPrevious(kernel, dim3(blocks), dim3(threads), 0, stream,
                             std::forward<Args>(args)...);
}

#define SF_GRID_STRIDE_LOOP(i, n)                                                      \
  for (int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < (n); \
       i += static_cast<int64_t>(blockDim.x) * gridDim.x)

// Calls f(T{}) for the arithmetic dtypes; false for any other.
template <typename F>
bool VisitArithmeticType(DataType t, F&& f) {
  switch (t) {
    case DataType::kFloat32: f(float{}); return true;
    case DataType::kFloat64: f(double{}); return true;
    case DataType::kInt32: f(int32_t{}); return true;
    case DataType::kInt64: f(int64_t{}); return true;
    default: return false;
  }
}

// float16 elements are stored as __half and computed in float: ComputeOf<T>
// is the type arithmetic runs in, LoadValue/StoreValue convert (round to nearest even).
template <typename T>
struct ComputeType {
  using type = T;
};
template <>
struct ComputeType<__half> {
  using type = float;
};
template <typename T>
using ComputeOf = typename ComputeType<T>::type;

template <typename T>
__device__ inline ComputeOf<T> LoadValue(T v) {
  if constexpr (std::is_same_v<T, __half>) {
    return __half2float(v);
  } else {
    return v;
  }
}
template <typename T>
__device__ inline T StoreValue(ComputeOf<T> v) {
  if constexpr (std::is_same_v<T, __half>) {
    return __float2half_rn(v);
  } else {
    return v;
  }
}

// Calls f(T{}) with float or __half for kFloat32 / kFloat16; false for any other.
template <typename F>
bool VisitFloatType(DataType t, F&& f) {
  switch (t) {
    case DataType::kFloat32: f(float{}); return true;
    case DataType::kFloat16: f(__half{}); return true;
    default: return false;
  }
}

// VisitArithmeticType plus kFloat16 (as __half), for kernels that Load/Store.
template <typename F>
bool VisitArithmeticOrHalfType(DataType t, F&& f) {
  if (t == DataType::kFloat16) {
    f(__half{});
    return true;
  }
  return VisitArithmeticType(t, f);
}

// Calls f(U{}) with an unsigned type as wide as one element; false for other sizes.
template <typename F>
bool VisitElementSize(size_t bytes, F&& f) {
  switch (bytes) {
    case 1: f(uint8_t{}); return true;
    case 2: f(uint16_t{}); return true;
    case 4: f(uint32_t{}); return true;
    case 8: f(uint64_t{}); return true;
    default: return false;
  }
}

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_DEVICE_UTIL_CUH_
