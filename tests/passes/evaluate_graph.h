// Runs a small hand-made graph node by node with the CPU reference kernels
// (runtime/cpu_evaluator.h), for the pass tests that compare a graph before
// and after a rewrite. Neurons are skipped (the evaluator folds constants and
// has none); their outputs stay unset.
#ifndef SF_TESTS_PASSES_EVALUATE_GRAPH_H_
#define SF_TESTS_PASSES_EVALUATE_GRAPH_H_

#include <optional>
#include <vector>

#include "graph/graph.h"
#include "graph/op_type.h"
#include "runtime/cpu_evaluator.h"

namespace sf::testing {

// Every value after the run (constants, `x` as the first graph input, node
// outputs; unset for skipped neurons). Aborts the test binary on a kernel error.
inline std::vector<std::optional<Tensor>> EvaluateGraph(const Graph& g, const Tensor& x) {
  std::vector<std::optional<Tensor>> vals(g.num_values());
  for (ValueId v = 0; v < g.num_values(); ++v) vals[v] = g.value(v).constant;
  vals[g.inputs()[0]] = x;
  const NodeEvaluator eval = CpuNodeEvaluator();
  for (int i = 0; i < g.num_nodes(); ++i) {
    const Node& node = g.node(i);
    if (IsNeuron(node.op)) continue;
    std::vector<Tensor> in;
    for (ValueId v : node.inputs) in.push_back(v == kNoValue ? Tensor() : *vals[v]);
    std::vector<Tensor> out = eval(g, i, in).value();
    for (size_t k = 0; k < out.size() && k < node.outputs.size(); ++k) {
      vals[node.outputs[k]] = std::move(out[k]);
    }
  }
  return vals;
}

// The graph outputs of EvaluateGraph.
inline std::vector<Tensor> EvaluateOutputs(const Graph& g, const Tensor& x) {
  const std::vector<std::optional<Tensor>> vals = EvaluateGraph(g, x);
  std::vector<Tensor> out;
  for (ValueId v : g.outputs()) out.push_back(*vals[v]);
  return out;
}

}  // namespace sf::testing

#endif  // SF_TESTS_PASSES_EVALUATE_GRAPH_H_
