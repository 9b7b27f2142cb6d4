// Gather (any element type; int32/int64 indices, negative allowed) along
// `axis`. An out-of-range index is an InvalidArgument error naming the node.
#include <cstring>
#include <vector>

#include "graph/status.h"
#include "runtime/cpu/kernel_factories.h"
#include "runtime/cpu/kernel_util.h"

namespace sf {
namespace {

class GatherKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_RETURN_IF_ERROR(CheckArity(node, 2, 2, 1, 1));
    dtype_ = InputType(graph, node, 0);
    index_type_ = InputType(graph, node, 1);
    if (index_type_ != DataType::kInt32 && index_type_ != DataType::kInt64) {
      return NodeError(node, "indices must be int32 or int64");
    }
    SF_ASSIGN_OR_RETURN(x_dims_, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(idx_dims_, InputDims(graph, node, 1));
    SF_ASSIGN_OR_RETURN(int64_t axis_attr, node.attrs.GetIntOr("axis", 0));
    const int64_t rank = static_cast<int64_t>(x_dims_.size());
    if (rank == 0) return NodeError(node, "data must have rank >= 1");
    SF_ASSIGN_OR_RETURN(int axis, NormalizeAxis(node, axis_attr, rank));
    outer_ = Product(x_dims_, 0, axis);
    axis_len_ = x_dims_[axis];
    inner_bytes_ = Product(x_dims_, axis + 1, rank) * static_cast<int64_t>(SizeOf(dtype_));
    std::vector<int64_t> expected(x_dims_.begin(), x_dims_.begin() + axis);
    expected.insert(expected.end(), idx_dims_.begin(), idx_dims_.end());
    expected.insert(expected.end(), x_dims_.begin() + axis + 1, x_dims_.end());
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
    if (y != expected || OutputType(graph, node, 0) != dtype_) {
      return NodeError(node, "output shape ", ShapeToString(y), " should be ",
                       ShapeToString(expected));
    }
    return absl::OkStatus();
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], dtype_, x_dims_, "data"));
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[1], index_type_, idx_dims_, "indices"));
    const int64_t num_idx = inputs[1]->num_elements();
    for (int64_t i = 0; i < num_idx; ++i) {
      const int64_t idx = Index(*inputs[1], i);
      if (idx < -axis_len_ || idx >= axis_len_) {
        return NodeError(label_, "index ", idx, " is out of range for axis size ", axis_len_);
      }
    }
    const char* x = static_cast<const char*>(inputs[0]->raw_data());
    char* y = static_cast<char*>(outputs[0]->raw_data());
    for (int64_t o = 0; o < outer_; ++o) {
      for (int64_t i = 0; i < num_idx; ++i) {
        int64_t idx = Index(*inputs[1], i);
        if (idx < 0) idx += axis_len_;
        std::memcpy(y, x + (o * axis_len_ + idx) * inner_bytes_, inner_bytes_);
        y += inner_bytes_;
      }
    }
    return absl::OkStatus();
  }

 private:
  int64_t Index(const Tensor& t, int64_t i) const {
    return index_type_ == DataType::kInt64 ? t.data<int64_t>()[i] : t.data<int32_t>()[i];
  }

  Node label_;
  DataType dtype_ = DataType::kUndefined;
  DataType index_type_ = DataType::kUndefined;
  std::vector<int64_t> x_dims_, idx_dims_;
  int64_t outer_ = 0, axis_len_ = 0, inner_bytes_ = 0;
};

}  // namespace

std::unique_ptr<CpuKernel> MakeGatherKernel(OpType) { return std::make_unique<GatherKernel>(); }

}  // namespace sf
