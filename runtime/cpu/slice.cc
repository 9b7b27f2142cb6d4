// Slice (opset >= 10 inputs: data, starts, ends, [axes], [steps]) on any
// element type, with ONNX clamping and negative steps. starts/ends/axes/steps
// are read at Compute (they may be computed values).
#include <algorithm>
#include <array>
#include <cstring>
#include <vector>

#include "graph/status.h"
#include "runtime/cpu/kernel_factories.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/cpu/strided_copy.h"

namespace sf {
namespace {

class SliceKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_RETURN_IF_ERROR(CheckArity(node, 3, 5, 1, 1));
    dtype_ = InputType(graph, node, 0);
    SF_ASSIGN_OR_RETURN(x_dims_, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(y_dims_, OutputDims(graph, node, 0));
    if (x_dims_.size() > static_cast<size_t>(kMaxRank) || y_dims_.size() != x_dims_.size() ||
        OutputType(graph, node, 0) != dtype_) {
      return NodeError(node, "output must have the input's rank and type");
    }
    return VisitBySize(node, dtype_, [](auto) { return absl::OkStatus(); });
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], dtype_, x_dims_, "data"));
    const int64_t rank = static_cast<int64_t>(x_dims_.size());
    std::array<int64_t, kMaxRank> starts{}, ends{}, axes{}, steps{};
    int64_t n = 0, n_ends = 0, n_axes = 0, n_steps = 0;
    SF_RETURN_IF_ERROR(ReadIndexValues(label_, inputs[1], "starts", starts, &n));
    SF_RETURN_IF_ERROR(ReadIndexValues(label_, inputs[2], "ends", ends, &n_ends));
    const bool has_axes = inputs.size() > 3 && inputs[3] != nullptr;
    const bool has_steps = inputs.size() > 4 && inputs[4] != nullptr;
    if (has_axes) SF_RETURN_IF_ERROR(ReadIndexValues(label_, inputs[3], "axes", axes, &n_axes));
    if (has_steps) {
      SF_RETURN_IF_ERROR(ReadIndexValues(label_, inputs[4], "steps", steps, &n_steps));
    }
    if (n_ends != n || (has_axes && n_axes != n) || (has_steps && n_steps != n) || n > rank) {
      return NodeError(label_, "starts/ends/axes/steps have different lengths");
    }
    // Per dim: first element and step (defaults: the whole dim).
    std::array<int64_t, kMaxRank> first{}, step{};
    std::array<bool, kMaxRank> seen{};
    for (int64_t d = 0; d < rank; ++d) step[d] = 1;
    for (int64_t i = 0; i < n; ++i) {
      int64_t axis = has_axes ? axes[i] : i;
      if (axis < -rank || axis >= rank) return NodeError(label_, "axis ", axis, " out of range");
      if (axis < 0) axis += rank;
      if (seen[axis]) return NodeError(label_, "axis ", axis, " repeats");
      seen[axis] = true;
      const int64_t dim = x_dims_[axis];
      if (has_steps && steps[i] == 0) return NodeError(label_, "step is 0");
      // A step of more than the dim picks one element, as a step of dim does;
      // clamping keeps the count and stride arithmetic below from overflowing.
      const int64_t max_step = std::max<int64_t>(dim, 1);
      const int64_t s = has_steps ? std::clamp(steps[i], -max_step, max_step) : 1;
      int64_t b = starts[i] < 0 ? starts[i] + dim : starts[i];
      int64_t e = ends[i] < 0 ? ends[i] + dim : ends[i];
      int64_t count;
      if (s > 0) {
        b = std::clamp<int64_t>(b, 0, dim);
        e = std::clamp<int64_t>(e, 0, dim);
        count = e > b ? (e - b + s - 1) / s : 0;
      } else {
        b = std::clamp<int64_t>(b, 0, dim - 1);
        e = std::clamp<int64_t>(e, -1, dim - 1);
        count = b > e ? (b - e - s - 1) / -s : 0;
      }
      if (count != y_dims_[axis]) {
        return NodeError(label_, "slice of axis ", axis, " has ", count,
                         " elements, the output has ", y_dims_[axis]);
      }
      first[axis] = b;
      step[axis] = s;
    }
    const std::array<int64_t, kMaxRank> in_strides = DenseStrides(x_dims_);
    std::array<int64_t, kMaxRank> strides{};
    int64_t base = 0;
    for (int64_t d = 0; d < rank; ++d) {
      if (!seen[d] && y_dims_[d] != x_dims_[d]) {
        return NodeError(label_, "output dim ", d, " differs from the unsliced input");
      }
      base += first[d] * in_strides[d];
      strides[d] = step[d] * in_strides[d];
    }
    return VisitBySize(label_, dtype_, [&](auto tag) {
      using U = decltype(tag);
      StridedCopy(static_cast<const U*>(inputs[0]->raw_data()), base, y_dims_,
                  std::span<const int64_t>(strides.data(), rank),
                  static_cast<U*>(outputs[0]->raw_data()));
      return absl::OkStatus();
    });
  }

 private:
  Node label_;
  DataType dtype_ = DataType::kUndefined;
  std::vector<int64_t> x_dims_, y_dims_;
};

// Split: each output is a slab of the input along the axis, copied row by row
// (outer = the dims before the axis, each row the part's dims from the axis on).
class SplitKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_ASSIGN_OR_RETURN(SplitParts p, SplitPartsOf(graph, node));
    dtype_ = InputType(graph, node, 0);
    elem_ = SizeOf(dtype_);
    outer_ = Product(p.x_dims, 0, p.axis);
    inner_ = Product(p.x_dims, p.axis + 1, p.x_dims.size());
    axis_dim_ = p.x_dims[p.axis];
    x_dims_ = std::move(p.x_dims);
    sizes_ = std::move(p.sizes);
    return absl::OkStatus();
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], dtype_, x_dims_, "input"));
    const char* x = static_cast<const char*>(inputs[0]->raw_data());
    const size_t row = static_cast<size_t>(axis_dim_ * inner_) * elem_;
    size_t offset = 0;
    for (size_t k = 0; k < sizes_.size(); ++k) {
      const size_t part = static_cast<size_t>(sizes_[k] * inner_) * elem_;
      char* y = static_cast<char*>(outputs[k]->raw_data());
      for (int64_t o = 0; o < outer_ && part > 0; ++o) {
        std::memcpy(y + o * part, x + o * row + offset, part);
      }
      offset += part;
    }
    return absl::OkStatus();
  }

 private:
  Node label_;
  DataType dtype_ = DataType::kUndefined;
  size_t elem_ = 4;
  std::vector<int64_t> x_dims_, sizes_;
  int64_t outer_ = 1, inner_ = 1, axis_dim_ = 0;
};

}  // namespace

std::unique_ptr<CpuKernel> MakeSliceKernel(OpType) { return std::make_unique<SliceKernel>(); }

std::unique_ptr<CpuKernel> MakeSplitKernel(OpType) { return std::make_unique<SplitKernel>(); }

}  // namespace sf
