// CpuExecutor: runs a graph with concrete shapes on the CPU, one kernel per plan
// step, intermediates packed into one arena by the memory planner.
//
// Create() does all the work that can be done once (kernel choice and Prepare,
// arena allocation); Run() allocates nothing but the returned output copies
// (and the input tensors' dims in their slots); RunBound() allocates nothing.
// Not thread-safe: one Run at a time.
#ifndef SF_RUNTIME_CPU_EXECUTOR_H_
#define SF_RUNTIME_CPU_EXECUTOR_H_

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "runtime/cpu/cpu_kernel.h"
#include "runtime/executor.h"
#include "runtime/memory_planner.h"
#include "runtime/plan.h"

namespace sf {

class CpuExecutor : public Executor {
 public:
  // `graph` must have concrete shapes for every value and match `plan` step by step.
  static absl::StatusOr<std::unique_ptr<CpuExecutor>> Create(Graph graph, const Plan& plan,
                                                             const ExecutorOptions& options = {});

  // `inputs` in graph.inputs() order, with exactly the prepared dtypes and dims.
  // Returns deep copies of the graph outputs.
  absl::StatusOr<std::vector<Tensor>> Run(std::span<const Tensor> inputs) override;

  // Host views only: kernels read the caller's inputs and write its outputs in
  // place. An output that is a graph input, a constant or a repeat of an
  // earlier output is copied into its view after the run.
  absl::Status RunBound(std::span<const TensorView* const> inputs,
                        std::span<const TensorView* const> outputs, void* cuda_stream) override;

  absl::Status ResetState() override;
  const MemoryPlan& memory_plan() const override { return memory_plan_; }
  // Times from steady_clock; kernel_detail "cpu dense", "cpu dense, zeros
  // skipped" or "cpu sparse block 8".
  std::vector<StepStats> LastStepStats() const override;
  // Timed with std::chrono::steady_clock.
  absl::StatusOr<RunPhaseTimes> TimedRun(std::span<const Tensor> inputs) override;
  absl::StatusOr<std::vector<StepProfile>> ProfileSteps(std::span<const Tensor> inputs,
                                                        int iters) override;
  // Each step's callback comes right after its kernel returns (the CPU runs
  // synchronously).
  absl::Status RunStepByStep(std::span<const Tensor> inputs,
                             const std::function<absl::Status(int step)>& after_step) override;

 private:
  CpuExecutor() = default;
  absl::Status BindInputs(std::span<const Tensor> inputs);
  // Runs node i's kernel on the slots; records its wall time in step_us_.
  absl::Status ComputeStep(int i);
  absl::Status ComputeAll();
  void UnbindInputs();
  // RunBound: swaps the borrowed tensors into (and back out of) the slots of
  // the graph inputs and of the outputs written in place.
  void SwapBorrowed();

  bool profiling_ = false;
  Graph graph_;
  std::vector<std::unique_ptr<CpuKernel>> kernels_;  // per node
  std::vector<Tensor> slots_;                        // per value: constant, arena view, or input
  std::shared_ptr<void> arena_;
  MemoryPlan memory_plan_;
  std::vector<double> step_us_;  // per node, last Run
  std::vector<std::string> kernel_details_;  // per node
  // RunBound: per graph input and per graph output, a tensor borrowing the
  // caller's memory; whether output j is written in place (node-produced and
  // not a repeat of an earlier output) rather than copied.
  std::vector<Tensor> borrowed_inputs_, borrowed_outputs_;
  std::vector<bool> output_in_place_;
  // ComputeStep's kernel arguments, reserved for the widest node.
  std::vector<const Tensor*> step_inputs_;
  std::vector<Tensor*> step_outputs_;
};

// The kernel the plan step asks for: the sparse conv (runtime/cpu/sparse_conv.h)
// for "sparse" steps, and, unless the plan's mode is kOff, for every other conv
// whose input is not dense (binary or zero-preserving: the CPU skips their
// zeros whatever the GPU's block rule says; its tiles are kCpuStatsBlock
// wide, for the statistics); the reference kernel otherwise. Errors name the
// node.
inline constexpr int kCpuStatsBlock = 4;
absl::StatusOr<std::unique_ptr<CpuKernel>> CreateKernelForStep(const Graph& graph,
                                                               const PlanStep& step,
                                                               SparseMode mode);

}  // namespace sf

#endif  // SF_RUNTIME_CPU_EXECUTOR_H_
