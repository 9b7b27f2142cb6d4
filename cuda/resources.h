// RAII owners of the CUDA resources a GPU executor holds: device memory,
// streams, events, and cuDNN / cuBLAS handles bound to a stream. Each Create
// names its device (it calls cudaSetDevice(device) first; the calling thread's
// current device is left set to it). Destruction never throws or aborts.
// Objects are move-only and not thread-safe.
#ifndef SF_CUDA_RESOURCES_H_
#define SF_CUDA_RESOURCES_H_

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <cstddef>
#include <cstdint>

#include "absl/status/statusor.h"
#include "cuda/owned.h"

namespace sf::cuda {

namespace internal {
inline void FreeDevice(void* p) { cudaFree(p); }
inline void FreeHost(void* p) { cudaFreeHost(p); }
inline void DestroyStream(cudaStream_t s) { cudaStreamDestroy(s); }
inline void DestroyEvent(cudaEvent_t e) { cudaEventDestroy(e); }
inline void DestroyCudnn(cudnnHandle_t h) { cudnnDestroy(h); }
inline void DestroyCublas(cublasHandle_t h) { cublasDestroy(h); }
}  // namespace internal

// The alignment of every region the GPU executor carves from its arena
// (tensors, the workspace) and of sub-buffers a kernel carves from its
// workspace; cudaMalloc's own alignment (DeviceBuffer) is at least this.
inline constexpr int64_t kDeviceAlignment = 256;
inline int64_t AlignUpToDevice(int64_t bytes) {
  return (bytes + kDeviceAlignment - 1) / kDeviceAlignment * kDeviceAlignment;
}

// How many device allocations (cudaMalloc calls, all made by
// DeviceBuffer::Create) this process has made so far; thread-safe. For tests
// that check a path allocates no device memory.
int64_t DeviceAllocationCount();

// `bytes` of device memory on one device (at least 256-byte aligned).
class DeviceBuffer {
 public:
  DeviceBuffer() = default;
  // A zero-byte request allocates nothing and gives a null data().
  static absl::StatusOr<DeviceBuffer> Create(int device, size_t bytes);

  void* data() const { return ptr_.get(); }
  size_t bytes() const { return bytes_; }
  int device() const { return device_; }

 private:
  Owned<void*, internal::FreeDevice> ptr_;
  size_t bytes_ = 0;
  int device_ = -1;
};

// `bytes` of page-locked host memory (cudaMallocHost), the target of
// asynchronous device-to-host copies; read it only after the copy's stream
// was synchronised.
class PinnedHostBuffer {
 public:
  PinnedHostBuffer() = default;
  // A zero-byte request allocates nothing and gives a null data().
  static absl::StatusOr<PinnedHostBuffer> Create(size_t bytes);

  void* data() const { return ptr_.get(); }
  size_t bytes() const { return bytes_; }

 private:
  Owned<void*, internal::FreeHost> ptr_;
  size_t bytes_ = 0;
};

// A non-blocking stream (never synchronises with the legacy default stream).
class Stream {
 public:
  static absl::StatusOr<Stream> Create(int device);
  cudaStream_t get() const { return stream_.get(); }
  // Blocks the host until all work queued so far has finished.
  absl::Status Synchronize() const;

 private:
  Owned<cudaStream_t, internal::DestroyStream> stream_;
};

// A timing event; Elapsed gives milliseconds between two recorded events.
// With `timing` false it only orders work across streams (cheaper to record
// and wait for; ElapsedMs fails on it).
class Event {
 public:
  static absl::StatusOr<Event> Create(int device, bool timing = true);
  cudaEvent_t get() const { return event_.get(); }
  absl::Status Record(cudaStream_t stream) const;
  static absl::StatusOr<float> ElapsedMs(const Event& start, const Event& end);

 private:
  Owned<cudaEvent_t, internal::DestroyEvent> event_;
};

// A cuDNN handle whose work goes to `stream`.
class CudnnHandle {
 public:
  static absl::StatusOr<CudnnHandle> Create(int device, cudaStream_t stream);
  cudnnHandle_t get() const { return handle_.get(); }

 private:
  Owned<cudnnHandle_t, internal::DestroyCudnn> handle_;
};

// A cuBLAS handle whose work goes to `stream`, in pedantic FP32 math (no TF32,
// no reduced-precision reductions) so that results stay close to the CPU, or
// with `allow_tf32` in CUBLAS_TF32_TENSOR_OP_MATH.
class CublasHandle {
 public:
  static absl::StatusOr<CublasHandle> Create(int device, cudaStream_t stream,
                                             bool allow_tf32 = false);
  cublasHandle_t get() const { return handle_.get(); }

 private:
  Owned<cublasHandle_t, internal::DestroyCublas> handle_;
};

}  // namespace sf::cuda

#endif  // SF_CUDA_RESOURCES_H_
