// Pad (inputs data, pads, [constant_value], [axes]; mode constant | reflect |
// edge) on any element type. Negative pads crop. pads/axes are read at Compute.
#include <array>
#include <cstring>
#include <string>
#include <vector>

#include "graph/status.h"
#include "runtime/cpu/kernel_factories.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/cpu/strided_copy.h"

namespace sf {
namespace {

enum class PadMode { kConstant, kReflect, kEdge };

// Maps output coordinate `i` (already shifted by the begin pad) into [0, n);
// -1 for a constant cell.
int64_t SourceIndex(PadMode mode, int64_t i, int64_t n) {
  if (i >= 0 && i < n) return i;
  switch (mode) {
    case PadMode::kConstant: return -1;
    case PadMode::kEdge: return i < 0 ? 0 : n - 1;
    case PadMode::kReflect: {
      // Reflection repeats with period 2(n - 1) (numpy's "reflect" for pads
      // wider than the axis): closed form, as a pad may be huge when the other
      // side crops the output back to a small size.
      if (n == 1) return 0;
      const int64_t period = 2 * (n - 1);
      int64_t m = i % period;
      if (m < 0) m += period;
      return m < n ? m : period - m;
    }
  }
  return -1;
}

class PadKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_RETURN_IF_ERROR(CheckArity(node, 2, 4, 1, 1));
    dtype_ = InputType(graph, node, 0);
    SF_ASSIGN_OR_RETURN(std::string mode, node.attrs.GetStringOr("mode", "constant"));
    if (mode == "constant") {
      mode_ = PadMode::kConstant;
    } else if (mode == "reflect") {
      mode_ = PadMode::kReflect;
    } else if (mode == "edge") {
      mode_ = PadMode::kEdge;
    } else {
      return NodeError(node, "unsupported mode '", mode, "'");
    }
    SF_ASSIGN_OR_RETURN(x_dims_, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(y_dims_, OutputDims(graph, node, 0));
    if (x_dims_.size() > static_cast<size_t>(kMaxRank) || y_dims_.size() != x_dims_.size() ||
        OutputType(graph, node, 0) != dtype_) {
      return NodeError(node, "output must have the input's rank and type");
    }
    if (HasInput(node, 2) && InputType(graph, node, 2) != dtype_) {
      return NodeError(node, "constant_value must have the data's type");
    }
    return VisitBySize(node, dtype_, [](auto) { return absl::OkStatus(); });
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], dtype_, x_dims_, "data"));
    const int64_t rank = static_cast<int64_t>(x_dims_.size());
    std::array<int64_t, 2 * kMaxRank> pads{};
    std::array<int64_t, kMaxRank> axes{};
    int64_t n_pads = 0, n_axes = rank;
    SF_RETURN_IF_ERROR(ReadIndexValues(label_, inputs[1], "pads", pads, &n_pads));
    if (inputs.size() > 3 && inputs[3] != nullptr) {
      SF_RETURN_IF_ERROR(ReadIndexValues(label_, inputs[3], "axes", axes, &n_axes));
    } else {
      for (int64_t d = 0; d < rank; ++d) axes[d] = d;
    }
    if (n_pads != 2 * n_axes) return NodeError(label_, "pads must have 2 values per axis");
    std::array<int64_t, kMaxRank> begin{};
    for (int64_t i = 0; i < n_axes; ++i) {
      int64_t axis = axes[i];
      if (axis < -rank || axis >= rank) return NodeError(label_, "axis ", axis, " out of range");
      if (axis < 0) axis += rank;
      begin[axis] = pads[i];
      if (x_dims_[axis] + pads[i] + pads[n_axes + i] != y_dims_[axis]) {
        return NodeError(label_, "pads disagree with the output shape ", ShapeToString(y_dims_));
      }
      if (mode_ != PadMode::kConstant && x_dims_[axis] == 0 && y_dims_[axis] > 0) {
        return NodeError(label_, "cannot reflect/edge-pad an empty axis");
      }
    }
    const bool has_value = inputs.size() > 2 && inputs[2] != nullptr;
    if (has_value && (inputs[2]->num_elements() != 1 || inputs[2]->dtype() != dtype_)) {
      return NodeError(label_, "constant_value must be one ", ToString(dtype_), " value");
    }
    const std::array<int64_t, kMaxRank> in_strides = DenseStrides(x_dims_);
    return VisitBySize(label_, dtype_, [&](auto tag) {
      using U = decltype(tag);
      const U* x = static_cast<const U*>(inputs[0]->raw_data());
      U* y = static_cast<U*>(outputs[0]->raw_data());
      U value{};
      if (has_value) std::memcpy(&value, inputs[2]->raw_data(), sizeof(U));
      std::array<int64_t, kMaxRank> counter{};
      const int64_t total = outputs[0]->num_elements();
      for (int64_t o = 0; o < total; ++o) {
        int64_t offset = 0;
        bool inside = true;
        for (int64_t d = 0; d < rank && inside; ++d) {
          const int64_t src = SourceIndex(mode_, counter[d] - begin[d], x_dims_[d]);
          inside = src >= 0;
          offset += src * in_strides[d];
        }
        y[o] = inside ? x[offset] : value;
        for (int64_t d = rank - 1; d >= 0; --d) {
          if (++counter[d] < y_dims_[d]) break;
          counter[d] = 0;
        }
      }
      return absl::OkStatus();
    });
  }

 private:
  Node label_;
  DataType dtype_ = DataType::kUndefined;
  PadMode mode_ = PadMode::kConstant;
  std::vector<int64_t> x_dims_, y_dims_;
};

}  // namespace

std::unique_ptr<CpuKernel> MakePadKernel(OpType) { return std::make_unique<PadKernel>(); }

}  // namespace sf
