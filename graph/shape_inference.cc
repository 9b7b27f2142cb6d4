#include "graph/shape_inference.h"

#include <array>

#include "absl/strings/str_cat.h"
#include "graph/shape_inference_internal.h"
#include "graph/status.h"
#include "graph/verifier.h"

namespace sf {
namespace {

using shape_internal::InferContext;
using shape_internal::ShapeFn;
using shape_internal::ShapeFnEntry;

// The merged table, indexed by OpType; nullptr for ops without a shape function
// (Constant, which the importer turns into constant values).
const std::array<ShapeFn, kNumOpTypes>& ShapeFns() {
  static const std::array<ShapeFn, kNumOpTypes> table = [] {
    std::array<ShapeFn, kNumOpTypes> t{};
    for (auto part : {shape_internal::ElementwiseShapeFns(), shape_internal::MathShapeFns(),
                      shape_internal::SpatialShapeFns(), shape_internal::LayoutShapeFns()}) {
      for (const ShapeFnEntry& e : part) t[static_cast<int>(e.op)] = e.fn;
    }
    return t;
  }();
  return table;
}

// Known input dims beyond kMaxTensorElements would overflow the dim arithmetic.
absl::Status CheckInputDims(const Graph& graph, const Node& node) {
  for (ValueId in : node.inputs) {
    if (in == kNoValue || !graph.value(in).shape) continue;
    const Shape& s = *graph.value(in).shape;
    SF_CHECK_ARG(static_cast<int>(s.size()) <= kMaxRank, "input '", graph.value(in).name,
                 "' has rank ", s.size(), " above ", kMaxRank);
    for (const Dim& d : s) {
      SF_CHECK_ARG(d.value <= kMaxTensorElements, "input '", graph.value(in).name, "' has dim ",
                   d.value, " above ", kMaxTensorElements);
    }
  }
  return absl::OkStatus();
}

}  // namespace

bool HasShapeInference(OpType op) {
  const int i = static_cast<int>(op);
  return i >= 0 && i < kNumOpTypes && ShapeFns()[i] != nullptr;
}

absl::Status InferNodeShapes(Graph& graph, int node_index) {
  SF_RETURN_IF_ERROR(VerifyNode(graph, node_index));
  const Node& node = graph.node(node_index);
  const ShapeFn fn = ShapeFns()[static_cast<int>(node.op)];
  absl::Status s = fn == nullptr
                       ? absl::UnimplementedError("no shape inference for this op")
                       : CheckInputDims(graph, node);
  if (s.ok()) {
    InferContext ctx(graph, node_index);
    s = fn(ctx);
  }
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat("node '", node.name, "' (", ToString(node.op),
                                             "): ", s.message()));
}

absl::Status InferShapes(Graph& graph) {
  for (int i = 0; i < graph.num_nodes(); ++i) SF_RETURN_IF_ERROR(InferNodeShapes(graph, i));
  return absl::OkStatus();
}

}  // namespace sf
