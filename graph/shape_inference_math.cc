// Shape functions of Gemm, MatMul and the reductions.
#include <algorithm>

#include "graph/shape_inference_internal.h"
#include "graph/status.h"

namespace sf::shape_internal {
namespace {

absl::Status InferGemm(InferContext& ctx) {
  SF_RETURN_IF_ERROR(CheckSameDtype(ctx, 0, 1));
  const std::optional<Shape>& a = ctx.shape(0);
  const std::optional<Shape>& b = ctx.shape(1);
  SF_CHECK_ARG(!a || a->size() == 2, "A must be 2-D, got ", ShapeToString(a));
  SF_CHECK_ARG(!b || b->size() == 2, "B must be 2-D, got ", ShapeToString(b));
  SF_ASSIGN_OR_RETURN(int64_t trans_a, ctx.attrs().GetIntOr("transA", 0));
  SF_ASSIGN_OR_RETURN(int64_t trans_b, ctx.attrs().GetIntOr("transB", 0));
  const Dim m = a ? (*a)[trans_a ? 1 : 0] : UnknownDim();
  const Dim n = b ? (*b)[trans_b ? 0 : 1] : UnknownDim();
  if (a && b) {
    SF_RETURN_IF_ERROR(MergeDims((*a)[trans_a ? 0 : 1], (*b)[trans_b ? 1 : 0], "Gemm K").status());
  }
  Shape out = {m, n};
  if (ctx.has_input(2)) {
    SF_ASSIGN_OR_RETURN(std::optional<Shape> with_c, BroadcastShapes(out, ctx.shape(2)));
    SF_CHECK_ARG(!with_c || with_c->size() == 2, "C ", ShapeToString(ctx.shape(2)),
                 " does not broadcast to [M, N]");
  }
  return ctx.SetOutput(0, ctx.dtype(0), std::move(out));
}

// numpy matmul: 1-D operands gain (and then lose) a unit dim; batch dims broadcast.
absl::Status InferMatMul(InferContext& ctx) {
  SF_RETURN_IF_ERROR(CheckSameDtype(ctx, 0, 1));
  const std::optional<Shape>& a = ctx.shape(0);
  const std::optional<Shape>& b = ctx.shape(1);
  if (!a || !b) return ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
  SF_CHECK_ARG(!a->empty() && !b->empty(), "MatMul operands must have rank >= 1, got ",
               ShapeToString(a), " and ", ShapeToString(b));
  Shape sa = *a, sb = *b;
  if (sa.size() == 1) sa.insert(sa.begin(), Dim::Known(1));
  if (sb.size() == 1) sb.push_back(Dim::Known(1));
  SF_RETURN_IF_ERROR(MergeDims(sa.back(), sb[sb.size() - 2], "MatMul K").status());
  SF_ASSIGN_OR_RETURN(std::optional<Shape> batch,
                      BroadcastShapes(Shape(sa.begin(), sa.end() - 2),
                                      Shape(sb.begin(), sb.end() - 2)));
  Shape out = *batch;
  if (a->size() > 1) out.push_back(sa[sa.size() - 2]);
  if (b->size() > 1) out.push_back(sb.back());
  return ctx.SetOutput(0, ctx.dtype(0), std::move(out));
}

absl::Status InferReduce(InferContext& ctx) {
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, ctx.attrs().GetIntsOr("axes", {}));
  SF_ASSIGN_OR_RETURN(int64_t keepdims, ctx.attrs().GetIntOr("keepdims", 1));
  SF_ASSIGN_OR_RETURN(int64_t noop, ctx.attrs().GetIntOr("noop_with_empty_axes", 0));
  const std::optional<Shape>& x = ctx.shape(0);
  if (axes.empty() && noop != 0) return ctx.SetOutput(0, ctx.dtype(0), x);
  if (!x) return ctx.SetOutput(0, ctx.dtype(0), std::nullopt);
  const int rank = static_cast<int>(x->size());
  std::vector<bool> reduced(rank, axes.empty());
  SF_ASSIGN_OR_RETURN(std::vector<int> norm, NormalizeAxes(axes, rank));
  for (int axis : norm) reduced[axis] = true;
  Shape out;
  for (int i = 0; i < rank; ++i) {
    if (!reduced[i]) {
      out.push_back((*x)[i]);
    } else if (keepdims != 0) {
      out.push_back(Dim::Known(1));
    }
  }
  return ctx.SetOutput(0, ctx.dtype(0), std::move(out));
}

constexpr ShapeFnEntry kTable[] = {
    {OpType::kGemm, InferGemm},
    {OpType::kMatMul, InferMatMul},
    {OpType::kReduceMean, InferReduce},
    {OpType::kReduceSum, InferReduce},
};

}  // namespace

std::span<const ShapeFnEntry> MathShapeFns() { return kTable; }

}  // namespace sf::shape_internal
