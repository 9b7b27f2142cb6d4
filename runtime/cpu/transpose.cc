// Transpose (any element type): output dim i is input dim perm[i]
// (default: reversed).
#include <algorithm>
#include <vector>

#include "graph/status.h"
#include "runtime/cpu/kernel_factories.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/cpu/strided_copy.h"

namespace sf {
namespace {

class TransposeKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_RETURN_IF_ERROR(CheckArity(node, 1, 1, 1, 1));
    dtype_ = InputType(graph, node, 0);
    SF_ASSIGN_OR_RETURN(x_dims_, InputDims(graph, node, 0));
    const int64_t rank = static_cast<int64_t>(x_dims_.size());
    if (rank > kMaxRank) return NodeError(node, "rank ", rank, " is too large");
    std::vector<int64_t> reversed(rank);
    for (int64_t i = 0; i < rank; ++i) reversed[i] = rank - 1 - i;
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> perm, node.attrs.GetIntsOr("perm", reversed));
    std::vector<int64_t> sorted = perm;
    std::sort(sorted.begin(), sorted.end());
    std::vector<int64_t> iota(rank);
    for (int64_t i = 0; i < rank; ++i) iota[i] = i;
    if (sorted != iota) return NodeError(node, "perm is not a permutation of 0..", rank - 1);
    const std::array<int64_t, kMaxRank> in_strides = DenseStrides(x_dims_);
    std::vector<int64_t> expected;
    strides_.clear();
    for (int64_t p : perm) {
      expected.push_back(x_dims_[p]);
      strides_.push_back(in_strides[p]);
    }
    SF_ASSIGN_OR_RETURN(y_dims_, OutputDims(graph, node, 0));
    if (y_dims_ != expected || OutputType(graph, node, 0) != dtype_) {
      return NodeError(node, "output shape ", ShapeToString(y_dims_), " should be ",
                       ShapeToString(expected));
    }
    return VisitBySize(node, dtype_, [](auto) { return absl::OkStatus(); });
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], dtype_, x_dims_, "input"));
    return VisitBySize(label_, dtype_, [&](auto tag) {
      using U = decltype(tag);
      StridedCopy(static_cast<const U*>(inputs[0]->raw_data()), 0, y_dims_, strides_,
                  static_cast<U*>(outputs[0]->raw_data()));
      return absl::OkStatus();
    });
  }

 private:
  Node label_;
  DataType dtype_ = DataType::kUndefined;
  std::vector<int64_t> x_dims_, y_dims_, strides_;
};

}  // namespace

std::unique_ptr<CpuKernel> MakeTransposeKernel(OpType) {
  return std::make_unique<TransposeKernel>();
}

}  // namespace sf
