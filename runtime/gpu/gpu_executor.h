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
// the kernels of the second Run are captured as a CUDA graph and every later
// Run replays it (inputs land at the same arena addresses each run); the first
// Run stays plain because kernels may measure themselves there. When capture
// fails, Run logs why once and keeps launching plainly.
// With ExecutorOptions::profile_nodes, Run and TimedRun record one CUDA event
// before the first step and one after every step (events created in Create)
// and launch plainly, never as a CUDA graph: LastStepStats gives each step's
// event-to-event time and the sparse convs' tile densities.
// With ExecutorOptions::debug_separate_allocations (or the environment
// variable SF_CUDA_ARENA_BYPASS=1), every value, the workspace and the error
// flags get their own exact-size cudaMalloc instead of arena offsets, and
// CUDA graphs are off, so that compute-sanitizer sees any overrun of one
// tensor; memory_plan() still describes the arena of the normal mode.
// Not thread-safe: one Run at a time. Owns all its CUDA resources.
#ifndef SF_RUNTIME_GPU_GPU_EXECUTOR_H_
#define SF_RUNTIME_GPU_GPU_EXECUTOR_H_

#include <array>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cuda/resources.h"
#include "graph/graph.h"
#include "runtime/gpu/cuda_graph.h"
#include "runtime/gpu/gpu_kernel.h"
#include "runtime/executor.h"
#include "runtime/memory_planner.h"
#include "runtime/plan.h"

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

  absl::Status ResetState() override;
  int device() const { return device_; }
  // Whether debug_separate_allocations (or SF_CUDA_ARENA_BYPASS=1) is in effect.
  bool separate_allocations() const { return separate_allocations_; }
  const MemoryPlan& memory_plan() const override { return memory_plan_; }
  // Times are 0 and densities -1 unless created with profile_nodes.
  std::vector<StepStats> LastStepStats() const override;
  // What each kernel's Prepare chose, indexed like the plan steps.
  std::vector<std::string> KernelDescriptions() const;

  // Timed with CUDA events on the executor's stream.
  absl::StatusOr<RunPhaseTimes> TimedRun(std::span<const Tensor> inputs) override;
  // Each step's `iters` executions are batched (kProfileRounds rounds between
  // two events each, captured as a CUDA graph when capture works so that
  // launch overhead is not measured as kernel time); median over the rounds.
  absl::StatusOr<std::vector<StepProfile>> ProfileSteps(std::span<const Tensor> inputs,
                                                        int iters) override;
  absl::StatusOr<std::vector<double>> GraphReplayMicroseconds(std::span<const Tensor> inputs,
                                                              int warmup, int iters) override;

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
  absl::Status EnqueueStep(int i);
  // `time_steps`: record node_events_ around the steps (never under capture).
  absl::Status EnqueueCompute(bool time_steps = false);
  // Run's compute: plain on the first run, then the captured graph.
  absl::Status EnqueueRunCompute();
  absl::StatusOr<std::vector<Tensor>> EnqueueOutputs();
  absl::Status FinishRun();
  // After FinishRun of a run queued with time_steps: fills step_us_.
  absl::Status ReadStepTimes();

  bool profiling_ = false;
  bool profile_nodes_ = false;
  bool separate_allocations_ = false;
  bool cuda_graphs_ = true;  // false when disabled or after a failed capture
  bool ran_plain_ = false;   // Run's first (uncaptured) compute was queued
  GraphExec run_graph_;      // Run's compute, captured on the second Run
  std::array<cuda::Event, 4> events_;  // timing marks of TimedRun and the profilers
  std::vector<cuda::Event> node_events_;  // profile_nodes: before step 0, after each step
  std::vector<double> step_us_;           // profile_nodes: per step of the last run
  Graph graph_;
  int device_ = 0;
  cuda::Stream stream_;
  cuda::CudnnHandle cudnn_;
  cuda::CublasHandle cublas_;
  std::vector<std::unique_ptr<GpuKernel>> kernels_;  // per node
  std::vector<void*> slots_;                         // per value: device address
  cuda::DeviceBuffer weights_;
  cuda::DeviceBuffer arena_;
  std::vector<cuda::DeviceBuffer> separate_;  // debug_separate_allocations only
  MemoryPlan memory_plan_;
  void* workspace_ = nullptr;
  int* error_flags_ = nullptr;  // one int per node, in the arena
  std::vector<int> host_flags_;
};

}  // namespace sf

#endif  // SF_RUNTIME_GPU_GPU_EXECUTOR_H_
