// A float16 channels-last conv graph and one sparse conv GpuKernel prepared
// for it on a stream of its own, optionally behind a neuron kernel, for the
// density-switch and spike-occupancy tests and benches
// (tests/cuda/density_switch_test.cc, tests/perf/density_switch_bench.cc,
// tests/perf/spike_occupancy_bench.cc).
#ifndef SF_TESTS_CUDA_SPARSE_KERNEL_RIG_H_
#define SF_TESTS_CUDA_SPARSE_KERNEL_RIG_H_

#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cuda/cuda_status.h"
#include "cuda/device.h"
#include "cuda/kernels/neuron.h"
#include "cuda/resources.h"
#include "graph/float16.h"
#include "graph/passes/float16.h"
#include "graph/passes/layout.h"
#include "graph/status.h"
#include "runtime/gpu/cuda_graph.h"
#include "runtime/gpu/replay_timing.h"
#include "runtime/gpu/sparse_conv_kernel.h"
#include "tests/testing/graph_builder.h"
#include "tests/testing/random_half.h"

namespace sf::testing {

inline constexpr uint16_t kHalfOne = 0x3C00;  // 1.0 in FP16

// A square-kernel conv with bias and pads k / 2, converted to float16
// channels-last as the runtime converts it; `conv` is its Conv node.
struct HalfConvSpec {
  int64_t n, c_in, c_out, h, w, k, stride;
};

// The conv layers the perf programs time: Spiking-ResNet18's CIFAR shapes at
// batch T x N = 4 x 16 = 64 and ImageNet ResNet18's 3x3 ones; `block` is the
// plan's default for the input's H.
inline constexpr int64_t kBenchBatch = 64;
// Each perf timing: the median of kBenchIters launches after kBenchWarmup.
inline constexpr int kBenchWarmup = 10;
inline constexpr int kBenchIters = 50;
struct BenchLayer {
  const char* name;
  HalfConvSpec spec;
  int block;
};
inline constexpr BenchLayer kBenchLayers[] = {
    {"cifar l1 3x3 64@32", {kBenchBatch, 64, 64, 32, 32, 3, 1}, 16},
    {"cifar l2 3x3 128@16", {kBenchBatch, 128, 128, 16, 16, 3, 1}, 8},
    {"cifar l3 3x3 256@8", {kBenchBatch, 256, 256, 8, 8, 3, 1}, 4},
    {"cifar l2.0 3x3/2 64->128@32", {kBenchBatch, 64, 128, 32, 32, 3, 2}, 16},
    {"cifar l2.0 1x1/2 64->128@32", {kBenchBatch, 64, 128, 32, 32, 1, 2}, 16},
    {"imagenet l1 3x3 64@56", {kBenchBatch, 64, 64, 56, 56, 3, 1}, 16},
    {"imagenet l2 3x3 128@28", {kBenchBatch, 128, 128, 28, 28, 3, 1}, 8},
    {"imagenet l3 3x3 256@14", {kBenchBatch, 256, 256, 14, 14, 3, 1}, 4},
};

struct HalfConv {
  HalfConvSpec spec;
  Graph graph;
  int conv = -1;
  int64_t out_h = 0, out_w = 0;
};

inline absl::StatusOr<HalfConv> MakeHalfConv(const HalfConvSpec& c, std::mt19937& rng) {
  const int64_t pad = c.k / 2;
  HalfConv h;
  h.spec = c;
  h.out_h = (c.h + 2 * pad - c.k) / c.stride + 1;
  h.out_w = (c.w + 2 * pad - c.k) / c.stride + 1;
  auto built = OneNodeGraphBuilder(OpType::kConv, "conv_switch")
                   .Input(DataType::kFloat32, {c.n, c.c_in, c.h, c.w})
                   .ConstantInput(RandomHalf({c.c_out, c.c_in, c.k, c.k}, rng, -0.1, 0.1))
                   .ConstantInput(RandomHalf({c.c_out}, rng, -0.1, 0.1))
                   .Output(DataType::kFloat32, {c.n, c.c_out, h.out_h, h.out_w})
                   .Attr("kernel_shape", std::vector<int64_t>{c.k, c.k})
                   .Attr("strides", std::vector<int64_t>{c.stride, c.stride})
                   .Attr("pads", std::vector<int64_t>{pad, pad, pad, pad})
                   .Build();
  h.graph = std::move(built.graph);
  SF_RETURN_IF_ERROR(ConvertToFloat16(h.graph, GpuKernelRunsFloat16).status());
  SF_RETURN_IF_ERROR(ConvertToNhwc(h.graph, GpuKernelRunsNhwc).status());
  for (int i = 0; i < h.graph.num_nodes(); ++i) {
    if (h.graph.node(i).op == OpType::kConv) h.conv = i;
  }
  if (h.conv < 0 || !h.graph.node(h.conv).channels_last) {
    return absl::InternalError("the conv did not go float16 channels-last");
  }
  return h;
}

// Microseconds per run of one launch of `graph`, which holds `reps` runs,
// between `start` and `end` recorded on `stream` (synchronises).
inline absl::StatusOr<double> TimeGraphLaunch(cudaStream_t stream, const cuda::Event& start,
                                              const cuda::Event& end, const GraphExec& graph,
                                              int reps) {
  SF_RETURN_IF_ERROR(start.Record(stream));
  SF_CUDA_RETURN_IF_ERROR(cudaGraphLaunch(graph.get(), stream));
  SF_RETURN_IF_ERROR(end.Record(stream));
  SF_ASSIGN_OR_RETURN(float ms, cuda::Event::ElapsedMs(start, end));
  return ms * 1000.0 / reps;
}

// Microseconds per run: the median of `iters` TimeGraphLaunch timings of
// `graph` after `warmup` untimed ones.
inline absl::StatusOr<double> MedianGraphLaunchUs(cudaStream_t stream, const cuda::Event& start,
                                                  const cuda::Event& end, const GraphExec& graph,
                                                  int reps, int warmup, int iters) {
  std::vector<double> us;
  for (int i = 0; i < warmup + iters; ++i) {
    SF_ASSIGN_OR_RETURN(double t, TimeGraphLaunch(stream, start, end, graph, reps));
    if (i >= warmup) us.push_back(t);
  }
  std::sort(us.begin(), us.end());
  return us[us.size() / 2];
}

// One sparse conv GpuKernel of `mode` for `h`'s conv (binary input, the
// plan's `block`) on its own stream and cuDNN handle, with device copies of
// the weights and bias and its own output. With `profile` it is prepared for
// profiling: every run also copies the prescan counters to the host (a copy
// in each timed run), so LastPath() names a density switch's branch.
class SparseKernelRig {
 public:
  static absl::StatusOr<SparseKernelRig> Create(const HalfConv& h, SparseMode mode, int block,
                                                bool profile = true) {
    SparseKernelRig rig;
    SF_ASSIGN_OR_RETURN(rig.stream_, cuda::Stream::Create(0));
    SF_ASSIGN_OR_RETURN(rig.cudnn_, cuda::CudnnHandle::Create(0, rig.stream_.get()));
    SF_ASSIGN_OR_RETURN(rig.start_, cuda::Event::Create(0));
    SF_ASSIGN_OR_RETURN(rig.end_, cuda::Event::Create(0));
    rig.kernel_ = CreateSparseConvGpuKernel(block, ValueClass::kBinary, mode);
    const Node& node = h.graph.node(h.conv);
    GpuPrepareContext ctx{0, rig.cudnn_.get(), size_t{256} << 20};
    ctx.profile_nodes = profile;
    SF_RETURN_IF_ERROR(rig.kernel_->Prepare(h.graph, node, ctx));
    for (int i = 1; i < 3; ++i) {
      const Tensor& t = *h.graph.value(node.inputs[i]).constant;
      SF_ASSIGN_OR_RETURN(rig.constants_[i - 1], cuda::DeviceBuffer::Create(0, t.nbytes()));
      SF_CUDA_RETURN_IF_ERROR(cudaMemcpy(rig.constants_[i - 1].data(), t.raw_data(), t.nbytes(),
                                         cudaMemcpyHostToDevice));
    }
    SF_ASSIGN_OR_RETURN(
        rig.workspace_,
        cuda::DeviceBuffer::Create(0, std::max<size_t>(rig.kernel_->workspace_bytes(), 1)));
    const int64_t y_elems = h.spec.n * h.spec.c_out * h.out_h * h.out_w;
    SF_ASSIGN_OR_RETURN(rig.y_, cuda::DeviceBuffer::Create(0, y_elems * 2));
    return rig;
  }

  GpuKernel& kernel() { return *kernel_; }
  // AddNeuron with `link`: the kernel's first link (occupancy masks, or
  // packed spikes where it runs the spike gather), buffer set; else null.
  const SpikeOccupancyLink* link() const { return link_; }

  // From now on every run first runs an IF neuron (threshold 1, hard reset
  // to 0, over `steps` time steps of the batch) on the run's input, into a
  // buffer the conv then reads: inputs of 0 and 1 fire exactly where they are
  // 1, so the conv sees the input's pattern. With `link` the kernel's first
  // link (GpuKernel::SpikeOccupancyConsumer) goes to the neuron, which marks
  // its masks or writes its packed spikes once the kernel turned it on (kOn:
  // its first run).
  absl::Status AddNeuron(const HalfConv& h, int64_t steps, bool link) {
    const int64_t elements = h.spec.n * h.spec.c_in * h.spec.h * h.spec.w;
    if (steps < 1 || elements % steps != 0) {
      return absl::InvalidArgumentError("the batch does not split into the time steps");
    }
    neuron_ = cuda::NeuronParams{};
    neuron_.steps = steps;
    neuron_.step_elements = elements / steps;
    SF_ASSIGN_OR_RETURN(spikes_, cuda::DeviceBuffer::Create(0, sizeof(uint16_t) * elements));
    if (link) {
      SF_ASSIGN_OR_RETURN(const std::vector<SpikeOccupancyLink*> links,
                          kernel_->SpikeOccupancyConsumer());
      if (links.empty()) return absl::FailedPreconditionError("the kernel offers no link");
      link_ = links[0];
      SF_ASSIGN_OR_RETURN(masks_, cuda::DeviceBuffer::Create(0, SpikeLinkBytes(*link_)));
      link_->target.masks = static_cast<uint32_t*>(masks_.data());
      link_->producer = "rig neuron";
    }
    return absl::OkStatus();
  }

  // Runs the kernel on `x` (device, NHWC FP16) once, plainly or as a captured
  // CUDA graph, and returns the output's bits.
  absl::StatusOr<std::vector<uint16_t>> Run(const cuda::DeviceBuffer& x, bool graph) {
    SF_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(y_.data(), 0xFF, y_.bytes(), stream_.get()));
    SF_RETURN_IF_ERROR(ClearMasks());
    SF_RETURN_IF_ERROR(GrowZeroed(1));
    const std::function<absl::Status()> run = AsInARun(x, 1);
    if (graph) {
      SF_ASSIGN_OR_RETURN(GraphExec exec, CaptureGraph(stream_.get(), run));
      SF_CUDA_RETURN_IF_ERROR(cudaGraphLaunch(exec.get(), stream_.get()));
    } else {
      SF_RETURN_IF_ERROR(run());
    }
    SF_CUDA_RETURN_IF_ERROR(cudaStreamSynchronize(stream_.get()));
    std::vector<uint16_t> bits(y_.bytes() / 2);
    SF_CUDA_RETURN_IF_ERROR(cudaMemcpy(bits.data(), y_.data(), y_.bytes(), cudaMemcpyDeviceToHost));
    return bits;
  }

  // `reps` runs on `x` captured in one CUDA graph. As in a model's run of
  // `reps` such layers, one memset first zeroes each run's zeroed bytes
  // (GpuKernel::zeroed_bytes: the executor zeroes them with its error flags).
  absl::StatusOr<GraphExec> CaptureRuns(const cuda::DeviceBuffer& x, int reps) {
    SF_RETURN_IF_ERROR(ClearMasks());  // then every run marks the same bits again
    SF_RETURN_IF_ERROR(GrowZeroed(reps));
    const std::function<absl::Status()> run = AsInARun(x, reps);
    return CaptureGraph(stream_.get(), [&]() -> absl::Status {
      for (int i = 0; i < reps; ++i) SF_RETURN_IF_ERROR(run());
      return absl::OkStatus();
    });
  }

  // `reps` writes of the whole output (a memset of non-zero bytes) in one
  // CUDA graph, in place of the runs: the least a run of any conv that
  // writes this output can take (sparse_conv_gbench's floor).
  absl::StatusOr<GraphExec> CaptureOutputWrites(int reps) {
    return CaptureGraph(stream_.get(), [&]() -> absl::Status {
      for (int i = 0; i < reps; ++i) {
        SF_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(y_.data(), 0x3C, y_.bytes(), stream_.get()));
      }
      return absl::OkStatus();
    });
  }

  // Microseconds per run of one launch of `runs`, a CaptureRuns graph of
  // `reps` runs, between two events (synchronises).
  absl::StatusOr<double> TimeLaunch(const GraphExec& runs, int reps) {
    return TimeGraphLaunch(stream_.get(), start_, end_, runs, reps);
  }

  // Microseconds per run: the median over `iters` launches of a CaptureRuns
  // graph of `reps` runs, after `warmup`.
  absl::StatusOr<double> Time(const cuda::DeviceBuffer& x, int reps, int warmup, int iters) {
    SF_ASSIGN_OR_RETURN(GraphExec runs, CaptureRuns(x, reps));
    return MedianGraphLaunchUs(stream_.get(), start_, end_, runs, reps, warmup, iters);
  }

 private:
  // The link's masks, cleared before a run (Run) or a graph of runs on one
  // input (CaptureRuns) as the executor clears them with its error flags.
  absl::Status ClearMasks() {
    if (masks_.data() == nullptr || link_->packed) return absl::OkStatus();  // packed: rewritten
    SF_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(masks_.data(), 0, masks_.bytes(), stream_.get()));
    return absl::OkStatus();
  }

  // Makes room for `slots` runs' zeroed bytes (not under a capture).
  absl::Status GrowZeroed(int slots) {
    zeroed_stride_ = ZeroedSlotBytes(*kernel_);
    if (zeroed_stride_ == 0 || zeroed_.bytes() >= zeroed_stride_ * slots) {
      return absl::OkStatus();
    }
    SF_ASSIGN_OR_RETURN(zeroed_, cuda::DeviceBuffer::Create(0, zeroed_stride_ * slots));
    return absl::OkStatus();
  }

  // A run on `x` for a graph of `runs` (GrowZeroed(runs) first), as the
  // executor's whole run: zeroed bytes of its own (AsInARun).
  std::function<absl::Status()> AsInARun(const cuda::DeviceBuffer& x, int runs) {
    return sf::AsInARun(zeroed_stride_ > 0 ? zeroed_.data() : nullptr, zeroed_stride_, runs,
                        stream_.get(), [this, &x](void* zeroed) { return Enqueue(x, zeroed); });
  }

  // `zeroed`: the run's zeroed bytes (GpuRunContext::zeroed), or null.
  absl::Status Enqueue(const cuda::DeviceBuffer& x, void* zeroed) {
    const void* conv_in = x.data();
    if (spikes_.data() != nullptr) {
      cuda::SpikeOccupancy marks;
      if (link_ != nullptr && link_->on) {
        if (link_->packed) {
          marks.packed = link_->target.masks;
        } else {
          marks.targets[marks.count++] = link_->target;
        }
      }
      marks.cleared = true;  // as the executor: cleared before the run (ClearMasks)
      const bool any = marks.count > 0 || marks.packed != nullptr;
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchNeuron(neuron_, DataType::kFloat16, x.data(),
                                                 spikes_.data(), stream_.get(),
                                                 any ? &marks : nullptr));
      conv_in = spikes_.data();
    }
    const std::vector<const void*> in = {conv_in, constants_[0].data(), constants_[1].data()};
    const std::vector<void*> out = {y_.data()};
    const GpuRunContext ctx{stream_.get(),     cudnn_.get(), nullptr,
                            workspace_.data(), nullptr,      zeroed};
    return kernel_->Enqueue(ctx, in, out);
  }

  cuda::Stream stream_;
  cuda::CudnnHandle cudnn_;
  cuda::Event start_, end_;
  std::unique_ptr<GpuKernel> kernel_;
  cuda::DeviceBuffer constants_[2];  // weights (KRSC), bias
  cuda::DeviceBuffer workspace_;
  cuda::DeviceBuffer zeroed_;  // AsInARun's slots, zeroed_stride_ bytes apart
  size_t zeroed_stride_ = 0;
  cuda::DeviceBuffer y_;
  // AddNeuron: the neuron, its output (the conv's input) and the link it marks.
  cuda::NeuronParams neuron_;
  cuda::DeviceBuffer spikes_;
  SpikeOccupancyLink* link_ = nullptr;
  cuda::DeviceBuffer masks_;  // the link's
};

// NHWC FP16 spikes for `c`'s input: images [0, full_images) all ones, then
// single spikes at `density` elsewhere.
inline absl::StatusOr<cuda::DeviceBuffer> SwitchSpikes(const HalfConvSpec& c, int64_t full_images,
                                                       double density, std::mt19937& rng) {
  std::vector<uint16_t> x(static_cast<size_t>(c.n * c.h * c.w * c.c_in), 0);
  const size_t per_image = static_cast<size_t>(c.h * c.w * c.c_in);
  std::bernoulli_distribution fire(density);
  for (size_t i = 0; i < x.size(); ++i) {
    if (i < static_cast<size_t>(full_images) * per_image || (density > 0 && fire(rng))) {
      x[i] = kHalfOne;
    }
  }
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer d, cuda::DeviceBuffer::Create(0, x.size() * 2));
  SF_CUDA_RETURN_IF_ERROR(cudaMemcpy(d.data(), x.data(), x.size() * 2, cudaMemcpyHostToDevice));
  return d;
}

// Microseconds per run of an IF neuron alone over `steps` steps on `h`'s
// conv input `x` (into `y`, float16), with `occ` (marks, packed spikes) when
// given; with `clear_only` it does not mark but clears occ's first target's
// masks first, as the marking launch does (what that clearing costs):
// `reps` launches per CUDA graph, the median of kBenchIters after kBenchWarmup.
inline absl::StatusOr<double> TimeNeuronAlone(const HalfConv& h, int64_t steps,
                                              const cuda::DeviceBuffer& x,
                                              const cuda::DeviceBuffer& y,
                                              const cuda::SpikeOccupancy* occ, int reps,
                                              bool clear_only = false) {
  SF_ASSIGN_OR_RETURN(cuda::Stream stream, cuda::Stream::Create(0));
  SF_ASSIGN_OR_RETURN(cuda::Event start, cuda::Event::Create(0));
  SF_ASSIGN_OR_RETURN(cuda::Event end, cuda::Event::Create(0));
  cuda::NeuronParams p;
  p.steps = steps;
  p.step_elements = h.spec.n * h.spec.c_in * h.spec.h * h.spec.w / steps;
  SF_ASSIGN_OR_RETURN(
      GraphExec graph, CaptureGraph(stream.get(), [&]() -> absl::Status {
        for (int i = 0; i < reps; ++i) {
          if (clear_only) {
            const cuda::SpikeOccupancyTarget& t = occ->targets[0];
            SF_CUDA_RETURN_IF_ERROR(
                cudaMemsetAsync(t.masks, 0, cuda::SpikeOccupancyMaskBytes(t), stream.get()));
          }
          SF_CUDA_RETURN_IF_ERROR(cuda::LaunchNeuron(p, DataType::kFloat16, x.data(), y.data(),
                                                     stream.get(), clear_only ? nullptr : occ));
        }
        return absl::OkStatus();
      }));
  return MedianGraphLaunchUs(stream.get(), start, end, graph, reps, kBenchWarmup, kBenchIters);
}

// The main of the per-layer perf programs:
//   NAME [--reps K] [--only SUBSTR]
// --reps K (default 20): K runs per CUDA graph; --only: the layers whose name
// holds SUBSTR. Runs `bench(layer, reps)` per layer after a header line that
// says what a time covers (`what`). 0 without a GPU (nothing to bench), 1 on
// a failed layer (its error on stderr), 2 on a usage error.
inline int RunLayerBench(int argc, char** argv, const char* name,
                         const std::vector<BenchLayer>& layers,
                         const std::function<absl::Status(const BenchLayer&, int)>& bench,
                         const char* what = "neuron + conv") {
  int reps = 20;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 < argc && a == "--reps") {
      if (!absl::SimpleAtoi(argv[++i], &reps) || reps < 1) {
        std::fprintf(stderr, "error: --reps needs a whole number >= 1, got '%s'\n", argv[i]);
        return 2;
      }
    } else if (i + 1 < argc && a == "--only") {
      only = argv[++i];
    } else {
      std::fprintf(stderr, "usage: %s [--reps K] [--only SUBSTR]\n", name);
      return 2;
    }
  }
  if (cuda::ListDevices().empty()) {
    std::printf("no CUDA GPU present: nothing to bench\n");
    return 0;
  }
  std::printf("us per run (%s), %d runs per CUDA graph, median of %d launches\n", what, reps,
              kBenchIters);
  for (const BenchLayer& layer : layers) {
    if (!only.empty() && std::string(layer.name).find(only) == std::string::npos) continue;
    if (absl::Status s = bench(layer, reps); !s.ok()) {
      std::fprintf(stderr, "error: %s: %s\n", layer.name, std::string(s.message()).c_str());
      return 1;
    }
  }
  return 0;
}

}  // namespace sf::testing

#endif  // SF_TESTS_CUDA_SPARSE_KERNEL_RIG_H_
