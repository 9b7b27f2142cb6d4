// Shape functions of Conv, MaxPool, AveragePool and GlobalAveragePool.
#include "absl/strings/str_cat.h"
#include "graph/shape_inference_internal.h"
#include "graph/status.h"

namespace sf::shape_internal {
namespace {

enum class AutoPad { kNotSet, kSameUpper, kSameLower, kValid };

struct AutoPadName {
  absl::string_view name;
  AutoPad mode;
};
constexpr AutoPadName kAutoPadNames[] = {{"NOTSET", AutoPad::kNotSet},
                                         {"SAME_UPPER", AutoPad::kSameUpper},
                                         {"SAME_LOWER", AutoPad::kSameLower},
                                         {"VALID", AutoPad::kValid}};

// Sliding-window attributes common to Conv and the pools, validated.
struct Window {
  std::vector<Dim> kernel;  // per spatial dim; unknown when W's dim is symbolic
  std::vector<int64_t> strides, dilations, pads;  // pads: begins then ends
  AutoPad auto_pad = AutoPad::kNotSet;
  bool ceil_mode = false;
};

absl::StatusOr<std::vector<int64_t>> PositiveInts(const Attrs& attrs, absl::string_view name,
                                                  size_t size, int64_t def, int64_t min) {
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> v,
                      attrs.GetIntsOr(name, std::vector<int64_t>(size, def)));
  SF_CHECK_ARG(v.size() == size, "attribute '", name, "' has ", v.size(), " values, expected ",
               size);
  for (int64_t x : v) {
    SF_CHECK_ARG(x >= min && x <= kMaxTensorElements, "attribute '", name, "' value ", x,
                 " is out of range");
  }
  return v;
}

// Reads strides/dilations/pads/auto_pad/ceil_mode for `kernel.size()` spatial dims.
absl::StatusOr<Window> ReadWindow(const Attrs& attrs, std::vector<Dim> kernel) {
  Window w;
  const size_t n = kernel.size();
  w.kernel = std::move(kernel);
  SF_ASSIGN_OR_RETURN(w.strides, PositiveInts(attrs, "strides", n, 1, 1));
  SF_ASSIGN_OR_RETURN(w.dilations, PositiveInts(attrs, "dilations", n, 1, 1));
  SF_ASSIGN_OR_RETURN(w.pads, PositiveInts(attrs, "pads", 2 * n, 0, 0));
  SF_ASSIGN_OR_RETURN(std::string auto_pad, attrs.GetStringOr("auto_pad", "NOTSET"));
  bool found = false;
  for (const AutoPadName& a : kAutoPadNames) {
    if (a.name == auto_pad) {
      w.auto_pad = a.mode;
      found = true;
    }
  }
  SF_CHECK_ARG(found, "unknown auto_pad '", auto_pad, "'");
  SF_ASSIGN_OR_RETURN(int64_t ceil_mode, attrs.GetIntOr("ceil_mode", 0));
  w.ceil_mode = ceil_mode != 0;
  return w;
}

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Output size of spatial dim i for input size `in`.
absl::StatusOr<Dim> WindowOutputDim(const Window& w, size_t i, const Dim& in) {
  if (!in.known() || !w.kernel[i].known()) return UnknownDim();
  const int64_t stride = w.strides[i];
  SF_ASSIGN_OR_RETURN(int64_t span, MulSizes(w.kernel[i].value - 1, w.dilations[i]));
  const int64_t effective_kernel = span + 1;
  const int64_t pad_begin = w.pads[i], pad_end = w.pads[i + w.kernel.size()];
  int64_t out = 0;
  switch (w.auto_pad) {
    case AutoPad::kSameUpper:
    case AutoPad::kSameLower:
      out = CeilDiv(in.value, stride);
      break;
    case AutoPad::kValid:
      out = in.value >= effective_kernel ? (in.value - effective_kernel) / stride + 1 : 0;
      break;
    case AutoPad::kNotSet: {
      SF_ASSIGN_OR_RETURN(int64_t padded, AddSizes(in.value, pad_begin));
      SF_ASSIGN_OR_RETURN(padded, AddSizes(padded, pad_end));
      if (padded < effective_kernel) break;
      const int64_t room = padded - effective_kernel;
      out = (w.ceil_mode ? CeilDiv(room, stride) : room / stride) + 1;
      // A window may not start in the end padding (PyTorch / ONNX reference rule).
      if (w.ceil_mode && (out - 1) * stride >= in.value + pad_begin) --out;
      break;
    }
  }
  SF_CHECK_ARG(out > 0, "output size ", out, " <= 0 in spatial dim ", i, " (input ", in.value,
               ", effective kernel ", effective_kernel, ", stride ", stride, ")");
  return Dim::Known(out);
}

absl::StatusOr<Shape> SpatialOutput(const Window& w, const Shape& x, Dim channels) {
  Shape out = {x[0], std::move(channels)};
  for (size_t i = 0; i < w.kernel.size(); ++i) {
    SF_ASSIGN_OR_RETURN(Dim d, WindowOutputDim(w, i, x[i + 2]));
    out.push_back(std::move(d));
  }
  return out;
}

absl::Status InferConv(InferContext& ctx) {
  constexpr int kRank = 4;  // only 2-D convolutions
  const std::optional<Shape>& xs = ctx.shape(0);
  const std::optional<Shape>& ws = ctx.shape(1);
  SF_CHECK_ARG(!xs || xs->size() == kRank, "X must be 4-D (NCHW), got ", ShapeToString(xs));
  SF_CHECK_ARG(!ws || ws->size() == kRank, "W must be 4-D (MCkHkW), got ", ShapeToString(ws));
  const Shape x = xs ? *xs : UnknownShape(kRank);
  const Shape w = ws ? *ws : UnknownShape(kRank);
  SF_ASSIGN_OR_RETURN(int64_t group, ctx.attrs().GetIntOr("group", 1));
  SF_CHECK_ARG(group >= 1 && group <= kMaxTensorElements, "group must be >= 1, got ", group);
  if (x[1].known() && w[1].known()) {
    SF_ASSIGN_OR_RETURN(int64_t expected, MulSizes(w[1].value, group));
    SF_CHECK_ARG(x[1].value == expected, "X has ", x[1].value, " channels but W ",
                 ShapeToString(ws), " with group ", group, " expects ", expected);
  }
  SF_CHECK_ARG(!w[0].known() || w[0].value % group == 0, "output channels ", w[0].value,
               " are not divisible by group ", group);
  if (ctx.has_input(2)) {
    const std::optional<Shape>& b = ctx.shape(2);
    SF_CHECK_ARG(!b || b->size() == 1, "B must be 1-D, got ", ShapeToString(b));
    if (b) SF_RETURN_IF_ERROR(MergeDims((*b)[0], w[0], "bias size vs output channels").status());
    SF_RETURN_IF_ERROR(CheckSameDtype(ctx, 0, 2));
  }
  SF_RETURN_IF_ERROR(CheckSameDtype(ctx, 0, 1));
  std::vector<Dim> kernel(w.begin() + 2, w.end());
  if (ctx.attrs().Has("kernel_shape")) {
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> ks,
                        PositiveInts(ctx.attrs(), "kernel_shape", kRank - 2, 1, 1));
    for (size_t i = 0; i < ks.size(); ++i) {
      SF_ASSIGN_OR_RETURN(kernel[i], MergeDims(kernel[i], Dim::Known(ks[i]),
                                               "kernel_shape vs W"));
    }
  }
  SF_ASSIGN_OR_RETURN(Window win, ReadWindow(ctx.attrs(), std::move(kernel)));
  SF_ASSIGN_OR_RETURN(Shape out, SpatialOutput(win, x, w[0]));
  return ctx.SetOutput(0, ctx.dtype(0), std::move(out));
}

absl::Status InferPool(InferContext& ctx) {
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> ks, ctx.attrs().GetIntsOr("kernel_shape", {}));
  SF_CHECK_ARG(!ks.empty(), "missing required attribute 'kernel_shape'");
  SF_ASSIGN_OR_RETURN(ks, PositiveInts(ctx.attrs(), "kernel_shape", ks.size(), 1, 1));
  const int rank = static_cast<int>(ks.size()) + 2;
  const std::optional<Shape>& xs = ctx.shape(0);
  SF_CHECK_ARG(!xs || static_cast<int>(xs->size()) == rank, "X must have rank ", rank,
               " for kernel_shape of size ", ks.size(), ", got ", ShapeToString(xs));
  const Shape x = xs ? *xs : UnknownShape(rank);
  SF_ASSIGN_OR_RETURN(Window win, ReadWindow(ctx.attrs(), MakeShape(ks)));
  SF_ASSIGN_OR_RETURN(Shape out, SpatialOutput(win, x, x[1]));
  return ctx.SetOutput(0, ctx.dtype(0), std::move(out));
}

absl::Status InferGlobalAveragePool(InferContext& ctx) {
  const std::optional<Shape>& x = ctx.shape(0);
  if (!x) return ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
  SF_CHECK_ARG(x->size() >= 3, "X must have rank >= 3, got ", ShapeToString(x));
  Shape out(x->size(), Dim::Known(1));
  out[0] = (*x)[0];
  out[1] = (*x)[1];
  return ctx.SetOutput(0, ctx.dtype(0), std::move(out));
}

constexpr ShapeFnEntry kTable[] = {
    {OpType::kConv, InferConv},
    {OpType::kMaxPool, InferPool},
    {OpType::kAveragePool, InferPool},
    {OpType::kGlobalAveragePool, InferGlobalAveragePool},
};

}  // namespace

std::span<const ShapeFnEntry> SpatialShapeFns() { return kTable; }

}  // namespace sf::shape_internal
