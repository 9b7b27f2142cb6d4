// CUDA, cuDNN and cuBLAS error codes as absl::Status. Every wrapper in cuda/ and
// every GPU kernel returns these; the message names the failed call and carries
// the library's own error string.
#ifndef SF_CUDA_CUDA_STATUS_H_
#define SF_CUDA_CUDA_STATUS_H_

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include "absl/status/status.h"

namespace sf::cuda {

// OK for cudaSuccess; otherwise Internal (ResourceExhausted for out-of-memory)
// "<expr>: <cudaGetErrorName>: <cudaGetErrorString>".
absl::Status CudaStatus(cudaError_t err, const char* expr);
absl::Status CudnnStatus(cudnnStatus_t err, const char* expr);
absl::Status CublasStatus(cublasStatus_t err, const char* expr);

}  // namespace sf::cuda

#define SF_CUDA_STATUS_RETURN_IF_ERROR_(fn, expr)            \
  do {                                                       \
    ::absl::Status sf_cuda_status_ = fn((expr), #expr);      \
    if (!sf_cuda_status_.ok()) return sf_cuda_status_;       \
  } while (0)

// Return the converted error from the enclosing function when the call fails.
#define SF_CUDA_RETURN_IF_ERROR(expr) SF_CUDA_STATUS_RETURN_IF_ERROR_(::sf::cuda::CudaStatus, expr)
#define SF_CUDNN_RETURN_IF_ERROR(expr) \
  SF_CUDA_STATUS_RETURN_IF_ERROR_(::sf::cuda::CudnnStatus, expr)
#define SF_CUBLAS_RETURN_IF_ERROR(expr) \
  SF_CUDA_STATUS_RETURN_IF_ERROR_(::sf::cuda::CublasStatus, expr)

#endif  // SF_CUDA_CUDA_STATUS_H_
