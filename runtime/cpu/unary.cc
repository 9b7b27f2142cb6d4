// Elementwise unary ops: float32 math (Relu Sigmoid Tanh Exp Sqrt Floor Ceil
// Round Erf Log Reciprocal Sign Softplus HardSwish, and LeakyRelu Elu
// HardSigmoid with their attributes), arithmetic on all numeric types (Neg
// Abs), Not (bool) and Clip.
#include <cmath>
#include <limits>
#include <vector>

#include "graph/status.h"
#include "runtime/cpu/kernel_factories.h"
#include "runtime/cpu/kernel_util.h"

namespace sf {
namespace {

template <typename T, typename F>
void Map(const Tensor& x, Tensor& y, F f) {
  const T* in = x.data<T>();
  T* out = y.data<T>();
  for (int64_t i = 0; i < x.num_elements(); ++i) out[i] = f(in[i]);
}

// `alpha`, `beta`: the attributes of LeakyRelu, Elu and HardSigmoid. The
// expressions match cuda/kernels/elementwise_ops.cuh's ApplyUnary.
absl::Status ComputeFloatMath(OpType op, float alpha, float beta, const Tensor& x, Tensor& y) {
  switch (op) {
    case OpType::kRelu: Map<float>(x, y, [](float v) { return v > 0.0f ? v : 0.0f; }); break;
    case OpType::kSigmoid:
      Map<float>(x, y, [](float v) { return 1.0f / (1.0f + std::exp(-v)); });
      break;
    case OpType::kTanh: Map<float>(x, y, [](float v) { return std::tanh(v); }); break;
    case OpType::kExp: Map<float>(x, y, [](float v) { return std::exp(v); }); break;
    case OpType::kSqrt: Map<float>(x, y, [](float v) { return std::sqrt(v); }); break;
    case OpType::kFloor: Map<float>(x, y, [](float v) { return std::floor(v); }); break;
    case OpType::kCeil:
      Map<float>(x, y, [](float v) { return std::ceil(v); });
      break;
    // Halves to even (the default rounding mode), as ONNX's Round.
    case OpType::kRound:
      Map<float>(x, y, [](float v) { return std::nearbyint(v); });
      break;
    case OpType::kErf:
      Map<float>(x, y, [](float v) { return std::erf(v); });
      break;
    case OpType::kLog:
      Map<float>(x, y, [](float v) { return std::log(v); });
      break;
    case OpType::kReciprocal:
      Map<float>(x, y, [](float v) { return 1.0f / v; });
      break;
    // 0 stays 0 (with its sign), NaN stays NaN.
    case OpType::kSign:
      Map<float>(x, y, [](float v) { return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : v); });
      break;
    // log(1 + exp(x)) without overflow, as ONNX Runtime computes it.
    case OpType::kSoftplus:
      Map<float>(x, y, [](float v) {
        return v > 0.0f ? v + std::log1p(std::exp(-v)) : std::log1p(std::exp(v));
      });
      break;
    case OpType::kHardSwish:
      Map<float>(x, y, [](float v) {
        const float h = v * (1.0f / 6.0f) + 0.5f;
        return v * (h < 0.0f ? 0.0f : (h > 1.0f ? 1.0f : h));
      });
      break;
    case OpType::kLeakyRelu:
      Map<float>(x, y, [alpha](float v) { return v < 0.0f ? alpha * v : v; });
      break;
    case OpType::kElu:
      Map<float>(x, y, [alpha](float v) { return v < 0.0f ? alpha * std::expm1(v) : v; });
      break;
    case OpType::kHardSigmoid:
      Map<float>(x, y, [alpha, beta](float v) {
        const float h = alpha * v + beta;
        return h < 0.0f ? 0.0f : (h > 1.0f ? 1.0f : h);
      });
      break;
    default: break;
  }
  return absl::OkStatus();
}

class UnaryKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_RETURN_IF_ERROR(CheckArity(node, 1, 1, 1, 1));
    dtype_ = InputType(graph, node, 0);
    SF_ASSIGN_OR_RETURN(dims_, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> out, OutputDims(graph, node, 0));
    if (out != dims_ || OutputType(graph, node, 0) != dtype_) {
      return NodeError(node, "output must have the input's type and shape");
    }
    switch (node.op) {
      case OpType::kNeg:
      case OpType::kAbs:
        return VisitArithmetic(node, dtype_, [](auto) { return absl::OkStatus(); });
      case OpType::kNot:
        if (dtype_ != DataType::kBool) return NodeError(node, "input must be bool");
        return absl::OkStatus();
      default:
        if (dtype_ != DataType::kFloat32) return NodeError(node, "input must be float32");
        break;
    }
    SF_ASSIGN_OR_RETURN(params_, ActivationParamsOf(node));
    return absl::OkStatus();
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], dtype_, dims_, "input"));
    const Tensor& x = *inputs[0];
    Tensor& y = *outputs[0];
    switch (label_.op) {
      case OpType::kNeg:
        return VisitArithmetic(label_, dtype_, [&](auto tag) {
          using T = decltype(tag);
          Map<T>(x, y, [](T v) { return static_cast<T>(-v); });
          return absl::OkStatus();
        });
      case OpType::kAbs:
        return VisitArithmetic(label_, dtype_, [&](auto tag) {
          using T = decltype(tag);
          Map<T>(x, y, [](T v) { return v < T{0} ? static_cast<T>(-v) : v; });
          return absl::OkStatus();
        });
      case OpType::kNot:
        Map<bool>(x, y, [](bool v) { return !v; });
        return absl::OkStatus();
      default:
        return ComputeFloatMath(label_.op, params_.alpha, params_.beta, x, y);
    }
  }
  // Elementwise: y[i] = f(x[i]).
  int InPlaceInput() const override { return 0; }

 private:
  Node label_;
  DataType dtype_ = DataType::kUndefined;
  std::vector<int64_t> dims_;
  ActivationParams params_;  // LeakyRelu, Elu, HardSigmoid
};

// Clip(x, [min], [max]) on float32; the bounds are scalar inputs read at Compute.
class ClipKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_RETURN_IF_ERROR(CheckArity(node, 1, 3, 1, 1));
    SF_ASSIGN_OR_RETURN(dims_, InputDims(graph, node, 0));
    for (int i = 0; i < 3; ++i) {
      if (HasInput(node, i) && InputType(graph, node, i) != DataType::kFloat32) {
        return NodeError(node, "input ", i, " must be float32");
      }
    }
    return absl::OkStatus();
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], DataType::kFloat32, dims_, "input"));
    float lo = -std::numeric_limits<float>::infinity();
    float hi = std::numeric_limits<float>::infinity();
    SF_RETURN_IF_ERROR(ReadBound(inputs, 1, &lo));
    SF_RETURN_IF_ERROR(ReadBound(inputs, 2, &hi));
    Map<float>(*inputs[0], *outputs[0], [lo, hi](float v) {
      return v < lo ? lo : (v > hi ? hi : v);
    });
    return absl::OkStatus();
  }

 private:
  absl::Status ReadBound(std::span<const Tensor* const> inputs, size_t i, float* v) const {
    if (i >= inputs.size() || inputs[i] == nullptr) return absl::OkStatus();
    if (inputs[i]->dtype() != DataType::kFloat32 || inputs[i]->num_elements() != 1) {
      return NodeError(label_, "min/max must be float32 scalars");
    }
    *v = inputs[i]->data<float>()[0];
    return absl::OkStatus();
  }

  Node label_;
  std::vector<int64_t> dims_;
};

}  // namespace

std::unique_ptr<CpuKernel> MakeUnaryKernel(OpType) { return std::make_unique<UnaryKernel>(); }
std::unique_ptr<CpuKernel> MakeClipKernel(OpType) { return std::make_unique<ClipKernel>(); }

}  // namespace sf
