// Executor: what a Runtime runs a prepared (concrete-shape) graph with. One
// implementation per backend: CpuExecutor (runtime/cpu_executor.h) and, with
// CUDA, GpuExecutor (runtime/gpu/gpu_executor.h). Not thread-safe.
#ifndef SF_RUNTIME_EXECUTOR_H_
#define SF_RUNTIME_EXECUTOR_H_

#include <algorithm>
#include <functional>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/strings/strip.h"
#include "graph/graph.h"
#include "graph/tensor.h"
#include "runtime/memory_planner.h"
#include "runtime/plan.h"
#include "runtime/tensor_view.h"

namespace sf {

struct ExecutorOptions {
  // Every tensor gets its own arena slot (no reuse), so that after a full run
  // every step's inputs are intact and a step can be re-run alone
  // (ProfileSteps). Costs memory: the arena holds all tensors at once.
  bool profiling = false;
  // CUDA only (Options::cuda_graphs, allow_tf32, conv_algo_search,
  // profile_nodes, debug_separate_allocations). Options::precision needs no
  // option here: a float16 graph arrives already converted
  // (graph/passes/float16.h) and its dtypes choose the kernels' paths.
  bool cuda_graphs = true;
  bool allow_tf32 = false;
  ConvAlgoSearch conv_algo_search = ConvAlgoSearch::kTimed;
  // Run() times every step with CUDA events (LastStepStats); the CPU executor
  // times its steps always.
  bool profile_nodes = false;
  // Every device tensor, the workspace and the error flags in their own
  // exact-size allocation instead of arena offsets, CUDA graphs off: for
  // compute-sanitizer, which cannot see an overrun inside one arena.
  bool debug_separate_allocations = false;
  // CUDA (Options::overlap_branches): steps that PlanSideBranches
  // (runtime/side_branches.h) finds beside the main path run on a second
  // stream in Run's compute.
  bool overlap_branches = true;
  // Most bytes the executor's arena may take (Options::arena_limit_bytes);
  // 0 for no limit of the caller's (the built-in maximum still applies).
  int64_t arena_limit_bytes = 0;
};

// `s` with "node 'NAME' (OP): " in front of its message, the executors' form of
// a step's error; a kernel's own "OP node 'NAME': " prefix (NodeError) is
// dropped rather than said twice.
inline absl::Status WithNode(const absl::Status& s, const Node& node) {
  if (s.ok()) return s;
  absl::string_view message = s.message();
  absl::ConsumePrefix(&message, absl::StrCat(ToString(node.op), " node '", node.name, "': "));
  return absl::Status(s.code(),
                      absl::StrCat("node '", node.name, "' (", ToString(node.op), "): ", message));
}

// ResourceExhausted when an arena of `bytes` exceeds the caller's limit (0 =
// none), naming both and the option that raises it.
inline absl::Status CheckArenaLimit(int64_t bytes, int64_t limit, absl::string_view what) {
  if (limit <= 0 || bytes <= limit) return absl::OkStatus();
  return absl::ResourceExhaustedError(
      absl::StrCat("the plan needs a ", bytes, "-byte ", what, ", above Options::arena_limit_bytes = ",
                   limit, " (raise or clear the limit, or run smaller inputs)"));
}

// One run split into phases, in microseconds: host-to-device input copies, the
// compute (first kernel to last), device-to-host output copies. On the CPU
// h2d_us is 0 and d2h_us is the copy of the outputs out of the arena.
struct RunPhaseTimes {
  double h2d_us = 0, compute_us = 0, d2h_us = 0;
};

// What one step did in the last Run (Executor::LastStepStats).
struct StepStats {
  double microseconds = 0;   // time of the step; 0 where not measured
  std::string kernel_detail;  // what ran ("cudnn IMPLICIT_GEMM (timed, ...)"); "" if unknown
  // Sparse conv: fraction of output tiles its prescan found active in the last
  // run; -1 for every other step and where it was not measured.
  double tile_density = -1;
  // Sparse conv with a run-time density switch (CUDA, float16, --sparse
  // auto): the most active tiles of the batch's `switch_tiles` at which its
  // sparse path was measured faster than cuDNN (-1: at none), calibrated when
  // the executor was prepared; above it a run computes with cuDNN. -2 where
  // the step has no calibrated switch.
  int switch_sparse_tiles = -2;
  int switch_tiles = 0;
};

// One step timed alone on its real inputs (ProfileSteps).
struct StepProfile {
  double median_us = 0, min_us = 0;  // per execution of the step
  int iters = 0;
  std::string kernel;   // what ran, when the backend can say ("" otherwise)
  Tensor first_input;   // host copy of a Conv step's first input; empty otherwise
  // A block-sparse conv's parts timed alone the same way (CUDA): its prescan,
  // and its whole sparse path (prescan included) even where the step runs
  // cuDNN; -1 where the step has no such part (every CPU step).
  double prescan_us = -1, sparse_us = -1;
  // Which path the step ran when its kernel has alternatives ("sparse",
  // "cudnn"); "" otherwise.
  std::string path;
};

// ProfileSteps' preconditions, the same for every backend.
inline absl::Status CheckProfileStepsArgs(bool profiling, int iters) {
  if (!profiling) {
    return absl::FailedPreconditionError("ProfileSteps needs an executor created for profiling");
  }
  if (iters < 1) return absl::InvalidArgumentError("ProfileSteps needs iters >= 1");
  return absl::OkStatus();
}

// The most inputs and the most outputs any node has: executors reserve their
// per-step argument vectors once so that a run allocates nothing.
inline std::pair<size_t, size_t> WidestNode(const Graph& graph) {
  size_t in = 0, out = 0;
  for (const Node& node : graph.nodes()) {
    in = std::max(in, node.inputs.size());
    out = std::max(out, node.outputs.size());
  }
  return {in, out};
}

class Executor {
 public:
  virtual ~Executor() = default;
  // `inputs` in graph input order with the prepared dtypes and dims (host
  // tensors). Returns host copies of the graph outputs.
  virtual absl::StatusOr<std::vector<Tensor>> Run(std::span<const Tensor> inputs) = 0;
  // Runs on caller memory (Runtime::RunInto): `inputs` in graph input order,
  // `outputs` in graph output order, one view each, already checked by the
  // caller to have exactly the prepared dtypes and dims and non-null data.
  // Views are used in place where the backend can (host views on the CPU,
  // device views on a GPU) and copied otherwise. `cuda_stream` (a
  // cudaStream_t, or nullptr) orders the run after the work queued on it and
  // that stream's later work after the outputs; InvalidArgument for a stream or
  // a device view on a backend without CUDA. Blocks until the outputs are
  // written. After the first call for a binding, allocates nothing.
  virtual absl::Status RunBound(std::span<const TensorView* const> inputs,
                                std::span<const TensorView* const> outputs,
                                void* cuda_stream) = 0;
  // Returns the kernels of Node::carries_state nodes (streamed neurons and time
  // reductions, graph/passes/step_graph.h) to their initial state; their state
  // otherwise carries from one Run to the next.
  virtual absl::Status ResetState() = 0;
  // How the intermediates were packed into the executor's arena.
  virtual const MemoryPlan& memory_plan() const = 0;
  // Device bytes of the spike links beside the arena (Plan::spike_mask_bytes,
  // spike_packed_bytes): {masks, packed spikes}; {0, 0} where there are none.
  virtual std::pair<int64_t, int64_t> SpikeLinkBytes() const { return {0, 0}; }
  // Per step of the last Run, in plan order: time (CPU: steady_clock always;
  // CUDA: events, only with ExecutorOptions::profile_nodes), what ran, tile
  // density.
  virtual std::vector<StepStats> LastStepStats() const = 0;

  // Run() that measures its phases (the outputs are dropped). Same input rules.
  virtual absl::StatusOr<RunPhaseTimes> TimedRun(std::span<const Tensor> inputs) = 0;
  // Needs ExecutorOptions::profiling (FailedPrecondition otherwise): runs the
  // whole graph once on `inputs`, then executes each step alone `iters` times
  // (>= 1) and reports its median. Per step, in plan order.
  virtual absl::StatusOr<std::vector<StepProfile>> ProfileSteps(std::span<const Tensor> inputs,
                                                                int iters) = 0;
  // The compute of one run captured once as a CUDA graph and replayed: the
  // microseconds of each of `iters` replays after `warmup` untimed ones.
  // Unimplemented where the backend has no graphs or capture fails (the
  // message says why).
  virtual absl::StatusOr<std::vector<double>> GraphReplayMicroseconds(
      std::span<const Tensor> inputs, int warmup, int iters) {
    (void)inputs, (void)warmup, (void)iters;
    return absl::UnimplementedError("graph replay needs the CUDA backend");
  }
  // Runs the steps one at a time, in plan order, each launched plainly (never
  // from a CUDA graph) and finished before `after_step(i)` is called: the
  // callback sees step i's work complete and nothing of step i + 1 (a kernel
  // tracer attributes what it recorded since the last call to step i). Stops at
  // the first error, of a step or of the callback, and returns it; the
  // outputs are computed but not returned. Unimplemented where the backend
  // has no such run.
  virtual absl::Status RunStepByStep(std::span<const Tensor> inputs,
                                     const std::function<absl::Status(int step)>& after_step) {
    (void)inputs, (void)after_step;
    return absl::UnimplementedError("RunStepByStep is not implemented by this backend");
  }
};

}  // namespace sf

#endif  // SF_RUNTIME_EXECUTOR_H_
