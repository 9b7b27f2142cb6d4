#include "runtime/cpu/conv.h"

#include <algorithm>
#include <string>
#include <vector>

#include "graph/status.h"
#include "runtime/cpu/kernel_factories.h"
#include "runtime/cpu/kernel_util.h"

namespace sf {
namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

absl::StatusOr<Conv2dParams> GetConv2dParams(const Graph& graph, const Node& node) {
  SF_RETURN_IF_ERROR(CheckArity(node, 2, 3, 1, 1));
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> x, InputDims(graph, node, 0));
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> w, InputDims(graph, node, 1));
  if (x.size() != 4 || w.size() != 4) {
    return NodeError(node, "only 2-D convolutions are supported (X ", ShapeToString(x), ", W ",
                     ShapeToString(w), ")");
  }
  Conv2dParams p{};
  p.n = x[0];
  p.c_in = x[1];
  p.h = x[2];
  p.w = x[3];
  p.c_out = w[0];
  p.kh = w[2];
  p.kw = w[3];
  SF_ASSIGN_OR_RETURN(p.group, node.attrs.GetIntOr("group", 1));
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> kernel, node.attrs.GetIntsOr("kernel_shape", {p.kh, p.kw}));
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> strides, node.attrs.GetIntsOr("strides", {1, 1}));
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> dils, node.attrs.GetIntsOr("dilations", {1, 1}));
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> pads, node.attrs.GetIntsOr("pads", {0, 0, 0, 0}));
  SF_ASSIGN_OR_RETURN(std::string auto_pad, node.attrs.GetStringOr("auto_pad", "NOTSET"));
  if (kernel.size() != 2 || strides.size() != 2 || dils.size() != 2 || pads.size() != 4) {
    return NodeError(node, "kernel_shape/strides/dilations need 2 values and pads 4");
  }
  if (kernel[0] != p.kh || kernel[1] != p.kw) {
    return NodeError(node, "kernel_shape disagrees with the weight shape ", ShapeToString(w));
  }
  p.stride_h = strides[0];
  p.stride_w = strides[1];
  p.dil_h = dils[0];
  p.dil_w = dils[1];
  p.pad_top = pads[0];
  p.pad_left = pads[1];
  p.pad_bottom = pads[2];
  p.pad_right = pads[3];
  if (p.group < 1 || p.c_in % p.group != 0 || p.c_out % p.group != 0 ||
      w[1] * p.group != p.c_in) {
    return NodeError(node, "channels do not match group ", p.group, " (X ", ShapeToString(x),
                     ", W ", ShapeToString(w), ")");
  }
  if (p.stride_h < 1 || p.stride_w < 1 || p.dil_h < 1 || p.dil_w < 1 || p.kh < 1 || p.kw < 1) {
    return NodeError(node, "strides, dilations and kernel sizes must be >= 1");
  }
  if (*std::min_element(pads.begin(), pads.end()) < 0) {
    return NodeError(node, "negative pads are not supported");
  }
  SF_RETURN_IF_ERROR(ResolveAutoPad(node, auto_pad, p.h, p.kh, p.stride_h, p.dil_h, &p.pad_top,
                                 &p.pad_bottom));
  SF_RETURN_IF_ERROR(ResolveAutoPad(node, auto_pad, p.w, p.kw, p.stride_w, p.dil_w, &p.pad_left,
                                 &p.pad_right));
  const int64_t span_h = (p.kh - 1) * p.dil_h + 1;
  const int64_t span_w = (p.kw - 1) * p.dil_w + 1;
  p.out_h = (p.h + p.pad_top + p.pad_bottom - span_h) / p.stride_h + 1;
  p.out_w = (p.w + p.pad_left + p.pad_right - span_w) / p.stride_w + 1;
  if (p.h + p.pad_top + p.pad_bottom < span_h || p.w + p.pad_left + p.pad_right < span_w) {
    return NodeError(node, "the kernel is larger than the padded input");
  }
  if (HasInput(node, 2)) {
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> b, InputDims(graph, node, 2));
    if (b != std::vector<int64_t>{p.c_out}) {
      return NodeError(node, "bias shape ", ShapeToString(b), " should be [", p.c_out, "]");
    }
  }
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
  if (y != std::vector<int64_t>{p.n, p.c_out, p.out_h, p.out_w}) {
    return NodeError(node, "output shape ", ShapeToString(y), " should be [", p.n, ",", p.c_out,
                     ",", p.out_h, ",", p.out_w, "]");
  }
  return p;
}

void Conv2dRegion(const Conv2dParams& p, const float* x, const float* w, const float* bias,
                  float* y, int64_t n, int64_t oh0, int64_t oh1, int64_t ow0, int64_t ow1) {
  const int64_t cin_g = p.c_in / p.group;
  const int64_t cout_g = p.c_out / p.group;
  for (int64_t co = 0; co < p.c_out; ++co) {
    const int64_t g = co / cout_g;
    const float b = bias != nullptr ? bias[co] : 0.0f;
    for (int64_t oh = oh0; oh < oh1; ++oh) {
      float* yrow = y + ((n * p.c_out + co) * p.out_h + oh) * p.out_w;
      for (int64_t ow = ow0; ow < ow1; ++ow) yrow[ow] = b;
      for (int64_t ci = 0; ci < cin_g; ++ci) {
        const float* xplane = x + (n * p.c_in + g * cin_g + ci) * p.h * p.w;
        const float* wk = w + (co * cin_g + ci) * p.kh * p.kw;
        for (int64_t kh = 0; kh < p.kh; ++kh) {
          const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dil_h;
          if (ih < 0 || ih >= p.h) continue;
          const float* xrow = xplane + ih * p.w;
          for (int64_t kw = 0; kw < p.kw; ++kw) {
            const float wv = wk[kh * p.kw + kw];
            // Valid ow: 0 <= ow*stride - pad_left + kw*dil < w.
            const int64_t off = kw * p.dil_w - p.pad_left;
            const int64_t lo = std::max(ow0, off >= 0 ? 0 : CeilDiv(-off, p.stride_w));
            const int64_t hi = std::min(ow1, p.w - off <= 0 ? 0 : CeilDiv(p.w - off, p.stride_w));
            if (p.stride_w == 1) {
              const float* xs = xrow + off;
              for (int64_t ow = lo; ow < hi; ++ow) yrow[ow] += xs[ow] * wv;
            } else {
              for (int64_t ow = lo; ow < hi; ++ow) yrow[ow] += xrow[ow * p.stride_w + off] * wv;
            }
          }
        }
      }
    }
  }
}

namespace {

class ConvKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_ASSIGN_OR_RETURN(p_, GetConv2dParams(graph, node));
    for (int i = 0; i < static_cast<int>(node.inputs.size()); ++i) {
      if (HasInput(node, i) && InputType(graph, node, i) != DataType::kFloat32) {
        return NodeError(node, "input ", i, " must be float32, got ",
                         ToString(InputType(graph, node, i)));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    const Conv2dParams& p = p_;
    const int64_t x_dims[] = {p.n, p.c_in, p.h, p.w};
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], DataType::kFloat32, x_dims, "X"));
    const float* bias = inputs.size() > 2 && inputs[2] != nullptr ? inputs[2]->data<float>()
                                                                  : nullptr;
    float* y = outputs[0]->data<float>();
    for (int64_t n = 0; n < p.n; ++n) {
      Conv2dRegion(p, inputs[0]->data<float>(), inputs[1]->data<float>(), bias, y, n, 0,
                   p.out_h, 0, p.out_w);
    }
    return absl::OkStatus();
  }

 private:
  Node label_;
  Conv2dParams p_{};
};

}  // namespace

std::unique_ptr<CpuKernel> MakeConvKernel(OpType) { return std::make_unique<ConvKernel>(); }

}  // namespace sf
