// Shape functions of elementwise ops: unary math, broadcasting arithmetic and
// comparisons, Where, Cast, Clip, Dropout, BatchNormalization, Softmax, neurons.
#include "absl/strings/str_cat.h"
#include "graph/shape_inference_internal.h"
#include "graph/status.h"

namespace sf::shape_internal {
namespace {

absl::Status SameAsInput(InferContext& ctx) {
  return ctx.SetOutput(0, ctx.dtype(0), ctx.shape(0));
}

absl::Status InferNot(InferContext& ctx) {
  SF_CHECK_ARG(ctx.dtype(0) == DataType::kBool || ctx.dtype(0) == DataType::kUndefined,
               "input must be bool, got ", ToString(ctx.dtype(0)));
  return SameAsInput(ctx);
}

// Broadcasts all present inputs in [first, num_inputs) that share input `first`'s dtype.
absl::StatusOr<std::optional<Shape>> BroadcastInputs(const InferContext& ctx, int first) {
  std::optional<Shape> shape = ctx.shape(first);
  for (int i = first + 1; i < ctx.num_inputs(); ++i) {
    SF_RETURN_IF_ERROR(CheckSameDtype(ctx, first, i));
    SF_ASSIGN_OR_RETURN(shape, BroadcastShapes(shape, ctx.shape(i)));
  }
  return shape;
}

absl::Status InferBroadcast(InferContext& ctx) {
  SF_ASSIGN_OR_RETURN(std::optional<Shape> shape, BroadcastInputs(ctx, 0));
  return ctx.SetOutput(0, ctx.dtype(0), std::move(shape));
}

bool FloatOrUnknown(DataType t) {
  return t == DataType::kUndefined || t == DataType::kFloat32 || t == DataType::kFloat16;
}

// Erf, Log, LeakyRelu, ...: float32 or float16 in, the same type and shape out.
absl::Status InferFloatMath(InferContext& ctx) {
  SF_CHECK_ARG(FloatOrUnknown(ctx.dtype(0)), "input must be float32 or float16, got ",
               ToString(ctx.dtype(0)));
  return SameAsInput(ctx);
}

// A float base and an exponent of its type (the importer makes a constant
// integer exponent float32), broadcast.
absl::Status InferPow(InferContext& ctx) {
  SF_CHECK_ARG(FloatOrUnknown(ctx.dtype(0)), "base must be float32 or float16, got ",
               ToString(ctx.dtype(0)));
  return InferBroadcast(ctx);
}

absl::Status InferComparison(InferContext& ctx) {
  SF_ASSIGN_OR_RETURN(std::optional<Shape> shape, BroadcastInputs(ctx, 0));
  return ctx.SetOutput(0, DataType::kBool, std::move(shape));
}

absl::Status InferWhere(InferContext& ctx) {
  SF_CHECK_ARG(ctx.dtype(0) == DataType::kBool || ctx.dtype(0) == DataType::kUndefined,
               "condition must be bool, got ", ToString(ctx.dtype(0)));
  SF_ASSIGN_OR_RETURN(std::optional<Shape> xy, BroadcastInputs(ctx, 1));
  SF_ASSIGN_OR_RETURN(std::optional<Shape> shape, BroadcastShapes(ctx.shape(0), xy));
  return ctx.SetOutput(0, ctx.dtype(1), std::move(shape));
}

absl::Status InferCast(InferContext& ctx) {
  SF_ASSIGN_OR_RETURN(int64_t to, ctx.attrs().GetInt("to"));
  std::optional<DataType> dtype = DataTypeFromOnnx(static_cast<int32_t>(to));
  SF_CHECK_ARG(dtype.has_value() && to == static_cast<int32_t>(to), "unsupported Cast 'to' ", to);
  return ctx.SetOutput(0, *dtype, ctx.shape(0));
}

// Clip's optional min/max must be scalars of the input's dtype.
absl::Status InferClip(InferContext& ctx) {
  for (int i = 1; i < ctx.num_inputs(); ++i) {
    if (!ctx.has_input(i)) continue;
    SF_RETURN_IF_ERROR(CheckSameDtype(ctx, 0, i));
    const std::optional<Shape>& s = ctx.shape(i);
    SF_CHECK_ARG(!s || s->empty() || (s->size() == 1 && (*s)[0] == Dim::Known(1)), "input '",
                 ctx.input(i).name, "' must be a scalar, got ", ShapeToString(s));
  }
  return SameAsInput(ctx);
}

absl::Status InferDropout(InferContext& ctx) {
  SF_RETURN_IF_ERROR(SameAsInput(ctx));
  return ctx.SetOutput(1, DataType::kBool, ctx.shape(0));
}

absl::Status InferBatchNormalization(InferContext& ctx) {
  const std::optional<Shape>& x = ctx.shape(0);
  if (x) {
    SF_CHECK_ARG(x->size() >= 2, "X must have rank >= 2, got ", ShapeToString(x));
    for (int i = 1; i < 5; ++i) {
      const std::optional<Shape>& p = ctx.shape(i);
      if (!p) continue;
      SF_CHECK_ARG(p->size() == 1, "input '", ctx.input(i).name, "' must be 1-D, got ",
                   ShapeToString(p));
      SF_RETURN_IF_ERROR(MergeDims((*x)[1], (*p)[0], "channel count").status());
    }
  }
  return SameAsInput(ctx);
}

// X [d0..dr-1] normalised over dims axis..r-1; Scale (and B) of X's type with at
// most that many dims, their trailing dims those of X.
absl::Status InferLayerNormalization(InferContext& ctx) {
  SF_CHECK_ARG(FloatOrUnknown(ctx.dtype(0)), "X must be float32 or float16, got ",
               ToString(ctx.dtype(0)));
  const std::optional<Shape>& x = ctx.shape(0);
  if (x) {
    SF_ASSIGN_OR_RETURN(int64_t axis_attr, ctx.attrs().GetIntOr("axis", -1));
    SF_ASSIGN_OR_RETURN(int axis, NormalizeAxis(axis_attr, static_cast<int>(x->size())));
    const size_t normalized = x->size() - static_cast<size_t>(axis);
    for (int i = 1; i < ctx.num_inputs(); ++i) {
      if (!ctx.has_input(i)) continue;
      const std::optional<Shape>& p = ctx.shape(i);
      if (!p) continue;
      SF_CHECK_ARG(p->size() <= normalized, "input '", ctx.input(i).name, "' ", ShapeToString(p),
                   " has more dims than the ", normalized, " normalised ones");
      for (size_t k = 0; k < p->size(); ++k) {
        const Dim& d = (*p)[p->size() - 1 - k];
        if (d.known() && d.value == 1) continue;
        SF_RETURN_IF_ERROR(MergeDims((*x)[x->size() - 1 - k], d, "normalised dim").status());
      }
    }
  }
  return SameAsInput(ctx);
}

absl::Status InferSoftmax(InferContext& ctx) {
  if (ctx.shape(0)) {
    SF_ASSIGN_OR_RETURN(int64_t axis, ctx.attrs().GetIntOr("axis", -1));
    SF_RETURN_IF_ERROR(NormalizeAxis(axis, static_cast<int>(ctx.shape(0)->size())).status());
  }
  return SameAsInput(ctx);
}

// IF/LIF/PLIF: input [T*N, ...] with T = steps.
absl::Status InferNeuron(InferContext& ctx) {
  SF_ASSIGN_OR_RETURN(int64_t steps, ctx.attrs().GetInt("steps"));
  SF_CHECK_ARG(steps >= 1, "steps must be >= 1, got ", steps);
  const std::optional<Shape>& x = ctx.shape(0);
  if (x) {
    SF_CHECK_ARG(!x->empty(), "input must have rank >= 1 ([T*N, ...])");
    const Dim& first = (*x)[0];
    SF_CHECK_ARG(!first.known() || first.value % steps == 0, "first dim ", first.value,
                 " is not divisible by steps ", steps);
  }
  return SameAsInput(ctx);
}

constexpr ShapeFnEntry kTable[] = {
    {OpType::kAbs, SameAsInput},
    {OpType::kExp, SameAsInput},
    {OpType::kFloor, SameAsInput},
    {OpType::kIdentity, SameAsInput},
    {OpType::kNeg, SameAsInput},
    {OpType::kRelu, SameAsInput},
    {OpType::kSigmoid, SameAsInput},
    {OpType::kSqrt, SameAsInput},
    {OpType::kTanh, SameAsInput},
    {OpType::kCeil, InferFloatMath},
    {OpType::kElu, InferFloatMath},
    {OpType::kErf, InferFloatMath},
    {OpType::kHardSigmoid, InferFloatMath},
    {OpType::kHardSwish, InferFloatMath},
    {OpType::kLeakyRelu, InferFloatMath},
    {OpType::kLog, InferFloatMath},
    {OpType::kReciprocal, InferFloatMath},
    {OpType::kRound, InferFloatMath},
    {OpType::kSign, InferFloatMath},
    {OpType::kSoftplus, InferFloatMath},
    {OpType::kNot, InferNot},
    {OpType::kAdd, InferBroadcast},
    {OpType::kSub, InferBroadcast},
    {OpType::kMul, InferBroadcast},
    {OpType::kDiv, InferBroadcast},
    {OpType::kMax, InferBroadcast},
    {OpType::kMin, InferBroadcast},
    {OpType::kSum, InferBroadcast},
    {OpType::kPow, InferPow},
    {OpType::kEqual, InferComparison},
    {OpType::kGreater, InferComparison},
    {OpType::kGreaterOrEqual, InferComparison},
    {OpType::kLess, InferComparison},
    {OpType::kLessOrEqual, InferComparison},
    {OpType::kWhere, InferWhere},
    {OpType::kCast, InferCast},
    {OpType::kClip, InferClip},
    {OpType::kDropout, InferDropout},
    {OpType::kBatchNormalization, InferBatchNormalization},
    {OpType::kSoftmax, InferSoftmax},
    {OpType::kLayerNormalization, InferLayerNormalization},
    {OpType::kIF, InferNeuron},
    {OpType::kLIF, InferNeuron},
    {OpType::kPLIF, InferNeuron},
};

}  // namespace

std::span<const ShapeFnEntry> ElementwiseShapeFns() { return kTable; }

}  // namespace sf::shape_internal
