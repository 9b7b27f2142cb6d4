// Concat (any element type) along `axis`.
#include <cstring>
#include <vector>

#include "graph/status.h"
#include "runtime/cpu/kernel_factories.h"
#include "runtime/cpu/kernel_util.h"

namespace sf {
namespace {

class ConcatKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_RETURN_IF_ERROR(CheckArity(node, 1, static_cast<int>(node.inputs.size()), 1, 1));
    dtype_ = OutputType(graph, node, 0);
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(int64_t axis_attr, node.attrs.GetInt("axis"));
    SF_ASSIGN_OR_RETURN(int axis, NormalizeAxis(node, axis_attr, static_cast<int64_t>(y.size())));
    outer_ = Product(y, 0, axis);
    const int64_t inner = Product(y, axis + 1, y.size());
    int64_t total = 0;
    in_dims_.clear();
    chunks_.clear();
    for (int i = 0; i < static_cast<int>(node.inputs.size()); ++i) {
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> d, InputDims(graph, node, i));
      if (InputType(graph, node, i) != dtype_ || d.size() != y.size()) {
        return NodeError(node, "input ", i, " ", ToString(InputType(graph, node, i)),
                         ShapeToString(d), " does not match the output ", ShapeToString(y));
      }
      for (size_t k = 0; k < d.size(); ++k) {
        if (static_cast<int>(k) != axis && d[k] != y[k]) {
          return NodeError(node, "input ", i, " ", ShapeToString(d),
                           " differs from the output ", ShapeToString(y), " off the axis");
        }
      }
      total += d[axis];
      chunks_.push_back(d[axis] * inner * static_cast<int64_t>(SizeOf(dtype_)));
      in_dims_.push_back(std::move(d));
    }
    if (total != y[axis]) return NodeError(node, "inputs do not add up to the output's axis");
    return absl::OkStatus();
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    for (size_t i = 0; i < inputs.size(); ++i) {
      SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[i], dtype_, in_dims_[i], "input"));
    }
    char* out = static_cast<char*>(outputs[0]->raw_data());
    for (int64_t o = 0; o < outer_; ++o) {
      for (size_t i = 0; i < inputs.size(); ++i) {
        std::memcpy(out, static_cast<const char*>(inputs[i]->raw_data()) + o * chunks_[i],
                    chunks_[i]);
        out += chunks_[i];
      }
    }
    return absl::OkStatus();
  }

 private:
  Node label_;
  DataType dtype_ = DataType::kUndefined;
  int64_t outer_ = 0;
  std::vector<std::vector<int64_t>> in_dims_;
  std::vector<int64_t> chunks_;  // bytes per outer index, per input
};

}  // namespace

std::unique_ptr<CpuKernel> MakeConcatKernel(OpType) { return std::make_unique<ConcatKernel>(); }

}  // namespace sf
