// 2-D MaxPool / AveragePool (NCHW, float32) and GlobalAveragePool (rank >= 3).
//
// Windows follow PyTorch: with ceil_mode a last window that would start in the
// end padding is dropped; padded cells never win a max; AveragePool's divisor
// is the window clipped to the padded input (count_include_pad=1) or to the
// input (count_include_pad=0).
#include <algorithm>
#include <limits>
#include <string>
#include <vector>

#include "graph/status.h"
#include "runtime/cpu/kernel_factories.h"
#include "runtime/cpu/kernel_util.h"

namespace sf {
namespace {

struct PoolDim {
  int64_t in, k, stride, dil, pad_begin, pad_end, out;
};

// Output size of one spatial dim (PyTorch's pooling_output_shape).
int64_t PoolOutSize(const PoolDim& d, bool ceil_mode) {
  const int64_t span = (d.k - 1) * d.dil + 1;
  const int64_t avail = d.in + d.pad_begin + d.pad_end - span;
  int64_t out = (ceil_mode ? (avail + d.stride - 1) / d.stride : avail / d.stride) + 1;
  if (ceil_mode && (out - 1) * d.stride >= d.in + d.pad_begin) --out;
  return out;
}

// The window of output index `o`: input cells [lo, hi) stepping by dil, and
// the count_include_pad divisor.
struct Window {
  int64_t lo, hi, padded_size;
};
Window WindowAt(const PoolDim& d, int64_t o) {
  const int64_t start = o * d.stride - d.pad_begin;
  const int64_t end = std::min(start + (d.k - 1) * d.dil + 1, d.in + d.pad_end);
  Window w{start, std::min(end, d.in), end - start};
  while (w.lo < 0) w.lo += d.dil;
  return w;
}

class PoolKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    is_max_ = node.op == OpType::kMaxPool;
    SF_RETURN_IF_ERROR(CheckArity(node, 1, 1, 1, 1));
    if (InputType(graph, node, 0) != DataType::kFloat32) {
      return NodeError(node, "input must be float32");
    }
    SF_ASSIGN_OR_RETURN(x_dims_, InputDims(graph, node, 0));
    if (x_dims_.size() != 4) {
      return NodeError(node, "only 2-D pooling (NCHW) is supported, input ",
                       ShapeToString(x_dims_));
    }
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> kernel, node.attrs.GetIntsOr("kernel_shape", {}));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> strides, node.attrs.GetIntsOr("strides", {1, 1}));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> dils, node.attrs.GetIntsOr("dilations", {1, 1}));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> pads, node.attrs.GetIntsOr("pads", {0, 0, 0, 0}));
    SF_ASSIGN_OR_RETURN(std::string auto_pad, node.attrs.GetStringOr("auto_pad", "NOTSET"));
    SF_ASSIGN_OR_RETURN(int64_t ceil_mode, node.attrs.GetIntOr("ceil_mode", 0));
    SF_ASSIGN_OR_RETURN(int64_t include_pad, node.attrs.GetIntOr("count_include_pad", 0));
    count_include_pad_ = include_pad != 0;
    if (kernel.size() != 2 || strides.size() != 2 || dils.size() != 2 || pads.size() != 4) {
      return NodeError(node, "kernel_shape/strides/dilations need 2 values and pads 4");
    }
    if (!is_max_ && (dils[0] != 1 || dils[1] != 1)) {
      return NodeError(node, "AveragePool does not support dilations");
    }
    for (int i = 0; i < 2; ++i) {
      PoolDim& d = dims_[i];
      d = PoolDim{x_dims_[2 + i], kernel[i], strides[i], dils[i], pads[i], pads[2 + i], 0};
      if (d.k < 1 || d.stride < 1 || d.dil < 1 || d.pad_begin < 0 || d.pad_end < 0) {
        return NodeError(node, "kernel, strides and dilations must be >= 1 and pads >= 0");
      }
      SF_RETURN_IF_ERROR(
          ResolveAutoPad(node, auto_pad, d.in, d.k, d.stride, d.dil, &d.pad_begin, &d.pad_end));
      if (d.pad_begin >= (d.k - 1) * d.dil + 1 || d.pad_end >= (d.k - 1) * d.dil + 1) {
        return NodeError(node, "pads must be smaller than the kernel window");
      }
      if (d.in + d.pad_begin + d.pad_end < (d.k - 1) * d.dil + 1) {
        return NodeError(node, "the kernel is larger than the padded input");
      }
      d.out = PoolOutSize(d, ceil_mode != 0);
    }
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
    const std::vector<int64_t> expected = {x_dims_[0], x_dims_[1], dims_[0].out, dims_[1].out};
    if (y != expected) {
      return NodeError(node, "output shape ", ShapeToString(y), " should be ",
                       ShapeToString(expected));
    }
    return absl::OkStatus();
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], DataType::kFloat32, x_dims_, "input"));
    const PoolDim& dh = dims_[0];
    const PoolDim& dw = dims_[1];
    const float* x = inputs[0]->data<float>();
    float* y = outputs[0]->data<float>();
    for (int64_t plane = 0; plane < x_dims_[0] * x_dims_[1]; ++plane) {
      const float* xp = x + plane * dh.in * dw.in;
      float* yp = y + plane * dh.out * dw.out;
      for (int64_t oh = 0; oh < dh.out; ++oh) {
        const Window wh = WindowAt(dh, oh);
        for (int64_t ow = 0; ow < dw.out; ++ow) {
          const Window ww = WindowAt(dw, ow);
          yp[oh * dw.out + ow] = is_max_ ? MaxOver(xp, wh, ww) : MeanOver(xp, wh, ww);
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  float MaxOver(const float* xp, const Window& wh, const Window& ww) const {
    float m = -std::numeric_limits<float>::infinity();
    for (int64_t ih = wh.lo; ih < wh.hi; ih += dims_[0].dil) {
      for (int64_t iw = ww.lo; iw < ww.hi; iw += dims_[1].dil) {
        m = std::max(m, xp[ih * dims_[1].in + iw]);
      }
    }
    return m;
  }

  float MeanOver(const float* xp, const Window& wh, const Window& ww) const {
    float sum = 0.0f;
    for (int64_t ih = wh.lo; ih < wh.hi; ++ih) {
      for (int64_t iw = ww.lo; iw < ww.hi; ++iw) sum += xp[ih * dims_[1].in + iw];
    }
    const int64_t count = count_include_pad_ ? wh.padded_size * ww.padded_size
                                             : (wh.hi - wh.lo) * (ww.hi - ww.lo);
    return sum / static_cast<float>(count);
  }

  Node label_;
  bool is_max_ = false;
  bool count_include_pad_ = false;
  std::vector<int64_t> x_dims_;
  PoolDim dims_[2] = {};
};

class GlobalAveragePoolKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_RETURN_IF_ERROR(CheckArity(node, 1, 1, 1, 1));
    if (InputType(graph, node, 0) != DataType::kFloat32) {
      return NodeError(node, "input must be float32");
    }
    SF_ASSIGN_OR_RETURN(x_dims_, InputDims(graph, node, 0));
    if (x_dims_.size() < 3) return NodeError(node, "input rank must be >= 3");
    std::vector<int64_t> expected(x_dims_.size(), 1);
    expected[0] = x_dims_[0];
    expected[1] = x_dims_[1];
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
    if (y != expected) {
      return NodeError(node, "output shape ", ShapeToString(y), " should be ",
                       ShapeToString(expected));
    }
    return absl::OkStatus();
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], DataType::kFloat32, x_dims_, "input"));
    const int64_t planes = x_dims_[0] * x_dims_[1];
    const int64_t size = Product(x_dims_, 2, x_dims_.size());
    const float* x = inputs[0]->data<float>();
    float* y = outputs[0]->data<float>();
    for (int64_t p = 0; p < planes; ++p) {
      double sum = 0.0;
      for (int64_t i = 0; i < size; ++i) sum += x[p * size + i];
      y[p] = static_cast<float>(sum / static_cast<double>(size));
    }
    return absl::OkStatus();
  }

 private:
  Node label_;
  std::vector<int64_t> x_dims_;
};

}  // namespace

std::unique_ptr<CpuKernel> MakePoolKernel(OpType) { return std::make_unique<PoolKernel>(); }
std::unique_ptr<CpuKernel> MakeGlobalAveragePoolKernel(OpType) {
  return std::make_unique<GlobalAveragePoolKernel>();
}

}  // namespace sf
