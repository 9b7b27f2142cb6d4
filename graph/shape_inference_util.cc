#include <algorithm>

#include "absl/strings/str_cat.h"
#include "graph/shape_inference_internal.h"
#include "graph/status.h"

namespace sf::shape_internal {

const Tensor* InferContext::constant(int i) const {
  if (!has_input(i)) return nullptr;
  const std::optional<Tensor>& c = input(i).constant;
  return c ? &*c : nullptr;
}

absl::StatusOr<std::optional<std::vector<int64_t>>> InferContext::ConstantInts(int i) const {
  const Tensor* t = constant(i);
  if (t == nullptr) return std::optional<std::vector<int64_t>>();
  absl::StatusOr<std::vector<int64_t>> v = t->ToInt64Vector();
  SF_CHECK_ARG(v.ok(), "input ", i, " ('", input(i).name, "'): ", v.status().message());
  return std::optional<std::vector<int64_t>>(*std::move(v));
}

absl::Status InferContext::SetOutput(int i, DataType dtype, std::optional<Shape> shape) {
  if (i >= static_cast<int>(node_.outputs.size()) || node_.outputs[i] == kNoValue) {
    return absl::OkStatus();
  }
  if (shape) {
    SF_CHECK_ARG(static_cast<int>(shape->size()) <= kMaxRank, "output rank ", shape->size(),
                 " exceeds ", kMaxRank);
    for (const Dim& d : *shape) {
      SF_CHECK_ARG(d.value <= kMaxTensorElements, "output dim ", d.value, " is too large");
    }
  }
  Value& v = graph_.value(node_.outputs[i]);
  v.dtype = dtype;
  v.shape = std::move(shape);
  return absl::OkStatus();
}

absl::Status CheckSameDtype(const InferContext& ctx, int a, int b) {
  const DataType da = ctx.dtype(a), db = ctx.dtype(b);
  SF_CHECK_ARG(da == DataType::kUndefined || db == DataType::kUndefined || da == db,
               "inputs '", ctx.input(a).name, "' (", ToString(da), ") and '", ctx.input(b).name,
               "' (", ToString(db), ") have different dtypes");
  return absl::OkStatus();
}

Shape UnknownShape(int rank) { return Shape(static_cast<size_t>(rank), UnknownDim()); }

absl::StatusOr<int> NormalizeAxis(int64_t axis, int rank) {
  SF_CHECK_ARG(axis >= -rank && axis < rank, "axis ", axis, " is out of range for rank ", rank);
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

absl::StatusOr<std::vector<int>> NormalizeAxes(std::span<const int64_t> axes, int rank) {
  std::vector<int> out;
  for (int64_t a : axes) {
    SF_ASSIGN_OR_RETURN(int axis, NormalizeAxis(a, rank));
    SF_CHECK_ARG(std::find(out.begin(), out.end(), axis) == out.end(), "axis ", a,
                 " is repeated");
    out.push_back(axis);
  }
  return out;
}

absl::StatusOr<Dim> BroadcastDim(const Dim& a, const Dim& b) {
  if (a.known() && b.known()) {
    if (a.value == b.value || b.value == 1) return a;
    SF_CHECK_ARG(a.value == 1, "cannot broadcast dims ", a.value, " and ", b.value);
    return b;
  }
  if (a.known()) return a.value == 1 ? b : a;
  if (b.known()) return b.value == 1 ? a : b;
  return a.symbol == b.symbol ? a : UnknownDim();
}

absl::StatusOr<std::optional<Shape>> BroadcastShapes(const std::optional<Shape>& a,
                                                     const std::optional<Shape>& b) {
  if (!a || !b) return std::optional<Shape>();
  const size_t rank = std::max(a->size(), b->size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const Dim one = Dim::Known(1);
    const Dim& da = i + a->size() >= rank ? (*a)[i + a->size() - rank] : one;
    const Dim& db = i + b->size() >= rank ? (*b)[i + b->size() - rank] : one;
    absl::StatusOr<Dim> d = BroadcastDim(da, db);
    SF_CHECK_ARG(d.ok(), "shapes ", ShapeToString(a), " and ", ShapeToString(b),
                 " do not broadcast: ", d.status().message());
    out[i] = *std::move(d);
  }
  return std::optional<Shape>(std::move(out));
}

absl::StatusOr<Dim> MergeDims(const Dim& a, const Dim& b, absl::string_view what) {
  if (a.known() && b.known()) {
    SF_CHECK_ARG(a.value == b.value, what, " mismatch: ", a.value, " vs ", b.value);
    return a;
  }
  if (a.known()) return a;
  if (b.known()) return b;
  return a.symbol == b.symbol ? a : UnknownDim();
}

absl::StatusOr<int64_t> MulSizes(int64_t a, int64_t b) {
  int64_t r = 0;
  SF_CHECK_ARG(!__builtin_mul_overflow(a, b, &r) && r <= kMaxTensorElements, "size ", a, " * ",
               b, " is too large");
  return r;
}

absl::StatusOr<int64_t> AddSizes(int64_t a, int64_t b) {
  int64_t r = 0;
  SF_CHECK_ARG(!__builtin_add_overflow(a, b, &r) && r <= kMaxTensorElements, "size ", a, " + ",
               b, " is too large");
  return r;
}

absl::StatusOr<Dim> ProductDim(std::span<const Dim> dims) {
  int64_t known = 1;
  const Dim* symbolic = nullptr;
  int num_symbolic = 0;
  for (const Dim& d : dims) {
    if (d.known()) {
      SF_ASSIGN_OR_RETURN(known, MulSizes(known, d.value));
    } else {
      symbolic = &d;
      ++num_symbolic;
    }
  }
  if (num_symbolic == 0) return Dim::Known(known);
  if (known == 0) return Dim::Known(0);
  if (num_symbolic == 1 && known == 1) return *symbolic;
  return UnknownDim();
}

}  // namespace sf::shape_internal
