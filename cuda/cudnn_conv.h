// A 2-D float32 NCHW convolution through cuDNN's legacy API, prepared once:
// RAII descriptors, FP32 math with TF32 off (CUDNN_FMA_MATH) unless TF32 is
// allowed (CUDNN_TENSOR_OP_MATH), and the forward algorithm chosen at Create
// under a workspace limit. Forward() only enqueues.
// Not thread-safe; the handle and stream belong to the caller.
#ifndef SF_CUDA_CUDNN_CONV_H_
#define SF_CUDA_CUDNN_CONV_H_

#include <cudnn.h>

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "cuda/owned.h"

namespace sf::cuda {

namespace internal {
inline void DestroyTensorDesc(cudnnTensorDescriptor_t d) { cudnnDestroyTensorDescriptor(d); }
inline void DestroyFilterDesc(cudnnFilterDescriptor_t d) { cudnnDestroyFilterDescriptor(d); }
inline void DestroyConvDesc(cudnnConvolutionDescriptor_t d) {
  cudnnDestroyConvolutionDescriptor(d);
}
}  // namespace internal

using TensorDescriptor = Owned<cudnnTensorDescriptor_t, internal::DestroyTensorDesc>;
using FilterDescriptor = Owned<cudnnFilterDescriptor_t, internal::DestroyFilterDesc>;
using ConvDescriptor = Owned<cudnnConvolutionDescriptor_t, internal::DestroyConvDesc>;

// A packed NCHW float32 tensor descriptor.
absl::StatusOr<TensorDescriptor> MakeTensorDescriptor(int64_t n, int64_t c, int64_t h,
                                                      int64_t w);

// Shapes in elements; pads are symmetric (cuDNN's legacy API has no other kind).
struct ConvShape {
  int64_t n, c_in, h, w, c_out, kh, kw, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, group,
      out_h, out_w;
};

class CudnnConv {
 public:
  // Chooses the fastest algorithm whose workspace fits `workspace_limit` bytes
  // (cudnnGetConvolutionForwardAlgorithm_v7; no device memory is touched).
  // With `allow_tf32` the algorithm may run on TF32 tensor cores; without,
  // only FP32 FMA algorithms qualify.
  // Fails when cuDNN's output shape disagrees with shape.out_h/out_w.
  static absl::StatusOr<CudnnConv> Create(cudnnHandle_t handle, const ConvShape& shape,
                                          size_t workspace_limit, bool allow_tf32 = false);

  size_t workspace_bytes() const { return workspace_bytes_; }
  // "IMPLICIT_PRECOMP_GEMM (ws 1024 B)" (", TF32" inside the parentheses when
  // allowed), for plan printing.
  std::string Describe() const;

  // y = conv(x, w) (+ bias per output channel when bias != nullptr).
  absl::Status Forward(cudnnHandle_t handle, const float* x, const float* w, const float* bias,
                       float* y, void* workspace) const;

 private:
  TensorDescriptor x_desc_, y_desc_, bias_desc_;
  FilterDescriptor w_desc_;
  ConvDescriptor conv_desc_;
  cudnnConvolutionFwdAlgo_t algo_ = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  size_t workspace_bytes_ = 0;
  bool tf32_ = false;  // tensor-op (TF32) math allowed
};

}  // namespace sf::cuda

#endif  // SF_CUDA_CUDNN_CONV_H_
