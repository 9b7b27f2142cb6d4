// GPU elementwise ops: unary math, Clip, Cast, binary arithmetic/comparisons
// with broadcasting (Add ... LessOrEqual, variadic Sum/Max/Min) and Where.
// float16 tensors are computed in float32 and stored rounded.
#include <vector>

#include "cuda/cuda_status.h"
#include "cuda/kernels/elementwise.h"
#include "graph/status.h"
#include "runtime/cpu/broadcast.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/gpu/gpu_kernel_factories.h"
#include "runtime/gpu/indexing.h"

namespace sf {
namespace {

struct UnaryRow {
  OpType op;
  cuda::UnaryOp unary;
};
constexpr UnaryRow kUnaryOps[] = {
    {OpType::kRelu, cuda::UnaryOp::kRelu},
    {OpType::kSigmoid, cuda::UnaryOp::kSigmoid},
    {OpType::kTanh, cuda::UnaryOp::kTanh},
    {OpType::kExp, cuda::UnaryOp::kExp},
    {OpType::kSqrt, cuda::UnaryOp::kSqrt},
    {OpType::kFloor, cuda::UnaryOp::kFloor},
    {OpType::kNeg, cuda::UnaryOp::kNeg},
    {OpType::kAbs, cuda::UnaryOp::kAbs},
    {OpType::kNot, cuda::UnaryOp::kNot},
    {OpType::kCeil, cuda::UnaryOp::kCeil},
    {OpType::kRound, cuda::UnaryOp::kRound},
    {OpType::kErf, cuda::UnaryOp::kErf},
    {OpType::kLog, cuda::UnaryOp::kLog},
    {OpType::kReciprocal, cuda::UnaryOp::kReciprocal},
    {OpType::kSign, cuda::UnaryOp::kSign},
    {OpType::kSoftplus, cuda::UnaryOp::kSoftplus},
    {OpType::kHardSwish, cuda::UnaryOp::kHardSwish},
    {OpType::kLeakyRelu, cuda::UnaryOp::kLeakyRelu},
    {OpType::kElu, cuda::UnaryOp::kElu},
    {OpType::kHardSigmoid, cuda::UnaryOp::kHardSigmoid},
};

struct BinaryRow {
  OpType op;
  cuda::BinaryOp binary;
};
constexpr BinaryRow kBinaryOps[] = {
    {OpType::kAdd, cuda::BinaryOp::kAdd},
    {OpType::kSum, cuda::BinaryOp::kAdd},
    {OpType::kSub, cuda::BinaryOp::kSub},
    {OpType::kMul, cuda::BinaryOp::kMul},
    {OpType::kDiv, cuda::BinaryOp::kDiv},
    {OpType::kMax, cuda::BinaryOp::kMax},
    {OpType::kMin, cuda::BinaryOp::kMin},
    {OpType::kPow, cuda::BinaryOp::kPow},
    {OpType::kEqual, cuda::BinaryOp::kEqual},
    {OpType::kGreater, cuda::BinaryOp::kGreater},
    {OpType::kGreaterOrEqual, cuda::BinaryOp::kGreaterOrEqual},
    {OpType::kLess, cuda::BinaryOp::kLess},
    {OpType::kLessOrEqual, cuda::BinaryOp::kLessOrEqual},
};

// float16 is computed in float32 by the kernels (cuda/kernels/elementwise.h).
bool IsArithmetic(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat16 || t == DataType::kFloat64 ||
         t == DataType::kInt32 || t == DataType::kInt64;
}

// Checks one input and one output of the same type and shape; returns the count.
absl::StatusOr<int64_t> SameShapeUnary(const Graph& graph, const Node& node, int max_inputs) {
  SF_RETURN_IF_ERROR(CheckArity(node, 1, max_inputs, 1, 1));
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> in, InputDims(graph, node, 0));
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> out, OutputDims(graph, node, 0));
  if (in != out) return NodeError(node, "output must have the input's shape");
  return Product(in);
}

class UnaryKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_ASSIGN_OR_RETURN(n_, SameShapeUnary(graph, node, 1));
    type_ = InputType(graph, node, 0);
    for (const UnaryRow& row : kUnaryOps) {
      if (row.op == node.op) op_ = row.unary;
    }
    const bool ok = op_ == cuda::UnaryOp::kNot   ? type_ == DataType::kBool
                    : op_ == cuda::UnaryOp::kNeg || op_ == cuda::UnaryOp::kAbs
                        ? IsArithmetic(type_)
                        : type_ == DataType::kFloat32 || type_ == DataType::kFloat16;
    if (!ok || OutputType(graph, node, 0) != type_) {
      return NodeError(node, "unsupported element type ", ToString(type_), " on CUDA");
    }
    SF_ASSIGN_OR_RETURN(ActivationParams p, ActivationParamsOf(node));
    params_ = cuda::UnaryParams{p.alpha, p.beta};
    return absl::OkStatus();
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchUnary(op_, type_, n_, in[0], out[0], ctx.stream, params_));
    return absl::OkStatus();
  }
  // Elementwise: y[i] = f(x[i]).
  int InPlaceInput() const override { return 0; }

 private:
  cuda::UnaryOp op_ = cuda::UnaryOp::kRelu;
  cuda::UnaryParams params_;
  DataType type_ = DataType::kFloat32;
  int64_t n_ = 0;
};

class ClipKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_ASSIGN_OR_RETURN(n_, SameShapeUnary(graph, node, 3));
    type_ = InputType(graph, node, 0);
    if (!IsArithmetic(type_)) return NodeError(node, "unsupported element type ", ToString(type_));
    for (int i = 1; i < 3; ++i) {
      if (!HasInput(node, i)) continue;
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> d, InputDims(graph, node, i));
      if (Product(d) != 1 || InputType(graph, node, i) != type_) {
        return NodeError(node, "min/max must be scalars of the input's type");
      }
    }
    return absl::OkStatus();
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    const void* lo = in.size() > 1 ? in[1] : nullptr;
    const void* hi = in.size() > 2 ? in[2] : nullptr;
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchClip(type_, n_, in[0], lo, hi, out[0], ctx.stream));
    return absl::OkStatus();
  }

 private:
  DataType type_ = DataType::kFloat32;
  int64_t n_ = 0;
};

class CastKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_ASSIGN_OR_RETURN(n_, SameShapeUnary(graph, node, 1));
    from_ = InputType(graph, node, 0);
    to_ = OutputType(graph, node, 0);
    for (DataType t : {from_, to_}) {
      if (!IsArithmetic(t) && t != DataType::kBool && t != DataType::kInt8 &&
          t != DataType::kUInt8) {
        return NodeError(node, "Cast of ", ToString(t), " is not supported on CUDA");
      }
    }
    return absl::OkStatus();
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchCast(from_, to_, n_, in[0], out[0], ctx.stream));
    return absl::OkStatus();
  }

 private:
  DataType from_ = DataType::kFloat32, to_ = DataType::kFloat32;
  int64_t n_ = 0;
};

// Binary ops and the variadic Sum/Max/Min: y = in0 op in1, then y = y op in_k
// for every further input (elementwise, so y may be read and written in place).
class BinaryKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    const bool variadic =
        node.op == OpType::kSum || node.op == OpType::kMax || node.op == OpType::kMin;
    SF_RETURN_IF_ERROR(CheckArity(node, variadic ? 1 : 2, variadic ? 1 << 20 : 2, 1, 1));
    for (const BinaryRow& row : kBinaryOps) {
      if (row.op == node.op) op_ = row.binary;
    }
    type_ = InputType(graph, node, 0);
    if (!IsArithmetic(type_)) return NodeError(node, "unsupported element type ", ToString(type_));
    if (node.op == OpType::kPow && type_ != DataType::kFloat32 && type_ != DataType::kFloat16 &&
        type_ != DataType::kFloat64) {
      return NodeError(node, "Pow needs a float base, got ", ToString(type_));
    }
    SF_ASSIGN_OR_RETURN(out_dims_, OutputDims(graph, node, 0));
    n_ = Product(out_dims_);
    const std::vector<int64_t> out_strides = ContiguousStrides(out_dims_);
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      if (InputType(graph, node, static_cast<int>(i)) != type_) {
        return NodeError(node, "inputs must share one element type");
      }
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, InputDims(graph, node, static_cast<int>(i)));
      const std::vector<std::vector<int64_t>> pair = {dims, out_dims_};
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> joint, BroadcastDims(node, pair));
      if (joint != out_dims_) {
        return NodeError(node, "input ", i, " ", ShapeToString(dims), " does not broadcast to ",
                         ShapeToString(out_dims_));
      }
      in_strides_.push_back(BroadcastStrides(dims, out_dims_));
    }
    if (node.inputs.size() == 1) {  // y = x: read x twice through Max/Min, or x + 0 for Sum
      in_strides_.push_back(in_strides_[0]);
    }
    for (size_t i = 1; i < in_strides_.size(); ++i) {
      const std::vector<std::vector<int64_t>> strides = {i == 1 ? in_strides_[0] : out_strides,
                                                         in_strides_[i]};
      SF_ASSIGN_OR_RETURN(cuda::Indexer ix, MakeIndexer(node, out_dims_, strides));
      steps_.push_back(ix);
    }
    single_sum_ = node.inputs.size() == 1 && op_ == cuda::BinaryOp::kAdd;
    in_place_ = node.inputs.size() == 2 && in_strides_[0] == out_strides ? 0 : -1;
    return absl::OkStatus();
  }
  // Two inputs, input 0 not broadcast: y[i] = op(a[i], b[j(i)]).
  int InPlaceInput() const override { return in_place_; }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    if (single_sum_) {
      SF_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(out[0], in[0], n_ * SizeOfType(),
                                              cudaMemcpyDeviceToDevice, ctx.stream));
      return absl::OkStatus();
    }
    for (size_t i = 0; i < steps_.size(); ++i) {
      const void* a = i == 0 ? in[0] : out[0];
      const void* b = in.size() == 1 ? in[0] : in[i + 1];
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchBinary(op_, type_, steps_[i], n_, a, b, out[0],
                                                 ctx.stream));
    }
    return absl::OkStatus();
  }

 private:
  size_t SizeOfType() const { return SizeOf(type_); }

  cuda::BinaryOp op_ = cuda::BinaryOp::kAdd;
  DataType type_ = DataType::kFloat32;
  std::vector<int64_t> out_dims_;
  int64_t n_ = 0;
  bool single_sum_ = false;
  int in_place_ = -1;
  std::vector<std::vector<int64_t>> in_strides_;
  std::vector<cuda::Indexer> steps_;
};

class WhereKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_RETURN_IF_ERROR(CheckArity(node, 3, 3, 1, 1));
    if (InputType(graph, node, 0) != DataType::kBool) {
      return NodeError(node, "condition must be bool");
    }
    const DataType t = InputType(graph, node, 1);
    if (InputType(graph, node, 2) != t || OutputType(graph, node, 0) != t) {
      return NodeError(node, "X, Y and the output must share one element type");
    }
    elem_bytes_ = SizeOf(t);
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> out_dims, OutputDims(graph, node, 0));
    std::vector<std::vector<int64_t>> strides;
    for (int i = 0; i < 3; ++i) {
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, InputDims(graph, node, i));
      const std::vector<std::vector<int64_t>> pair = {dims, out_dims};
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> joint, BroadcastDims(node, pair));
      if (joint != out_dims) return NodeError(node, "input ", i, " does not broadcast");
      strides.push_back(BroadcastStrides(dims, out_dims));
    }
    SF_ASSIGN_OR_RETURN(ix_, MakeIndexer(node, out_dims, strides));
    n_ = Product(out_dims);
    return absl::OkStatus();
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchWhere(elem_bytes_, ix_, n_,
                                              static_cast<const bool*>(in[0]), in[1], in[2],
                                              out[0], ctx.stream));
    return absl::OkStatus();
  }

 private:
  size_t elem_bytes_ = 4;
  cuda::Indexer ix_;
  int64_t n_ = 0;
};

}  // namespace

std::unique_ptr<GpuKernel> MakeGpuUnaryKernel(OpType) { return std::make_unique<UnaryKernel>(); }
std::unique_ptr<GpuKernel> MakeGpuClipKernel(OpType) { return std::make_unique<ClipKernel>(); }
std::unique_ptr<GpuKernel> MakeGpuCastKernel(OpType) { return std::make_unique<CastKernel>(); }
std::unique_ptr<GpuKernel> MakeGpuBinaryKernel(OpType) { return std::make_unique<BinaryKernel>(); }
std::unique_ptr<GpuKernel> MakeGpuWhereKernel(OpType) { return std::make_unique<WhereKernel>(); }

}  // namespace sf
