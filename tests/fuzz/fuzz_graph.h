// Helpers shared by the ONNX fuzz harnesses: import + specialise a fuzzed model
// the way sf::Runtime does, and a size budget that keeps a harness from running
// models whose tensors would make one input take seconds or gigabytes.
#ifndef SF_TESTS_FUZZ_FUZZ_GRAPH_H_
#define SF_TESTS_FUZZ_FUZZ_GRAPH_H_

#include <cstdint>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"
#include "graph/passes/constant_folding.h"
#include "graph/passes/lift_1d.h"
#include "graph/status.h"
#include "graph/verifier.h"
#include "importers/onnx/onnx_importer.h"
#include "runtime/cpu_evaluator.h"

namespace sf::fuzz {

// Imports `bytes` (external data refused), lifts 1-D ops to 2-D and infers
// and folds with the declared input shapes (as Runtime::Load does), then again
// with every symbolic input dim set to 1 (as Runtime::GetPlan does), and checks
// that the passes kept the graph valid.
inline absl::StatusOr<Graph> ImportAndSpecialize(absl::string_view bytes) {
  SF_ASSIGN_OR_RETURN(Graph graph, ImportOnnxModel(bytes, OnnxImportOptions{}));
  SF_RETURN_IF_ERROR(LiftOneDimensionalOps(graph).status());
  SF_RETURN_IF_ERROR(InferShapesAndFold(graph, CpuNodeEvaluator()));
  for (ValueId in : graph.inputs()) {
    std::optional<Shape>& shape = graph.value(in).shape;
    if (!shape) continue;
    for (Dim& d : *shape) {
      if (!d.known()) d = Dim::Known(1);
    }
  }
  SF_RETURN_IF_ERROR(InferShapesAndFold(graph, CpuNodeEvaluator()));
  SF_RETURN_IF_ERROR(VerifyGraph(graph));
  return graph;
}

// True when every value has a concrete shape and all of them together hold at
// most `max_elements` elements.
inline bool WithinBudget(const Graph& graph, int64_t max_elements) {
  int64_t total = 0;
  for (const Value& v : graph.values()) {
    if (!v.shape) return false;
    std::optional<std::vector<int64_t>> dims = ConcreteDims(*v.shape);
    if (!dims) return false;
    int64_t n = 1;
    for (int64_t d : *dims) {
      if (d != 0 && n > max_elements / d) return false;
      n *= d;
    }
    total += n;
    if (total > max_elements) return false;
  }
  return true;
}

}  // namespace sf::fuzz

#endif  // SF_TESTS_FUZZ_FUZZ_GRAPH_H_
