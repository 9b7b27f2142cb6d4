#include "runtime/gpu/sparse_conv_kernel.h"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cuda/cuda_status.h"
#include "cuda/kernels/sparse_conv.h"
#include "cuda/kernels/sparse_conv_f16.h"
#include "cuda/resources.h"
#include "graph/status.h"
#include "runtime/cpu/conv.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/gpu/cuda_graph.h"
#include "runtime/gpu/gpu_kernel_factories.h"

namespace sf {
namespace {

// When kAuto measures: each path is captured once as a CUDA graph (how the
// executor runs it after the first run: no host launch cost in the timing,
// which for cuDNN's legacy API is larger than many convs), then timed in
// kTimingRounds interleaved rounds of kLaunchesPerRound back-to-back graph
// launches between two events, after one warm-up round; the median round
// decides.
constexpr int kTimingRounds = 5;
constexpr int kLaunchesPerRound = 10;

// kAuto runs cuDNN without timing sparse on these shapes, for the float32
// kernel only. Measured on an H200 (FP32 NCHW, batch 64, ResNet18 shapes,
// sparse_conv_bench): 1x1 stride-2 shortcuts took 21-26 us in cuDNN and
// 127-575 us sparse, 0.04-0.17x at every density from 1% to 30%, uniform or
// clustered: the prescan alone reads more than cuDNN's whole GEMM costs. (The
// float16 tensor-core kernel beats cuDNN's FP16 NHWC IMPLICIT_GEMM on these
// shapes, 1.4-3.5x: no rule there.)
struct NeverSparseRule {
  int ksize;
  int stride;
  const char* why;
};
constexpr std::array<NeverSparseRule, 1> kNeverSparseRule = {{
    {1, 2, "1x1 stride 2: sparse measured 0.04-0.17x of cuDNN at 1-30% density"},
}};

const NeverSparseRule* FindNeverSparseRule(const cuda::SparseConvShape& s) {
  for (const NeverSparseRule& r : kNeverSparseRule) {
    if (r.ksize == s.ksize && r.stride == s.stride) return &r;
  }
  return nullptr;
}

enum class Path { kUndecided, kSparse, kDense };

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

class SparseConvGpuKernel : public GpuKernel {
 public:
  SparseConvGpuKernel(int block, ValueClass input_class, SparseMode mode)
      : block_(block), binary_(input_class == ValueClass::kBinary), mode_(mode) {}

  absl::Status Prepare(const Graph& graph, const Node& node,
                       const GpuPrepareContext& ctx) override {
    half_ = InputType(graph, node, 0) == DataType::kFloat16;
    nhwc_ = node.channels_last;
    if (half_) {  // whatever the mode
      int major = 0;
      SF_CUDA_RETURN_IF_ERROR(
          cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, ctx.device));
      if (major < 8) cudnn_only_ = "the float16 block-sparse kernel needs compute capability 8.0";
    } else if (nhwc_) {
      cudnn_only_ = "the float32 block-sparse kernel is NCHW only";
    }
    if (!cudnn_only_.empty()) {
      path_ = Path::kDense;
      dense_ = MakeGpuConvKernel(OpType::kConv);
      return dense_->Prepare(graph, node, ctx);
    }
    SF_RETURN_IF_ERROR(PrepareSparse(graph, node, ctx));
    if (ctx.profile_nodes) {
      SF_ASSIGN_OR_RETURN(counters_, cuda::PinnedHostBuffer::Create(sizeof(cuda::SparseConvCounters)));
      *HostCounters() = cuda::SparseConvCounters{};
    }
    if (mode_ == SparseMode::kOn) {
      path_ = Path::kSparse;
      reason_ = "sparse mode on";
      return absl::OkStatus();
    }
    dense_ = MakeGpuConvKernel(OpType::kConv);
    if (absl::Status s = dense_->Prepare(graph, node, ctx); !s.ok()) {
      if (mode_ == SparseMode::kOff) return s;
      dense_.reset();
      path_ = Path::kSparse;
      reason_ = absl::StrCat("cudnn cannot run it: ", s.message());
      return absl::OkStatus();
    }
    if (mode_ == SparseMode::kOff) {
      path_ = Path::kDense;
      reason_ = "sparse mode off";
    } else if (const NeverSparseRule* rule = half_ ? nullptr : FindNeverSparseRule(shape_);
               rule != nullptr) {
      path_ = Path::kDense;
      reason_ = absl::StrCat("static rule, ", rule->why);
    } else {
      SF_ASSIGN_OR_RETURN(start_, cuda::Event::Create(ctx.device));
      SF_ASSIGN_OR_RETURN(end_, cuda::Event::Create(ctx.device));
    }
    return absl::OkStatus();
  }

  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    counted_ = false;
    if (path_ == Path::kUndecided) {
      cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
      SF_CUDA_RETURN_IF_ERROR(cudaStreamIsCapturing(ctx.stream, &capture));
      if (capture != cudaStreamCaptureStatusNone) {
        last_ran_ = "cudnn";
        return dense_->Enqueue(ctx, in, out);
      }
      SF_RETURN_IF_ERROR(Measure(ctx, in, out));
      last_ran_ = path_ == Path::kSparse ? "sparse" : "cudnn";
      return absl::OkStatus();
    }
    last_ran_ = path_ == Path::kSparse ? "sparse" : "cudnn";
    return path_ == Path::kSparse ? EnqueueSparse(ctx, in, out) : dense_->Enqueue(ctx, in, out);
  }

  absl::StatusOr<bool> EnqueuePart(KernelPart part, const GpuRunContext& ctx,
                                   std::span<const void* const> in,
                                   std::span<void* const> out) override {
    if (!cudnn_only_.empty()) return false;  // no block-sparse kernel prepared
    if (part == KernelPart::kSparse) {
      SF_RETURN_IF_ERROR(EnqueueSparse(ctx, in, out));
      return true;
    }
    if (half_) {
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConvF16Prescan(
          shape_, nhwc_, static_cast<const __half*>(in[0]), ctx.workspace, ctx.stream));
    } else {
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConvPrescan(
          shape_, static_cast<const float*>(in[0]), ctx.workspace, ctx.stream));
    }
    return true;
  }

  std::string LastPath() const override { return last_ran_; }

  size_t workspace_bytes() const override {
    if (!cudnn_only_.empty()) return dense_->workspace_bytes();
    const size_t sparse =
        half_ ? cuda::SparseConvF16WorkspaceBytes(shape_) : cuda::SparseConvWorkspaceBytes(shape_);
    return dense_ != nullptr ? std::max(sparse, dense_->workspace_bytes()) : sparse;
  }

  double LastTileDensity() const override {
    if (!counted_) return -1;
    const cuda::SparseConvCounters& c = *HostCounters();
    const int total = c.active_tiles + c.empty_tiles;
    return total > 0 ? static_cast<double>(c.active_tiles) / total : -1;
  }

  std::string Describe() const override {
    if (!cudnn_only_.empty()) {
      return absl::StrCat(dense_->Describe(), " (planned sparse; ", cudnn_only_, ")");
    }
    std::string out =
        half_ ? absl::StrCat("cuda sparse fp16 tensor-core ", nhwc_ ? "nhwc " : "", "tile ",
                             shape_.tile, " (", cuda::kSparseConvF16Group, "-channel groups; ")
              : absl::StrCat("cuda sparse tile ", shape_.tile, " ", binary_ ? "binary" : "values",
                             " (", cuda::kSparseConvChannelGroup, "-channel groups; ");
    switch (path_) {
      case Path::kUndecided:
        absl::StrAppend(&out, "auto: sparse vs cudnn timed on the first run)");
        break;
      case Path::kSparse:
      case Path::kDense: {
        const bool sparse = path_ == Path::kSparse;
        absl::StrAppend(&out, "chosen: ", sparse ? "sparse" : dense_->Describe());
        if (sparse_us_ > 0 && dense_us_ > 0) {
          const double ratio = sparse ? dense_us_ / sparse_us_ : sparse_us_ / dense_us_;
          absl::StrAppend(&out, absl::StrFormat(", %.2fx faster: sparse %.1f us, cudnn %.1f us",
                                                ratio, sparse_us_, dense_us_));
        } else {
          absl::StrAppend(&out, ", ", reason_);
        }
        absl::StrAppend(&out, ")");
        break;
      }
    }
    return out;
  }

 private:
  absl::Status PrepareSparse(const Graph& graph, const Node& node,
                             const GpuPrepareContext& ctx) {
    if (block_ < 1) return NodeError(node, "sparse conv block must be >= 1, got ", block_);
    SF_ASSIGN_OR_RETURN(Conv2dParams p, GetConv2dParams(graph, node));
    const DataType type = half_ ? DataType::kFloat16 : DataType::kFloat32;
    for (int i = 0; i < static_cast<int>(node.inputs.size()); ++i) {
      if (HasInput(node, i) && InputType(graph, node, i) != type) {
        return NodeError(node, "input ", i, " must be ", ToString(type),
                         " for the CUDA sparse conv");
      }
    }
    if (OutputType(graph, node, 0) != type) {
      return NodeError(node, "output must be ", ToString(type), " for the CUDA sparse conv");
    }
    if (p.group != 1 || p.dil_h != 1 || p.dil_w != 1 || p.kh != p.kw || p.stride_h != p.stride_w) {
      return NodeError(node,
                       "the CUDA sparse conv needs group 1, dilation 1, a square kernel "
                       "and equal strides");
    }
    shape_ = cuda::SparseConvShape{p.n,
                                   p.c_in,
                                   p.h,
                                   p.w,
                                   p.c_out,
                                   p.out_h,
                                   p.out_w,
                                   static_cast<int>(p.kh),
                                   static_cast<int>(p.stride_h),
                                   p.pad_top,
                                   p.pad_left,
                                   half_ ? cuda::SparseConvF16TileFor(block_)
                                         : cuda::SparseConvTileFor(block_),
                                   binary_};
    if (const std::string why = half_ ? cuda::SparseConvF16UnsupportedReason(shape_)
                                      : cuda::SparseConvUnsupportedReason(shape_);
        !why.empty()) {
      return NodeError(node, "the CUDA sparse conv does not run this conv: ", why);
    }
    const Value& w = graph.value(node.inputs[1]);
    if (!w.constant) {
      return NodeError(node, "the CUDA sparse conv needs constant weights, '", w.name,
                       "' is computed");
    }
    if (half_) {
      std::vector<uint16_t> packed(static_cast<size_t>(
          cuda::SparseConvF16PackedWeightElems(p.c_out, p.c_in, static_cast<int>(p.kh))));
      cuda::RepackSparseConvF16Weights(w.constant->data<uint16_t>(), p.c_out, p.c_in,
                                       static_cast<int>(p.kh), nhwc_, packed.data());
      return UploadWeights(ctx.device, packed);
    }
    std::vector<float> packed(static_cast<size_t>(w.constant->num_elements()));
    cuda::RepackSparseConvWeights(w.constant->data<float>(), p.c_out, p.c_in,
                                  static_cast<int>(p.kh), packed.data());
    return UploadWeights(ctx.device, packed);
  }

  template <typename T>
  absl::Status UploadWeights(int device, const std::vector<T>& packed) {
    SF_ASSIGN_OR_RETURN(weights_, cuda::DeviceBuffer::Create(device, packed.size() * sizeof(T)));
    SF_CUDA_RETURN_IF_ERROR(cudaMemcpy(weights_.data(), packed.data(), packed.size() * sizeof(T),
                                       cudaMemcpyHostToDevice));
    return absl::OkStatus();
  }

  absl::Status EnqueueSparse(const GpuRunContext& ctx, std::span<const void* const> in,
                             std::span<void* const> out) {
    const void* bias = in.size() > 2 ? in[2] : nullptr;
    if (half_) {
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConvF16(
          shape_, nhwc_, static_cast<const __half*>(in[0]),
          static_cast<const uint16_t*>(weights_.data()), static_cast<const __half*>(bias),
          static_cast<__half*>(out[0]), ctx.workspace, ctx.stream));
    } else {
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConv(
          shape_, static_cast<const float*>(in[0]), static_cast<const float*>(weights_.data()),
          static_cast<const float*>(bias), static_cast<float*>(out[0]), ctx.workspace,
          ctx.stream));
    }
    // Profiling: the prescan's counters leave the workspace before the next
    // kernel reuses it (stream order).
    if (counters_.data() != nullptr && shape_.n * shape_.out_h * shape_.out_w > 0) {
      SF_CUDA_RETURN_IF_ERROR(
          cuda::CopySparseConvCountersAsync(ctx.workspace, HostCounters(), ctx.stream));
      counted_ = true;
    }
    return absl::OkStatus();
  }

  cuda::SparseConvCounters* HostCounters() const {
    return static_cast<cuda::SparseConvCounters*>(counters_.data());
  }

  // Microseconds per launch of `graph`, over one round of back-to-back
  // launches (synchronises the stream).
  absl::StatusOr<double> TimeRound(const GraphExec& graph, cudaStream_t stream) {
    SF_RETURN_IF_ERROR(start_.Record(stream));
    for (int i = 0; i < kLaunchesPerRound; ++i) {
      SF_CUDA_RETURN_IF_ERROR(cudaGraphLaunch(graph.get(), stream));
    }
    SF_RETURN_IF_ERROR(end_.Record(stream));
    SF_ASSIGN_OR_RETURN(float ms, cuda::Event::ElapsedMs(start_, end_));
    return static_cast<double>(ms) * 1000.0 / kLaunchesPerRound;
  }

  // Times both paths on this input, each replayed as a CUDA graph, keeps the
  // faster (ties go to cuDNN) and queues it once more for this run's output
  // (both write the same complete out[0]). A path that cannot be captured is
  // not chosen.
  absl::Status Measure(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) {
    absl::StatusOr<GraphExec> sparse_graph =
        CaptureGraph(ctx.stream, [&] { return EnqueueSparse(ctx, in, out); });
    absl::StatusOr<GraphExec> dense_graph =
        CaptureGraph(ctx.stream, [&] { return dense_->Enqueue(ctx, in, out); });
    if (!sparse_graph.ok() || !dense_graph.ok()) {
      path_ = sparse_graph.ok() && !dense_graph.ok() ? Path::kSparse : Path::kDense;
      reason_ = absl::StrCat("could not time by graph replay: ",
                             (sparse_graph.ok() ? dense_graph : sparse_graph).status().message());
    } else {
      std::vector<double> sparse, dense;
      for (int round = 0; round <= kTimingRounds; ++round) {
        SF_ASSIGN_OR_RETURN(double s, TimeRound(*sparse_graph, ctx.stream));
        SF_ASSIGN_OR_RETURN(double d, TimeRound(*dense_graph, ctx.stream));
        if (round == 0) continue;  // warm-up
        sparse.push_back(s);
        dense.push_back(d);
      }
      sparse_us_ = Median(std::move(sparse));
      dense_us_ = Median(std::move(dense));
      path_ = sparse_us_ < dense_us_ ? Path::kSparse : Path::kDense;
    }
    return path_ == Path::kSparse ? EnqueueSparse(ctx, in, out) : dense_->Enqueue(ctx, in, out);
  }

  int block_;
  bool binary_;
  bool half_ = false;  // float16 conv: the tensor-core kernel (sparse_conv_f16.h)
  bool nhwc_ = false;  // channels-last (Node::channels_last)
  SparseMode mode_;
  std::string cudnn_only_;  // why this conv always runs cuDNN (float16, NHWC); empty otherwise
  cuda::SparseConvShape shape_;
  cuda::DeviceBuffer weights_;  // float32 [c_in][k][k][c_out], or RepackSparseConvF16Weights
  std::unique_ptr<GpuKernel> dense_;  // the cuDNN conv; null when sparse is the only path
  cuda::Event start_, end_;           // for kAuto's timing
  // Profiling only: the prescan counters of the last sparse launch (pinned),
  // and whether the last Enqueue queued their copy.
  cuda::PinnedHostBuffer counters_;
  bool counted_ = false;
  Path path_ = Path::kUndecided;
  std::string last_ran_;  // LastPath()
  std::string reason_;  // why path_ was fixed without timing
  double sparse_us_ = 0, dense_us_ = 0;
};

}  // namespace

std::unique_ptr<GpuKernel> CreateSparseConvGpuKernel(int block, ValueClass input_class,
                                                     SparseMode mode) {
  return std::make_unique<SparseConvGpuKernel>(block, input_class, mode);
}

}  // namespace sf
