// GPU kernels of the CUDA executor (runtime/gpu/gpu_executor.h).
//
// An op is a small class, like the CPU kernels: Prepare() runs once on the host
// with the node and its concrete shapes (parse attributes, pick algorithms,
// size the workspace); Enqueue() only queues device work on the run's stream
// with device pointers laid out like the node's inputs/outputs. Enqueue never
// allocates or synchronises. A kernel instance is used by one thread at a time.
#ifndef SF_RUNTIME_GPU_GPU_KERNEL_H_
#define SF_RUNTIME_GPU_GPU_KERNEL_H_

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cudnn.h>

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cuda/kernels/neuron.h"
#include "graph/graph.h"
#include "runtime/plan.h"

namespace sf {

// What Prepare may use: the executor's cuDNN handle (for algorithm queries),
// the most workspace a kernel may ask for, in bytes, whether cuDNN may use
// TF32 tensor-core math (ExecutorOptions::allow_tf32), how cuDNN algorithms
// are chosen, and whether the run is profiled per node (a kernel that can
// report LastTileDensity prepares for it then).
struct GpuPrepareContext {
  int device = 0;
  cudnnHandle_t cudnn = nullptr;
  size_t workspace_limit = 0;
  bool allow_tf32 = false;
  ConvAlgoSearch conv_algo_search = ConvAlgoSearch::kTimed;
  bool profile_nodes = false;
  // Prepared for an ExecutorOptions::profiling executor (Runtime::ProfileLayers
  // builds one beside the running executor): a float16 sparse conv then
  // calibrates its density crossover only when the switch is asked for, as
  // the plan's figure comes from the running executor.
  bool profiling = false;
};

// What Enqueue may use. `workspace` holds workspace_bytes() bytes for this
// kernel alone during its Enqueue; `error_flag` is one device int, zero at the
// start of a run, that a kernel sets to non-zero to fail the run (bad indices).
// `zeroed`: zeroed_bytes() bytes of this step's own, zeroed with the error
// flags (one memset) before a whole run, in which the step is queued once;
// null where the step may be queued again before the next zeroing (timed
// alone, calibration) or zeroed_bytes() is 0.
struct GpuRunContext {
  cudaStream_t stream = nullptr;
  cudnnHandle_t cudnn = nullptr;
  cublasHandle_t cublas = nullptr;
  void* workspace = nullptr;
  int* error_flag = nullptr;
  void* zeroed = nullptr;
};

// Parts of a step that the per-step profiler (GpuExecutor::ProfileSteps) can
// time alone through GpuKernel::EnqueuePart.
enum class KernelPart {
  kPrescan,  // a block-sparse conv's prescan (occupancy scan, work list), no output
  kSparse,   // a block-sparse conv's whole sparse path, even where Enqueue runs cuDNN
};

// Spike occupancy between two steps (issue 12; cuda::SpikeOccupancy in
// cuda/kernels/neuron.h). A float16 NHWC block-sparse conv offers one for its
// input (GpuKernel::SpikeOccupancyConsumer); the executor, after every kernel
// is prepared, hands it to the kernel of the step that writes that input
// (AcceptSpikeOccupancy), which names itself in `producer` when it takes it,
// and gives the link its masks (cuda::SpikeOccupancyMaskBytes(target) bytes)
// and clears them before every run (with its error flags), so the producer
// does not: whoever links a producer outside an executor must do the same.
// The consumer turns it `on` in one of its Enqueues, once its own path is the
// block-sparse kernel, after filling the masks for that run's input itself;
// from the next run on the producer marks the masks as it writes and the
// consumer runs without its prescan. Both are steps of one executor, run in
// plan order, so the producer's Enqueue of a run always precedes the
// consumer's.
//
// A `packed` link carries bit-packed spikes instead (cuda::SpikeOccupancy::
// packed): a conv running the spike-gather kernel on a binary input offers it;
// the producer writes its whole output's bits into target.masks
// (cuda::SpikePackedBytes of target.images x h x w x c elements) every run
// once the link is on, and nobody clears them. The consumer turns it on in a
// run whose input it reads as float16; from the next run on it reads the bits.
struct SpikeOccupancyLink {
  cuda::SpikeOccupancyTarget target;  // target.masks: given by whoever links it
  std::string consumer, producer;     // node names; producer empty until accepted
  int consumer_step = -1, producer_step = -1;  // their steps (GpuExecutor)
  bool on = false;
  bool packed = false;
  // GpuExecutor::TimeLinks, after the first run: `held_off` keeps the link
  // off for good (its pair was measured faster without it) and the consumer
  // never turns it on; `timing` says what was measured ("" if nothing).
  bool held_off = false;
  std::string timing;
};

// Bytes of a link's buffer: its masks, or its packed spikes.
inline size_t SpikeLinkBytes(const SpikeOccupancyLink& link) {
  const cuda::SpikeOccupancyTarget& t = link.target;
  return link.packed ? cuda::SpikePackedBytes(t.images * t.h * t.w * t.c)
                     : cuda::SpikeOccupancyMaskBytes(t);
}

class GpuKernel {
 public:
  virtual ~GpuKernel() = default;
  virtual absl::Status Prepare(const Graph& graph, const Node& node,
                               const GpuPrepareContext& ctx) = 0;
  // inputs[i] is nullptr for an omitted optional input; constants are in device
  // memory like every other input.
  virtual absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> inputs,
                               std::span<void* const> outputs) = 0;
  virtual size_t workspace_bytes() const { return 0; }
  // Device memory of this step's own that the executor zeroes before each
  // whole run (GpuRunContext::zeroed): counters that would otherwise need a
  // memset of their own in every run. Fixed once Prepare returned.
  virtual size_t zeroed_bytes() const { return 0; }
  // Kernels of Node::carries_state nodes (streamed neurons, time reductions)
  // keep state in memory they own from Prepare; this queues its reset to the
  // initial state on `stream`. The executor calls it once after Prepare.
  virtual absl::Status ResetState(cudaStream_t stream) {
    (void)stream;
    return absl::OkStatus();
  }
  // The input whose bytes output 0 may take over (-1: none), as
  // CpuKernel::InPlaceInput: each output element is written after the input
  // element of the same index is read, and no other input element is read.
  virtual int InPlaceInput() const { return -1; }
  // What Prepare chose, for the plan printout ("cudnn IMPLICIT_GEMM (timed, ws 0 B)").
  virtual std::string Describe() const { return "cuda"; }
  // Block-sparse kernels prepared with GpuPrepareContext::profile_nodes: the
  // fraction of output tiles the last Enqueue found active, valid once the
  // run's stream is synchronised; -1 for every other kernel, and when the last
  // Enqueue ran another path (cuDNN) or was not profiled.
  virtual double LastTileDensity() const { return -1; }
  // Profiling only: queues `part` of this kernel's work alone, with Enqueue's
  // arguments (kPrescan leaves the outputs untouched, kSparse writes them);
  // false when the kernel has no such part. Never synchronises.
  virtual absl::StatusOr<bool> EnqueuePart(KernelPart part, const GpuRunContext& ctx,
                                           std::span<const void* const> inputs,
                                           std::span<void* const> outputs) {
    (void)part, (void)ctx, (void)inputs, (void)outputs;
    return false;
  }
  // Kernels with alternative paths: the one the last Enqueue ran ("sparse",
  // "cudnn"); "" for every other kernel and before an Enqueue.
  virtual std::string LastPath() const { return ""; }
  // A sparse conv's calibrated density switch (StepStats::switch_sparse_tiles
  // and switch_tiles): {-2, 0} for every other kernel.
  virtual std::pair<int, int> DensitySwitchTiles() const { return {-2, 0}; }
  // A kernel that can run on its input's occupancy or bit-packed spikes
  // (SpikeOccupancyLink above): the links it offers (at most one of each
  // kind), owned by it for its lifetime; none when it cannot use one. Called
  // once, after Prepare.
  virtual absl::StatusOr<std::vector<SpikeOccupancyLink*>> SpikeOccupancyConsumer() {
    return std::vector<SpikeOccupancyLink*>{};
  }
  // The kernel that writes a consumer's input: whether it will mark `link`
  // (kept for its lifetime) whenever link->on.
  virtual bool AcceptSpikeOccupancy(SpikeOccupancyLink* link) {
    (void)link;
    return false;
  }
};

// A kernel's zeroed bytes rounded up to 16: its slot where several lie side
// by side (the executor's arena, timing buffers of one slot per run).
inline size_t ZeroedSlotBytes(const GpuKernel& kernel) {
  return (kernel.zeroed_bytes() + 15) / 16 * 16;
}

// The kernel for `op` from the explicit table in gpu_kernels.cc; nullptr when
// the CUDA backend has none.
std::unique_ptr<GpuKernel> CreateGpuKernel(OpType op);

// Whether the kernel for `node` has a float16 path (the table's column): the
// Float16Support that Options::precision fp16 hands to ConvertToFloat16
// (graph/passes/float16.h). Such a kernel takes float16 for all its float
// inputs and outputs; integer and bool ones keep their types. Streamed
// (carries_state) reductions say no: they accumulate float32 across Step()s.
bool GpuKernelRunsFloat16(const Graph& graph, const Node& node);

// Whether the kernel for the layout-aware `node` has a channels-last path (the
// table's nhwc column: Conv with group 1, Max/AveragePool, GlobalAveragePool):
// the NhwcSupport that Options::layout nhwc hands to ConvertToNhwc
// (graph/passes/layout.h). Such a kernel reads and writes its rank-4 tensors
// channels-last when the node has Node::channels_last.
bool GpuKernelRunsNhwc(const Graph& graph, const Node& node);

}  // namespace sf

#endif  // SF_RUNTIME_GPU_GPU_KERNEL_H_
