#include "runtime/gpu/sparse_conv_kernel.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdlib>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cuda/conv_algo_cache.h"
#include "cuda/cuda_status.h"
#include "cuda/kernels/compact_spike_conv.h"
#include "cuda/kernels/direct_conv_neuron.h"
#include "cuda/kernels/sparse_conv.h"
#include "cuda/kernels/sparse_conv_f16.h"
#include "cuda/kernels/spike_gather_conv.h"
#include "cuda/resources.h"
#include "graph/status.h"
#include "runtime/cpu/conv.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/gpu/cuda_graph.h"
#include "runtime/gpu/density_switch.h"
#include "runtime/gpu/float_type.h"
#include "runtime/gpu/gpu_kernel_factories.h"
#include "runtime/gpu/neuron_params.h"
#include "runtime/gpu/occupancy_marks.h"
#include "runtime/gpu/replay_timing.h"
#include "runtime/version.h"

namespace sf {
namespace {

// Most bytes of input and output the density switch's calibration allocates
// for its synthetic runs (larger convs are not calibrated; the plan says so).
constexpr int64_t kMaxCalibrationBytes = int64_t{256} << 20;
// Part of a calibrated crossover's key (CrossoverKey): raise it when the
// sparse kernels or the calibration change how fast they run, so that
// crossovers kept in tuning cache files by an earlier build are measured again.
constexpr int kCrossoverRevision = 1;

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

// The CUDA sparse conv's shape for `node` (tile from the plan's `block`),
// after checking the types and attributes the kernels need. `group_tiles`:
// SparseConvShape::group_tiles unless SF_SPARSE_F16_GROUP_TILES says.
absl::StatusOr<cuda::SparseConvShape> SparseShapeFor(const Graph& graph, const Node& node,
                                                     int block, bool half, bool binary,
                                                     bool group_tiles) {
  if (block < 1) return NodeError(node, "sparse conv block must be >= 1, got ", block);
  SF_ASSIGN_OR_RETURN(Conv2dParams p, GetConv2dParams(graph, node));
  const DataType type = half ? DataType::kFloat16 : DataType::kFloat32;
  for (int i = 0; i < static_cast<int>(node.inputs.size()); ++i) {
    if (HasInput(node, i) && InputType(graph, node, i) != type) {
      return NodeError(node, "input ", i, " must be ", ToString(type), " for the CUDA sparse conv");
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
  cuda::SparseConvShape shape{
      p.n,
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
      half ? cuda::SparseConvF16TileFor(block) : cuda::SparseConvTileFor(block),
      binary};
  if (half) {
    shape.cout_chunk = cuda::SparseConvF16ChunkFor(shape.tile);
    // SF_SPARSE_F16_CHUNK=16|32|64: the output channels per work item of the
    // tensor-core kernel (measurements, docs/benchmarks.md); tile 4 has no 16
    // and keeps its default there.
    if (const char* env = std::getenv("SF_SPARSE_F16_CHUNK"); env != nullptr && env[0] != '\0') {
      int chunk = 0;
      if (!absl::SimpleAtoi(env, &chunk) || (chunk != 16 && chunk != 32 && chunk != 64)) {
        return absl::InvalidArgumentError(
            absl::StrCat("SF_SPARSE_F16_CHUNK must be 16, 32 or 64, got '", env, "'"));
      }
      if (shape.tile == 8 || chunk != 16) shape.cout_chunk = chunk;
    }
    // SF_SPARSE_F16_GROUP_TILES=on|off: several active tiles per work item
    // (tile 4, and tile 8 at stride 1) or one (the same bits).
    shape.group_tiles = group_tiles;
    if (const char* env = std::getenv("SF_SPARSE_F16_GROUP_TILES");
        env != nullptr && env[0] != '\0') {
      const std::string_view v(env);
      if (v != "on" && v != "off") {
        return absl::InvalidArgumentError(
            absl::StrCat("SF_SPARSE_F16_GROUP_TILES must be on or off, got '", env, "'"));
      }
      shape.group_tiles = v == "on";
    }
  }
  if (const std::string why = half ? cuda::SparseConvF16UnsupportedReason(shape)
                                   : cuda::SparseConvUnsupportedReason(shape);
      !why.empty()) {
    return NodeError(node, "the CUDA sparse conv does not run this conv: ", why);
  }
  if (!graph.value(node.inputs[1]).constant) {
    return NodeError(node, "the CUDA sparse conv needs constant weights, '",
                     graph.value(node.inputs[1]).name, "' is computed");
  }
  return shape;
}

template <typename T>
absl::StatusOr<cuda::DeviceBuffer> Upload(int device, const std::vector<T>& packed) {
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer buffer,
                      cuda::DeviceBuffer::Create(device, packed.size() * sizeof(T)));
  SF_CUDA_RETURN_IF_ERROR(
      cudaMemcpy(buffer.data(), packed.data(), packed.size() * sizeof(T), cudaMemcpyHostToDevice));
  return buffer;
}

// The constant weights of `s`'s conv, repacked for its kernel and uploaded:
// RepackSparseConvF16Weights (half; KRSC when channels-last) or
// RepackSparseConvWeights.
absl::StatusOr<cuda::DeviceBuffer> UploadSparseWeights(const Graph& graph, const Node& node,
                                                       const cuda::SparseConvShape& s, int device,
                                                       bool half, bool nhwc) {
  const Tensor& w = *graph.value(node.inputs[1]).constant;
  if (half) {
    std::vector<uint16_t> packed(
        static_cast<size_t>(cuda::SparseConvF16PackedWeightElems(s.c_out, s.c_in, s.ksize)));
    cuda::RepackSparseConvF16Weights(w.data<uint16_t>(), s.c_out, s.c_in, s.ksize, nhwc,
                                     packed.data());
    return Upload(device, packed);
  }
  std::vector<float> packed(static_cast<size_t>(w.num_elements()));
  cuda::RepackSparseConvWeights(w.data<float>(), s.c_out, s.c_in, s.ksize, packed.data());
  return Upload(device, packed);
}

// Why the float16 tensor-core kernels (block-sparse and fused conv + neuron)
// cannot run on `device`, as the end of "the ... kernel <reason>"; "" when
// they can: they need compute capability 8.0 and this build's sm_80+ code.
absl::StatusOr<std::string> TensorCoreUnsupportedReason(int device) {
  int major = 0;
  SF_CUDA_RETURN_IF_ERROR(
      cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, device));
  if (major < 8) return std::string("needs compute capability 8.0");
  if (const char* why = cuda::SparseConvF16BuildUnsupportedReason(); why[0] != '\0') {
    return absl::StrCat("cannot run: ", why);
  }
  return std::string();
}

// The run-time density switch of a float16 tensor-core sparse conv (kAuto):
// its crossover, calibrated in Prepare on synthetic inputs, and whether the
// switch runs.
struct DensityCrossover {
  bool measured = false;
  std::string why_not;  // why not measured, or why the switch is off
  int tiles = 0;        // output tiles of the whole batch
  // The most active tiles at which sparse (prescan included) was measured
  // faster than cuDNN; -1 when it never was, `tiles` when it always was.
  int threshold = -1;
  double cudnn_us = 0, empty_us = 0, full_us = 0;
  int steps = 0;        // sparse timings the search took
  bool forced = false;  // threshold from SF_SPARSE_SWITCH_TILES, not measured
  bool cached = false;  // measured earlier (this process, or a tuning cache file)
};

// A crossover as a measured value of the process cache (cuda::StoreMeasured):
// "t=12,of=256,cudnn=19.30,empty=8.10,full=40.20,steps=7".
std::string FormatCrossover(const DensityCrossover& c) {
  return absl::StrFormat("t=%d,of=%d,cudnn=%.2f,empty=%.2f,full=%.2f,steps=%d", c.threshold,
                         c.tiles, c.cudnn_us, c.empty_us, c.full_us, c.steps);
}

// FormatCrossover's text, if it holds a crossover over exactly `tiles` tiles
// (a value from a stranger's file is checked like any other input).
std::optional<DensityCrossover> ParseCrossover(absl::string_view text, int tiles) {
  const std::vector<absl::string_view> fields = absl::StrSplit(text, ',');
  if (fields.size() != 6) return std::nullopt;
  // Field i's number after its name.
  auto number = [&](size_t i, absl::string_view name, auto* out) {
    absl::string_view f = fields[i];
    if (!absl::ConsumePrefix(&f, name)) return false;
    if constexpr (std::is_same_v<decltype(*out), double&>) {
      return absl::SimpleAtod(f, out) && std::isfinite(*out) && *out >= 0;
    } else {
      return absl::SimpleAtoi(f, out);
    }
  };
  DensityCrossover c;
  if (!number(0, "t=", &c.threshold) || !number(1, "of=", &c.tiles) ||
      !number(2, "cudnn=", &c.cudnn_us) || !number(3, "empty=", &c.empty_us) ||
      !number(4, "full=", &c.full_us) || !number(5, "steps=", &c.steps)) {
    return std::nullopt;
  }
  if (c.tiles != tiles || c.threshold < -1 || c.threshold > c.tiles || c.steps < 0 ||
      c.steps > 1000) {
    return std::nullopt;
  }
  c.measured = c.cached = true;
  return c;
}

// Whether the density switch runs, and with which threshold, from the
// environment. It is off unless asked for: on an H100 (docs/benchmarks.md,
// twelfth run) its setter kernel and IF/ELSE node cost 7-9 us over the sparse
// path alone, and its cuDNN branch 13-39 us over cuDNN alone (the prescan
// runs first either way): the switched layer was 1.2-2.0x slower than the
// better fixed path at every measured density.
//  - unset: the crossover is calibrated (for the plan), the switch stays off;
//  - SF_SPARSE_SWITCH=on: on, at the calibrated crossover;
//  - SF_SPARSE_SWITCH=off: neither (no calibration at load);
//  - SF_SPARSE_SWITCH_TILES=N: on, cuDNN above N active tiles, uncalibrated (a
//    crossover known from elsewhere; tests).
struct SwitchRequest {
  bool on = false;
  bool calibrate = true;
  int tiles = -1;  // >= 0: SF_SPARSE_SWITCH_TILES
};

// Environment variable `name`: "" (unset or empty), "on" or "off"; any other
// value is an error naming it.
absl::StatusOr<std::string> OnOffFromEnv(const char* name) {
  const char* env = std::getenv(name);
  const std::string value = env != nullptr ? env : "";
  if (!value.empty() && value != "on" && value != "off") {
    return absl::InvalidArgumentError(
        absl::StrCat(name, " must be 'on' or 'off', got '", value, "'"));
  }
  return value;
}

absl::StatusOr<SwitchRequest> SwitchRequestFromEnv() {
  SwitchRequest r;
  SF_ASSIGN_OR_RETURN(const std::string mode, OnOffFromEnv("SF_SPARSE_SWITCH"));
  r.on = mode == "on";
  r.calibrate = mode != "off";
  const char* env = std::getenv("SF_SPARSE_SWITCH_TILES");
  if (env == nullptr || env[0] == '\0') return r;
  if (!absl::SimpleAtoi(env, &r.tiles) || r.tiles < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "SF_SPARSE_SWITCH_TILES must be a whole number of tiles >= 0, got '", env, "'"));
  }
  r.on = r.calibrate = true;
  return r;
}

// "chosen: WHAT, 1.50x faster: A 10.0 us, B 15.0 us)" when both alternatives
// were timed (`a_chosen`: A won), else "chosen: WHAT, REASON)".
std::string ChoiceText(const std::string& what, bool a_chosen, const char* a_name, double a_us,
                       const char* b_name, double b_us, const std::string& reason) {
  if (a_us <= 0 || b_us <= 0) return absl::StrCat("chosen: ", what, ", ", reason, ")");
  return absl::StrCat("chosen: ", what,
                      absl::StrFormat(", %.2fx faster: %s %.1f us, %s %.1f us)",
                                      a_chosen ? b_us / a_us : a_us / b_us, a_name, a_us, b_name,
                                      b_us));
}

class SparseConvGpuKernel : public GpuKernel {
 public:
  SparseConvGpuKernel(int block, ValueClass input_class, SparseMode mode)
      : block_(block), binary_(input_class == ValueClass::kBinary), mode_(mode) {}

  absl::Status Prepare(const Graph& graph, const Node& node,
                       const GpuPrepareContext& ctx) override {
    half_ = InputType(graph, node, 0) == DataType::kFloat16;
    nhwc_ = node.channels_last;
    device_ = ctx.device;
    name_ = node.name;
    if (half_) {  // whatever the mode
      SF_ASSIGN_OR_RETURN(const std::string why, TensorCoreUnsupportedReason(ctx.device));
      if (!why.empty()) cudnn_only_ = absl::StrCat("the float16 block-sparse kernel ", why);
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
      SF_ASSIGN_OR_RETURN(counters_,
                          cuda::PinnedHostBuffer::Create(sizeof(cuda::SparseConvCounters)));
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
      SF_ASSIGN_OR_RETURN(const SwitchRequest request, SwitchRequestFromEnv());
      switch_wanted_ = request.on;
      if (half_ && !gather_forced_ && request.tiles >= 0) {
        crossover_ = DensityCrossover{};
        crossover_.measured = crossover_.forced = true;
        crossover_.threshold = request.tiles;
        crossover_.tiles = OutputTiles();
      } else if (half_ && !gather_forced_ && request.calibrate && (request.on || !ctx.profiling)) {
        if (absl::Status s = CalibrateSwitch(graph, node, ctx); !s.ok()) {
          crossover_ = DensityCrossover{};
          crossover_.why_not = absl::StrCat("not calibrated: ", s.message());
        }
      }
    }
    return absl::OkStatus();
  }

  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    counted_ = false;
    // The producer packed this run's input only if the link was on before
    // this Enqueue (MaybeStartOccupancy may turn it on below).
    read_packed_ = PackedOn();
    if (path_ == Path::kUndecided) {
      cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
      SF_CUDA_RETURN_IF_ERROR(cudaStreamIsCapturing(ctx.stream, &capture));
      if (capture != cudaStreamCaptureStatusNone) {
        last_ran_ = "cudnn";
        return dense_->Enqueue(ctx, in, out);
      }
      SF_RETURN_IF_ERROR(Measure(ctx, in, out));
      last_ran_ = path_ == Path::kSparse ? "sparse" : "cudnn";
      return MaybeStartOccupancy(ctx, in);
    }
    if (path_ == Path::kSparse && switch_on_) {
      last_ran_ = "switch";
      return EnqueueSwitched(ctx, in, out);
    }
    last_ran_ = path_ == Path::kSparse ? "sparse" : "cudnn";
    SF_RETURN_IF_ERROR(MaybeStartOccupancy(ctx, in));  // kOn: its first run
    // The one launch of this run: its counters may be the zeroed ones.
    return path_ == Path::kSparse ? EnqueueSparse(ctx, in, out, static_cast<int*>(ctx.zeroed))
                                  : dense_->Enqueue(ctx, in, out);
  }

  // Float16 NHWC block-sparse convs: masks the input's producer can mark for
  // the tensor-core kernel, and bit-packed spikes it can write for the spike
  // gather (binary inputs of 32k channels, where the gather can run)
  // (SF_SPIKE_OCCUPANCY=off: neither; every run prescans or reads float16).
  // Packed spikes only where the conv reads every input pixel (ksize >=
  // stride): the producer packs its whole output, and a 1x1/2 conv reads a
  // quarter of it. Measured (H100, docs/benchmarks.md, fifteenth run), neuron
  // + gather, packed against float16: 1.00-1.30x on the 3x3 layers and the
  // 128- and 256-channel 1x1/2 ones, 0.96-0.98x on the 64-channel 1x1/2
  // shortcut. SF_SPIKE_PACKED=off: never; =on: strided 1x1 convs too.
  absl::StatusOr<std::vector<SpikeOccupancyLink*>> SpikeOccupancyConsumer() override {
    SF_ASSIGN_OR_RETURN(const std::string want, OnOffFromEnv("SF_SPIKE_OCCUPANCY"));
    SF_ASSIGN_OR_RETURN(const std::string packed, OnOffFromEnv("SF_SPIKE_PACKED"));
    std::vector<SpikeOccupancyLink*> links;
    if (want == "off" || !half_ || !nhwc_ || !cudnn_only_.empty() || path_ == Path::kDense ||
        shape_.n * shape_.out_h * shape_.out_w == 0) {
      return links;
    }
    if (!gather_forced_) {
      if (link_ == nullptr) {  // the masks come from whoever links it
        link_ = std::make_unique<SpikeOccupancyLink>();
        link_->target = cuda::SparseConvF16OccupancyTarget(shape_, nullptr);
        link_->consumer = name_;
      }
      links.push_back(link_.get());
    }
    const bool reads_all = shape_.ksize >= shape_.stride || packed == "on";
    if (gather_weights_.data() != nullptr && packed != "off" && reads_all &&
        *cuda::SpikeGatherConvPackedUnsupportedReason(shape_) == '\0') {
      if (packed_link_ == nullptr) {
        packed_link_ = std::make_unique<SpikeOccupancyLink>();
        packed_link_->packed = true;
        packed_link_->target.images = shape_.n;
        packed_link_->target.h = static_cast<int>(shape_.h);
        packed_link_->target.w = static_cast<int>(shape_.w);
        packed_link_->target.c = static_cast<int>(shape_.c_in);
        packed_link_->consumer = name_;
      }
      links.push_back(packed_link_.get());
    }
    return links;
  }

  absl::StatusOr<bool> EnqueuePart(KernelPart part, const GpuRunContext& ctx,
                                   std::span<const void* const> in,
                                   std::span<void* const> out) override {
    if (!cudnn_only_.empty()) return false;  // no block-sparse kernel prepared
    // ctx.zeroed: this part's own zeroed counters (GpuExecutor::TimeStepAlone).
    if (part == KernelPart::kSparse) {
      read_packed_ = PackedOn();  // the producer's step ran before this one
      SF_RETURN_IF_ERROR(EnqueueSparse(ctx, in, out, static_cast<int*>(ctx.zeroed)));
      return true;
    }
    if (use_gather_ || Occupied()) return false;  // it has no prescan
    if (half_) {
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConvF16Prescan(
          shape_, nhwc_, static_cast<const __half*>(in[0]), ctx.workspace, ctx.stream, nullptr,
          static_cast<int*>(ctx.zeroed)));
    } else {
      SF_CUDA_RETURN_IF_ERROR(
          cuda::LaunchSparseConvPrescan(shape_, static_cast<const float*>(in[0]), ctx.workspace,
                                        ctx.stream, static_cast<int*>(ctx.zeroed)));
    }
    return true;
  }

  std::pair<int, int> DensitySwitchTiles() const override {
    if (!crossover_.measured) return {-2, 0};
    return {crossover_.threshold, crossover_.tiles};
  }

  // With the density switch the branch taken is known only where the
  // counters were copied (profiling): more active tiles than the threshold
  // ran cuDNN. Otherwise "sparse" (the switch's default branch) is not
  // claimed: "switch".
  std::string LastPath() const override {
    if (last_ran_ != "switch" || !counted_) return last_ran_;
    return HostCounters()->active_tiles > crossover_.threshold ? "cudnn" : "sparse";
  }

  // The prescan's counters, zeroed by the executor with its flags (one
  // memset per run, not one per sparse launch: about 1-2 us of graph time
  // each, docs/benchmarks.md, twenty-third run; float32 too since the
  // twenty-sixth).
  size_t zeroed_bytes() const override {
    return cudnn_only_.empty() ? cuda::SparseConvCounterBytes() : 0;
  }

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
        absl::StrCat("cuda sparse fp16 ", GatherName(), " nhwc (", compact_ ? "2x4 tiles; " : "");
    if (!use_gather_ && half_) {
      out = absl::StrCat("cuda sparse fp16 tensor-core ", nhwc_ ? "nhwc " : "", "tile ",
                         shape_.tile, " (", cuda::kSparseConvF16Group, "-channel groups, ",
                         shape_.cout_chunk, " output channels per item; ");
      if (const int tiles = cuda::SparseConvF16TilesPerItem(shape_); tiles > 1) {
        absl::StrAppend(&out, "up to ", tiles, " tiles per item; ");
      }
    } else if (!use_gather_) {
      out = absl::StrCat("cuda sparse tile ", shape_.tile, " ", binary_ ? "binary" : "values",
                         " (", cuda::kSparseConvChannelGroup, "-channel groups; ");
    }
    if (gather_forced_) {
      absl::StrAppend(&out, "SF_SPARSE_F16_KERNEL=", compact_ ? "compact" : "gather", "; ");
    }
    if (compact_us_ > 0) {
      absl::StrAppend(&out, absl::StrFormat("compacted tensor-core %.1f us, spike-gather %.1f us; ",
                                            compact_us_, cuda_core_us_));
    }
    if (gather_us_ > 0) {
      absl::StrAppend(&out,
                      absl::StrFormat("%s %.1f us, tensor-core tile %d %.1f us; ", GatherName(),
                                      gather_us_, shape_.tile, tensor_core_us_));
    }
    switch (path_) {
      case Path::kUndecided:
        absl::StrAppend(&out, "auto: sparse vs cudnn timed on the first run)");
        break;
      case Path::kSparse:
      case Path::kDense: {
        const bool sparse = path_ == Path::kSparse;
        absl::StrAppend(&out, ChoiceText(sparse ? "sparse" : dense_->Describe(), sparse,
                                         "sparse", sparse_us_, "cudnn", dense_us_, reason_));
        break;
      }
    }
    if (crossover_.measured || !crossover_.why_not.empty()) {
      absl::StrAppend(&out, "; ", DescribeSwitch());
    }
    if (link_ != nullptr && !link_->producer.empty()) {
      absl::StrAppend(&out, "; spike occupancy from '", link_->producer, "': ", DescribeLink());
    }
    if (packed_link_ != nullptr && !packed_link_->producer.empty()) {
      const cuda::SpikeOccupancyTarget& t = packed_link_->target;
      absl::StrAppend(&out, "; bit-packed spikes from '", packed_link_->producer,
                      "': ", DescribePackedLink(), " (", SpikeLinkBytes(*packed_link_),
                      " B; float16: ", 2 * t.images * t.h * t.w * t.c, " B)");
    }
    return out;
  }

 private:
  // "density switch: cudnn above 12 of 256 active tiles (4.7%); calibrated:
  // sparse 8.1 us empty, 40.2 us full, cudnn 19.3 us", then whether it runs.
  std::string DescribeSwitch() const {
    const DensityCrossover& c = crossover_;
    if (!c.measured) return absl::StrCat("density switch ", c.why_not);
    std::string out = "density switch: ";
    if (c.threshold < 0) {
      absl::StrAppend(&out, "cudnn at every density");
    } else if (c.threshold >= c.tiles) {
      absl::StrAppend(&out, "sparse at every density");
    } else {
      absl::StrAppend(&out, absl::StrFormat("cudnn above %d of %d active tiles (%.1f%%)",
                                            c.threshold, c.tiles, 100.0 * c.threshold / c.tiles));
    }
    if (c.forced) {
      absl::StrAppend(&out, "; from SF_SPARSE_SWITCH_TILES");
    } else {
      absl::StrAppend(
          &out, absl::StrFormat("; calibrated: sparse %.1f us empty, %.1f us full, cudnn %.1f us, "
                                "%d sparse timings%s",
                                c.empty_us, c.full_us, c.cudnn_us, c.steps,
                                c.cached ? " (earlier, or a tuning cache)" : ""));
    }
    if (switch_on_) {
      absl::StrAppend(&out, absl::StrFormat("; on (%.1f us on this input, sparse alone %.1f us)",
                                            switched_us_, sparse_alone_us_));
    } else if (!c.why_not.empty()) {
      absl::StrAppend(&out, "; off: ", c.why_not);
    } else if (!switch_wanted_) {
      absl::StrAppend(&out, "; off (SF_SPARSE_SWITCH=on turns it on)");
    }
    return out;
  }

  // The density switch's crossover (kAuto, float16 tensor-core kernel), on
  // synthetic inputs in buffers of its own: an input whose first rows (NHWC:
  // pixel rows of all channels; NCHW: rows of one channel) are 1.0 and the
  // rest 0, its prefix searched by bisection for the most active tiles at
  // which sparse (prescan included) still beats cuDNN, to 1/32 of the rows
  // (a lower bound within that step). Every timing as kAuto times (graph
  // replays, medians) but of kCalibrationRounds rounds: with log2(rows)
  // bisections of kTimingRounds it took about a third of a first run in kAuto
  // (docs/benchmarks.md, thirty-first run). Synchronises.
  absl::Status CalibrateSwitch(const Graph& graph, const Node& node, const GpuPrepareContext& ctx) {
    crossover_ = DensityCrossover{};
    const cuda::SparseConvShape& s = shape_;
    const bool has_bias = node.inputs.size() > 2 && HasInput(node, 2);
    // Measured once per process and device (and kept in a tuning cache file):
    // the key holds all the timings depend on, cuDNN's choice included.
    const std::string key = CrossoverKey(has_bias);
    const int tiles = OutputTiles();
    if (std::optional<std::string> cached = cuda::LookupMeasured(ctx.device, key)) {
      if (std::optional<DensityCrossover> c = ParseCrossover(*cached, tiles)) {
        crossover_ = *c;
        return absl::OkStatus();
      }
    }
    const int64_t x_elems = static_cast<int64_t>(s.n) * s.c_in * s.h * s.w;
    const int64_t y_elems = static_cast<int64_t>(s.n) * s.c_out * s.out_h * s.out_w;
    const int64_t rows = static_cast<int64_t>(s.n) * s.h * (nhwc_ ? 1 : s.c_in);
    if (x_elems == 0 || y_elems == 0) return absl::UnimplementedError("empty tensors");
    // Its buffers are its own, outside the arena (and Options::arena_limit_bytes).
    const int64_t bytes = (x_elems + y_elems) * 2;
    if (bytes > kMaxCalibrationBytes) {
      return absl::UnimplementedError(absl::StrCat("input and output take ", bytes,
                                                   " bytes, above the ", kMaxCalibrationBytes,
                                                   " the calibration allocates beside the arena"));
    }
    const int64_t row_elems = x_elems / rows;
    cudaStream_t stream = nullptr;
    SF_CUDNN_RETURN_IF_ERROR(cudnnGetStream(ctx.cudnn, &stream));
    const Tensor& w = *graph.value(node.inputs[1]).constant;
    SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer x, cuda::DeviceBuffer::Create(ctx.device, x_elems * 2));
    SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer y, cuda::DeviceBuffer::Create(ctx.device, y_elems * 2));
    SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer wd, cuda::DeviceBuffer::Create(ctx.device, w.nbytes()));
    SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer b, cuda::DeviceBuffer::Create(ctx.device, s.c_out * 2));
    SF_ASSIGN_OR_RETURN(
        cuda::DeviceBuffer ws,
        cuda::DeviceBuffer::Create(ctx.device, std::max<size_t>(workspace_bytes(), 16)));
    SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer flag,
                        cuda::DeviceBuffer::Create(ctx.device, sizeof(int)));
    SF_CUDA_RETURN_IF_ERROR(
        cudaMemcpy(wd.data(), w.raw_data(), w.nbytes(), cudaMemcpyHostToDevice));
    SF_CUDA_RETURN_IF_ERROR(cudaMemset(b.data(), 0, s.c_out * 2));
    SF_CUDA_RETURN_IF_ERROR(cudaMemset(flag.data(), 0, sizeof(int)));
    const std::array<const void*, 3> in = {x.data(), wd.data(), has_bias ? b.data() : nullptr};
    const std::array<void*, 1> out = {y.data()};
    const std::span<const void* const> in_span(in.data(), has_bias ? 3 : 2);
    const GpuRunContext run{stream, ctx.cudnn, nullptr, ws.data(), static_cast<int*>(flag.data())};
    DensityCrossover c;
    SF_CUDA_RETURN_IF_ERROR(
        cuda::LaunchFillOnesPrefixF16(static_cast<__half*>(x.data()), x_elems, 0, stream));
    constexpr int kCalibrationRounds = 3;
    constexpr int64_t kCalibrationSteps = 32;  // the search's resolution: rows / 32
    SF_ASSIGN_OR_RETURN(
        c.cudnn_us, TimeOne(
                        stream, start_, end_, [&] { return dense_->Enqueue(run, in_span, out); },
                        kCalibrationRounds));
    // Sparse time and active tiles with the first `r` rows set.
    auto sparse_at = [&](int64_t r) -> absl::StatusOr<std::pair<double, int>> {
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchFillOnesPrefixF16(static_cast<__half*>(x.data()), x_elems,
                                                            r * row_elems, stream));
      SF_ASSIGN_OR_RETURN(
          double us,
          TimeOne(stream, start_, end_, SparseAsInARun(run, in_span, out), kCalibrationRounds));
      SF_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream));
      cuda::SparseConvCounters counters;  // the last run's (every run counts the same)
      SF_CUDA_RETURN_IF_ERROR(cuda::ReadSparseConvCounters(
          use_gather_ ? ws.data() : TimingCounters(kRunsPerGraph - 1), &counters));
      ++c.steps;
      return std::make_pair(us, counters.active_tiles);
    };
    SF_ASSIGN_OR_RETURN(auto empty, sparse_at(0));
    SF_ASSIGN_OR_RETURN(auto full, sparse_at(rows));
    c.empty_us = empty.first;
    c.full_us = full.first;
    c.tiles = full.second;
    if (empty.first >= c.cudnn_us) {
      c.threshold = -1;
    } else if (full.first < c.cudnn_us) {
      c.threshold = c.tiles;
    } else {
      // Invariant: sparse faster at lo rows (lo_tiles active), not at hi.
      int64_t lo = 0, hi = rows;
      int lo_tiles = empty.second;
      const int64_t resolution = std::max<int64_t>(1, rows / kCalibrationSteps);
      while (hi - lo > resolution) {
        const int64_t mid = lo + (hi - lo) / 2;
        SF_ASSIGN_OR_RETURN(auto at, sparse_at(mid));
        if (at.first < c.cudnn_us) {
          lo = mid;
          lo_tiles = at.second;
        } else {
          hi = mid;
        }
      }
      c.threshold = lo_tiles;
    }
    c.measured = true;
    crossover_ = c;
    // Kept for the next Prepare unless it could not be read back (another tile
    // count) or kept (a key past the cache's length limit): then it measures again.
    if (c.tiles == tiles) (void)cuda::StoreMeasured(ctx.device, key, FormatCrossover(c));
    return absl::OkStatus();
  }

  // The output tiles of the whole batch (what the density switch counts).
  int OutputTiles() const {
    return static_cast<int>(static_cast<int64_t>(shape_.n) *
                            ((shape_.out_h + shape_.tile - 1) / shape_.tile) *
                            ((shape_.out_w + shape_.tile - 1) / shape_.tile));
  }

  // What the crossover's timings depend on, as a measured value's key: the
  // kernel's revision, the conv's sparse shape and layout, the bias, and
  // cuDNN's choice for it (its plan text, spaces as '_').
  std::string CrossoverKey(bool has_bias) const {
    const cuda::SparseConvShape& s = shape_;
    std::string cudnn =
        absl::StrReplaceAll(dense_->Describe(), {{", tuning cache", ""}, {" ", "_"}});
    return absl::StrCat("sparse-f16-crossover/sparseflow-", VersionString(), "-r",
                        kCrossoverRevision, "/n", s.n, "_c", s.c_in, "_", s.h, "x", s.w, "_o",
                        s.c_out, "_", s.out_h, "x", s.out_w, "_k", s.ksize, "_s", s.stride, "_p",
                        s.pad_top, ",", s.pad_left, "_tile", s.tile, "_chunk", s.cout_chunk,
                        s.binary ? "_binary" : "", s.group_tiles ? "_grouped" : "",
                        nhwc_ ? "_nhwc" : "_nchw", has_bias ? "_bias" : "", "/cudnn:", cudnn);
  }

  // The sparse path with the density switch: the prescan, then cuDNN when
  // more tiles than the crossover are active, else the sparse conv.
  absl::Status EnqueueSwitched(const GpuRunContext& ctx, std::span<const void* const> in,
                               std::span<void* const> out) {
    const auto* x = static_cast<const __half*>(in[0]);
    const auto* bias = static_cast<const __half*>(in.size() > 2 ? in[2] : nullptr);
    auto* y = static_cast<__half*>(out[0]);
    auto set = [&](cudaStream_t stream, cudaGraphConditionalHandle handle) -> absl::Status {
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConvF16Switch(
          shape_, nhwc_, x, bias, y, ctx.workspace, crossover_.threshold, handle, stream));
      // The cuDNN branch may reuse the workspace: the counters leave first.
      if (CopiesCounters()) {
        SF_CUDA_RETURN_IF_ERROR(
            cuda::CopySparseConvCountersAsync(ctx.workspace, HostCounters(), stream));
      }
      return absl::OkStatus();
    };
    auto dense = [&](cudaStream_t stream) -> absl::Status {
      GpuRunContext c = ctx;
      c.stream = stream;
      SF_CUDNN_RETURN_IF_ERROR(cudnnSetStream(ctx.cudnn, stream));
      const absl::Status queued = dense_->Enqueue(c, in, out);
      SF_CUDNN_RETURN_IF_ERROR(cudnnSetStream(ctx.cudnn, ctx.stream));
      return queued;
    };
    auto sparse = [&](cudaStream_t stream) -> absl::Status {
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConvF16AfterSwitch(
          shape_, nhwc_, x, static_cast<const uint16_t*>(weights_.data()), bias, y, ctx.workspace,
          stream));
      return absl::OkStatus();
    };
    SF_RETURN_IF_ERROR(
        switch_->Enqueue(ctx.stream, set, dense, sparse,
                         {in[0], in[1], bias, y, ctx.workspace, ctx.cudnn, ctx.stream}));
    // Set here, not in `set`: a plain launch may replay the graph an earlier
    // one built (and `set` is not called), which copies the counters too.
    counted_ = CopiesCounters();
    return absl::OkStatus();
  }

  absl::Status PrepareSparse(const Graph& graph, const Node& node, const GpuPrepareContext& ctx) {
    // Active tiles are grouped (sparse_conv_f16.h) in mode on only: tile 4
    // is 1.5-2.7x faster on dense inputs, where cuDNN is faster still and
    // kAuto runs cuDNN, and 5-11% slower at 1-5% of tiles (docs/benchmarks.md,
    // sixteenth run), the densities at which kAuto runs the sparse kernel;
    // tile 8 (stride 1) 1.36-1.41x faster dense, up to 8% slower at 1-5%
    // (twenty-second run).
    SF_ASSIGN_OR_RETURN(shape_, SparseShapeFor(graph, node, block_, half_, binary_,
                                               /*group_tiles=*/mode_ == SparseMode::kOn));
    if (half_ && shape_.group_tiles) {  // the launch does the same on a smaller GPU
      bool fits = false;
      SF_CUDA_RETURN_IF_ERROR(cuda::SparseConvF16FitsDevice(shape_, ctx.device, &fits));
      shape_.group_tiles = fits;
    }
    SF_ASSIGN_OR_RETURN(weights_,
                        UploadSparseWeights(graph, node, shape_, ctx.device, half_, nhwc_));
    SF_ASSIGN_OR_RETURN(
        timing_counters_,
        cuda::DeviceBuffer::Create(ctx.device, kRunsPerGraph * cuda::SparseConvCounterBytes()));
    // kAuto also times the kernels without a prescan (float16 NHWC) against
    // the tensor-core one where they fit this device's shared memory: the
    // spike gather (binary inputs add weight rows, zero-preserving ones
    // multiply them by the value) and, for binary inputs and finite weights,
    // the channel-compacted tensor-core conv (compact_spike_conv.h); the
    // faster of those two first. SF_SPARSE_F16_KERNEL=gather or =compact
    // makes every sparse path (kAuto and kOn) run that kernel where it can,
    // =tensor-core neither (tests, exactness checks).
    const char* env = std::getenv("SF_SPARSE_F16_KERNEL");
    const std::string force = env != nullptr ? env : "";
    if (!force.empty() && force != "gather" && force != "compact" && force != "tensor-core") {
      return absl::InvalidArgumentError(absl::StrCat(
          "SF_SPARSE_F16_KERNEL must be 'gather', 'compact' or 'tensor-core', got '", force, "'"));
    }
    int shared = 0;
    if (half_ && nhwc_) {
      SF_CUDA_RETURN_IF_ERROR(
          cudaDeviceGetAttribute(&shared, cudaDevAttrMaxSharedMemoryPerBlockOptin, ctx.device));
    }
    if (half_ && nhwc_ && (mode_ == SparseMode::kAuto || force == "compact") &&
        force != "tensor-core" && force != "gather" &&
        *cuda::CompactSpikeConvUnsupportedReason(shape_) == '\0' &&
        cuda::CompactSpikeConvLayoutFor(shape_).shared_bytes <= shared) {
      const Tensor& w = *graph.value(node.inputs[1]).constant;
      const std::span<const uint16_t> bits(w.data<uint16_t>(),
                                           static_cast<size_t>(w.num_elements()));
      // A listed channel multiplies other pixels' zeros: Inf x 0 would be NaN.
      if (std::none_of(bits.begin(), bits.end(),
                       [](uint16_t h) { return (h & 0x7c00u) == 0x7c00u; })) {
        std::vector<uint16_t> packed(
            static_cast<size_t>(cuda::CompactSpikeConvPackedWeightElems(shape_)));
        cuda::RepackCompactSpikeConvWeights(bits.data(), shape_, /*krsc=*/true, packed.data());
        SF_ASSIGN_OR_RETURN(compact_weights_, Upload(ctx.device, packed));
        compact_ = force == "compact";
        use_gather_ = gather_forced_ = compact_;
      }
    }
    if (half_ && nhwc_ && force != "tensor-core" && force != "compact" &&
        (mode_ == SparseMode::kAuto || force == "gather") &&
        *cuda::SpikeGatherConvUnsupportedReason(shape_) == '\0') {
      if (cuda::SpikeGatherConvSharedBytes(shape_) <= static_cast<size_t>(shared)) {
        const Tensor& w = *graph.value(node.inputs[1]).constant;
        std::vector<uint16_t> packed(static_cast<size_t>(
            cuda::SpikeGatherConvPackedWeightElems(shape_.c_out, shape_.c_in, shape_.ksize)));
        cuda::RepackSpikeGatherConvWeights(w.data<uint16_t>(), shape_.c_out, shape_.c_in,
                                           shape_.ksize, /*krsc=*/true, packed.data());
        SF_ASSIGN_OR_RETURN(gather_weights_, Upload(ctx.device, packed));
        use_gather_ = gather_forced_ = force == "gather";
      }
    }
    return absl::OkStatus();
  }

  // `zeroed_counters`: GpuRunContext::zeroed, for the prescan's counters
  // instead of a reset in the workspace; null: the workspace's.
  absl::Status EnqueueSparse(const GpuRunContext& ctx, std::span<const void* const> in,
                             std::span<void* const> out, int* zeroed_counters = nullptr) {
    const void* bias = in.size() > 2 ? in[2] : nullptr;
    if (use_gather_ && compact_) {  // no prescan, no counters
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchCompactSpikeConvF16(
          shape_, static_cast<const __half*>(in[0]),
          static_cast<const uint16_t*>(compact_weights_.data()), static_cast<const __half*>(bias),
          static_cast<__half*>(out[0]), ctx.stream));
      return absl::OkStatus();
    }
    if (use_gather_ && read_packed_) {  // the producer packed this input
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSpikeGatherConvF16Packed(
          shape_, packed_link_->target.masks, static_cast<const uint16_t*>(gather_weights_.data()),
          static_cast<const __half*>(bias), static_cast<__half*>(out[0]), ctx.stream));
      return absl::OkStatus();
    }
    if (use_gather_) {  // no prescan, no counters
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSpikeGatherConvF16(
          shape_, static_cast<const __half*>(in[0]),
          static_cast<const uint16_t*>(gather_weights_.data()), static_cast<const __half*>(bias),
          static_cast<__half*>(out[0]), ctx.stream));
      return absl::OkStatus();
    }
    if (half_ && Occupied()) {  // the producer marked this input's masks
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConvF16Occupied(
          shape_, static_cast<const __half*>(in[0]), static_cast<const uint16_t*>(weights_.data()),
          static_cast<const __half*>(bias), static_cast<__half*>(out[0]), link_->target.masks,
          ctx.workspace, CopiesCounters(), ctx.stream, zeroed_counters));
    } else if (half_) {
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConvF16(
          shape_, nhwc_, static_cast<const __half*>(in[0]),
          static_cast<const uint16_t*>(weights_.data()), static_cast<const __half*>(bias),
          static_cast<__half*>(out[0]), ctx.workspace, ctx.stream, zeroed_counters));
    } else {
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConv(
          shape_, static_cast<const float*>(in[0]), static_cast<const float*>(weights_.data()),
          static_cast<const float*>(bias), static_cast<float*>(out[0]), ctx.workspace, ctx.stream,
          zeroed_counters));
    }
    // Profiling: the prescan's counters leave the workspace before the next
    // kernel reuses it (stream order).
    if (CopiesCounters()) {
      SF_CUDA_RETURN_IF_ERROR(cuda::CopySparseConvCountersAsync(
          zeroed_counters != nullptr ? zeroed_counters : ctx.workspace, HostCounters(),
          ctx.stream));
      counted_ = true;
    }
    return absl::OkStatus();
  }

  bool Occupied() const { return link_ != nullptr && link_->on; }
  bool PackedOn() const { return packed_link_ != nullptr && packed_link_->on; }

  std::string DescribePackedLink() const {
    if (PackedOn()) return "on, read as bits";
    if (path_ == Path::kUndecided) return "off until a run chooses the spike-gather kernel";
    if (path_ == Path::kDense) return "off (cudnn runs)";
    if (!use_gather_) return "off (the tensor-core kernel runs)";
    if (compact_) return absl::StrCat("off (the ", GatherName(), " kernel reads float16)");
    return "off until the next run";
  }

  std::string DescribeLink() const {
    const std::string timed = link_->timing.empty() ? "" : absl::StrCat(" (", link_->timing, ")");
    if (Occupied()) return absl::StrCat("on, no prescan", timed);
    if (link_->held_off) return absl::StrCat("off", timed);
    if (path_ == Path::kUndecided) return "off until a run chooses the tensor-core kernel";
    if (path_ == Path::kDense) return "off (cudnn runs)";
    if (use_gather_) {
      return absl::StrCat("off (the ", GatherName(), " kernel runs: it has no prescan)");
    }
    if (switch_on_) return "off (the density switch needs the prescan's count)";
    return "off until the next run";
  }

  // Turns the occupancy link on once this conv's path is the tensor-core
  // kernel on its own (not the spike gather, not the density switch) and a
  // producer took the link: the producer did not mark this run's input, so a
  // prescan fills the masks for it first; from the next run the producer
  // marks them and no prescan runs.
  // Likewise the packed link once the path is the spike gather: this run
  // read float16; from the next the producer packs and the gather reads bits.
  absl::Status MaybeStartOccupancy(const GpuRunContext& ctx, std::span<const void* const> in) {
    if (packed_link_ != nullptr && !packed_link_->on && !packed_link_->producer.empty() &&
        packed_link_->target.masks != nullptr && path_ == Path::kSparse && use_gather_ &&
        !compact_) {
      packed_link_->on = true;
    }
    if (link_ == nullptr || link_->on || link_->held_off || link_->producer.empty() ||
        link_->target.masks == nullptr || path_ != Path::kSparse || use_gather_ || switch_on_) {
      return absl::OkStatus();
    }
    SF_CUDA_RETURN_IF_ERROR(
        cuda::LaunchSparseConvF16Prescan(shape_, nhwc_, static_cast<const __half*>(in[0]),
                                         ctx.workspace, ctx.stream, link_->target.masks));
    link_->on = true;
    return absl::OkStatus();
  }

  // The sparse path as a whole run queues it, for CaptureRuns (AsInARun): the
  // block-sparse kernels count in zeroed bytes (timing_counters_) instead of
  // resetting their counters per launch.
  std::function<absl::Status()> SparseAsInARun(const GpuRunContext& ctx,
                                               std::span<const void* const> in,
                                               std::span<void* const> out) {
    const bool counts = !use_gather_ && !Occupied();
    return AsInARun(counts ? timing_counters_.data() : nullptr, cuda::SparseConvCounterBytes(),
                    kRunsPerGraph, ctx.stream, [this, ctx, in, out](void* zeroed) {
                      return EnqueueSparse(ctx, in, out, static_cast<int*>(zeroed));
                    });
  }
  int* TimingCounters(int slot) {
    return static_cast<int*>(timing_counters_.data()) +
           slot * (cuda::SparseConvCounterBytes() / sizeof(int));
  }

  cuda::SparseConvCounters* HostCounters() const {
    return static_cast<cuda::SparseConvCounters*>(counters_.data());
  }

  // Whether a sparse launch also queues the counters' copy to the host:
  // profiling, and a non-empty output (else the prescan writes no counters).
  bool CopiesCounters() const {
    return counters_.data() != nullptr && shape_.n * shape_.out_h * shape_.out_w > 0;
  }

  // Times both paths on this input, each replayed as a CUDA graph, keeps the
  // faster (ties go to cuDNN) and queues it once more for this run's output
  // (both write the same complete out[0]). A path that cannot be captured is
  // not chosen.
  absl::Status Measure(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) {
    if (compact_weights_.data() != nullptr && !gather_forced_) {  // first which gather
      compact_ = true;
      if (gather_weights_.data() != nullptr) {
        SF_ASSIGN_OR_RETURN(ReplayTiming c, TimeByReplay(
                                                ctx.stream, start_, end_,
                                                [&] {
                                                  compact_ = true;
                                                  return EnqueueGather(ctx, in, out);
                                                },
                                                [&] {
                                                  compact_ = false;
                                                  return EnqueueGather(ctx, in, out);
                                                }));
        compact_ = c.a_wins();
        compact_us_ = c.a_us;
        cuda_core_us_ = c.b_us;
      }
    }
    if ((gather_weights_.data() != nullptr || compact_weights_.data() != nullptr) &&
        !gather_forced_) {  // then which sparse kernel
      const std::function<absl::Status()> tensor_core = SparseAsInARun(ctx, in, out);
      SF_ASSIGN_OR_RETURN(ReplayTiming g,
                          TimeByReplay(
                              ctx.stream, start_, end_, [&] { return EnqueueGather(ctx, in, out); },
                              [&] {
                                use_gather_ = false;
                                return tensor_core();
                              }));
      use_gather_ = g.a_wins();
      gather_us_ = g.a_us;
      tensor_core_us_ = g.b_us;
    }
    SF_ASSIGN_OR_RETURN(ReplayTiming r,
                        TimeByReplay(ctx.stream, start_, end_, SparseAsInARun(ctx, in, out),
                                     [&] { return dense_->Enqueue(ctx, in, out); }));
    path_ = r.a_wins() ? Path::kSparse : Path::kDense;
    sparse_us_ = r.a_us;
    dense_us_ = r.b_us;
    reason_ = r.why;
    if (path_ == Path::kSparse) SF_RETURN_IF_ERROR(MaybeSwitchOn(ctx, in, out));
    if (path_ == Path::kSparse && switch_on_) {
      // Its first plain launch builds the switch's own graph: if that fails,
      // the layer stays on the sparse path (which rewrites the whole output).
      absl::Status switched = EnqueueSwitched(ctx, in, out);
      if (switched.ok()) return switched;
      switch_on_ = false;
      crossover_.why_not = absl::StrCat("its plain launch failed: ", switched.message());
    }
    return path_ == Path::kSparse ? EnqueueSparse(ctx, in, out) : dense_->Enqueue(ctx, in, out);
  }

  // The name of the kernel without a prescan that compact_ picks.
  const char* GatherName() const { return compact_ ? "compacted tensor-core" : "spike-gather"; }

  // The kernel without a prescan that compact_ picks (timing; the first run
  // reads float16: no producer packs for it yet).
  absl::Status EnqueueGather(const GpuRunContext& ctx, std::span<const void* const> in,
                             std::span<void* const> out) {
    use_gather_ = true;
    return EnqueueSparse(ctx, in, out);
  }

  // Sparse won on the first input: turns the density switch on when the
  // calibration found a crossover that this input's active tiles lie below
  // (the synthetic inputs agree with the real one) and the switched path can
  // be captured and run; times it against the sparse path alone.
  absl::Status MaybeSwitchOn(const GpuRunContext& ctx, std::span<const void* const> in,
                             std::span<void* const> out) {
    DensityCrossover& c = crossover_;
    if (!switch_wanted_) return absl::OkStatus();
    if (!c.measured || use_gather_) {
      if (use_gather_) c.why_not = absl::StrCat("the ", GatherName(), " kernel runs (no prescan)");
      return absl::OkStatus();
    }
    if (c.threshold >= c.tiles) return absl::OkStatus();  // sparse at every density
    SF_RETURN_IF_ERROR(EnqueueSparse(ctx, in, out));
    SF_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(ctx.stream));
    cuda::SparseConvCounters counters;
    SF_CUDA_RETURN_IF_ERROR(cuda::ReadSparseConvCounters(ctx.workspace, &counters));
    if (counters.active_tiles > c.threshold && !c.forced) {
      c.why_not = absl::StrCat("the first input's ", counters.active_tiles,
                               " active tiles ran sparse faster, above the calibrated crossover");
      return absl::OkStatus();
    }
    if (!switch_.has_value()) {
      absl::StatusOr<DensitySwitch> sw = DensitySwitch::Create(device_);
      if (!sw.ok()) return sw.status();
      switch_.emplace(*std::move(sw));
    }
    absl::StatusOr<ReplayTiming> t = TimeByReplay(
        ctx.stream, start_, end_, [&] { return EnqueueSwitched(ctx, in, out); },
        [&] { return EnqueueSparse(ctx, in, out); });
    if (!t.ok() || !t->ok) {
      c.why_not = t.ok() ? t->why : std::string(t.status().message());
      return absl::OkStatus();
    }
    switched_us_ = t->a_us;
    sparse_alone_us_ = t->b_us;
    switch_on_ = true;
    return absl::OkStatus();
  }

  int block_;
  bool binary_;
  bool half_ = false;  // float16 conv: the tensor-core kernel (sparse_conv_f16.h)
  bool nhwc_ = false;  // channels-last (Node::channels_last)
  SparseMode mode_;
  std::string cudnn_only_;  // why this conv always runs cuDNN (float16, NHWC); empty otherwise
  cuda::SparseConvShape shape_;
  cuda::DeviceBuffer weights_;        // float32 [c_in][k][k][c_out], or RepackSparseConvF16Weights
  cuda::DeviceBuffer timing_counters_;  // SparseAsInARun's zeroed counters
  std::unique_ptr<GpuKernel> dense_;  // the cuDNN conv; null when sparse is the only path
  cuda::Event start_, end_;           // for kAuto's timing
  // kAuto, float16 NHWC: the spike-gather kernel's weights
  // (RepackSpikeGatherConvWeights; null when it cannot run), whether the
  // sparse path runs it instead of the tensor-core kernel, and both timings.
  cuda::DeviceBuffer gather_weights_;
  bool use_gather_ = false;
  bool gather_forced_ = false;  // SF_SPARSE_F16_KERNEL=gather or =compact
  double gather_us_ = 0, tensor_core_us_ = 0;
  // kAuto, float16 NHWC, binary input, finite weights: the channel-compacted
  // tensor-core kernel's weights (RepackCompactSpikeConvWeights; null when it
  // cannot run), whether the kernel without a prescan is it rather than the
  // spike gather, and both timings (when both can run).
  cuda::DeviceBuffer compact_weights_;
  bool compact_ = false;
  double compact_us_ = 0, cuda_core_us_ = 0;
  // Profiling only: the prescan counters of the last sparse launch (pinned),
  // and whether the last Enqueue queued their copy.
  cuda::PinnedHostBuffer counters_;
  bool counted_ = false;
  Path path_ = Path::kUndecided;
  std::string last_ran_;  // LastPath()
  std::string reason_;    // why path_ was fixed without timing
  double sparse_us_ = 0, dense_us_ = 0;
  int device_ = 0;
  // kAuto, float16 tensor-core kernel: the density switch (DescribeSwitch).
  DensityCrossover crossover_;
  bool switch_wanted_ = false;  // SwitchRequestFromEnv
  bool switch_on_ = false;
  std::optional<DensitySwitch> switch_;
  double switched_us_ = 0, sparse_alone_us_ = 0;  // on the first input
  std::string name_;                              // the node's
  // Float16 NHWC: the input's occupancy link and packed-spikes link
  // (SpikeOccupancyConsumer), and whether this Enqueue reads the packed spikes.
  std::unique_ptr<SpikeOccupancyLink> link_;
  std::unique_ptr<SpikeOccupancyLink> packed_link_;
  bool read_packed_ = false;
};

class ConvNeuronGpuKernel : public GpuKernel {
 public:
  // block 0: a dense conv (not planned sparse) whose fused kernel is the
  // direct one (cuda/kernels/direct_conv_neuron.h) and whose unfused
  // alternative is cuDNN.
  ConvNeuronGpuKernel(int block, ValueClass input_class, SparseMode mode, int neuron)
      : block_(block),
        direct_(block <= 0),
        binary_(input_class == ValueClass::kBinary),
        mode_(mode),
        neuron_(neuron) {}

  absl::Status Prepare(const Graph& graph, const Node& node,
                       const GpuPrepareContext& ctx) override {
    if (neuron_ < 0 || neuron_ >= graph.num_nodes() || node.outputs.empty()) {
      return NodeError(node, "fused neuron node ", neuron_, " is not in the graph");
    }
    const Node& neuron = graph.node(neuron_);
    if (!IsNeuron(neuron.op) || neuron.inputs.size() != 1 || neuron.inputs[0] != node.outputs[0] ||
        neuron.carries_state) {
      return NodeError(node, "node '", neuron.name, "' is not a neuron that reads only its output");
    }
    neuron_name_ = absl::StrCat(ToString(neuron.op), " '", neuron.name, "'");
    SF_ASSIGN_OR_RETURN(params_, GetNeuronParams(neuron));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ConcreteValueDims(graph.value(node.outputs[0])));
    SF_ASSIGN_OR_RETURN(int64_t count,
                        CheckedElementCount(dims, graph.value(node.outputs[0]).name));
    if (dims.empty() || dims[0] % params_.steps != 0) {
      return NodeError(node, "the batch of its output is not a whole number of the ", params_.steps,
                       " time steps of ", neuron_name_);
    }
    params_.step_elements = count / params_.steps;
    nhwc_ = node.channels_last;
    out_type_ = OutputType(graph, node, 0);
    // The unfused alternative: the planned sparse conv kernel (which itself
    // runs sparse or cuDNN by the mode) into the neuron's output, then the
    // neuron in place there (as the executor runs an unfused neuron on its
    // input's memory: no scratch, the smallest memory footprint).
    if (OutputType(graph, neuron, 0) != OutputType(graph, node, 0)) {
      return NodeError(node, "the fused neuron's output type differs from the conv's");
    }
    neuron_kernel_ = MakeGpuNeuronKernel(neuron.op);
    SF_RETURN_IF_ERROR(neuron_kernel_->Prepare(graph, neuron, ctx));
    if (neuron_kernel_->InPlaceInput() != 0) {
      return NodeError(node, "the neuron kernel cannot run in place");
    }
    absl::Status fused = PrepareFused(graph, node, ctx);
    if (mode_ == SparseMode::kOn && fused.ok()) {
      path_ = Path::kFused;
      reason_ = "sparse mode on";
      return absl::OkStatus();
    }
    conv_ = direct_ ? MakeGpuConvKernel(OpType::kConv)
                    : CreateSparseConvGpuKernel(
                          block_, binary_ ? ValueClass::kBinary : ValueClass::kDense, mode_);
    absl::Status unfused = conv_->Prepare(graph, node, ctx);
    if (!unfused.ok()) {
      conv_.reset();
      if (!fused.ok()) return fused;
      path_ = Path::kFused;
      reason_ = absl::StrCat("the unfused conv cannot run: ", unfused.message());
      return absl::OkStatus();
    }
    if (!fused.ok() || mode_ == SparseMode::kOff) {
      path_ = Path::kUnfused;
      reason_ = fused.ok() ? "sparse mode off" : std::string(fused.message());
      return absl::OkStatus();
    }
    SF_ASSIGN_OR_RETURN(start_, cuda::Event::Create(ctx.device));
    SF_ASSIGN_OR_RETURN(end_, cuda::Event::Create(ctx.device));
    if (conv_->zeroed_bytes() > 0) {
      unfused_zeroed_stride_ = ZeroedSlotBytes(*conv_);
      SF_ASSIGN_OR_RETURN(unfused_zeroed_, cuda::DeviceBuffer::Create(
                                               ctx.device, kRunsPerGraph * unfused_zeroed_stride_));
    }
    return absl::OkStatus();
  }

  // `out` is the neuron's output (the executor passes it for the conv's).
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    if (path_ == Path::kUndecided) {
      // The unfused conv may be queued several times in this run: its
      // counters cannot be the zeroed ones.
      GpuRunContext plain = ctx;
      plain.zeroed = nullptr;
      cudaStreamCaptureStatus capture = cudaStreamCaptureStatusNone;
      SF_CUDA_RETURN_IF_ERROR(cudaStreamIsCapturing(ctx.stream, &capture));
      if (capture != cudaStreamCaptureStatusNone) {
        SF_RETURN_IF_ERROR(EnqueueUnfused(plain, in, out));
        last_ran_ = UnfusedPath();
        return absl::OkStatus();
      }
      // The unfused conv makes its own choice on its first plain run.
      SF_RETURN_IF_ERROR(EnqueueUnfused(plain, in, out));
      // Timed as whole runs queue it (AsInARun): the conv's zeroed bytes.
      const std::function<absl::Status()> unfused =
          AsInARun(unfused_zeroed_.data(), unfused_zeroed_stride_, kRunsPerGraph, ctx.stream,
                   [&](void* zeroed) {
                     GpuRunContext run = plain;
                     run.zeroed = zeroed;
                     return EnqueueUnfused(run, in, out);
                   });
      SF_ASSIGN_OR_RETURN(
          ReplayTiming r,
          TimeByReplay(
              ctx.stream, start_, end_, [&] { return EnqueueFused(plain, in, out); }, unfused));
      path_ = r.a_wins() ? Path::kFused : Path::kUnfused;
      fused_us_ = r.a_us;
      unfused_us_ = r.b_us;
      reason_ = r.why;
    }
    last_ran_ = path_ == Path::kFused ? "fused" : UnfusedPath();
    return path_ == Path::kFused ? EnqueueFused(ctx, in, out) : EnqueueUnfused(ctx, in, out);
  }

  absl::StatusOr<bool> EnqueuePart(KernelPart part, const GpuRunContext& ctx,
                                   std::span<const void* const> in,
                                   std::span<void* const> out) override {
    if (part != KernelPart::kSparse || !fused_ready_) return false;
    SF_RETURN_IF_ERROR(EnqueueFused(ctx, in, out));
    return true;
  }

  std::string LastPath() const override { return last_ran_; }

  // The links of the neuron's output (its consumers' occupancy or bit-packed
  // spikes): the fused kernel marks them as it stores the spikes, the
  // unfused path's neuron kernel as it stores them, so the pair takes a link
  // only where each path it may run can mark it.
  bool AcceptSpikeOccupancy(SpikeOccupancyLink* link) override {
    if (!marks_.CanTake(link, out_type_, params_)) return false;
    if (fused_ready_ && path_ != Path::kUnfused) {
      const char* why = direct_ ? cuda::DirectConvNeuronMarksUnsupportedReason(
                                      direct_shape_, nhwc_, params_.steps, link->packed)
                                : cuda::ConvNeuronF16MarksUnsupportedReason(
                                      shape_, nhwc_, params_.steps, link->packed);
      if (*why != '\0') return false;
    }
    if (path_ != Path::kFused && !neuron_kernel_->AcceptSpikeOccupancy(link)) return false;
    return marks_.Accept(link, out_type_, params_);
  }

  // The unfused path's sparse conv's switch (it runs when that path does).
  std::pair<int, int> DensitySwitchTiles() const override {
    return conv_ != nullptr ? conv_->DensitySwitchTiles() : std::pair<int, int>{-2, 0};
  }

  size_t workspace_bytes() const override {
    return conv_ != nullptr ? conv_->workspace_bytes() : 0;
  }
  size_t zeroed_bytes() const override { return conv_ != nullptr ? conv_->zeroed_bytes() : 0; }

  std::string Describe() const override {
    std::string out =
        direct_ ? absl::StrCat("cuda conv+", neuron_name_, " fused ",
                               type_ == DataType::kFloat16 ? "fp16 " : "",
                               "direct ", nhwc_ ? "nhwc " : "", "(")
                : absl::StrCat("cuda conv+", neuron_name_, " fused fp16 tensor-core ",
                               nhwc_ ? "nhwc " : "", "tile ", shape_.tile, " (");
    switch (path_) {
      case Path::kUndecided:
        absl::StrAppend(&out, "auto: fused vs conv + neuron timed on the first run)");
        break;
      case Path::kFused:
      case Path::kUnfused: {
        const bool fused = path_ == Path::kFused;
        const std::string what =
            fused ? "fused" : absl::StrCat("[", conv_->Describe(), "] + neuron kernel");
        absl::StrAppend(&out, ChoiceText(what, fused, "fused", fused_us_, "conv + neuron",
                                         unfused_us_, reason_));
        break;
      }
    }
    absl::StrAppend(&out, marks_.Describe());
    return out;
  }

 private:
  enum class Path { kUndecided, kFused, kUnfused };

  absl::Status PrepareFused(const Graph& graph, const Node& node, const GpuPrepareContext& ctx) {
    SF_RETURN_IF_ERROR(direct_ ? PrepareDirect(graph, node) : PrepareTensorCore(graph, node, ctx));
    fused_ready_ = true;
    return absl::OkStatus();
  }

  absl::Status PrepareDirect(const Graph& graph, const Node& node) {
    SF_ASSIGN_OR_RETURN(type_, CheckGpuFloatType(graph, node, /*allow_half=*/true));
    SF_ASSIGN_OR_RETURN(Conv2dParams c, GetConv2dParams(graph, node));
    if (c.group != 1 || c.dil_h != 1 || c.dil_w != 1) {
      return NodeError(node, "the direct conv + neuron kernel takes group 1, dilation 1");
    }
    direct_shape_ = cuda::DirectConvShape{c.n,        c.c_in,     c.h,       c.w,      c.c_out,
                                          c.kh,       c.kw,       c.stride_h, c.stride_w,
                                          c.pad_top,  c.pad_left, c.out_h,   c.out_w};
    if (const std::string why = cuda::DirectConvNeuronUnsupportedReason(direct_shape_,
                                                                         params_.steps);
        !why.empty()) {
      return NodeError(node, "the direct conv + neuron kernel does not run this conv: ", why);
    }
    return absl::OkStatus();
  }

  absl::Status PrepareTensorCore(const Graph& graph, const Node& node,
                                 const GpuPrepareContext& ctx) {
    if (InputType(graph, node, 0) != DataType::kFloat16) {
      return NodeError(node, "the fused conv + neuron kernel is float16 only");
    }
    SF_ASSIGN_OR_RETURN(const std::string why, TensorCoreUnsupportedReason(ctx.device));
    if (!why.empty()) return NodeError(node, "the fused kernel ", why);
    SF_ASSIGN_OR_RETURN(shape_, SparseShapeFor(graph, node, block_, /*half=*/true, binary_,
                                               /*group_tiles=*/false));
    if (const std::string why = cuda::ConvNeuronF16UnsupportedReason(shape_, params_.steps);
        !why.empty()) {
      return NodeError(node, "the fused kernel does not run this conv: ", why);
    }
    SF_ASSIGN_OR_RETURN(weights_, UploadSparseWeights(graph, node, shape_, ctx.device,
                                                      /*half=*/true, nhwc_));
    return absl::OkStatus();
  }

  absl::Status EnqueueFused(const GpuRunContext& ctx, std::span<const void* const> in,
                            std::span<void* const> out) {
    if (direct_) {
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchDirectConvNeuron(
          direct_shape_, nhwc_, type_, in[0], in[1], in.size() > 2 ? in[2] : nullptr, params_,
          out[0], ctx.stream, marks_.ForRun()));
      return absl::OkStatus();
    }
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchConvNeuronF16(
        shape_, nhwc_, static_cast<const __half*>(in[0]),
        static_cast<const uint16_t*>(weights_.data()),
        static_cast<const __half*>(in.size() > 2 ? in[2] : nullptr), params_,
        static_cast<__half*>(out[0]), ctx.stream, marks_.ForRun()));
    return absl::OkStatus();
  }

  absl::Status EnqueueUnfused(const GpuRunContext& ctx, std::span<const void* const> in,
                              std::span<void* const> out) {
    void* const conv_out[] = {out[0]};
    SF_RETURN_IF_ERROR(conv_->Enqueue(ctx, in, conv_out));
    const void* const neuron_in[] = {out[0]};  // in place
    return neuron_kernel_->Enqueue(ctx, neuron_in, out);
  }

  // "cudnn" for a direct pair's cuDNN conv, else what the sparse conv ran.
  std::string UnfusedPath() const { return direct_ ? "cudnn" : conv_->LastPath(); }

  int block_;
  bool direct_;
  bool binary_;
  SparseMode mode_;
  int neuron_;               // node index of the fused neuron
  std::string neuron_name_;  // "LIF 'sn1'"
  cuda::NeuronParams params_;
  bool nhwc_ = false;
  DataType out_type_ = DataType::kFloat32;  // the spikes'
  OccupancyMarks marks_;                    // what the fused kernel marks
  cuda::SparseConvShape shape_;
  cuda::DeviceBuffer weights_;  // RepackSparseConvF16Weights (tensor-core kernel only)
  bool fused_ready_ = false;    // PrepareFused succeeded
  // The direct kernel: its shape and type (it reads the graph's weights).
  cuda::DirectConvShape direct_shape_;
  DataType type_ = DataType::kFloat16;
  // The unfused path: the sparse conv kernel (sparse or cuDNN by the mode;
  // null when it cannot run or with kOn and a fused kernel), then the neuron.
  std::unique_ptr<GpuKernel> conv_;
  std::unique_ptr<GpuKernel> neuron_kernel_;
  cuda::Event start_, end_;
  // For timing the unfused path (AsInARun): conv_'s zeroed bytes per run.
  cuda::DeviceBuffer unfused_zeroed_;
  size_t unfused_zeroed_stride_ = 0;
  Path path_ = Path::kUndecided;
  std::string last_ran_;
  std::string reason_;
  double fused_us_ = 0, unfused_us_ = 0;
};

// A node fused into another step (PlanStep::fused_into): that step's kernel
// writes its outputs.
class FusedAwayGpuKernel : public GpuKernel {
 public:
  explicit FusedAwayGpuKernel(std::string into) : into_(std::move(into)) {}
  absl::Status Prepare(const Graph&, const Node&, const GpuPrepareContext&) override {
    return absl::OkStatus();
  }
  absl::Status Enqueue(const GpuRunContext&, std::span<const void* const>,
                       std::span<void* const>) override {
    return absl::OkStatus();
  }
  std::string Describe() const override { return absl::StrCat("fused into '", into_, "'"); }

 private:
  std::string into_;
};

}  // namespace

std::unique_ptr<GpuKernel> CreateSparseConvGpuKernel(int block, ValueClass input_class,
                                                     SparseMode mode) {
  return std::make_unique<SparseConvGpuKernel>(block, input_class, mode);
}

std::unique_ptr<GpuKernel> CreateConvNeuronGpuKernel(int block, ValueClass input_class,
                                                     SparseMode mode, int neuron_node) {
  return std::make_unique<ConvNeuronGpuKernel>(block, input_class, mode, neuron_node);
}

std::unique_ptr<GpuKernel> CreateFusedAwayGpuKernel(std::string into) {
  return std::make_unique<FusedAwayGpuKernel>(std::move(into));
}

}  // namespace sf
