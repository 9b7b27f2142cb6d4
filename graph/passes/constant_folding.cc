#include "graph/passes/constant_folding.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "graph/shape_inference.h"
#include "graph/status.h"

namespace sf {
namespace {

// Total elements of the node's outputs, nullopt when a shape is not concrete.
std::optional<int64_t> OutputElements(const Graph& graph, const Node& node) {
  int64_t total = 0;
  for (ValueId out : node.outputs) {
    if (out == kNoValue) continue;
    const std::optional<Shape>& shape = graph.value(out).shape;
    if (!shape) return std::nullopt;
    std::optional<std::vector<int64_t>> dims = ConcreteDims(*shape);
    if (!dims) return std::nullopt;
    absl::StatusOr<int64_t> n = CheckedElementCount(*dims, "output");
    if (!n.ok()) return std::nullopt;
    total += *n;
  }
  return total;
}

// Shape's output from a concrete input shape (start/end already resolved by
// shape inference into the output length).
absl::StatusOr<std::vector<Tensor>> EvalShape(const Graph& graph, const Node& node) {
  const std::vector<int64_t> dims = *ConcreteDims(*graph.value(node.inputs[0]).shape);
  const int64_t rank = static_cast<int64_t>(dims.size());
  SF_ASSIGN_OR_RETURN(int64_t start, node.attrs.GetIntOr("start", 0));
  if (start < 0) start += rank;
  start = std::clamp<int64_t>(start, 0, rank);
  const int64_t length = graph.value(node.outputs[0]).shape->at(0).value;
  return std::vector<Tensor>{Tensor::FromVector<int64_t>(
      {length}, std::vector<int64_t>(dims.begin() + start, dims.begin() + start + length))};
}

bool IsShapeOfConcrete(const Graph& graph, const Node& node) {
  if (node.op != OpType::kShape) return false;
  const std::optional<Shape>& shape = graph.value(node.inputs[0]).shape;
  return shape && ConcreteDims(*shape).has_value();
}

// Constant inputs in order (omitted optional inputs as empty tensors); nullopt
// when some input is not constant or the node has no input at all.
std::optional<std::vector<Tensor>> ConstantInputs(const Graph& graph, const Node& node) {
  std::vector<Tensor> inputs;
  bool any = false;
  for (ValueId in : node.inputs) {
    if (in == kNoValue) {
      inputs.emplace_back();
      continue;
    }
    const std::optional<Tensor>& c = graph.value(in).constant;
    if (!c) return std::nullopt;
    inputs.push_back(*c);
    any = true;
  }
  if (!any) return std::nullopt;
  return inputs;
}

// Evaluates node i when foldable; returns nullopt when it must stay a node.
absl::StatusOr<std::optional<std::vector<Tensor>>> TryFold(const Graph& graph, int i,
                                                           const NodeEvaluator& eval,
                                                           const FoldOptions& options) {
  using Result = std::optional<std::vector<Tensor>>;
  const Node& node = graph.node(i);
  // Neurons carry state over time steps; a Conv stays a node so that the plan
  // lists every Conv of the model (../shared/spec/cli-and-plan.md).
  if (IsNeuron(node.op) || node.op == OpType::kConv) return Result();
  const std::optional<int64_t> elements = OutputElements(graph, node);
  if (!elements || *elements > options.max_folded_elements) return Result();
  if (IsShapeOfConcrete(graph, node)) {
    SF_ASSIGN_OR_RETURN(std::vector<Tensor> shape, EvalShape(graph, node));
    return Result(std::move(shape));
  }
  std::optional<std::vector<Tensor>> inputs = ConstantInputs(graph, node);
  if (!inputs) return Result();
  absl::StatusOr<std::vector<Tensor>> outputs = eval(graph, i, *inputs);
  if (absl::IsUnimplemented(outputs.status())) return Result();
  SF_RETURN_IF_ERROR(outputs.status());
  return Result(*std::move(outputs));
}

// Stores folded tensors as the node's output constants; checks them against the
// inferred dtypes and shapes.
absl::Status StoreConstants(Graph& graph, const Node& node, std::vector<Tensor> tensors) {
  SF_CHECK_ARG(tensors.size() == node.outputs.size(), "evaluator returned ", tensors.size(),
               " outputs, expected ", node.outputs.size());
  for (size_t k = 0; k < tensors.size(); ++k) {
    if (node.outputs[k] == kNoValue) continue;
    Value& v = graph.value(node.outputs[k]);
    const Tensor& t = tensors[k];
    SF_CHECK_ARG(t.dtype() == v.dtype && MakeShape(t.dims()) == *v.shape, "evaluator produced ",
                 ToString(t.dtype()), ShapeToString(t.dims()), " for output '", v.name,
                 "', inferred ", ToString(v.dtype), ShapeToString(v.shape));
    v.constant = std::move(tensors[k]);
  }
  return absl::OkStatus();
}

}  // namespace

absl::Status InferShapesAndFold(Graph& graph, const NodeEvaluator& eval,
                                const FoldOptions& options) {
  std::vector<bool> keep(graph.num_nodes(), true);
  for (int i = 0; i < graph.num_nodes(); ++i) {
    SF_RETURN_IF_ERROR(InferNodeShapes(graph, i));
    absl::StatusOr<std::optional<std::vector<Tensor>>> folded = TryFold(graph, i, eval, options);
    absl::Status s = folded.status();
    if (s.ok() && folded->has_value()) s = StoreConstants(graph, graph.node(i), **std::move(folded));
    if (!s.ok()) {
      return absl::Status(s.code(), absl::StrCat("constant folding node '", graph.node(i).name,
                                                 "' (", ToString(graph.node(i).op),
                                                 "): ", s.message()));
    }
    keep[i] = !folded->has_value();
  }
  graph.KeepNodes(keep);
  return absl::OkStatus();
}

}  // namespace sf
