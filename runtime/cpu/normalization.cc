// BatchNormalization (inference; channel dim 1), LayerNormalization and
// Softmax, float32.
#include <cmath>
#include <vector>

#include "graph/status.h"
#include "runtime/cpu/kernel_factories.h"
#include "runtime/cpu/kernel_util.h"

namespace sf {
namespace {

// y = (x - mean) * (scale / sqrt(var + epsilon)) + B per channel.
class BatchNormKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_RETURN_IF_ERROR(CheckArity(node, 5, 5, 1, 1));
    for (int i = 0; i < 5; ++i) {
      if (InputType(graph, node, i) != DataType::kFloat32) {
        return NodeError(node, "input ", i, " must be float32");
      }
    }
    SF_ASSIGN_OR_RETURN(x_dims_, InputDims(graph, node, 0));
    if (x_dims_.size() < 2) return NodeError(node, "input rank must be >= 2");
    for (int i = 1; i < 5; ++i) {
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> d, InputDims(graph, node, i));
      if (d != std::vector<int64_t>{x_dims_[1]}) {
        return NodeError(node, "input ", i, " has shape ", ShapeToString(d), ", expected [",
                         x_dims_[1], "]");
      }
    }
    SF_ASSIGN_OR_RETURN(epsilon_, node.attrs.GetFloatOr("epsilon", 1e-5f));
    mul_.assign(x_dims_[1], 0.0f);
    return absl::OkStatus();
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], DataType::kFloat32, x_dims_, "X"));
    const int64_t channels = x_dims_[1];
    const int64_t c_dims[] = {channels};
    for (int i = 1; i < 5; ++i) {
      SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[i], DataType::kFloat32, c_dims, "parameter"));
    }
    const float* scale = inputs[1]->data<float>();
    const float* bias = inputs[2]->data<float>();
    const float* mean = inputs[3]->data<float>();
    const float* var = inputs[4]->data<float>();
    for (int64_t c = 0; c < channels; ++c) mul_[c] = scale[c] / std::sqrt(var[c] + epsilon_);
    const int64_t inner = Product(x_dims_, 2, x_dims_.size());
    const float* x = inputs[0]->data<float>();
    float* y = outputs[0]->data<float>();
    for (int64_t n = 0; n < x_dims_[0]; ++n) {
      for (int64_t c = 0; c < channels; ++c) {
        const int64_t base = (n * channels + c) * inner;
        for (int64_t i = 0; i < inner; ++i) {
          y[base + i] = (x[base + i] - mean[c]) * mul_[c] + bias[c];
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  Node label_;
  std::vector<int64_t> x_dims_;
  float epsilon_ = 1e-5f;
  std::vector<float> mul_;  // scratch: scale / sqrt(var + epsilon) per channel
};

// Softmax over `len` elements spaced `stride` apart, for `outer` x `stride` groups.
class SoftmaxKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_RETURN_IF_ERROR(CheckArity(node, 1, 1, 1, 1));
    if (InputType(graph, node, 0) != DataType::kFloat32) {
      return NodeError(node, "input must be float32");
    }
    SF_ASSIGN_OR_RETURN(dims_, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(int64_t axis_attr, node.attrs.GetIntOr("axis", -1));
    SF_ASSIGN_OR_RETURN(int64_t coerce_2d, node.attrs.GetIntOr("coerce_2d", 0));
    const int64_t rank = static_cast<int64_t>(dims_.size());
    if (rank == 0) return NodeError(node, "input must have rank >= 1");
    SF_ASSIGN_OR_RETURN(int axis, NormalizeAxis(node, axis_attr, rank));
    outer_ = Product(dims_, 0, axis);
    if (coerce_2d != 0) {
      len_ = Product(dims_, axis, rank);
      stride_ = 1;
    } else {
      len_ = dims_[axis];
      stride_ = Product(dims_, axis + 1, rank);
    }
    return absl::OkStatus();
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], DataType::kFloat32, dims_, "input"));
    const float* x = inputs[0]->data<float>();
    float* y = outputs[0]->data<float>();
    for (int64_t o = 0; o < outer_; ++o) {
      for (int64_t s = 0; s < stride_; ++s) {
        const int64_t base = o * len_ * stride_ + s;
        float m = -INFINITY;
        for (int64_t i = 0; i < len_; ++i) m = std::fmax(m, x[base + i * stride_]);
        float sum = 0.0f;
        for (int64_t i = 0; i < len_; ++i) {
          const float e = std::exp(x[base + i * stride_] - m);
          y[base + i * stride_] = e;
          sum += e;
        }
        for (int64_t i = 0; i < len_; ++i) y[base + i * stride_] /= sum;
      }
    }
    return absl::OkStatus();
  }

 private:
  Node label_;
  std::vector<int64_t> dims_;
  int64_t outer_ = 0, len_ = 0, stride_ = 0;
};

// y = (x - mean) / sqrt(var + epsilon) * scale + B per row, the statistics of
// each row summed in double (two passes: the mean, then the centred squares).
class LayerNormKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_ASSIGN_OR_RETURN(g_, LayerNormGeometryOf(graph, node));
    SF_ASSIGN_OR_RETURN(x_dims_, InputDims(graph, node, 0));
    return absl::OkStatus();
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], DataType::kFloat32, x_dims_, "X"));
    for (size_t i = 1; i < inputs.size(); ++i) {
      if (inputs[i] != nullptr && inputs[i]->num_elements() != g_.params[i - 1]) {
        return NodeError(label_, "input ", i, " has ", inputs[i]->num_elements(),
                         " elements, expected ", g_.params[i - 1]);
      }
    }
    const float* x = inputs[0]->data<float>();
    const float* scale = inputs[1]->data<float>();
    const float* bias =
        inputs.size() > 2 && inputs[2] != nullptr ? inputs[2]->data<float>() : nullptr;
    float* y = outputs[0]->data<float>();
    for (int64_t r = 0; r < g_.rows; ++r) {
      const float* xr = x + r * g_.cols;
      float* yr = y + r * g_.cols;
      double sum = 0.0;
      for (int64_t j = 0; j < g_.cols; ++j) sum += xr[j];
      const float mean = static_cast<float>(sum / static_cast<double>(g_.cols));
      double sq = 0.0;
      for (int64_t j = 0; j < g_.cols; ++j) {
        const double d = static_cast<double>(xr[j]) - mean;
        sq += d * d;
      }
      const float var = static_cast<float>(sq / static_cast<double>(g_.cols));
      const float std_dev = std::sqrt(var + g_.epsilon);
      for (int64_t j = 0; j < g_.cols; ++j) {
        const float v = (xr[j] - mean) / std_dev * scale[j % g_.params[0]];
        yr[j] = bias != nullptr ? v + bias[j % g_.params[1]] : v;
      }
    }
    return absl::OkStatus();
  }

 private:
  Node label_;
  LayerNormGeometry g_;
  std::vector<int64_t> x_dims_;
};

}  // namespace

std::unique_ptr<CpuKernel> MakeLayerNormKernel(OpType) {
  return std::make_unique<LayerNormKernel>();
}

std::unique_ptr<CpuKernel> MakeBatchNormKernel(OpType) {
  return std::make_unique<BatchNormKernel>();
}
std::unique_ptr<CpuKernel> MakeSoftmaxKernel(OpType) { return std::make_unique<SoftmaxKernel>(); }

}  // namespace sf
