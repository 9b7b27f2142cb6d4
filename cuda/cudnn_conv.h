// A 2-D convolution through cuDNN's legacy API, prepared once: RAII
// descriptors, FP32 math with TF32 off (CUDNN_FMA_MATH) unless TF32 is
// allowed (CUDNN_TENSOR_OP_MATH), and the forward algorithm chosen at Create
// under a workspace limit, once per process per conv (cuda/conv_algo_cache.h);
// a timed search may choose an engine config of cuDNN's backend API instead
// (cuda/cudnn_backend_conv.h), which Forward then runs.
// Forward() only enqueues. float16 tensors (x, w, bias, y) use CUDNN_DATA_HALF
// with the FLOAT compute type (float32 accumulation) and tensor-op math.
// Layout: NCHW x/y with a KCRS weight, or with CUDNN_TENSOR_NHWC NHWC x/y and
// a KRSC weight (the bias is [C] in both).
// Not thread-safe; the handle and stream belong to the caller.
#ifndef SF_CUDA_CUDNN_CONV_H_
#define SF_CUDA_CUDNN_CONV_H_

#include <cudnn.h>

#include <cstdint>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "cuda/cudnn_backend_conv.h"
#include "cuda/kernels/data_movement.h"
#include "cuda/owned.h"
#include "graph/dtype.h"

namespace sf::cuda {

namespace internal {
inline void DestroyTensorDesc(cudnnTensorDescriptor_t d) { cudnnDestroyTensorDescriptor(d); }
inline void DestroyFilterDesc(cudnnFilterDescriptor_t d) { cudnnDestroyFilterDescriptor(d); }
inline void DestroyConvDesc(cudnnConvolutionDescriptor_t d) {
  cudnnDestroyConvolutionDescriptor(d);
}
inline void DestroyActivationDesc(cudnnActivationDescriptor_t d) {
  cudnnDestroyActivationDescriptor(d);
}
}  // namespace internal

using TensorDescriptor = Owned<cudnnTensorDescriptor_t, internal::DestroyTensorDesc>;
using FilterDescriptor = Owned<cudnnFilterDescriptor_t, internal::DestroyFilterDesc>;
using ConvDescriptor = Owned<cudnnConvolutionDescriptor_t, internal::DestroyConvDesc>;
using ActivationDescriptor =
    Owned<cudnnActivationDescriptor_t, internal::DestroyActivationDesc>;

// A packed tensor descriptor of logical dims n, c, h, w stored as `format`
// (NCHW unless said otherwise; float32 unless `type` says otherwise).
absl::StatusOr<TensorDescriptor> MakeTensorDescriptor(
    int64_t n, int64_t c, int64_t h, int64_t w, cudnnDataType_t type = CUDNN_DATA_FLOAT,
    cudnnTensorFormat_t format = CUDNN_TENSOR_NCHW);

// Logical (NCHW) shapes in elements, whatever the layout; pads are symmetric (cuDNN's legacy API has no other kind).
struct ConvShape {
  int64_t n, c_in, h, w, c_out, kh, kw, stride_h, stride_w, pad_h, pad_w, dil_h, dil_w, group,
      out_h, out_w;
};

struct ConvAlgoChoice;  // cuda/conv_algo_cache.h

class CudnnConv {
 public:
  // Chooses the fastest algorithm whose workspace fits `workspace_limit` bytes.
  // With `timed_search`, cudnnFindConvolutionForwardAlgorithmEx times the
  // algorithms on temporary buffers (x, w, y and the largest workspace that
  // fits the limit, allocated here, zeroed, and freed before returning; the
  // handle's stream is synchronised), then its best 4 usable candidates are
  // timed again after warm-up launches (cuDNN times each once, so a kernel's
  // lazy-loading first launch can misrank it) and the fastest kept; when that
  // fails, and without
  // `timed_search`, cuDNN's heuristic (cudnnGetConvolutionForwardAlgorithm_v7,
  // no device memory touched) decides. The choice is cached process-wide
  // (cuda/conv_algo_cache.h) under the current CUDA device.
  // With `allow_tf32` the algorithm may run on TF32 tensor cores; without,
  // only FP32 FMA algorithms qualify. `type` is kFloat32 or kFloat16 (then
  // tensor-op algorithms qualify and allow_tf32 does not matter). `format`
  // is the layout of x, y and w (CUDNN_TENSOR_NCHW or CUDNN_TENSOR_NHWC).
  // With `gemm_only`, only IMPLICIT_GEMM, IMPLICIT_PRECOMP_GEMM, GEMM and
  // DIRECT qualify (each output a plain sum of products; IsSumOfProducts).
  // A timed search also times cuDNN's backend-API engine configs
  // (cuda/cudnn_backend_conv.h; group 1; tensor-core ones under the same rule
  // as the legacy algorithms; SF_CUDNN_BACKEND=0 turns it off), each as one
  // graph of the conv with the bias when `with_bias` (Forward will be given
  // one), against the legacy algorithms as Forward runs them, and keeps the
  // fastest (each backend config timed in one round, the 4 fastest in all).
  // Fails when cuDNN's output shape disagrees with shape.out_h/out_w.
  static absl::StatusOr<CudnnConv> Create(cudnnHandle_t handle, const ConvShape& shape,
                                          size_t workspace_limit, bool allow_tf32 = false,
                                          bool timed_search = false,
                                          DataType type = DataType::kFloat32,
                                          cudnnTensorFormat_t format = CUDNN_TENSOR_NCHW,
                                          bool gemm_only = false, bool with_bias = false);

  // Device workspace Forward needs: cuDNN's, plus, for a 1x1 conv with stride
  // > 1 and no padding, room for the input pixels it reads (copied there
  // packed, then convolved with stride 1: cuDNN's legacy algorithms are much
  // faster so on some shapes and refuse a strided view of x).
  size_t workspace_bytes() const { return subsample_bytes_ + workspace_bytes_; }
  // "IMPLICIT_PRECOMP_GEMM (timed, ws 1024 B)" ("heuristic" instead of "timed"
  // when cuDNN's heuristic chose; ", gemm only" after either with gemm_only;
  // ", TF32" inside the parentheses when
  // allowed; ", tuning cache" when the choice came from a tuning cache file;
  // "fp16 " and "nhwc " in front for float16 and NHWC), for plan printing.
  std::string Describe() const;

  // y = conv(x, w) (+ bias per output channel when bias != nullptr), all of
  // the element type given to Create. A backend engine config the search
  // chose runs when the bias is given as Create's with_bias said (the bias
  // added before the single rounding); otherwise the legacy algorithm.
  // Legacy, NHWC with IMPLICIT_PRECOMP_GEMM: the bias is
  // fused (cudnnConvolutionBiasActivationForward, IDENTITY activation: one
  // kernel, the bias added before the single rounding); otherwise, and if
  // cuDNN refuses the fused call, cudnnAddTensor follows the conv.
  absl::Status Forward(cudnnHandle_t handle, const void* x, const void* w, const void* bias,
                       void* y, void* workspace) const;

 private:
  // Create's two ways to choose, on the descriptors already set.
  absl::StatusOr<ConvAlgoChoice> ChooseByHeuristic(cudnnHandle_t handle, size_t workspace_limit,
                                                   bool allow_tensor_ops) const;
  absl::StatusOr<ConvAlgoChoice> FindTimed(cudnnHandle_t handle, const ConvShape& shape,
                                           const ConvShape& effective, size_t workspace_limit,
                                           bool allow_tensor_ops, bool with_bias) const;
  // The legacy forward call(s) for `algo` as Forward makes them (bias fused
  // when `act` is given, else added after), cuDNN's status as is.
  cudnnStatus_t LegacyForward(cudnnHandle_t handle, cudnnConvolutionFwdAlgo_t algo,
                              cudnnActivationDescriptor_t act, const void* x, const void* w,
                              const void* bias, void* y, void* workspace,
                              size_t workspace_bytes) const;
  // The workspace `algo` needs with these descriptors (cuDNN's status as is).
  cudnnStatus_t WorkspaceSize(cudnnHandle_t handle, cudnnConvolutionFwdAlgo_t algo,
                              size_t* bytes) const;
  // perf's algorithm when it succeeded, fits the limit with these very
  // descriptors and uses an allowed math type.
  std::optional<ConvAlgoChoice> Usable(cudnnHandle_t handle,
                                       const cudnnConvolutionFwdAlgoPerf_t& perf,
                                       size_t workspace_limit, bool allow_tensor_ops) const;
  std::optional<ConvAlgoChoice> FirstUsable(cudnnHandle_t handle,
                                            const cudnnConvolutionFwdAlgoPerf_t* perf, int count,
                                            size_t workspace_limit, bool allow_tensor_ops) const;
  bool FusesBias() const { return act_desc_.get() != nullptr && !fuse_bias_failed_; }
  bool RunsBackend(const void* bias) const {
    return backend_.has_value() && backend_->has_bias() == (bias != nullptr);
  }

  TensorDescriptor x_desc_, y_desc_, bias_desc_;
  FilterDescriptor w_desc_;
  ConvDescriptor conv_desc_;
  ActivationDescriptor act_desc_;  // IDENTITY, set for NHWC IMPLICIT_PRECOMP_GEMM (bias fusion)
  std::optional<BackendConvPlan> backend_;  // the search chose a backend engine config
  mutable bool fuse_bias_failed_ = false;  // cuDNN answered NOT_SUPPORTED to the fused call
  cudnnConvolutionFwdAlgo_t algo_ = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  bool gemm_only_ = false;      // Create's gemm_only: Usable refuses Winograd and FFT
  size_t workspace_bytes_ = 0;  // cuDNN's, after the subsampled copy's subsample_bytes_
  SubsampleShape subsample_{};
  size_t subsample_bytes_ = 0;  // 0: x is convolved in place with the real stride
  bool timed_ = false;  // algo_ came from a timed search
  bool from_file_ = false;  // the choice came from a tuning cache file
  // Why IMPLICIT_GEMM runs instead of the chosen algorithm (its workspace
  // is over the limit, or a cached one breaks gemm_only); nullptr: it runs.
  const char* fallback_ = nullptr;
  bool tf32_ = false;   // tensor-op (TF32) math allowed
  bool half_ = false;   // float16 tensors
  bool nhwc_ = false;   // CUDNN_TENSOR_NHWC tensors and filter
};

}  // namespace sf::cuda

#endif  // SF_CUDA_CUDNN_CONV_H_
