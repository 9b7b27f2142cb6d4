// Shape inference interleaved with constant folding.
//
// Walks nodes in topological order; infers each node's output shapes; when a node's
// inputs are all constants (or it is a Shape node whose input shape is concrete) and
// its outputs are small, evaluates it with `eval` and turns its outputs into
// constants, removing the node. Neurons and Convs are never folded (a Conv on
// constants stays a node: the plan lists every Conv of the model). This folds the
// Shape->Gather->Concat->Reshape subgraphs that PyTorch exports, so that later shapes become
// concrete.
#ifndef SF_GRAPH_PASSES_CONSTANT_FOLDING_H_
#define SF_GRAPH_PASSES_CONSTANT_FOLDING_H_

#include <functional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace sf {

// Evaluates one node on constant inputs (nullptr-free; omitted optional inputs are
// empty Tensors). Supplied by the runtime (CPU reference kernels): graph/ does not
// depend on runtime/.
using NodeEvaluator = std::function<absl::StatusOr<std::vector<Tensor>>(
    const Graph& graph, int node_index, std::span<const Tensor> inputs)>;

struct FoldOptions {
  // Nodes whose outputs would exceed this many elements in total are not folded.
  int64_t max_folded_elements = int64_t{1} << 20;
};

absl::Status InferShapesAndFold(Graph& graph, const NodeEvaluator& eval,
                                const FoldOptions& options = {});

}  // namespace sf

#endif  // SF_GRAPH_PASSES_CONSTANT_FOLDING_H_
