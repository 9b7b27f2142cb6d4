// Executor: what a Runtime runs a prepared (concrete-shape) graph with. One
// implementation per backend: CpuExecutor (runtime/cpu_executor.h) and, with
// CUDA, GpuExecutor (runtime/gpu/gpu_executor.h). Not thread-safe.
#ifndef SF_RUNTIME_EXECUTOR_H_
#define SF_RUNTIME_EXECUTOR_H_

#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/tensor.h"
#include "runtime/memory_planner.h"

namespace sf {

class Executor {
 public:
  virtual ~Executor() = default;
  // `inputs` in graph input order with the prepared dtypes and dims (host
  // tensors). Returns host copies of the graph outputs.
  virtual absl::StatusOr<std::vector<Tensor>> Run(std::span<const Tensor> inputs) = 0;
  // How the intermediates were packed into the executor's arena.
  virtual const MemoryPlan& memory_plan() const = 0;
  // Per-step wall time of the last Run in microseconds (0 where not measured).
  virtual std::vector<double> StepMicroseconds() const = 0;
};

}  // namespace sf

#endif  // SF_RUNTIME_EXECUTOR_H_
