// Elementwise ops with numpy broadcasting: arithmetic (Add Sub Mul Div Max Min
// Sum, Pow of floats), comparisons (-> bool) and Where.
#include <algorithm>
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "graph/status.h"
#include "runtime/cpu/broadcast.h"
#include "runtime/cpu/kernel_factories.h"
#include "runtime/cpu/kernel_util.h"

namespace sf {
namespace {

bool IsComparison(OpType op) {
  return op == OpType::kEqual || op == OpType::kGreater || op == OpType::kGreaterOrEqual ||
         op == OpType::kLess || op == OpType::kLessOrEqual;
}

bool IsVariadic(OpType op) {
  return op == OpType::kSum || op == OpType::kMax || op == OpType::kMin;
}

// y[run] = f(a[run], b[run]) over the plan's runs.
template <typename A, typename B, typename Y, typename F>
void ApplyBinary(const BroadcastPlan& plan, const A* a, const B* b, Y* y, F f) {
  plan.ForEachRun([&](int64_t out, int64_t len, const BroadcastPlan::Offsets& off,
                      const BroadcastPlan::Offsets& step) {
    const A* pa = a + off[0];
    const B* pb = b + off[1];
    Y* py = y + out;
    if (step[0] == 1 && step[1] == 1) {
      for (int64_t j = 0; j < len; ++j) py[j] = f(pa[j], pb[j]);
    } else {
      for (int64_t j = 0; j < len; ++j) py[j] = f(pa[j * step[0]], pb[j * step[1]]);
    }
  });
}

// Integer division truncating toward zero (C++ semantics, as ONNX), with
// INT_MIN / -1 wrapping instead of overflowing.
template <typename T>
T IntDiv(T a, T b) {
  if (b == -1) return static_cast<T>(-static_cast<std::make_unsigned_t<T>>(a));
  return a / b;
}

template <typename T>
absl::Status ComputeArithmetic(const Node& label, const BroadcastPlan& plan, const T* a,
                               const T* b, int64_t b_count, T* y) {
  switch (label.op) {
    case OpType::kAdd:
    case OpType::kSum:
      ApplyBinary(plan, a, b, y, [](T u, T v) { return static_cast<T>(u + v); });
      return absl::OkStatus();
    case OpType::kSub:
      ApplyBinary(plan, a, b, y, [](T u, T v) { return static_cast<T>(u - v); });
      return absl::OkStatus();
    case OpType::kMul:
      ApplyBinary(plan, a, b, y, [](T u, T v) { return static_cast<T>(u * v); });
      return absl::OkStatus();
    case OpType::kMax:
      ApplyBinary(plan, a, b, y, [](T u, T v) { return std::max(u, v); });
      return absl::OkStatus();
    case OpType::kMin:
      ApplyBinary(plan, a, b, y, [](T u, T v) { return std::min(u, v); });
      return absl::OkStatus();
    case OpType::kPow:
      if constexpr (std::is_floating_point_v<T>) {
        ApplyBinary(plan, a, b, y, [](T u, T v) { return std::pow(u, v); });
        return absl::OkStatus();
      } else {
        return NodeError(label, "Pow needs a float base");
      }
    case OpType::kDiv:
      if constexpr (std::is_integral_v<T>) {
        if (std::find(b, b + b_count, T{0}) != b + b_count) {
          return NodeError(label, "integer division by zero");
        }
        ApplyBinary(plan, a, b, y, [](T u, T v) { return IntDiv(u, v); });
      } else {
        ApplyBinary(plan, a, b, y, [](T u, T v) { return u / v; });
      }
      return absl::OkStatus();
    default:
      return NodeError(label, "not an arithmetic op");
  }
}

template <typename T>
absl::Status ComputeComparison(const Node& label, const BroadcastPlan& plan, const T* a,
                               const T* b, bool* y) {
  switch (label.op) {
    case OpType::kEqual: ApplyBinary(plan, a, b, y, [](T u, T v) { return u == v; }); break;
    case OpType::kGreater: ApplyBinary(plan, a, b, y, [](T u, T v) { return u > v; }); break;
    case OpType::kGreaterOrEqual:
      ApplyBinary(plan, a, b, y, [](T u, T v) { return u >= v; });
      break;
    case OpType::kLess: ApplyBinary(plan, a, b, y, [](T u, T v) { return u < v; }); break;
    case OpType::kLessOrEqual: ApplyBinary(plan, a, b, y, [](T u, T v) { return u <= v; }); break;
    default: return NodeError(label, "not a comparison op");
  }
  return absl::OkStatus();
}

// Binary and variadic arithmetic/comparison. A variadic op folds left:
// y = in0 op in1, then y = y op in_k.
class BinaryKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    const int max_inputs = IsVariadic(node.op) ? std::numeric_limits<int>::max() : 2;
    SF_RETURN_IF_ERROR(CheckArity(node, IsVariadic(node.op) ? 1 : 2, max_inputs, 1, 1));
    dtype_ = InputType(graph, node, 0);
    std::vector<std::vector<int64_t>> in_dims;
    for (int i = 0; i < static_cast<int>(node.inputs.size()); ++i) {
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> d, InputDims(graph, node, i));
      if (InputType(graph, node, i) != dtype_) {
        return NodeError(node, "input ", i, " is ", ToString(InputType(graph, node, i)),
                         ", input 0 is ", ToString(dtype_));
      }
      in_dims.push_back(std::move(d));
    }
    SF_ASSIGN_OR_RETURN(out_dims_, OutputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> expected, BroadcastDims(node, in_dims));
    if (expected != out_dims_) {
      return NodeError(node, "output shape ", ShapeToString(out_dims_), " should be ",
                       ShapeToString(expected));
    }
    const DataType want_out = IsComparison(node.op) ? DataType::kBool : dtype_;
    if (OutputType(graph, node, 0) != want_out) {
      return NodeError(node, "output must be ", ToString(want_out));
    }
    SF_RETURN_IF_ERROR(VisitArithmetic(node, dtype_, [](auto) { return absl::OkStatus(); }));
    if (node.op == OpType::kPow && dtype_ != DataType::kFloat32 && dtype_ != DataType::kFloat64) {
      return NodeError(node, "Pow needs a float base, got ", ToString(dtype_));
    }
    in_place_ = !IsComparison(node.op) && in_dims.size() == 2 && in_dims[0] == out_dims_ ? 0 : -1;
    in_counts_.clear();
    plans_.clear();
    for (const auto& d : in_dims) in_counts_.push_back(Product(d));
    if (in_dims.size() == 1) {
      SF_ASSIGN_OR_RETURN(BroadcastPlan p, BroadcastPlan::Create(node, in_dims, out_dims_));
      plans_.push_back(std::move(p));
      return absl::OkStatus();
    }
    for (size_t i = 1; i < in_dims.size(); ++i) {
      const std::vector<int64_t> pair[2] = {i == 1 ? in_dims[0] : out_dims_, in_dims[i]};
      SF_ASSIGN_OR_RETURN(BroadcastPlan p, BroadcastPlan::Create(node, pair, out_dims_));
      plans_.push_back(std::move(p));
    }
    return absl::OkStatus();
  }

  // Two inputs, input 0 not broadcast: y[i] = op(a[i], b[j(i)]).
  int InPlaceInput() const override { return in_place_; }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i] == nullptr || inputs[i]->dtype() != dtype_ ||
          inputs[i]->num_elements() != in_counts_[i]) {
        return NodeError(label_, "input ", i, " does not match the prepared shape");
      }
    }
    Tensor* y = outputs[0];
    return VisitArithmetic(label_, dtype_, [&](auto tag) -> absl::Status {
      using T = decltype(tag);
      if (inputs.size() == 1) {  // Sum/Max/Min of one input: a broadcast copy.
        ApplyBinary(plans_[0], inputs[0]->data<T>(), inputs[0]->data<T>(), y->data<T>(),
                    [](T u, T) { return u; });
        return absl::OkStatus();
      }
      if (IsComparison(label_.op)) {
        return ComputeComparison(label_, plans_[0], inputs[0]->data<T>(), inputs[1]->data<T>(),
                                 y->data<bool>());
      }
      for (size_t i = 1; i < inputs.size(); ++i) {
        const T* a = i == 1 ? inputs[0]->data<T>() : y->data<T>();
        SF_RETURN_IF_ERROR(ComputeArithmetic(label_, plans_[i - 1], a, inputs[i]->data<T>(),
                                             in_counts_[i], y->data<T>()));
      }
      return absl::OkStatus();
    });
  }

 private:
  Node label_;
  DataType dtype_ = DataType::kUndefined;
  std::vector<int64_t> out_dims_;
  std::vector<int64_t> in_counts_;
  std::vector<BroadcastPlan> plans_;
  int in_place_ = -1;
};

// Where(condition, X, Y) on any element type.
class WhereKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_RETURN_IF_ERROR(CheckArity(node, 3, 3, 1, 1));
    if (InputType(graph, node, 0) != DataType::kBool) {
      return NodeError(node, "condition must be bool");
    }
    dtype_ = InputType(graph, node, 1);
    if (InputType(graph, node, 2) != dtype_ || OutputType(graph, node, 0) != dtype_) {
      return NodeError(node, "X, Y and the output must have the same element type");
    }
    std::vector<std::vector<int64_t>> in_dims;
    for (int i = 0; i < 3; ++i) {
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> d, InputDims(graph, node, i));
      in_counts_[i] = Product(d);
      in_dims.push_back(std::move(d));
    }
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> out_dims, OutputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(plan_, BroadcastPlan::Create(node, in_dims, out_dims));
    return VisitBySize(node, dtype_, [](auto) { return absl::OkStatus(); });
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    for (int i = 0; i < 3; ++i) {
      if (inputs[i] == nullptr || inputs[i]->num_elements() != in_counts_[i]) {
        return NodeError(label_, "input ", i, " does not match the prepared shape");
      }
    }
    return VisitBySize(label_, dtype_, [&](auto tag) {
      using U = decltype(tag);
      const bool* c = inputs[0]->data<bool>();
      const U* x = static_cast<const U*>(inputs[1]->raw_data());
      const U* yv = static_cast<const U*>(inputs[2]->raw_data());
      U* out = static_cast<U*>(outputs[0]->raw_data());
      plan_.ForEachRun([&](int64_t o, int64_t len, const BroadcastPlan::Offsets& off,
                           const BroadcastPlan::Offsets& step) {
        for (int64_t j = 0; j < len; ++j) {
          out[o + j] = c[off[0] + j * step[0]] ? x[off[1] + j * step[1]] : yv[off[2] + j * step[2]];
        }
      });
      return absl::OkStatus();
    });
  }

 private:
  Node label_;
  DataType dtype_ = DataType::kUndefined;
  int64_t in_counts_[3] = {0, 0, 0};
  BroadcastPlan plan_;
};

}  // namespace

std::unique_ptr<CpuKernel> MakeBinaryKernel(OpType) { return std::make_unique<BinaryKernel>(); }
std::unique_ptr<CpuKernel> MakeWhereKernel(OpType) { return std::make_unique<WhereKernel>(); }

}  // namespace sf
