// GpuExecutor: runs a graph with concrete shapes on one CUDA device, one GPU
// kernel per plan step, mirroring CpuExecutor (runtime/cpu_executor.h).
//
// Create() does everything that can be done once: cudaSetDevice, a stream and
// cuDNN/cuBLAS handles bound to it, kernel choice and Prepare (cuDNN algorithm
// choice), the constants uploaded into one weights buffer, and ONE device arena
// for graph inputs, intermediates, outputs, the shared workspace and per-node
// error flags, packed by the memory planner. Run() allocates no device memory:
// it copies the inputs in, enqueues every kernel on the executor's stream,
// copies the outputs out and synchronises once. With ExecutorOptions::cuda_graphs
// the first Run launches its kernels plainly (kernels may measure themselves
// there) and then captures them as a CUDA graph (recording runs nothing); every
// later Run replays it (inputs land at the same arena addresses each run), so
// no Run after the first does setup work or allocates. When capture fails, Run
// logs why once and keeps launching plainly.
// With ExecutorOptions::profile_nodes, Run and TimedRun record one CUDA event
// before the first step and one after every step (events created in Create)
// and launch plainly, never as a CUDA graph: LastStepStats gives each step's
// event-to-event time and the sparse convs' tile densities.
// With ExecutorOptions::debug_separate_allocations (or the environment
// variable SF_CUDA_ARENA_BYPASS=1), every value, the workspace and the error
// flags get their own exact-size cudaMalloc instead of arena offsets, and
// CUDA graphs are off, so that compute-sanitizer sees any overrun of one
// tensor; memory_plan() still describes the arena of the normal mode.
// RunBound (Runtime::RunInto) binds device views in place: a kernel reads a
// graph input from, and writes a graph output into, the caller's device
// memory (no copy; an output that is a graph input, a constant or a repeat of
// an earlier output is copied device-to-device after the compute). Host views
// are copied through the arena. A caller stream is joined with two events
// made in Create. CUDA graphs with bound device views: a captured graph keeps
// the addresses it was captured with, so the executor keeps one graph for the
// arena addresses (Run, host views) and one for the last set of caller
// addresses. Caller addresses seen for the first time are launched plainly;
// when the same set comes back in the next RunBound it is captured, and
// replayed for as long as it keeps coming back.
// With ExecutorOptions::overlap_branches, the steps PlanSideBranches finds
// (runtime/side_branches.h: a ResNet's shortcut conv) are queued on a second
// stream with their own cuDNN/cuBLAS handles and workspace: each right after
// the step that writes its input (an event the side stream waits for), the
// main stream waiting for it (another event) before the first step that
// reads its output. The memory planner keeps its tensors out of the bytes
// the steps beside it reuse (ValueLifetimeOptions::runs_during). Captured
// into a CUDA graph, the events become edges of two parallel paths. The first
// Run (where kernels may time their paths) and every run that times steps
// (profile_nodes, ProfileSteps, RunStepByStep) queue all steps on the main
// stream, in plan order.
// Not thread-safe: one Run at a time. Owns all its CUDA resources.
#ifndef SF_RUNTIME_GPU_GPU_EXECUTOR_H_
#define SF_RUNTIME_GPU_GPU_EXECUTOR_H_

#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cuda/resources.h"
#include "graph/graph.h"
#include "runtime/executor.h"
#include "runtime/gpu/cuda_graph.h"
#include "runtime/gpu/gpu_kernel.h"
#include "runtime/memory_planner.h"
#include "runtime/plan.h"
#include "runtime/side_branches.h"

namespace sf {

class GpuExecutor : public Executor {
 public:
  // `graph` must have concrete shapes for every value and match `plan` step by
  // step; `device` is a CUDA ordinal (cuda::ResolveDevice). Errors name the node:
  // Unimplemented "node 'X': op Y has no CUDA kernel yet" for an unsupported op.
  static absl::StatusOr<std::unique_ptr<GpuExecutor>> Create(Graph graph, const Plan& plan,
                                                             int device,
                                                             const ExecutorOptions& options = {});

  // `inputs` in graph.inputs() order, with exactly the prepared dtypes and dims
  // (host tensors). Returns host copies of the graph outputs.
  absl::StatusOr<std::vector<Tensor>> Run(std::span<const Tensor> inputs) override;

  // Device views must be memory of this executor's device (checked with
  // cudaPointerGetAttributes), host views must not be device memory, and a
  // caller stream must belong to this device: InvalidArgument naming the
  // tensor otherwise. Allocates no host or device memory once its binding was
  // seen (except when a new binding is captured as a CUDA graph).
  absl::Status RunBound(std::span<const TensorView* const> inputs,
                        std::span<const TensorView* const> outputs, void* cuda_stream) override;

  absl::Status ResetState() override;
  int device() const { return device_; }
  // Whether debug_separate_allocations (or SF_CUDA_ARENA_BYPASS=1) is in effect.
  bool separate_allocations() const { return separate_allocations_; }
  const MemoryPlan& memory_plan() const override { return memory_plan_; }
  // {masks, packed spikes}: the bytes PlanArena gives the spike links.
  std::pair<int64_t, int64_t> SpikeLinkBytes() const override {
    return {link_layout_.mask_bytes, link_layout_.packed_bytes};
  }
  // Where the spike links' buffers lie (PlanArena): each link's offset from
  // the first mask, in occupancy_links_ order, and the bytes of both kinds.
  struct LinkLayout {
    std::vector<int64_t> offsets;
    int64_t mask_bytes = 0, packed_bytes = 0;
  };
  // Times are 0 and densities -1 unless created with profile_nodes.
  std::vector<StepStats> LastStepStats() const override;
  // What each kernel's Prepare chose, indexed like the plan steps.
  std::vector<std::string> KernelDescriptions() const;

  // Timed with CUDA events on the executor's stream.
  absl::StatusOr<RunPhaseTimes> TimedRun(std::span<const Tensor> inputs) override;
  // Each step's `iters` executions are batched (kProfileRounds rounds between
  // two events each, captured as a CUDA graph when capture works so that
  // launch overhead is not measured as kernel time); median over the rounds.
  // A block-sparse conv's prescan and sparse path (KernelPart) are timed alone
  // the same way, before the step itself (which leaves its own output).
  absl::StatusOr<std::vector<StepProfile>> ProfileSteps(std::span<const Tensor> inputs,
                                                        int iters) override;
  absl::StatusOr<std::vector<double>> GraphReplayMicroseconds(std::span<const Tensor> inputs,
                                                              int warmup, int iters) override;
  // Synchronises the stream after the input copies and after every step, so
  // that each callback sees its step's kernels finished and no later ones.
  // When this shape has not run yet, a full Run comes first (before the input
  // copies), so that kernels that choose their path on their first plain
  // launch (sparse auto) have chosen, and the steps launch what Run's CUDA
  // graph replays.
  absl::Status RunStepByStep(std::span<const Tensor> inputs,
                             const std::function<absl::Status(int step)>& after_step) override;

 private:
  GpuExecutor() = default;
  absl::Status UploadConstants();
  absl::Status PlanArena();
  // Debug mode: a new exact-size device allocation owned by the executor.
  absl::StatusOr<void*> SeparateAllocation(size_t bytes);
  // The phases of Run, all queued on stream_: input copies; error-flag reset
  // and every step; output copies; then FinishRun synchronises and checks the
  // error flags.
  absl::Status EnqueueInputs(std::span<const Tensor> inputs);
  // On the side stream (with its handles and workspace) when `on_side`.
  absl::Status EnqueueStep(int i, bool on_side = false);
  // Step i's kernel's EnqueuePart (false when it has no such part), or with
  // nullopt its Enqueue (true).
  absl::StatusOr<bool> EnqueueStepPart(int i, std::optional<KernelPart> part, bool on_side = false);
  // Create: the side branches (ExecutorOptions::overlap_branches), with their
  // stream, handles (cuBLAS with `allow_tf32` as the main one) and events;
  // `launches[i]`: step i queues work.
  absl::Status PlanSideStream(const std::vector<bool>& launches, bool allow_tf32);
  // Hands each kernel's spike occupancy link (GpuKernel::SpikeOccupancyConsumer)
  // to the kernel of the step that writes its input 0 (`launches`: per step,
  // whether it queues work).
  absl::Status LinkSpikeOccupancy(const std::vector<bool>& launches);
  // As the second run starts (EnqueueInputs, RunBound), once: keeps each
  // mask link on only where its pair of steps runs faster with it.
  // `load_inputs` copies this run's inputs into the arena (null: the links
  // are timed on zero inputs).
  absl::Status MaybeTimeLinks(const std::function<absl::Status()>* load_inputs);
  absl::Status TimeLinks(const std::function<absl::Status()>* load_inputs);
  // PlanArena: points each step's zeroed_ entry at error_flags_ + its
  // offset in bytes (-1: none).
  void PlaceZeroed(const std::vector<int64_t>& offsets);
  // PlanArena: points each link's buffer at `at` + its link_layout_ offset.
  void PlaceOccupancyMasks(char* at);
  // EnqueueCompute with the side stream: the branches forked after step
  // `after` (-1: before step 0), and the main stream's waits for the
  // branches joined before step `before` (the step count: the end).
  absl::Status EnqueueForks(int after);
  absl::Status EnqueueJoins(int before);
  // Kernel::Describe, plus where a side step runs.
  std::string StepDescription(int i) const;
  // TimeAlone of step i: each of a round's calls gets zeroed bytes of its own
  // (GpuKernel::zeroed_bytes), one memset at the round's start zeroing them
  // all (AsInARun), as a whole run zeroes every step's with its flags: the
  // step costs what it costs in a run, not a counter reset per call.
  absl::StatusOr<std::vector<double>> TimeStepAlone(
      int i, const std::function<absl::Status()>& enqueue_one, int per_round);
  // Times `enqueue_one` (one execution of a step or of a part of it) as
  // ProfileSteps does: kProfileRounds rounds of `per_round` executions; the
  // per-execution microseconds of each round, sorted.
  absl::StatusOr<std::vector<double>> TimeAlone(const std::function<absl::Status()>& enqueue_one,
                                                int per_round);
  // Clears the per-node error flags that FinishRun checks (before the steps).
  absl::Status EnqueueFlagReset();
  // `time_steps`: record node_events_ around the steps (never under capture).
  absl::Status EnqueueCompute(bool time_steps = false);
  // Run's compute: plain on the first run, then a captured graph: run_graph_
  // for the arena addresses, bound_graph_ for caller addresses (`bound`;
  // io_addresses_ holds them) as the class comment says.
  absl::Status EnqueueRunCompute(bool bound = false);
  // Launches `graph`, capturing the compute into it first when it is empty;
  // when capture fails, logs why and launches plainly from then on.
  // Records EnqueueCompute into `graph` (nothing runs); on a capture failure
  // turns graphs off for this executor and leaves `graph` empty.
  absl::Status Capture(GraphExec& graph);
  absl::Status LaunchCaptured(GraphExec& graph);
  // RunBound: InvalidArgument unless `view`'s memory is where its kind says.
  absl::Status CheckView(const TensorView& view, ValueId v, absl::string_view what) const;
  // RunBound: points the bound values' slots back at their arena addresses.
  void UnbindViews();
  absl::StatusOr<std::vector<Tensor>> EnqueueOutputs();
  absl::Status FinishRun();
  // After FinishRun of a run queued with time_steps: fills step_us_.
  absl::Status ReadStepTimes();

  int64_t arena_limit_bytes_ = 0;  // ExecutorOptions::arena_limit_bytes
  bool profiling_ = false;
  bool profile_nodes_ = false;
  bool separate_allocations_ = false;
  bool cuda_graphs_ = true;  // false when disabled or after a failed capture
  bool ran_plain_ = false;   // Run's first (uncaptured) compute was queued
  GraphExec run_graph_;      // Run's compute, captured after the first Run
  GraphExec bound_graph_;    // RunBound's compute for bound_graph_addresses_
  // Per graph input then output, the addresses its slot had in this run, in
  // bound_graph_, and in the previous RunBound (sized in Create).
  std::vector<void*> io_addresses_, bound_graph_addresses_, last_bound_addresses_;
  std::vector<size_t> io_bytes_;          // per graph input then output
  std::vector<bool> output_bound_;        // RunBound: output j written in place
  cuda::Event caller_ready_, run_done_;   // RunBound: joins a caller stream
  std::array<cuda::Event, 4> events_;     // timing marks of TimedRun and the profilers
  std::vector<cuda::Event> node_events_;  // profile_nodes: before step 0, after each step
  std::vector<double> step_us_;           // profile_nodes: per step of the last run
  Graph graph_;
  int device_ = 0;
  cuda::Stream stream_;
  cuda::CudnnHandle cudnn_;
  cuda::CublasHandle cublas_;
  // overlap_branches: the side stream's steps (step order), and per step the
  // index of its branch there (-1: main stream). The stream, handles, events
  // (one fork and one join per branch) and workspace exist only when a branch
  // does.
  std::vector<SideBranch> side_branches_;
  std::vector<int> side_index_;
  cuda::Stream side_stream_;
  cuda::CudnnHandle side_cudnn_;
  cuda::CublasHandle side_cublas_;
  std::vector<cuda::Event> side_forked_, side_done_;
  void* side_workspace_ = nullptr;
  std::vector<std::unique_ptr<GpuKernel>> kernels_;  // per node
  // Per node, the node whose outputs its kernel writes: itself, or for a step
  // fused with the next node (PlanStep::fused_neuron, fused_add) that node.
  std::vector<int> writes_outputs_of_;
  // Per node, an input its kernel reads after its node's own (kNoValue for
  // none): for a neuron fused with the Add after it (PlanStep::fused_add),
  // the Add's other input.
  std::vector<ValueId> extra_input_;
  std::vector<void*> slots_;       // per value: device address
  std::vector<void*> home_slots_;  // slots_ as planned (RunBound rebinds some)
  // EnqueueStep's kernel arguments, reserved for the widest node.
  std::vector<const void*> step_inputs_;
  std::vector<void*> step_outputs_;
  cuda::DeviceBuffer weights_;
  cuda::DeviceBuffer arena_;
  std::vector<cuda::DeviceBuffer> separate_;  // debug_separate_allocations only
  MemoryPlan memory_plan_;
  void* workspace_ = nullptr;
  int* error_flags_ = nullptr;  // one int per node, in the arena
  // The accepted spike occupancy links, masks first, then packed spikes:
  // they follow the flags in the arena (PlaceOccupancyMasks). The bytes
  // EnqueueFlagReset clears: the flags and the masks (not the packed spikes).
  std::vector<SpikeOccupancyLink*> occupancy_links_;
  LinkLayout link_layout_;  // of occupancy_links_ (PlanArena)
  size_t cleared_bytes_ = 0;
  // Per step: its GpuRunContext::zeroed (null without zeroed bytes), between
  // the flags and the masks, cleared with them.
  std::vector<void*> zeroed_;
  bool in_whole_run_ = false;  // EnqueueCompute is queueing
  bool links_timed_ = false;   // TimeLinks ran, or SF_SPIKE_OCCUPANCY=on
  bool computed_ = false;      // a whole run was queued (its kernels chose their paths)
  std::vector<int> host_flags_;
};

}  // namespace sf

#endif  // SF_RUNTIME_GPU_GPU_EXECUTOR_H_
