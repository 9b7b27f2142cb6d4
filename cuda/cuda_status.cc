#include "cuda/cuda_status.h"

#include "absl/strings/str_cat.h"

namespace sf::cuda {

absl::Status CudaStatus(cudaError_t err, const char* expr) {
  if (err == cudaSuccess) return absl::OkStatus();
  cudaGetLastError();  // clear a non-sticky error so later calls start clean
  std::string message =
      absl::StrCat(expr, ": ", cudaGetErrorName(err), ": ", cudaGetErrorString(err));
  if (err == cudaErrorMemoryAllocation) return absl::ResourceExhaustedError(message);
  return absl::InternalError(message);
}

absl::Status CudnnStatus(cudnnStatus_t err, const char* expr) {
  if (err == CUDNN_STATUS_SUCCESS) return absl::OkStatus();
  std::string message = absl::StrCat(expr, ": ", cudnnGetErrorString(err));
  if (err == CUDNN_STATUS_ALLOC_FAILED) return absl::ResourceExhaustedError(message);
  return absl::InternalError(message);
}

absl::Status CublasStatus(cublasStatus_t err, const char* expr) {
  if (err == CUBLAS_STATUS_SUCCESS) return absl::OkStatus();
  std::string message =
      absl::StrCat(expr, ": ", cublasGetStatusName(err), ": ", cublasGetStatusString(err));
  if (err == CUBLAS_STATUS_ALLOC_FAILED) return absl::ResourceExhaustedError(message);
  return absl::InternalError(message);
}

}  // namespace sf::cuda
