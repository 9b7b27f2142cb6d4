#include "cuda/cudnn_conv.h"

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <limits>
#include <optional>
#include <vector>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "cuda/conv_algo_cache.h"
#include "cuda/cuda_status.h"
#include "cuda/kernels/data_movement.h"
#include "cuda/resources.h"
#include "graph/status.h"

namespace sf::cuda {
namespace {

absl::Status CheckInt(int64_t v, const char* what) {
  if (v < 0 || v > std::numeric_limits<int>::max()) {
    return absl::InvalidArgumentError(absl::StrCat("cuDNN conv: ", what, " = ", v,
                                                   " does not fit in an int"));
  }
  return absl::OkStatus();
}

const char* AlgoName(cudnnConvolutionFwdAlgo_t algo) {
  switch (algo) {
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM: return "IMPLICIT_GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM: return "IMPLICIT_PRECOMP_GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_GEMM: return "GEMM";
    case CUDNN_CONVOLUTION_FWD_ALGO_DIRECT: return "DIRECT";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT: return "FFT";
    case CUDNN_CONVOLUTION_FWD_ALGO_FFT_TILING: return "FFT_TILING";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD: return "WINOGRAD";
    case CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED: return "WINOGRAD_NONFUSED";
    default: return "UNKNOWN";
  }
}

// The algorithms that compute each output as a plain sum of products (no
// Winograd or FFT transform, which rounds on the way): gemm_only's set.
bool IsSumOfProducts(cudnnConvolutionFwdAlgo_t algo) {
  return algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM ||
         algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM ||
         algo == CUDNN_CONVOLUTION_FWD_ALGO_GEMM || algo == CUDNN_CONVOLUTION_FWD_ALGO_DIRECT;
}

// Plain FP32 always qualifies; tensor-op math when TF32 is allowed or the
// tensors are float16 anyway. CUDNN_TENSOR_OP_MATH_ALLOW_CONVERSION
// (down-conversion of float32 to FP16) never does.
bool MathAllowed(cudnnMathType_t math, bool allow_tensor_ops) {
  if (math == CUDNN_FMA_MATH || math == CUDNN_DEFAULT_MATH) return true;
  return allow_tensor_ops && math == CUDNN_TENSOR_OP_MATH;
}

constexpr int kMaxAlgos = CUDNN_CONVOLUTION_FWD_ALGO_COUNT;
// FindTimed's own timing of cuDNN's best usable candidates.
constexpr int kRetimeCandidates = 4;
constexpr int kRetimeWarmup = 3;
constexpr int kRetimeRounds = 4;
constexpr int kRetimeRuns = 5;
// cuDNN's heuristic (mode A) gave 36-40 configs for each of the trained
// Spiking-ResNet18's convs, the fastest anywhere from 1st to 34th
// (docs/benchmarks.md, thirty-second run): all of them are timed.
constexpr int kMaxBackendCandidates = 48;
// Each backend plan runs once before its first timed round (cuDNN's own
// kernels, loaded on that launch), and only the kBackendFinalists fastest
// after that round are timed in the others: all of them in every round added
// 230-280 ms to the trained Spiking-ResNet18's first run (H200).
constexpr int kBackendWarmup = 1;
constexpr size_t kBackendFinalists = 4;

// SF_CUDNN_BACKEND=0: timed searches leave out the backend's engine configs.
bool BackendSearchOn() {
  static const bool on = [] {
    const char* v = std::getenv("SF_CUDNN_BACKEND");
    return v == nullptr || std::string(v) != "0";
  }();
  return on;
}

// SF_CUDNN_SEARCH_LOG=1: every timed search prints cuDNN's results and the
// re-timed candidates to stderr (diagnosing algorithm choices).
bool SearchLogOn() {
  static const bool on = [] {
    const char* v = std::getenv("SF_CUDNN_SEARCH_LOG");
    return v != nullptr && std::string(v) == "1";
  }();
  return on;
}

// A 1x1 conv with stride > 1 and no padding reads only every stride-th row
// and pixel. cuDNN's legacy algorithms are slow on some such shapes (H100,
// fp16 NHWC, 64 rows: 64->128 at 32x32 -> 16x16, IMPLICIT_GEMM 31.8 us) and
// refuse a strided view of x (BAD_PARAM / NOT_SUPPORTED), so those pixels
// are copied to a packed tensor in the workspace first and the conv runs with
// stride 1 on it (docs/benchmarks.md, eighth run). SF_CUDNN_SUBSAMPLE=0 turns
// it off.
bool SubsamplesFirst(const ConvShape& s) {
  static const bool on = [] {
    const char* v = std::getenv("SF_CUDNN_SUBSAMPLE");
    return v == nullptr || std::string(v) != "0";
  }();
  return on && s.kh == 1 && s.kw == 1 && s.pad_h == 0 && s.pad_w == 0 &&
         (s.stride_h > 1 || s.stride_w > 1) && s.out_h >= 1 && s.out_w >= 1 &&
         (s.out_h - 1) * s.stride_h < s.h && (s.out_w - 1) * s.stride_w < s.w;
}

}  // namespace

// The first result (cuDNN sorts them fastest first) that succeeded, uses
// allowed math and fits the workspace limit with what it needs with these
// very descriptors (a search can report less than the forward call then
// demands, e.g. for its own math type; an algorithm cuDNN cannot size here is
// skipped), so a fast second choice wins over the IMPLICIT_GEMM fallback.
std::optional<ConvAlgoChoice> CudnnConv::Usable(cudnnHandle_t handle,
                                                const cudnnConvolutionFwdAlgoPerf_t& perf,
                                                size_t workspace_limit,
                                                bool allow_tensor_ops) const {
  if (perf.status != CUDNN_STATUS_SUCCESS || perf.memory > workspace_limit) return std::nullopt;
  if (!MathAllowed(perf.mathType, allow_tensor_ops)) return std::nullopt;
  if (gemm_only_ && !IsSumOfProducts(perf.algo)) return std::nullopt;
  size_t needed = 0;
  if (WorkspaceSize(handle, perf.algo, &needed) != CUDNN_STATUS_SUCCESS ||
      needed > workspace_limit) {
    return std::nullopt;
  }
  ConvAlgoChoice choice;
  choice.algo = perf.algo;
  choice.workspace_bytes = std::max(needed, perf.memory);
  return choice;
}

std::optional<ConvAlgoChoice> CudnnConv::FirstUsable(cudnnHandle_t handle,
                                                     const cudnnConvolutionFwdAlgoPerf_t* perf,
                                                     int count, size_t workspace_limit,
                                                     bool allow_tensor_ops) const {
  for (int i = 0; i < count; ++i) {
    if (auto c = Usable(handle, perf[i], workspace_limit, allow_tensor_ops)) return c;
  }
  return std::nullopt;
}

absl::StatusOr<TensorDescriptor> MakeTensorDescriptor(int64_t n, int64_t c, int64_t h, int64_t w,
                                                      cudnnDataType_t type,
                                                      cudnnTensorFormat_t format) {
  for (int64_t v : {n, c, h, w}) {
    if (absl::Status s = CheckInt(v, "tensor dim"); !s.ok()) return s;
  }
  cudnnTensorDescriptor_t d = nullptr;
  SF_CUDNN_RETURN_IF_ERROR(cudnnCreateTensorDescriptor(&d));
  TensorDescriptor desc(d);
  SF_CUDNN_RETURN_IF_ERROR(cudnnSetTensor4dDescriptor(d, format, type,
                                                      static_cast<int>(n), static_cast<int>(c),
                                                      static_cast<int>(h), static_cast<int>(w)));
  return desc;
}

absl::StatusOr<CudnnConv> CudnnConv::Create(cudnnHandle_t handle, const ConvShape& s,
                                            size_t workspace_limit, bool allow_tf32,
                                            bool timed_search, DataType type,
                                            cudnnTensorFormat_t format, bool gemm_only,
                                            bool with_bias) {
  if (type != DataType::kFloat32 && type != DataType::kFloat16) {
    return absl::InvalidArgumentError(
        absl::StrCat("cuDNN conv: element type ", ToString(type), " is not supported"));
  }
  for (int64_t v : {s.n, s.c_in, s.h, s.w, s.c_out, s.kh, s.kw, s.stride_h, s.stride_w, s.pad_h,
                    s.pad_w, s.dil_h, s.dil_w, s.group, s.out_h, s.out_w}) {
    if (absl::Status st = CheckInt(v, "shape value"); !st.ok()) return st;
  }
  CudnnConv conv;
  conv.tf32_ = allow_tf32;
  conv.gemm_only_ = gemm_only;
  conv.half_ = type == DataType::kFloat16;
  conv.nhwc_ = format == CUDNN_TENSOR_NHWC;
  const cudnnDataType_t data = conv.half_ ? CUDNN_DATA_HALF : CUDNN_DATA_FLOAT;
  const bool tensor_ops = allow_tf32 || conv.half_;
  auto as_int = [](int64_t v) { return static_cast<int>(v); };
  if (SubsamplesFirst(s)) {
    const int64_t elem = conv.half_ ? 2 : 4;
    conv.subsample_ = SubsampleShape{.images = conv.nhwc_ ? s.n : s.n * s.c_in,
                                     .h = s.h,
                                     .w = s.w,
                                     .stride_h = s.stride_h,
                                     .stride_w = s.stride_w,
                                     .out_h = s.out_h,
                                     .out_w = s.out_w,
                                     .pixel_bytes = conv.nhwc_ ? s.c_in * elem : elem};
    conv.subsample_bytes_ =
        static_cast<size_t>(AlignUpToDevice(s.n * s.c_in * s.out_h * s.out_w * elem));
  }
  const bool sub = conv.subsample_bytes_ > 0;
  {
    auto x = MakeTensorDescriptor(s.n, s.c_in, sub ? s.out_h : s.h, sub ? s.out_w : s.w, data,
                                  format);
    if (!x.ok()) return x.status();
    conv.x_desc_ = std::move(*x);
    auto y = MakeTensorDescriptor(s.n, s.c_out, s.out_h, s.out_w, data, format);
    if (!y.ok()) return y.status();
    conv.y_desc_ = std::move(*y);
    auto b = MakeTensorDescriptor(1, s.c_out, 1, 1, data, format);
    if (!b.ok()) return b.status();
    conv.bias_desc_ = std::move(*b);
  }
  cudnnFilterDescriptor_t w = nullptr;
  SF_CUDNN_RETURN_IF_ERROR(cudnnCreateFilterDescriptor(&w));
  conv.w_desc_ = FilterDescriptor(w);
  SF_CUDNN_RETURN_IF_ERROR(cudnnSetFilter4dDescriptor(w, data, format,
                                                      as_int(s.c_out), as_int(s.c_in / s.group),
                                                      as_int(s.kh), as_int(s.kw)));
  cudnnConvolutionDescriptor_t c = nullptr;
  SF_CUDNN_RETURN_IF_ERROR(cudnnCreateConvolutionDescriptor(&c));
  conv.conv_desc_ = ConvDescriptor(c);
  SF_CUDNN_RETURN_IF_ERROR(cudnnSetConvolution2dDescriptor(
      c, as_int(s.pad_h), as_int(s.pad_w), sub ? 1 : as_int(s.stride_h),
      sub ? 1 : as_int(s.stride_w), as_int(s.dil_h), as_int(s.dil_w), CUDNN_CROSS_CORRELATION,
      CUDNN_DATA_FLOAT));
  SF_CUDNN_RETURN_IF_ERROR(cudnnSetConvolutionGroupCount(c, as_int(s.group)));
  SF_CUDNN_RETURN_IF_ERROR(
      cudnnSetConvolutionMathType(c, tensor_ops ? CUDNN_TENSOR_OP_MATH : CUDNN_FMA_MATH));

  int on = 0, oc = 0, oh = 0, ow = 0;
  SF_CUDNN_RETURN_IF_ERROR(
      cudnnGetConvolution2dForwardOutputDim(c, conv.x_desc_.get(), w, &on, &oc, &oh, &ow));
  if (on != s.n || oc != s.c_out || oh != s.out_h || ow != s.out_w) {
    return absl::InvalidArgumentError(
        absl::StrCat("cuDNN conv output [", on, ",", oc, ",", oh, ",", ow, "] differs from [",
                     s.n, ",", s.c_out, ",", s.out_h, ",", s.out_w, "]"));
  }

  int device = 0;
  SF_CUDA_RETURN_IF_ERROR(cudaGetDevice(&device));
  const ConvAlgoKey key{device,          s,         data,     format, tensor_ops, timed_search,
                        workspace_limit, gemm_only, with_bias};
  // The conv cuDNN runs: on the subsampled copy, stride 1.
  ConvShape effective = s;
  if (sub) {
    effective.h = s.out_h;
    effective.w = s.out_w;
    effective.stride_h = effective.stride_w = 1;
  }
  auto search = [&]() -> absl::StatusOr<ConvAlgoChoice> {
    if (timed_search) {
      absl::StatusOr<ConvAlgoChoice> timed =
          conv.FindTimed(handle, s, effective, workspace_limit, tensor_ops, with_bias);
      if (timed.ok()) return timed;
    }
    return conv.ChooseByHeuristic(handle, workspace_limit, tensor_ops);
  };
  SF_ASSIGN_OR_RETURN(ConvAlgoChoice choice, LookupOrSearchConvAlgo(key, search));
  // What the algorithm needs with these very descriptors (FirstUsable checked
  // it for a fresh search; a cached choice is re-checked): a forward call with
  // too small a workspace fails with CUDNN_STATUS_BAD_PARAM. Above the limit,
  // IMPLICIT_GEMM (no workspace) runs instead, and Describe() says so.
  // A choice from a tuning cache file is checked like a fresh one: an algorithm
  // that is not a plain sum of products under gemm_only is replaced the same
  // way (the math type is this conv's, whatever the file says).
  size_t needed = 0;
  if (gemm_only && !IsSumOfProducts(choice.algo)) {
    conv.fallback_ = "the cached algorithm is not a plain sum of products";
  } else if (conv.WorkspaceSize(handle, choice.algo, &needed) != CUDNN_STATUS_SUCCESS ||
             std::max(needed, choice.workspace_bytes) > workspace_limit) {
    conv.fallback_ = "the chosen algorithm's workspace is over the limit";
  }
  if (conv.fallback_ != nullptr) {
    choice.algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
    choice.workspace_bytes = 0;
    SF_CUDNN_RETURN_IF_ERROR(conv.WorkspaceSize(handle, choice.algo, &needed));
  }
  conv.algo_ = choice.algo;
  // Bias fusion for NHWC convs only: with NCHW tensors cuDNN's fused call
  // also converts z (= y, alpha2 = 0) to NHWC, reading the not yet written
  // output (compute-sanitizer initcheck: uninitialized reads in
  // nchwToNhwcKernel) and paying one more transpose.
  if (conv.algo_ == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM && conv.nhwc_) {
    cudnnActivationDescriptor_t act = nullptr;
    SF_CUDNN_RETURN_IF_ERROR(cudnnCreateActivationDescriptor(&act));
    conv.act_desc_ = ActivationDescriptor(act);
    SF_CUDNN_RETURN_IF_ERROR(
        cudnnSetActivationDescriptor(act, CUDNN_ACTIVATION_IDENTITY, CUDNN_NOT_PROPAGATE_NAN, 0.0));
  }
  conv.workspace_bytes_ = std::max(needed, choice.workspace_bytes);
  conv.timed_ = choice.timed;
  conv.from_file_ = choice.from_file;
  if (choice.backend.engine >= 0) {
    // Rebuilt from the (maybe cached) config; if cuDNN refuses it now, the
    // legacy algorithm runs and Describe() names that.
    absl::StatusOr<BackendConvGraph> graph =
        BackendConvGraph::Create(handle, effective, data, format, with_bias);
    if (graph.ok()) {
      absl::StatusOr<BackendConvPlan> plan =
          graph->Build(handle, choice.backend, gemm_only, tensor_ops);
      if (plan.ok() && plan->workspace_bytes() <= workspace_limit) {
        conv.workspace_bytes_ = std::max(conv.workspace_bytes_, plan->workspace_bytes());
        conv.backend_ = std::move(*plan);
      }
    }
  }
  return conv;
}

cudnnStatus_t CudnnConv::WorkspaceSize(cudnnHandle_t handle, cudnnConvolutionFwdAlgo_t algo,
                                       size_t* bytes) const {
  return cudnnGetConvolutionForwardWorkspaceSize(handle, x_desc_.get(), w_desc_.get(),
                                                 conv_desc_.get(), y_desc_.get(), algo, bytes);
}

absl::StatusOr<ConvAlgoChoice> CudnnConv::ChooseByHeuristic(cudnnHandle_t handle,
                                                             size_t workspace_limit,
                                                             bool allow_tensor_ops) const {
  cudnnConvolutionFwdAlgoPerf_t perf[kMaxAlgos];
  int returned = 0;
  SF_CUDNN_RETURN_IF_ERROR(cudnnGetConvolutionForwardAlgorithm_v7(
      handle, x_desc_.get(), w_desc_.get(), conv_desc_.get(), y_desc_.get(), kMaxAlgos, &returned,
      perf));
  if (const auto best = FirstUsable(handle, perf, returned, workspace_limit, allow_tensor_ops)) {
    return *best;
  }
  ConvAlgoChoice fallback;  // IMPLICIT_GEMM runs every conv
  SF_CUDNN_RETURN_IF_ERROR(WorkspaceSize(handle, fallback.algo, &fallback.workspace_bytes));
  return fallback;
}

cudnnStatus_t CudnnConv::LegacyForward(cudnnHandle_t handle, cudnnConvolutionFwdAlgo_t algo,
                                       cudnnActivationDescriptor_t act, const void* x,
                                       const void* w, const void* bias, void* y, void* workspace,
                                       size_t workspace_bytes) const {
  const float one = 1.0f, zero = 0.0f;
  if (bias != nullptr && act != nullptr) {
    return cudnnConvolutionBiasActivationForward(
        handle, &one, x_desc_.get(), x, w_desc_.get(), w, conv_desc_.get(), algo, workspace,
        workspace_bytes, &zero, y_desc_.get(), y, bias_desc_.get(), bias, act, y_desc_.get(), y);
  }
  const cudnnStatus_t st =
      cudnnConvolutionForward(handle, &one, x_desc_.get(), x, w_desc_.get(), w, conv_desc_.get(),
                              algo, workspace, workspace_bytes, &zero, y_desc_.get(), y);
  if (st != CUDNN_STATUS_SUCCESS || bias == nullptr) return st;
  return cudnnAddTensor(handle, &one, bias_desc_.get(), bias, &one, y_desc_.get(), y);
}

absl::StatusOr<ConvAlgoChoice> CudnnConv::FindTimed(cudnnHandle_t handle, const ConvShape& s,
                                                    const ConvShape& effective,
                                                    size_t workspace_limit, bool allow_tensor_ops,
                                                    bool with_bias) const {
  // The largest workspace any algorithm that fits the limit asks for.
  size_t workspace = 0;
  for (int a = 0; a < CUDNN_CONVOLUTION_FWD_ALGO_COUNT; ++a) {
    size_t bytes = 0;
    if (WorkspaceSize(handle, static_cast<cudnnConvolutionFwdAlgo_t>(a), &bytes) ==
            CUDNN_STATUS_SUCCESS &&
        bytes <= workspace_limit) {
      workspace = std::max(workspace, bytes);
    }
  }
  // The backend's engine configs (tensor-core ones for float16 or with TF32
  // allowed), built before the buffers so that the workspace fits the largest.
  const bool log = SearchLogOn();
  std::vector<BackendConvPlan> plans;
  if (effective.group == 1 && BackendSearchOn()) {
    absl::StatusOr<BackendConvGraph> graph =
        BackendConvGraph::Create(handle, effective, half_ ? CUDNN_DATA_HALF : CUDNN_DATA_FLOAT,
                                 nhwc_ ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW, with_bias);
    absl::StatusOr<std::vector<BackendEngineConfig>> configs =
        graph.ok() ? graph->Candidates(gemm_only_, allow_tensor_ops, kMaxBackendCandidates)
                   : graph.status();
    if (log && !configs.ok()) {
      std::fprintf(stderr, "[cudnn search] backend: %s\n",
                   std::string(configs.status().message()).c_str());
    }
    if (configs.ok()) {
      for (const BackendEngineConfig& c : *configs) {
        absl::StatusOr<BackendConvPlan> plan =
            graph->Build(handle, c, gemm_only_, allow_tensor_ops);
        if (!plan.ok() || plan->workspace_bytes() > workspace_limit) continue;
        workspace = std::max(workspace, plan->workspace_bytes());
        plans.push_back(std::move(*plan));
      }
    }
  }
  int device = 0;
  SF_CUDA_RETURN_IF_ERROR(cudaGetDevice(&device));
  const size_t elem = half_ ? 2 : sizeof(float);
  const auto bytes_of = [elem](int64_t a, int64_t b, int64_t c, int64_t d) {
    return static_cast<size_t>(a * b * c * d) * elem;
  };
  SF_ASSIGN_OR_RETURN(DeviceBuffer x, DeviceBuffer::Create(device, bytes_of(s.n, s.c_in, s.h, s.w)));
  SF_ASSIGN_OR_RETURN(DeviceBuffer w, DeviceBuffer::Create(device, bytes_of(s.c_out, s.c_in / s.group,
                                                                            s.kh, s.kw)));
  SF_ASSIGN_OR_RETURN(DeviceBuffer y,
                      DeviceBuffer::Create(device, bytes_of(s.n, s.c_out, s.out_h, s.out_w)));
  SF_ASSIGN_OR_RETURN(DeviceBuffer ws, DeviceBuffer::Create(device, workspace));
  SF_ASSIGN_OR_RETURN(DeviceBuffer bias,
                      DeviceBuffer::Create(device, with_bias ? s.c_out * elem : 0));
  // The search runs on the handle's stream; zeros on it first give defined
  // contents (no NaN patterns in the timing, nothing for initcheck).
  cudaStream_t stream = nullptr;
  SF_CUDNN_RETURN_IF_ERROR(cudnnGetStream(handle, &stream));
  for (const DeviceBuffer* b : {&x, &w, &y, &ws, &bias}) {
    if (b->bytes() > 0) {
      SF_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(b->data(), 0, b->bytes(), stream));
    }
  }
  cudnnConvolutionFwdAlgoPerf_t perf[kMaxAlgos];
  int returned = 0;
  SF_CUDNN_RETURN_IF_ERROR(cudnnFindConvolutionForwardAlgorithmEx(
      handle, x_desc_.get(), x.data(), w_desc_.get(), w.data(), conv_desc_.get(), y_desc_.get(),
      y.data(), kMaxAlgos, &returned, perf, ws.data(), workspace));
  SF_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream));
  // cuDNN's one timing per algorithm misranks them at times (its times of
  // plain calls, right after start-up, ran 3-25x above the same kernels in a
  // warm model):
  // measured on an H100, it timed IMPLICIT_PRECOMP_GEMM at 344 us for an fp16
  // NHWC 128->256 3x3/2 conv of 64 rows and chose IMPLICIT_GEMM (186 us timed,
  // 165 us in the model), where PRECOMP runs it in ~16 us. So the usable
  // candidates, best first, are timed again here: kRetimeWarmup launches
  // each, then kRetimeRounds interleaved rounds of kRetimeRuns launches
  // between two events; the fastest round counts, the fastest candidate wins
  // (a tie keeps cuDNN's order). The backend's plans follow the legacy
  // candidates, timed alike; the legacy ones are timed as Forward runs them
  // (with the bias when with_bias: fused where Forward fuses it).
  std::vector<ConvAlgoChoice> candidates;
  for (int i = 0; i < returned; ++i) {
    std::optional<ConvAlgoChoice> c = Usable(handle, perf[i], workspace_limit, allow_tensor_ops);
    if (log) {
      std::fprintf(stderr,
                   "[cudnn search] n%lld c%lld->%lld %lldx%lld/%lld %lldx%lld: %s %.1f us "
                   "status %d math %d ws %zu%s\n",
                   static_cast<long long>(s.n), static_cast<long long>(s.c_in),
                   static_cast<long long>(s.c_out), static_cast<long long>(s.kh),
                   static_cast<long long>(s.kw), static_cast<long long>(s.stride_h),
                   static_cast<long long>(s.h), static_cast<long long>(s.w),
                   AlgoName(perf[i].algo), perf[i].time * 1000.0, static_cast<int>(perf[i].status),
                   static_cast<int>(perf[i].mathType), perf[i].memory, c ? "" : " (not usable)");
    }
    if (c && static_cast<int>(candidates.size()) < kRetimeCandidates) candidates.push_back(*c);
  }
  if (candidates.empty()) {
    return absl::NotFoundError("cuDNN's timed search found no usable algorithm");
  }
  const size_t legacy_count = candidates.size();
  for (const BackendConvPlan& p : plans) {
    ConvAlgoChoice c;
    c.backend = p.config();
    candidates.push_back(std::move(c));
  }
  ActivationDescriptor act;  // Forward's bias fusion (NHWC IMPLICIT_PRECOMP_GEMM)
  if (with_bias && nhwc_) {
    cudnnActivationDescriptor_t a = nullptr;
    SF_CUDNN_RETURN_IF_ERROR(cudnnCreateActivationDescriptor(&a));
    act = ActivationDescriptor(a);
    SF_CUDNN_RETURN_IF_ERROR(
        cudnnSetActivationDescriptor(a, CUDNN_ACTIVATION_IDENTITY, CUDNN_NOT_PROPAGATE_NAN, 0.0));
  }
  const void* b = with_bias ? bias.data() : nullptr;
  ConvAlgoChoice best = candidates[0];
  if (candidates.size() > 1) {
    SF_ASSIGN_OR_RETURN(Event start, Event::Create(device));
    SF_ASSIGN_OR_RETURN(Event end, Event::Create(device));
    auto run = [&](size_t i) {
      if (i >= legacy_count) {
        return plans[i - legacy_count]
            .Execute(handle, x.data(), w.data(), b, y.data(), ws.data())
            .ok();
      }
      const ConvAlgoChoice& c = candidates[i];
      const bool fused = c.algo == CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM;
      return LegacyForward(handle, c.algo, fused ? act.get() : nullptr, x.data(), w.data(), b,
                           y.data(), ws.data(), c.workspace_bytes) == CUDNN_STATUS_SUCCESS;
    };
    // Per candidate: kRetimeRuns launches captured as one CUDA graph, so that
    // replays time the GPU work alone: timing the plain calls would time
    // cuDNN's host overhead (tens of us per call, more than many of these
    // convs), which favours the algorithms with the least of it. A candidate
    // that cannot be captured is timed by plain calls. The fastest round
    // counts; rounds interleave the candidates, so that a GPU still raising
    // its clocks after an idle start slows them all alike.
    std::vector<float> us(candidates.size(), -1.0f);
    std::vector<bool> failed(candidates.size(), false);
    std::vector<cudaGraphExec_t> graphs(candidates.size(), nullptr);
    std::vector<bool> captured(candidates.size(), false);
    absl::Cleanup destroy_graphs = [&graphs] {
      for (cudaGraphExec_t g : graphs) {
        if (g != nullptr) cudaGraphExecDestroy(g);
      }
    };
    for (size_t i = 0; i < candidates.size(); ++i) {
      const int warmup = i < legacy_count ? kRetimeWarmup : kBackendWarmup;
      for (int k = 0; k < warmup && !failed[i]; ++k) failed[i] = !run(i);
      if (failed[i]) continue;
      cudaGraph_t graph = nullptr;
      if (cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal) != cudaSuccess) {
        (void)cudaGetLastError();
        continue;
      }
      bool ok = true;
      for (int k = 0; k < kRetimeRuns && ok; ++k) ok = run(i);
      const cudaError_t end_err = cudaStreamEndCapture(stream, &graph);
      if (ok && end_err == cudaSuccess && graph != nullptr &&
          cudaGraphInstantiate(&graphs[i], graph, 0) != cudaSuccess) {
        graphs[i] = nullptr;
      }
      if (graph != nullptr) cudaGraphDestroy(graph);
      captured[i] = graphs[i] != nullptr;
      (void)cudaGetLastError();  // a failed capture leaves no sticky error
    }
    // After the first round only the legacy candidates and the
    // kBackendFinalists fastest backend plans go on.
    std::vector<bool> dropped(candidates.size(), false);
    for (int round = 0; round < kRetimeRounds; ++round) {
      if (round == 1 && candidates.size() - legacy_count > kBackendFinalists) {
        std::vector<size_t> order;
        for (size_t i = legacy_count; i < candidates.size(); ++i) {
          if (!failed[i] && us[i] >= 0) order.push_back(i);
        }
        std::stable_sort(order.begin(), order.end(),
                         [&us](size_t a, size_t b) { return us[a] < us[b]; });
        for (size_t k = kBackendFinalists; k < order.size(); ++k) dropped[order[k]] = true;
      }
      for (size_t i = 0; i < candidates.size(); ++i) {
        if (failed[i] || dropped[i]) continue;
        SF_RETURN_IF_ERROR(start.Record(stream));
        if (graphs[i] != nullptr) {
          failed[i] = cudaGraphLaunch(graphs[i], stream) != cudaSuccess;
        } else {
          for (int k = 0; k < kRetimeRuns && !failed[i]; ++k) failed[i] = !run(i);
        }
        SF_RETURN_IF_ERROR(end.Record(stream));
        SF_ASSIGN_OR_RETURN(float ms, Event::ElapsedMs(start, end));
        const float per_run = ms * 1000.0f / kRetimeRuns;
        if (!failed[i] && (us[i] < 0 || per_run < us[i])) us[i] = per_run;
      }
    }
    float best_us = -1.0f, best_legacy_us = -1.0f;
    ConvAlgoChoice best_legacy = candidates[0];
    for (size_t i = 0; i < candidates.size(); ++i) {
      const bool legacy = i < legacy_count;
      if (log) {
        std::fprintf(stderr, "[cudnn search]   retimed %s: %.1f us%s%s\n",
                     legacy ? AlgoName(candidates[i].algo)
                            : DescribeEngineConfig(candidates[i].backend).c_str(),
                     us[i], failed[i] ? " (failed)" : "",
                     captured[i] ? " (graph)" : " (plain calls)");
      }
      if (failed[i] || us[i] < 0) continue;
      if (best_us < 0 || us[i] < best_us) {
        best_us = us[i];
        best = candidates[i];
      }
      if (legacy && (best_legacy_us < 0 || us[i] < best_legacy_us)) {
        best_legacy_us = us[i];
        best_legacy = candidates[i];
      }
    }
    if (best.backend.engine >= 0) {  // the legacy algorithm stays for the other calls
      BackendEngineConfig config = std::move(best.backend);
      best = best_legacy;
      best.backend = std::move(config);
    }
  }
  // The buffers die here: let the stream's work on them finish first.
  SF_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream));
  best.timed = true;
  return best;
}

std::string CudnnConv::Describe() const {
  if (backend_.has_value()) {
    return absl::StrCat(half_ ? "fp16 " : "", nhwc_ ? "nhwc " : "", "backend ",
                        DescribeEngineConfig(backend_->config()),
                        subsample_bytes_ > 0 ? " stride 1 on a subsampled copy" : "", " (timed",
                        gemm_only_ ? ", gemm only" : "", ", ws ", workspace_bytes_, " B",
                        tf32_ ? ", TF32" : "", backend_->has_bias() ? ", bias fused" : "",
                        from_file_ ? ", tuning cache" : "", "; else ", AlgoName(algo_), ")");
  }
  return absl::StrCat(half_ ? "fp16 " : "", nhwc_ ? "nhwc " : "", AlgoName(algo_),
                      subsample_bytes_ > 0 ? " stride 1 on a subsampled copy" : "", " (",
                      fallback_ != nullptr ? absl::StrCat("fallback: ", fallback_)
                                           : (timed_ ? "timed" : "heuristic"),
                      fallback_ == nullptr && gemm_only_ ? ", gemm only" : "", ", ws ",
                      workspace_bytes_, " B", tf32_ ? ", TF32" : "",
                      FusesBias() ? ", bias fused" : "", from_file_ ? ", tuning cache" : "", ")");
}

absl::Status CudnnConv::Forward(cudnnHandle_t handle, const void* x, const void* w,
                                const void* bias, void* y, void* workspace_base) const {
  void* workspace = workspace_base;
  if (subsample_bytes_ > 0) {  // the pixels the conv reads, packed, at the workspace's start
    cudaStream_t stream = nullptr;
    SF_CUDNN_RETURN_IF_ERROR(cudnnGetStream(handle, &stream));
    SF_CUDA_RETURN_IF_ERROR(LaunchSubsample(subsample_, x, workspace_base, stream));
    x = workspace_base;
    workspace = static_cast<char*>(workspace_base) + subsample_bytes_;
  }
  if (RunsBackend(bias)) return backend_->Execute(handle, x, w, bias, y, workspace);
  if (bias != nullptr && FusesBias()) {
    // One kernel: the bias is added to the FP32 accumulator before the output
    // is written (alpha2 = 0: z is not read). IDENTITY needs IMPLICIT_PRECOMP_GEMM.
    const cudnnStatus_t fused =
        LegacyForward(handle, algo_, act_desc_.get(), x, w, bias, y, workspace, workspace_bytes_);
    if (fused == CUDNN_STATUS_SUCCESS) return absl::OkStatus();
    if (fused != CUDNN_STATUS_NOT_SUPPORTED) SF_CUDNN_RETURN_IF_ERROR(fused);
    fuse_bias_failed_ = true;  // this cuDNN cannot: conv, then add, from now on
  }
  SF_CUDNN_RETURN_IF_ERROR(
      LegacyForward(handle, algo_, nullptr, x, w, bias, y, workspace, workspace_bytes_));
  return absl::OkStatus();
}

}  // namespace sf::cuda
