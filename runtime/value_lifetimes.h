// Which values an executor places in its arena and how long each lives: the
// part of memory planning both executors share (runtime/memory_planner.h packs
// the result).
#ifndef SF_RUNTIME_VALUE_LIFETIMES_H_
#define SF_RUNTIME_VALUE_LIFETIMES_H_

#include <functional>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "runtime/memory_planner.h"

namespace sf {

struct ValueLifetimeOptions {
  bool include_inputs = false;  // graph inputs get a slot too, live from step 0 (GPU)
  // Every tensor lives through the whole run and none shares bytes, so that a
  // step can be re-run alone on its real inputs (ExecutorOptions::profiling).
  bool profiling = false;
  // For node i: the index of the input whose bytes its output 0 may take (the
  // kernel's InPlaceInput(), -1 for none). The output then shares that input's
  // bytes when the input dies at node i, has the output's byte size, is read
  // once by the node and is no graph input or output (nor is the output).
  std::function<int(int node)> in_place_input;
  // Values with no storage at all (an intermediate a fused kernel keeps in
  // registers, PlanStep::fused_neuron): left out of the plan.
  std::function<bool(ValueId)> unmaterialized;
  // The step that writes value v when that is not its producer's (a conv
  // fused with its neuron writes the neuron's output at the conv's step), else
  // -1. The value lives from there.
  std::function<int(ValueId)> written_at;
  // The steps [first, last] during which step i may run, when that is not
  // just step i: a step queued on a second stream runs beside the steps
  // between the writer of its inputs and the first reader of its outputs
  // (GpuExecutor's side stream). Its inputs then live to at least `last`, its
  // outputs from `first`, and it takes no input's bytes in place. nullptr:
  // every step runs at its own index.
  std::function<std::pair<int, int>(int node)> runs_during;
};

struct PlannedValues {
  std::vector<ValueId> values;             // the values to place
  std::vector<std::vector<int64_t>> dims;  // their concrete dims
  std::vector<TensorLifetime> lifetimes;   // one per value, same order
};

// Values produced by nodes (and graph inputs if asked), constants excluded.
// A value is written at its producer and read until its last consumer; graph
// outputs live to the end. InvalidArgument, naming the value, when a shape is
// not concrete or too large.
absl::StatusOr<PlannedValues> PlanValueLifetimes(const Graph& graph,
                                                 const ValueLifetimeOptions& options);

}  // namespace sf

#endif  // SF_RUNTIME_VALUE_LIFETIMES_H_
