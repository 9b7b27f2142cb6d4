// Internals shared by the shape-inference files (graph/shape_inference_*.cc):
// the per-node context handed to each shape function, dim arithmetic that keeps
// symbols, and the per-file tables of shape functions. Not a public API.
#ifndef SF_GRAPH_SHAPE_INFERENCE_INTERNAL_H_
#define SF_GRAPH_SHAPE_INFERENCE_INTERNAL_H_

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace sf::shape_internal {

// One node being inferred. Holds references into `graph`; lives for one call.
class InferContext {
 public:
  InferContext(Graph& graph, int node_index) : graph_(graph), node_(graph.node(node_index)) {}

  const Node& node() const { return node_; }
  const Graph& graph() const { return graph_; }
  const Attrs& attrs() const { return node_.attrs; }
  int num_inputs() const { return static_cast<int>(node_.inputs.size()); }
  // True when optional input i is given (in range and not kNoValue).
  bool has_input(int i) const { return i < num_inputs() && node_.inputs[i] != kNoValue; }
  const Value& input(int i) const { return graph_.value(node_.inputs[i]); }
  const std::optional<Shape>& shape(int i) const { return input(i).shape; }
  DataType dtype(int i) const { return input(i).dtype; }
  // Input i's data when it is a constant, else nullptr.
  const Tensor* constant(int i) const;
  // Input i's data as int64 when it is an integer constant; nullopt when not constant.
  absl::StatusOr<std::optional<std::vector<int64_t>>> ConstantInts(int i) const;

  // Sets output i (ignored when that optional output is omitted).
  absl::Status SetOutput(int i, DataType dtype, std::optional<Shape> shape);

 private:
  Graph& graph_;
  const Node& node_;
};

// Fails when inputs a and b both have known, different dtypes.
absl::Status CheckSameDtype(const InferContext& ctx, int a, int b);

using ShapeFn = absl::Status (*)(InferContext& ctx);
struct ShapeFnEntry {
  OpType op;
  ShapeFn fn;
};

// Tables defined by the shape_inference_*.cc files; shape_inference.cc merges them.
std::span<const ShapeFnEntry> ElementwiseShapeFns();
std::span<const ShapeFnEntry> MathShapeFns();
std::span<const ShapeFnEntry> SpatialShapeFns();
std::span<const ShapeFnEntry> LayoutShapeFns();

// A dim of unknown size with no name.
inline Dim UnknownDim() { return Dim::Symbolic(""); }
// A shape of `rank` unknown dims.
Shape UnknownShape(int rank);

// axis in [-rank, rank) -> [0, rank); InvalidArgument otherwise.
absl::StatusOr<int> NormalizeAxis(int64_t axis, int rank);
// Normalizes every axis; fails on duplicates.
absl::StatusOr<std::vector<int>> NormalizeAxes(std::span<const int64_t> axes, int rank);

// numpy broadcasting of two dims / shapes. Equal symbols broadcast; 1 vs symbol
// gives the symbol; a known size vs a symbol gives the known size. A nullopt
// shape (unknown rank) makes the result nullopt.
absl::StatusOr<Dim> BroadcastDim(const Dim& a, const Dim& b);
absl::StatusOr<std::optional<Shape>> BroadcastShapes(const std::optional<Shape>& a,
                                                     const std::optional<Shape>& b);
// Two dims that must be equal (Concat's non-axis dims, MatMul's K): the known one
// wins; two different known sizes fail with `what` in the message.
absl::StatusOr<Dim> MergeDims(const Dim& a, const Dim& b, absl::string_view what);

// a*b and a+b for non-negative dim sizes; InvalidArgument on overflow.
absl::StatusOr<int64_t> MulSizes(int64_t a, int64_t b);
absl::StatusOr<int64_t> AddSizes(int64_t a, int64_t b);
// Product of dims: known when all are; the symbol when exactly one is symbolic
// and the others are 1; unknown otherwise.
absl::StatusOr<Dim> ProductDim(std::span<const Dim> dims);

}  // namespace sf::shape_internal

#endif  // SF_GRAPH_SHAPE_INFERENCE_INTERNAL_H_
