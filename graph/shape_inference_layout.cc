// Shape functions of data-movement and shape ops: Reshape, Flatten, Transpose,
// Squeeze, Unsqueeze, Concat, Slice, Gather, Pad, Expand, Shape, ConstantOfShape.
#include <algorithm>
#include <limits>

#include "graph/passes/fuse_elementwise.h"
#include "graph/shape_inference_internal.h"
#include "graph/status.h"

namespace sf::shape_internal {
namespace {

using IntsOrNone = std::optional<std::vector<int64_t>>;

// Rank-only result for an op whose shape comes from a non-constant 1-D input:
// that input's length, when known.
std::optional<Shape> ShapeOfUnknownDims(const std::optional<Shape>& shape_input) {
  if (!shape_input || shape_input->size() != 1 || !(*shape_input)[0].known() ||
      (*shape_input)[0].value > kMaxRank) {
    return std::nullopt;
  }
  return UnknownShape(static_cast<int>((*shape_input)[0].value));
}

// Known element product and the symbolic dims of a shape.
struct DimProduct {
  int64_t known = 1;
  std::vector<Dim> symbols;
};
absl::StatusOr<DimProduct> Factor(std::span<const Dim> dims) {
  DimProduct p;
  for (const Dim& d : dims) {
    if (d.known()) {
      SF_ASSIGN_OR_RETURN(p.known, MulSizes(p.known, d.value));
    } else {
      p.symbols.push_back(d);
    }
  }
  return p;
}

// The dim Reshape's -1 stands for: input elements / the other output dims.
// Named symbols present on both sides cancel ([N,C,H,W] -> [N,-1] gives C*H*W).
absl::StatusOr<Dim> InferMinusOne(const Shape& in, const Shape& others) {
  SF_ASSIGN_OR_RETURN(DimProduct pin, Factor(in));
  SF_ASSIGN_OR_RETURN(DimProduct pout, Factor(others));
  for (auto it = pout.symbols.begin(); it != pout.symbols.end();) {
    auto match = std::find(pin.symbols.begin(), pin.symbols.end(), *it);
    if (it->symbol.empty() || match == pin.symbols.end()) {
      ++it;
      continue;
    }
    pin.symbols.erase(match);
    it = pout.symbols.erase(it);
  }
  if (!pout.symbols.empty()) return UnknownDim();
  SF_CHECK_ARG(pout.known != 0, "cannot infer -1 next to a 0 dim");
  if (pin.symbols.empty()) {
    SF_CHECK_ARG(pin.known % pout.known == 0, "cannot reshape ", ShapeToString(in), " with ",
                 pout.known, " elements in the other dims");
    return Dim::Known(pin.known / pout.known);
  }
  if (pin.symbols.size() == 1 && pin.known == pout.known) return pin.symbols[0];
  return UnknownDim();
}

absl::Status InferReshape(InferContext& ctx) {
  SF_ASSIGN_OR_RETURN(IntsOrNone target, ctx.ConstantInts(1));
  if (!target) return ctx.SetOutput(0, ctx.dtype(0), ShapeOfUnknownDims(ctx.shape(1)));
  SF_CHECK_ARG(static_cast<int>(target->size()) <= kMaxRank, "shape has ", target->size(),
               " dims, more than ", kMaxRank);
  SF_ASSIGN_OR_RETURN(int64_t allowzero, ctx.attrs().GetIntOr("allowzero", 0));
  const std::optional<Shape>& x = ctx.shape(0);
  Shape out;
  int minus_one = -1;
  bool has_zero = false;
  for (size_t i = 0; i < target->size(); ++i) {
    const int64_t v = (*target)[i];
    SF_CHECK_ARG(v >= -1 && v <= kMaxTensorElements, "invalid shape value ", v, " at index ", i);
    if (v == -1) {
      SF_CHECK_ARG(minus_one < 0, "shape has more than one -1");
      minus_one = static_cast<int>(i);
      out.push_back(UnknownDim());
    } else if (v == 0 && allowzero == 0) {
      SF_CHECK_ARG(!x || i < x->size(), "shape value 0 at index ", i, " copies a dim beyond ",
                   "input rank ", x ? x->size() : 0);
      out.push_back(x ? (*x)[i] : UnknownDim());
    } else {
      has_zero |= v == 0;
      out.push_back(Dim::Known(v));
    }
  }
  SF_CHECK_ARG(!(has_zero && minus_one >= 0), "shape has both 0 (allowzero) and -1");
  if (minus_one >= 0 && x) {
    Shape others = out;
    others.erase(others.begin() + minus_one);
    SF_ASSIGN_OR_RETURN(out[minus_one], InferMinusOne(*x, others));
  }
  if (x) {
    std::optional<std::vector<int64_t>> in_dims = ConcreteDims(*x);
    std::optional<std::vector<int64_t>> out_dims = ConcreteDims(out);
    if (in_dims && out_dims) {
      SF_ASSIGN_OR_RETURN(int64_t n_in, CheckedElementCount(*in_dims, "input"));
      SF_ASSIGN_OR_RETURN(int64_t n_out, CheckedElementCount(*out_dims, "output"));
      SF_CHECK_ARG(n_in == n_out, "cannot reshape ", ShapeToString(x), " (", n_in,
                   " elements) to ", ShapeToString(out), " (", n_out, " elements)");
    }
  }
  return ctx.SetOutput(0, ctx.dtype(0), std::move(out));
}

absl::Status InferFlatten(InferContext& ctx) {
  SF_ASSIGN_OR_RETURN(int64_t axis, ctx.attrs().GetIntOr("axis", 1));
  const std::optional<Shape>& x = ctx.shape(0);
  if (!x) return ctx.SetOutput(0, ctx.dtype(0), UnknownShape(2));
  const int64_t rank = static_cast<int64_t>(x->size());
  SF_CHECK_ARG(axis >= -rank && axis <= rank, "axis ", axis, " is out of range for rank ", rank);
  if (axis < 0) axis += rank;
  SF_ASSIGN_OR_RETURN(Dim outer, ProductDim(std::span(x->data(), axis)));
  SF_ASSIGN_OR_RETURN(Dim inner, ProductDim(std::span(x->data() + axis, rank - axis)));
  return ctx.SetOutput(0, ctx.dtype(0), Shape{outer, inner});
}

absl::Status InferTranspose(InferContext& ctx) {
  const std::optional<Shape>& x = ctx.shape(0);
  const bool has_perm = ctx.attrs().Has("perm");
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> perm, ctx.attrs().GetIntsOr("perm", {}));
  if (!x) {
    std::optional<Shape> out;
    if (has_perm) out = UnknownShape(static_cast<int>(perm.size()));
    return ctx.SetOutput(0, ctx.dtype(0), std::move(out));
  }
  const int rank = static_cast<int>(x->size());
  if (!has_perm) {
    for (int i = rank - 1; i >= 0; --i) perm.push_back(i);
  }
  SF_CHECK_ARG(static_cast<int>(perm.size()) == rank, "perm has ", perm.size(),
               " entries for rank ", rank);
  std::vector<bool> used(rank, false);
  Shape out;
  for (int64_t p : perm) {
    SF_CHECK_ARG(p >= 0 && p < rank && !used[p], "perm is not a permutation of [0, ", rank, ")");
    used[p] = true;
    out.push_back((*x)[p]);
  }
  return ctx.SetOutput(0, ctx.dtype(0), std::move(out));
}

absl::Status InferSqueeze(InferContext& ctx) {
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ctx.attrs().GetIntsOr("axes", {}));
  const std::optional<Shape>& x = ctx.shape(0);
  if (!x) return ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
  const int rank = static_cast<int>(x->size());
  std::vector<bool> drop(rank, false);
  if (axes.empty()) {
    for (int i = 0; i < rank; ++i) {
      // A symbolic dim might be 1: the output rank is unknown.
      if (!(*x)[i].known()) return ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
      drop[i] = (*x)[i].value == 1;
    }
  }
  SF_ASSIGN_OR_RETURN(std::vector<int> norm, NormalizeAxes(axes, rank));
  for (int a : norm) {
    const Dim& d = (*x)[a];
    SF_CHECK_ARG(!d.known() || d.value == 1, "cannot squeeze axis ", a, " of size ", d.value);
    drop[a] = true;
  }
  Shape out;
  for (int i = 0; i < rank; ++i) {
    if (!drop[i]) out.push_back((*x)[i]);
  }
  return ctx.SetOutput(0, ctx.dtype(0), std::move(out));
}

absl::Status InferUnsqueeze(InferContext& ctx) {
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ctx.attrs().GetIntsOr("axes", {}));
  SF_CHECK_ARG(!axes.empty(), "missing attribute 'axes'");
  const std::optional<Shape>& x = ctx.shape(0);
  if (!x) return ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
  const int rank = static_cast<int>(x->size() + axes.size());
  SF_CHECK_ARG(rank <= kMaxRank, "output rank ", rank, " exceeds ", kMaxRank);
  SF_ASSIGN_OR_RETURN(std::vector<int> norm, NormalizeAxes(axes, rank));
  std::vector<bool> inserted(rank, false);
  for (int a : norm) inserted[a] = true;
  Shape out;
  auto next = x->begin();
  for (int i = 0; i < rank; ++i) out.push_back(inserted[i] ? Dim::Known(1) : *next++);
  return ctx.SetOutput(0, ctx.dtype(0), std::move(out));
}

absl::Status InferConcat(InferContext& ctx) {
  SF_ASSIGN_OR_RETURN(int64_t axis_attr, ctx.attrs().GetInt("axis"));
  std::optional<Shape> out;
  int axis = 0;
  bool axis_known = true;  // every input's axis dim is known
  int64_t axis_size = 0;
  for (int i = 0; i < ctx.num_inputs(); ++i) {
    SF_RETURN_IF_ERROR(CheckSameDtype(ctx, 0, i));
    const std::optional<Shape>& s = ctx.shape(i);
    if (!s) {
      axis_known = false;
      continue;
    }
    if (!out) {
      out = *s;
      SF_ASSIGN_OR_RETURN(axis, NormalizeAxis(axis_attr, static_cast<int>(s->size())));
    }
    SF_CHECK_ARG(s->size() == out->size(), "input '", ctx.input(i).name, "' has rank ",
                 s->size(), ", expected ", out->size());
    for (size_t d = 0; d < s->size(); ++d) {
      if (static_cast<int>(d) == axis) continue;
      SF_ASSIGN_OR_RETURN((*out)[d], MergeDims((*out)[d], (*s)[d], "non-axis dim"));
    }
    if ((*s)[axis].known()) {
      SF_ASSIGN_OR_RETURN(axis_size, AddSizes(axis_size, (*s)[axis].value));
    } else {
      axis_known = false;
    }
  }
  if (out) (*out)[axis] = axis_known ? Dim::Known(axis_size) : UnknownDim();
  return ctx.SetOutput(0, ctx.dtype(0), std::move(out));
}

// Number of elements Slice takes from a dim of size `d` (ONNX clamping rules).
int64_t SliceCount(int64_t d, int64_t start, int64_t end, int64_t step) {
  // Any |step| beyond the dim size takes at most one element; clamping keeps
  // the arithmetic below free of overflow.
  step = std::clamp(step, -kMaxTensorElements - 1, kMaxTensorElements + 1);
  if (start < 0) start += d;
  if (end < 0) end += d;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, d);
    end = std::clamp<int64_t>(end, 0, d);
    return end > start ? (end - start - 1) / step + 1 : 0;
  }
  start = std::clamp<int64_t>(start, 0, d - 1);
  end = std::clamp<int64_t>(end, -1, d - 1);
  return start > end ? (start - end - 1) / -step + 1 : 0;
}

// The sizes of Split's parts along an axis of `dim` elements (-1: unknown).
absl::StatusOr<std::vector<int64_t>> SplitSizes(const Attrs& attrs, int64_t dim, int parts) {
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> split, attrs.GetIntsOr("split", {}));
  if (!split.empty()) {
    SF_CHECK_ARG(static_cast<int>(split.size()) == parts, "split has ", split.size(), " sizes for ",
                 parts, " outputs");
    int64_t sum = 0;
    for (int64_t s : split) {
      SF_CHECK_ARG(s >= 0 && s <= kMaxTensorElements, "split size ", s, " out of range");
      sum += s;
    }
    SF_CHECK_ARG(dim < 0 || sum == dim, "split sizes add up to ", sum, ", the axis has ", dim);
    return split;
  }
  if (dim < 0) return std::vector<int64_t>(parts, -1);
  SF_ASSIGN_OR_RETURN(int64_t ceil, attrs.GetIntOr("ceil", 0));
  SF_CHECK_ARG(ceil != 0 || dim % parts == 0, "the axis of ", dim, " elements does not split into ",
               parts, " equal parts");
  const int64_t each = (dim + parts - 1) / parts;
  std::vector<int64_t> sizes(parts);
  for (int k = 0; k < parts; ++k) sizes[k] = std::clamp<int64_t>(dim - k * each, 0, each);
  return sizes;
}

absl::Status InferSplit(InferContext& ctx) {
  const int parts = static_cast<int>(ctx.node().outputs.size());
  const std::optional<Shape>& x = ctx.shape(0);
  if (!x) {
    for (int k = 0; k < parts; ++k)
      SF_RETURN_IF_ERROR(ctx.SetOutput(k, ctx.dtype(0), std::nullopt));
    return absl::OkStatus();
  }
  SF_ASSIGN_OR_RETURN(int64_t axis_attr, ctx.attrs().GetIntOr("axis", 0));
  SF_ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_attr, static_cast<int>(x->size())));
  const Dim& d = (*x)[axis];
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> sizes,
                      SplitSizes(ctx.attrs(), d.known() ? d.value : -1, parts));
  for (int k = 0; k < parts; ++k) {
    Shape out = *x;
    out[axis] = sizes[k] >= 0 ? Dim::Known(sizes[k]) : UnknownDim();
    SF_RETURN_IF_ERROR(ctx.SetOutput(k, ctx.dtype(0), std::move(out)));
  }
  return absl::OkStatus();
}

absl::Status InferSlice(InferContext& ctx) {
  const std::optional<Shape>& x = ctx.shape(0);
  if (!x) return ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
  const int rank = static_cast<int>(x->size());
  SF_ASSIGN_OR_RETURN(IntsOrNone starts, ctx.ConstantInts(1));
  SF_ASSIGN_OR_RETURN(IntsOrNone ends, ctx.ConstantInts(2));
  IntsOrNone axes = std::vector<int64_t>();
  IntsOrNone steps = std::vector<int64_t>();
  if (ctx.has_input(3)) {
    SF_ASSIGN_OR_RETURN(axes, ctx.ConstantInts(3));
  }
  if (ctx.has_input(4)) {
    SF_ASSIGN_OR_RETURN(steps, ctx.ConstantInts(4));
  }
  if (!starts || !ends || !axes || !steps) return ctx.SetOutput(0, ctx.dtype(0), UnknownShape(rank));
  const size_t n = starts->size();
  if (!ctx.has_input(3)) {
    for (size_t i = 0; i < n; ++i) axes->push_back(static_cast<int64_t>(i));
  }
  if (!ctx.has_input(4)) steps->assign(n, 1);
  SF_CHECK_ARG(ends->size() == n && axes->size() == n && steps->size() == n,
               "starts, ends, axes and steps have different lengths");
  SF_ASSIGN_OR_RETURN(std::vector<int> norm, NormalizeAxes(*axes, rank));
  Shape out = *x;
  for (size_t i = 0; i < n; ++i) {
    const int64_t start = (*starts)[i], end = (*ends)[i], step = (*steps)[i];
    SF_CHECK_ARG(step != 0, "slice step is 0 for axis ", norm[i]);
    Dim& d = out[norm[i]];
    if (d.known()) {
      d = Dim::Known(SliceCount(d.value, start, end, step));
    } else if (!(start == 0 && step == 1 && end >= kMaxTensorElements)) {
      d = UnknownDim();  // a symbolic dim survives only a full slice
    }
  }
  return ctx.SetOutput(0, ctx.dtype(0), std::move(out));
}

absl::Status InferGather(InferContext& ctx) {
  const DataType idx = ctx.dtype(1);
  SF_CHECK_ARG(idx == DataType::kInt32 || idx == DataType::kInt64 || idx == DataType::kUndefined,
               "indices must be int32 or int64, got ", ToString(idx));
  const std::optional<Shape>& x = ctx.shape(0);
  const std::optional<Shape>& indices = ctx.shape(1);
  if (!x || !indices) return ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
  SF_ASSIGN_OR_RETURN(int64_t axis_attr, ctx.attrs().GetIntOr("axis", 0));
  SF_ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_attr, static_cast<int>(x->size())));
  Shape out(x->begin(), x->begin() + axis);
  out.insert(out.end(), indices->begin(), indices->end());
  out.insert(out.end(), x->begin() + axis + 1, x->end());
  return ctx.SetOutput(0, ctx.dtype(0), std::move(out));
}

constexpr absl::string_view kPadModes[] = {"constant", "reflect", "edge"};

absl::Status InferPad(InferContext& ctx) {
  SF_ASSIGN_OR_RETURN(std::string mode, ctx.attrs().GetStringOr("mode", "constant"));
  SF_CHECK_ARG(std::find(std::begin(kPadModes), std::end(kPadModes), mode) != std::end(kPadModes),
               "unknown pad mode '", mode, "'");
  if (ctx.has_input(2)) SF_RETURN_IF_ERROR(CheckSameDtype(ctx, 0, 2));
  const std::optional<Shape>& x = ctx.shape(0);
  if (!x) return ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
  const int rank = static_cast<int>(x->size());
  SF_ASSIGN_OR_RETURN(IntsOrNone pads, ctx.ConstantInts(1));
  IntsOrNone axes = std::vector<int64_t>();
  if (ctx.has_input(3)) {
    SF_ASSIGN_OR_RETURN(axes, ctx.ConstantInts(3));
  } else {
    for (int i = 0; i < rank; ++i) axes->push_back(i);
  }
  if (!pads || !axes) return ctx.SetOutput(0, ctx.dtype(0), UnknownShape(rank));
  SF_ASSIGN_OR_RETURN(std::vector<int> norm, NormalizeAxes(*axes, rank));
  const size_t n = norm.size();
  SF_CHECK_ARG(pads->size() == 2 * n, "pads has ", pads->size(), " values, expected ", 2 * n);
  Shape out = *x;
  for (size_t i = 0; i < n; ++i) {
    const int64_t begin = (*pads)[i], end = (*pads)[i + n];
    SF_CHECK_ARG(std::abs(begin) <= kMaxTensorElements && std::abs(end) <= kMaxTensorElements,
                 "pad value out of range");
    Dim& d = out[norm[i]];
    if (begin == 0 && end == 0) continue;
    if (!d.known()) {
      d = UnknownDim();
      continue;
    }
    const int64_t size = d.value + begin + end;
    SF_CHECK_ARG(size >= 0, "padding axis ", norm[i], " of size ", d.value, " by (", begin,
                 ", ", end, ") gives a negative size");
    d = Dim::Known(size);
  }
  return ctx.SetOutput(0, ctx.dtype(0), std::move(out));
}

absl::Status InferExpand(InferContext& ctx) {
  SF_ASSIGN_OR_RETURN(IntsOrNone target, ctx.ConstantInts(1));
  const std::optional<Shape>& x = ctx.shape(0);
  if (!target) {
    std::optional<Shape> out = ShapeOfUnknownDims(ctx.shape(1));
    if (out && x && x->size() > out->size()) out = UnknownShape(static_cast<int>(x->size()));
    if (!x) out.reset();
    return ctx.SetOutput(0, ctx.dtype(0), std::move(out));
  }
  SF_CHECK_ARG(static_cast<int>(target->size()) <= kMaxRank, "shape has too many dims");
  for (int64_t v : *target) {
    SF_CHECK_ARG(v >= 0 && v <= kMaxTensorElements, "invalid shape value ", v);
  }
  SF_ASSIGN_OR_RETURN(std::optional<Shape> out, BroadcastShapes(x, MakeShape(*target)));
  return ctx.SetOutput(0, ctx.dtype(0), std::move(out));
}

absl::Status InferShape(InferContext& ctx) {
  const std::optional<Shape>& x = ctx.shape(0);
  if (!x) return ctx.SetOutput(0, DataType::kInt64, UnknownShape(1));
  const int64_t rank = static_cast<int64_t>(x->size());
  SF_ASSIGN_OR_RETURN(int64_t start, ctx.attrs().GetIntOr("start", 0));
  SF_ASSIGN_OR_RETURN(int64_t end, ctx.attrs().GetIntOr("end", rank));
  auto clamp = [rank](int64_t i) { return std::clamp<int64_t>(i < 0 ? i + rank : i, 0, rank); };
  const int64_t length = std::max<int64_t>(0, clamp(end) - clamp(start));
  return ctx.SetOutput(0, DataType::kInt64, Shape{Dim::Known(length)});
}

absl::Status InferConstantOfShape(InferContext& ctx) {
  DataType dtype = DataType::kFloat32;
  if (ctx.attrs().Has("value")) {
    SF_ASSIGN_OR_RETURN(Tensor value, ctx.attrs().GetTensor("value"));
    SF_CHECK_ARG(value.num_elements() == 1, "attribute 'value' must hold one element, has ",
                 value.num_elements());
    dtype = value.dtype();
  }
  SF_ASSIGN_OR_RETURN(IntsOrNone target, ctx.ConstantInts(0));
  if (!target) return ctx.SetOutput(0, dtype, ShapeOfUnknownDims(ctx.shape(0)));
  SF_RETURN_IF_ERROR(CheckedElementCount(*target, "ConstantOfShape output").status());
  return ctx.SetOutput(0, dtype, MakeShape(*target));
}

// Made by graph/passes/fuse_elementwise.h on a graph with concrete shapes:
// its outputs keep them, once its program checks out against them.
absl::Status InferFusedElementwise(InferContext& ctx) {
  SF_RETURN_IF_ERROR(ReadFusedProgram(ctx.graph(), ctx.node()).status());
  for (int i = 0; i < static_cast<int>(ctx.node().outputs.size()); ++i) {
    const Value& out = ctx.graph().value(ctx.node().outputs[i]);
    SF_RETURN_IF_ERROR(ctx.SetOutput(i, out.dtype, out.shape));
  }
  return absl::OkStatus();
}

constexpr ShapeFnEntry kTable[] = {
    {OpType::kReshape, InferReshape},
    {OpType::kFlatten, InferFlatten},
    {OpType::kTranspose, InferTranspose},
    {OpType::kSqueeze, InferSqueeze},
    {OpType::kUnsqueeze, InferUnsqueeze},
    {OpType::kConcat, InferConcat},
    {OpType::kSlice, InferSlice},
    {OpType::kSplit, InferSplit},
    {OpType::kGather, InferGather},
    {OpType::kPad, InferPad},
    {OpType::kExpand, InferExpand},
    {OpType::kShape, InferShape},
    {OpType::kConstantOfShape, InferConstantOfShape},
    {OpType::kFusedElementwise, InferFusedElementwise},
};

}  // namespace

std::span<const ShapeFnEntry> LayoutShapeFns() { return kTable; }

}  // namespace sf::shape_internal
