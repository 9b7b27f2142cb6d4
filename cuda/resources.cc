#include "cuda/resources.h"

#include <atomic>

#include "cuda/cuda_status.h"

namespace sf::cuda {
namespace {

std::atomic<int64_t> device_allocations{0};

}  // namespace

int64_t DeviceAllocationCount() { return device_allocations.load(std::memory_order_relaxed); }

absl::StatusOr<DeviceBuffer> DeviceBuffer::Create(int device, size_t bytes) {
  DeviceBuffer buffer;
  buffer.device_ = device;
  buffer.bytes_ = bytes;
  if (bytes == 0) return buffer;
  SF_CUDA_RETURN_IF_ERROR(cudaSetDevice(device));
  void* p = nullptr;
  device_allocations.fetch_add(1, std::memory_order_relaxed);
  SF_CUDA_RETURN_IF_ERROR(cudaMalloc(&p, bytes));
  buffer.ptr_ = Owned<void*, internal::FreeDevice>(p);
  return buffer;
}

absl::StatusOr<PinnedHostBuffer> PinnedHostBuffer::Create(size_t bytes) {
  PinnedHostBuffer buffer;
  buffer.bytes_ = bytes;
  if (bytes == 0) return buffer;
  void* p = nullptr;
  SF_CUDA_RETURN_IF_ERROR(cudaMallocHost(&p, bytes));
  buffer.ptr_ = Owned<void*, internal::FreeHost>(p);
  return buffer;
}

absl::StatusOr<Stream> Stream::Create(int device) {
  SF_CUDA_RETURN_IF_ERROR(cudaSetDevice(device));
  cudaStream_t s = nullptr;
  SF_CUDA_RETURN_IF_ERROR(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
  Stream stream;
  stream.stream_ = Owned<cudaStream_t, internal::DestroyStream>(s);
  return stream;
}

absl::Status Stream::Synchronize() const {
  SF_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream_.get()));
  return absl::OkStatus();
}

absl::StatusOr<Event> Event::Create(int device, bool timing) {
  SF_CUDA_RETURN_IF_ERROR(cudaSetDevice(device));
  cudaEvent_t e = nullptr;
  SF_CUDA_RETURN_IF_ERROR(
      cudaEventCreateWithFlags(&e, timing ? cudaEventDefault : cudaEventDisableTiming));
  Event event;
  event.event_ = Owned<cudaEvent_t, internal::DestroyEvent>(e);
  return event;
}

absl::Status Event::Record(cudaStream_t stream) const {
  SF_CUDA_RETURN_IF_ERROR(cudaEventRecord(event_.get(), stream));
  return absl::OkStatus();
}

absl::StatusOr<float> Event::ElapsedMs(const Event& start, const Event& end) {
  float ms = 0;
  SF_CUDA_RETURN_IF_ERROR(cudaEventSynchronize(end.get()));
  SF_CUDA_RETURN_IF_ERROR(cudaEventElapsedTime(&ms, start.get(), end.get()));
  return ms;
}

absl::StatusOr<CudnnHandle> CudnnHandle::Create(int device, cudaStream_t stream) {
  SF_CUDA_RETURN_IF_ERROR(cudaSetDevice(device));
  cudnnHandle_t h = nullptr;
  SF_CUDNN_RETURN_IF_ERROR(cudnnCreate(&h));
  CudnnHandle handle;
  handle.handle_ = Owned<cudnnHandle_t, internal::DestroyCudnn>(h);
  SF_CUDNN_RETURN_IF_ERROR(cudnnSetStream(h, stream));
  return handle;
}

absl::StatusOr<CublasHandle> CublasHandle::Create(int device, cudaStream_t stream,
                                                  bool allow_tf32) {
  SF_CUDA_RETURN_IF_ERROR(cudaSetDevice(device));
  cublasHandle_t h = nullptr;
  SF_CUBLAS_RETURN_IF_ERROR(cublasCreate(&h));
  CublasHandle handle;
  handle.handle_ = Owned<cublasHandle_t, internal::DestroyCublas>(h);
  SF_CUBLAS_RETURN_IF_ERROR(cublasSetStream(h, stream));
  SF_CUBLAS_RETURN_IF_ERROR(
      cublasSetMathMode(h, allow_tf32 ? CUBLAS_TF32_TENSOR_OP_MATH : CUBLAS_PEDANTIC_MATH));
  return handle;
}

}  // namespace sf::cuda
