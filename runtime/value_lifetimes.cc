#include "runtime/value_lifetimes.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "graph/status.h"

namespace sf {

absl::StatusOr<PlannedValues> PlanValueLifetimes(const Graph& graph,
                                                 const ValueLifetimeOptions& options) {
  const int num_nodes = graph.num_nodes();
  const int num_values = graph.num_values();
  auto span_of = [&](int i) {
    return options.runs_during ? options.runs_during(i) : std::pair<int, int>{i, i};
  };
  std::vector<int> last_use(num_values, -1), uses(num_values, 0);
  for (int i = 0; i < num_nodes; ++i) {
    for (ValueId in : graph.node(i).inputs) {
      if (in == kNoValue) continue;
      last_use[in] = std::max(last_use[in], std::max(i, span_of(i).second));
      ++uses[in];
    }
  }
  std::vector<bool> is_io(num_values, false);
  for (ValueId out : graph.outputs()) {
    last_use[out] = num_nodes;
    is_io[out] = true;
  }
  for (ValueId in : graph.inputs()) is_io[in] = true;

  PlannedValues planned;
  std::vector<int> index_of(num_values, -1);
  for (ValueId v = 0; v < num_values; ++v) {
    const Value& value = graph.value(v);
    if (value.constant) continue;
    const bool is_input =
        std::find(graph.inputs().begin(), graph.inputs().end(), v) != graph.inputs().end();
    if (value.producer < 0 && !(is_input && options.include_inputs)) continue;
    if (options.unmaterialized && options.unmaterialized(v)) continue;
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ConcreteValueDims(value));
    SF_ASSIGN_OR_RETURN(int64_t count, CheckedElementCount(dims, value.name));
    const int written = options.written_at ? options.written_at(v) : -1;
    const int writer = written >= 0 ? written : value.producer;
    int first = written >= 0 ? std::min(written, value.producer) : value.producer;
    if (writer >= 0) first = std::min(first, span_of(writer).first);
    if (options.profiling) first = 0;
    first = std::max(first, 0);
    const int last = options.profiling ? num_nodes : std::max(last_use[v], first);
    index_of[v] = static_cast<int>(planned.values.size());
    planned.values.push_back(v);
    planned.dims.push_back(std::move(dims));
    planned.lifetimes.push_back(
        TensorLifetime{count * static_cast<int64_t>(SizeOf(value.dtype)), first, last});
  }
  if (options.profiling || !options.in_place_input) return planned;
  for (int i = 0; i < num_nodes; ++i) {
    const Node& node = graph.node(i);
    const int k = options.in_place_input(i);
    if (k < 0 || k >= static_cast<int>(node.inputs.size()) || node.outputs.empty()) continue;
    const ValueId x = node.inputs[k], y = node.outputs[0];
    if (x == kNoValue || y == kNoValue || is_io[x] || is_io[y] || index_of[x] < 0 ||
        index_of[y] < 0 || last_use[x] != i || uses[x] != 1 ||
        span_of(i) != std::pair<int, int>{i, i}) {
      continue;
    }
    TensorLifetime& out = planned.lifetimes[index_of[y]];
    if (out.bytes != planned.lifetimes[index_of[x]].bytes) continue;
    out.in_place_of = index_of[x];
  }
  return planned;
}

}  // namespace sf
