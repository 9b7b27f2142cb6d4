// A 2-D convolution (+ bias) through cuDNN's backend (graph) API: one
// operation graph, conv into a virtual float32 tensor, then the bias added
// (pointwise ADD, float32) before the one rounding to the output type, and an
// execution plan for one engine configuration of it.
//
// Why: cuDNN's legacy API reaches only some of the engines cuDNN has. On an
// H200 (cuDNN 9.14, fp16 NHWC, the trained Spiking-ResNet18's convs at N = 64)
// engine configs from the backend's heuristics (mode A) ran 1.3-1.7x faster
// than the legacy API's best timed algorithm on most 3x3 convs
// (docs/benchmarks.md, thirty-second run). CudnnConv's timed search times
// them against the legacy algorithms and keeps the fastest.
//
// Only engines that cuDNN ships compiled (no runtime compilation: those took
// 30-900 ms each to build), deterministic ones, with float32 accumulation
// (no reduced-precision reduction, no down-converted inputs) qualify; with
// `sum_of_products_only`, none with a Winograd or FFT transform.
// Not thread-safe; the handle and stream belong to the caller.
#ifndef SF_CUDA_CUDNN_BACKEND_CONV_H_
#define SF_CUDA_CUDNN_BACKEND_CONV_H_

#include <cudnn.h>

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "cuda/owned.h"

namespace sf::cuda {

namespace internal {
inline void DestroyBackendDesc(cudnnBackendDescriptor_t d) { cudnnBackendDestroyDescriptor(d); }
}  // namespace internal

using BackendDescriptor = Owned<cudnnBackendDescriptor_t, internal::DestroyBackendDesc>;

struct ConvShape;  // cuda/cudnn_conv.h

// Most knob choices an engine config is read with (Candidates) or may hold
// (a tuning cache file's record).
inline constexpr int kMaxBackendKnobs = 32;

// One engine configuration: cuDNN's global engine index and its knob
// choices, (cudnnBackendKnobType_t, value) pairs.
struct BackendEngineConfig {
  int64_t engine = -1;
  std::vector<std::pair<int64_t, int64_t>> knobs;

  friend bool operator==(const BackendEngineConfig&, const BackendEngineConfig&) = default;
};

// "engine 41 (knobs 2=3 14=4)".
std::string DescribeEngineConfig(const BackendEngineConfig& config);

// An execution plan with the variant pack of its last pointers.
class BackendConvPlan {
 public:
  BackendConvPlan() = default;
  BackendConvPlan(BackendConvPlan&&) = default;
  BackendConvPlan& operator=(BackendConvPlan&&) = default;

  size_t workspace_bytes() const { return workspace_bytes_; }
  bool has_bias() const { return has_bias_; }
  const BackendEngineConfig& config() const { return config_; }

  // y = conv(x, w) (+ bias when the graph has it) on the handle's stream.
  // The variant pack is rebuilt only when a pointer changes.
  absl::Status Execute(cudnnHandle_t handle, const void* x, const void* w, const void* bias,
                       void* y, void* workspace) const;

 private:
  friend class BackendConvGraph;
  BackendDescriptor plan_;
  BackendEngineConfig config_;
  size_t workspace_bytes_ = 0;
  bool has_bias_ = false;
  mutable BackendDescriptor pack_;
  mutable std::array<const void*, 5> pack_ptrs_{};
};

class BackendConvGraph {
 public:
  // The graph of a conv of `s` (group 1 only) on tensors of `data` type
  // (CUDNN_DATA_HALF or CUDNN_DATA_FLOAT) in `format`, float32 accumulation,
  // with a [c_out] bias when `bias`.
  static absl::StatusOr<BackendConvGraph> Create(cudnnHandle_t handle, const ConvShape& s,
                                                 cudnnDataType_t data, cudnnTensorFormat_t format,
                                                 bool bias);

  // cuDNN's heuristic (mode A) configurations that qualify (above), in its
  // order, at most `max_count`; tensor-core engines only with
  // `allow_tensor_cores`.
  absl::StatusOr<std::vector<BackendEngineConfig>> Candidates(bool sum_of_products_only,
                                                              bool allow_tensor_cores,
                                                              int max_count) const;

  // The execution plan of `config` (as Candidates gives it, or cached, maybe
  // from a file), refused unless its engine qualifies under the same rule as
  // Candidates' (an engine index from a stranger's file cannot bring in
  // TF32, nondeterminism or runtime compilation).
  absl::StatusOr<BackendConvPlan> Build(cudnnHandle_t handle, const BackendEngineConfig& config,
                                        bool sum_of_products_only, bool allow_tensor_cores) const;

 private:
  BackendDescriptor x_, w_, y_, b_, acc_, conv_, op_, pointwise_, add_, graph_;
  bool bias_ = false;
};

}  // namespace sf::cuda

#endif  // SF_CUDA_CUDNN_BACKEND_CONV_H_
