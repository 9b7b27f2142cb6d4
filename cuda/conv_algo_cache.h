// A process-wide cache of cuDNN forward-algorithm choices, so that a conv is
// searched once per process: a second Runtime, or a second input shape that
// repeats a conv's geometry, reuses the choice. Keyed by everything the choice
// depends on: device, conv geometry, data type, layout, math mode (TF32 or
// not) and the workspace limit.
// Thread-safe: one mutex guards the map, and a search runs under it, so two
// threads preparing the same conv search once and timed searches never run
// concurrently (they would time each other). Entries live until process exit.
#ifndef SF_CUDA_CONV_ALGO_CACHE_H_
#define SF_CUDA_CONV_ALGO_CACHE_H_

#include <cudnn.h>

#include <cstddef>
#include <cstdint>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "cuda/cudnn_backend_conv.h"
#include "cuda/cudnn_conv.h"

namespace sf::cuda {

struct ConvAlgoKey {
  int device = 0;
  ConvShape shape{};
  cudnnDataType_t data_type = CUDNN_DATA_FLOAT;
  cudnnTensorFormat_t layout = CUDNN_TENSOR_NCHW;
  bool tf32 = false;
  bool timed = false;  // a heuristic choice never answers a timed request
  size_t workspace_limit = 0;
  bool gemm_only = false;  // CudnnConv::Create's gemm_only
  bool bias = false;       // CudnnConv::Create's with_bias (timed with the bias added)

  friend bool operator==(const ConvAlgoKey& a, const ConvAlgoKey& b);
  template <typename H>
  friend H AbslHashValue(H h, const ConvAlgoKey& k) {
    const ConvShape& s = k.shape;
    return H::combine(std::move(h), k.device, s.n, s.c_in, s.h, s.w, s.c_out, s.kh, s.kw,
                      s.stride_h, s.stride_w, s.pad_h, s.pad_w, s.dil_h, s.dil_w, s.group, s.out_h,
                      s.out_w, static_cast<int>(k.data_type), static_cast<int>(k.layout), k.tf32,
                      k.timed, k.workspace_limit, k.gemm_only, k.bias);
  }
};

struct ConvAlgoChoice {
  cudnnConvolutionFwdAlgo_t algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  size_t workspace_bytes = 0;
  // The choice came from a timed search (cudnnFindConvolutionForwardAlgorithmEx),
  // not from cuDNN's heuristic (also when a timed search failed and fell back).
  bool timed = false;
  // A backend-API engine config (cuda/cudnn_backend_conv.h) that the timed
  // search found faster than every legacy algorithm (its plan, rebuilt by
  // CudnnConv::Create, says its workspace); engine < 0: none (algo runs).
  // algo stays the best legacy algorithm.
  BackendEngineConfig backend;
};

// The cached choice for `key`, or `search()`'s result, stored on success.
// `search` runs with the cache's mutex held and must not call back into it.
absl::StatusOr<ConvAlgoChoice> LookupOrSearchConvAlgo(
    const ConvAlgoKey& key, absl::FunctionRef<absl::StatusOr<ConvAlgoChoice>()> search);

// How many times LookupOrSearchConvAlgo ran a search in this process (for
// tests: a cache hit leaves it unchanged).
int64_t ConvAlgoSearchCount();

}  // namespace sf::cuda

#endif  // SF_CUDA_CONV_ALGO_CACHE_H_
