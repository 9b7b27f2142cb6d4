// ReduceSum / ReduceMean over the "axes" attribute (empty = all axes, or a
// copy with noop_with_empty_axes), keepdims. Floating types accumulate in
// double; integer types in their own type (mean truncates). A streamed time
// reduction (Node::carries_state) accumulates across Compute calls.
#include <algorithm>
#include <type_traits>
#include <vector>

#include "graph/status.h"
#include "runtime/cpu/broadcast.h"
#include "runtime/cpu/kernel_factories.h"
#include "runtime/cpu/kernel_util.h"

namespace sf {
namespace {

class ReduceKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_RETURN_IF_ERROR(CheckArity(node, 1, 1, 1, 1));
    dtype_ = InputType(graph, node, 0);
    SF_RETURN_IF_ERROR(VisitArithmetic(node, dtype_, [](auto) { return absl::OkStatus(); }));
    SF_ASSIGN_OR_RETURN(x_dims_, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, node.attrs.GetIntsOr("axes", {}));
    SF_ASSIGN_OR_RETURN(int64_t keepdims, node.attrs.GetIntOr("keepdims", 1));
    SF_ASSIGN_OR_RETURN(int64_t noop, node.attrs.GetIntOr("noop_with_empty_axes", 0));
    const int64_t rank = static_cast<int64_t>(x_dims_.size());
    std::vector<bool> reduced(rank, axes.empty() && noop == 0);
    for (int64_t a : axes) {
      SF_ASSIGN_OR_RETURN(int axis, NormalizeAxis(node, a, rank));
      reduced[axis] = true;
    }
    std::vector<int64_t> kept_dims;  // keepdims form: reduced dims become 1
    std::vector<int64_t> expected;
    count_ = 1;
    for (int64_t i = 0; i < rank; ++i) {
      kept_dims.push_back(reduced[i] ? 1 : x_dims_[i]);
      if (reduced[i]) count_ *= x_dims_[i];
      if (!reduced[i] || keepdims != 0) expected.push_back(kept_dims.back());
    }
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
    if (y != expected || OutputType(graph, node, 0) != dtype_) {
      return NodeError(node, "output ", ShapeToString(y), " should be ", ToString(dtype_),
                       ShapeToString(expected));
    }
    // Walking the input, the plan gives each element's output offset.
    const std::vector<int64_t> out_as_input[1] = {kept_dims};
    SF_ASSIGN_OR_RETURN(plan_, BroadcastPlan::Create(node, out_as_input, x_dims_));
    acc_.assign(Product(kept_dims), 0.0);
    carries_state_ = node.carries_state;
    if (carries_state_ && !IsFloating(dtype_)) {
      return NodeError(node, "a streamed time reduction needs a floating-point input, got ",
                       ToString(dtype_));
    }
    return absl::OkStatus();
  }

  void ResetState() override {
    std::fill(acc_.begin(), acc_.end(), 0.0);
    runs_ = 0;
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], dtype_, x_dims_, "input"));
    const bool mean = label_.op == OpType::kReduceMean;
    return VisitArithmetic(label_, dtype_, [&](auto tag) {
      using T = decltype(tag);
      const T* x = inputs[0]->data<T>();
      T* y = outputs[0]->data<T>();
      if constexpr (std::is_floating_point_v<T>) {
        // Streamed (Node::carries_state): acc_ holds the sum of the earlier
        // steps, so after T runs it equals the all-T sum, same order.
        if (!carries_state_) ResetState();
        Accumulate(x, acc_.data());
        ++runs_;
        const double div =
            mean && count_ > 0 ? static_cast<double>(count_) * static_cast<double>(runs_) : 1.0;
        for (size_t i = 0; i < acc_.size(); ++i) y[i] = static_cast<T>(acc_[i] / div);
      } else {
        std::fill(y, y + acc_.size(), T{0});
        Accumulate(x, y);
        if (mean && count_ > 0) {
          for (size_t i = 0; i < acc_.size(); ++i) y[i] = static_cast<T>(y[i] / count_);
        }
      }
      return absl::OkStatus();
    });
  }

 private:
  template <typename T, typename A>
  void Accumulate(const T* x, A* acc) const {
    plan_.ForEachRun([&](int64_t in, int64_t len, const BroadcastPlan::Offsets& off,
                         const BroadcastPlan::Offsets& step) {
      for (int64_t j = 0; j < len; ++j) {
        A& a = acc[off[0] + j * step[0]];
        if constexpr (std::is_integral_v<A>) {
          // Integer sums wrap around (two's complement), as in NumPy and ONNX
          // Runtime; a signed overflow would be undefined behaviour.
          using U = std::make_unsigned_t<A>;
          a = static_cast<A>(static_cast<U>(a) + static_cast<U>(x[in + j]));
        } else {
          a += x[in + j];
        }
      }
    });
  }

  Node label_;
  DataType dtype_ = DataType::kUndefined;
  std::vector<int64_t> x_dims_;
  int64_t count_ = 1;
  BroadcastPlan plan_;
  std::vector<double> acc_;  // floating accumulation, one per output
  bool carries_state_ = false;
  int64_t runs_ = 0;  // Computes since ResetState
};

}  // namespace

std::unique_ptr<CpuKernel> MakeReduceKernel(OpType) { return std::make_unique<ReduceKernel>(); }

}  // namespace sf
