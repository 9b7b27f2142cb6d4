// Ops that copy or describe data without arithmetic: the reshaping family
// (Flatten Reshape Squeeze Unsqueeze Identity Dropout: a byte copy into the
// inferred output shape), Shape, ConstantOfShape and Expand.
#include <algorithm>
#include <cstring>
#include <vector>

#include "graph/status.h"
#include "runtime/cpu/broadcast.h"
#include "runtime/cpu/kernel_factories.h"
#include "runtime/cpu/kernel_util.h"

namespace sf {
namespace {

// Copies input 0 into output 0 (same element count); Dropout's optional mask
// output is all true (inference).
class CopyKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    const bool dropout = node.op == OpType::kDropout;
    const int max_inputs = dropout ? 3 : (node.op == OpType::kReshape ? 2 : 1);
    SF_RETURN_IF_ERROR(CheckArity(node, 1, max_inputs, 1, dropout ? 2 : 1));
    dtype_ = InputType(graph, node, 0);
    SF_ASSIGN_OR_RETURN(x_dims_, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
    if (Product(y) != Product(x_dims_) || OutputType(graph, node, 0) != dtype_) {
      return NodeError(node, "output ", ToString(OutputType(graph, node, 0)), ShapeToString(y),
                       " does not hold the input ", ToString(dtype_), ShapeToString(x_dims_));
    }
    if (node.outputs.size() == 2 && node.outputs[1] != kNoValue) {
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> mask, OutputDims(graph, node, 1));
      if (mask != x_dims_ || OutputType(graph, node, 1) != DataType::kBool) {
        return NodeError(node, "mask output must be bool with the input's shape");
      }
    }
    return absl::OkStatus();
  }

  // In place the copy is skipped (same bytes).
  int InPlaceInput() const override { return 0; }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], dtype_, x_dims_, "input"));
    if (outputs[0]->raw_data() != inputs[0]->raw_data()) {
      std::memcpy(outputs[0]->raw_data(), inputs[0]->raw_data(), inputs[0]->nbytes());
    }
    if (outputs.size() == 2 && outputs[1] != nullptr) {
      std::fill_n(outputs[1]->data<bool>(), outputs[1]->num_elements(), true);
    }
    return absl::OkStatus();
  }

 private:
  Node label_;
  DataType dtype_ = DataType::kUndefined;
  std::vector<int64_t> x_dims_;
};

// Shape: the input's dims[start:end] as int64 (start/end clamped like ONNX).
class ShapeKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    SF_RETURN_IF_ERROR(CheckArity(node, 1, 1, 1, 1));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> x, InputDims(graph, node, 0));
    const int64_t rank = static_cast<int64_t>(x.size());
    SF_ASSIGN_OR_RETURN(int64_t start, node.attrs.GetIntOr("start", 0));
    SF_ASSIGN_OR_RETURN(int64_t end, node.attrs.GetIntOr("end", rank));
    if (start < 0) start += rank;
    if (end < 0) end += rank;
    start = std::clamp<int64_t>(start, 0, rank);
    end = std::clamp<int64_t>(end, 0, rank);
    dims_.assign(x.begin() + start, x.begin() + std::max(start, end));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
    if (y != std::vector<int64_t>{static_cast<int64_t>(dims_.size())} ||
        OutputType(graph, node, 0) != DataType::kInt64) {
      return NodeError(node, "output must be int64[", dims_.size(), "]");
    }
    return absl::OkStatus();
  }

  absl::Status Compute(std::span<const Tensor* const>, std::span<Tensor* const> outputs) override {
    std::copy(dims_.begin(), dims_.end(), outputs[0]->data<int64_t>());
    return absl::OkStatus();
  }

 private:
  std::vector<int64_t> dims_;
};

// ConstantOfShape: every element of the (inferred) output is the "value" attribute.
class ConstantOfShapeKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    SF_ASSIGN_OR_RETURN(value_, ConstantOfShapeValue(graph, node));
    return absl::OkStatus();
  }

  absl::Status Compute(std::span<const Tensor* const>, std::span<Tensor* const> outputs) override {
    const size_t size = SizeOf(value_.dtype());
    auto* out = static_cast<char*>(outputs[0]->raw_data());
    for (int64_t i = 0; i < outputs[0]->num_elements(); ++i) {
      std::memcpy(out + i * size, value_.raw_data(), size);
    }
    return absl::OkStatus();
  }

 private:
  Tensor value_;
};

// Expand: broadcasts the input to the (inferred) output shape.
class ExpandKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_RETURN_IF_ERROR(CheckArity(node, 2, 2, 1, 1));
    dtype_ = InputType(graph, node, 0);
    if (OutputType(graph, node, 0) != dtype_) return NodeError(node, "output type differs");
    SF_ASSIGN_OR_RETURN(x_dims_, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
    const std::vector<int64_t> in[1] = {x_dims_};
    SF_ASSIGN_OR_RETURN(plan_, BroadcastPlan::Create(node, in, y));
    return VisitBySize(node, dtype_, [](auto) { return absl::OkStatus(); });
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], dtype_, x_dims_, "input"));
    return VisitBySize(label_, dtype_, [&](auto tag) {
      using U = decltype(tag);
      const U* x = static_cast<const U*>(inputs[0]->raw_data());
      U* y = static_cast<U*>(outputs[0]->raw_data());
      plan_.ForEachRun([&](int64_t out, int64_t len, const BroadcastPlan::Offsets& off,
                           const BroadcastPlan::Offsets& step) {
        for (int64_t j = 0; j < len; ++j) y[out + j] = x[off[0] + j * step[0]];
      });
      return absl::OkStatus();
    });
  }

 private:
  Node label_;
  DataType dtype_ = DataType::kUndefined;
  std::vector<int64_t> x_dims_;
  BroadcastPlan plan_;
};

}  // namespace

std::unique_ptr<CpuKernel> MakeCopyKernel(OpType) { return std::make_unique<CopyKernel>(); }
std::unique_ptr<CpuKernel> MakeShapeKernel(OpType) { return std::make_unique<ShapeKernel>(); }
std::unique_ptr<CpuKernel> MakeConstantOfShapeKernel(OpType) {
  return std::make_unique<ConstantOfShapeKernel>();
}
std::unique_ptr<CpuKernel> MakeExpandKernel(OpType) { return std::make_unique<ExpandKernel>(); }

}  // namespace sf
