#include "runtime/cpu/conv.h"

#include <algorithm>
#include <bit>
#include <cstring>
#include <string>
#include <vector>

#include "graph/passes/layout.h"
#include "graph/status.h"
#include "runtime/cpu/kernel_factories.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/cpu/parallel.h"

namespace sf {
namespace {

int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

}  // namespace

absl::StatusOr<Conv2dParams> GetConv2dParams(const Graph& graph, const Node& node) {
  SF_RETURN_IF_ERROR(CheckArity(node, 2, 3, 1, 1));
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> x, InputDims(graph, node, 0));
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> w, InputDims(graph, node, 1));
  x = LogicalDims(node, std::move(x));
  w = LogicalDims(node, std::move(w));
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
  y = LogicalDims(node, std::move(y));
  if (y != std::vector<int64_t>{p.n, p.c_out, p.out_h, p.out_w}) {
    return NodeError(node, "output shape ", ShapeToString(y), " should be [", p.n, ",", p.c_out,
                     ",", p.out_h, ",", p.out_w, "]");
  }
  return p;
}

namespace {

// Blocking of the vector path: kCoBlock output channels x kOwBlock output
// columns of one output row are accumulated in registers.
constexpr int64_t kCoBlock = 8;
constexpr int64_t kOwBlock = 4;
typedef float Vec __attribute__((vector_size(kOwBlock * sizeof(float))));
typedef int32_t Mask __attribute__((vector_size(kOwBlock * sizeof(int32_t))));

// Output columns [lo, hi) whose tap kw lies inside the input row.
void ValidColumns(const Conv2dParams& p, int64_t kw, int64_t ow0, int64_t ow1, int64_t* lo,
                  int64_t* hi) {
  const int64_t off = kw * p.dil_w - p.pad_left;  // input column of ow = 0
  *lo = std::max(ow0, off >= 0 ? 0 : CeilDiv(-off, p.stride_w));
  *hi = std::min(ow1, p.w - off <= 0 ? 0 : CeilDiv(p.w - off, p.stride_w));
}

// y[n, co, oh, ow0:ow1] for one output channel, accumulated in y.
void ConvRowScalar(const Conv2dParams& p, const float* x, const float* w, const float* bias,
                   float* y, int64_t n, int64_t oh, int64_t co, int64_t ow0, int64_t ow1) {
  const int64_t cin_g = p.c_in / p.group;
  const int64_t g = co / (p.c_out / p.group);
  float* yrow = y + ((n * p.c_out + co) * p.out_h + oh) * p.out_w;
  const float b = bias != nullptr ? bias[co] : 0.0f;
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
        const int64_t off = kw * p.dil_w - p.pad_left;
        int64_t lo, hi;
        ValidColumns(p, kw, ow0, ow1, &lo, &hi);
        for (int64_t ow = lo; ow < hi; ++ow) yrow[ow] += xrow[ow * p.stride_w + off] * wv;
      }
    }
  }
}

// Register accumulators of one block: kCoBlock channels x kOwBlock columns.
struct BlockAcc {
  Vec v[kCoBlock];
};

BlockAcc InitBlock(const float* bias, int64_t co) {
  BlockAcc acc;
  for (int64_t c = 0; c < kCoBlock; ++c) acc.v[c] = Vec{} + (bias != nullptr ? bias[co + c] : 0.0f);
  return acc;
}

void StoreBlock(const Conv2dParams& p, const BlockAcc& acc, float* y, int64_t n, int64_t oh,
                int64_t co, int64_t ow) {
  for (int64_t c = 0; c < kCoBlock; ++c) {
    float* yrow = y + ((n * p.c_out + co + c) * p.out_h + oh) * p.out_w + ow;
    for (int64_t j = 0; j < kOwBlock; ++j) yrow[j] = acc.v[c][j];
  }
}

// Block whose taps are all inside the input columns (rows outside are skipped).
void ConvBlockInterior(const Conv2dParams& p, const float* x, const float* w, BlockAcc& acc,
                       int64_t n, int64_t oh, int64_t co, int64_t ow) {
  const int64_t cin_g = p.c_in / p.group;
  const int64_t g = co / (p.c_out / p.group);
  const int64_t ksize = p.kh * p.kw;
  const int64_t wstride = cin_g * ksize;  // between output channels
  const int64_t sw = p.stride_w;
  for (int64_t ci = 0; ci < cin_g; ++ci) {
    const float* xplane = x + (n * p.c_in + g * cin_g + ci) * p.h * p.w;
    const float* wk = w + (co * cin_g + ci) * ksize;
    for (int64_t kh = 0; kh < p.kh; ++kh) {
      const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dil_h;
      if (ih < 0 || ih >= p.h) continue;
      const float* xs = xplane + ih * p.w + ow * sw - p.pad_left;
      const float* wt = wk + kh * p.kw;
      for (int64_t kw = 0; kw < p.kw; ++kw, xs += p.dil_w) {
        Vec xv;
        if (sw == 1) {
          std::memcpy(&xv, xs, sizeof(xv));
        } else {
          for (int64_t j = 0; j < kOwBlock; ++j) xv[j] = xs[j * sw];
        }
#pragma GCC unroll 8
        for (int64_t c = 0; c < kCoBlock; ++c) acc.v[c] += xv * wt[c * wstride + kw];
      }
    }
  }
}

// Widest kernel the border block handles; wider kernels use ConvRowScalar.
constexpr int64_t kMaxBorderKw = 16;

// Block touching the left/right padding: taps in the padding are masked out
// lane by lane, so every output sees exactly the additions of ConvRowScalar.
void ConvBlockBorder(const Conv2dParams& p, const float* x, const float* w, BlockAcc& acc,
                     int64_t n, int64_t oh, int64_t co, int64_t ow) {
  const int64_t cin_g = p.c_in / p.group;
  const int64_t g = co / (p.c_out / p.group);
  const int64_t ksize = p.kh * p.kw;
  const int64_t wstride = cin_g * ksize;
  // Per tap column: each lane's input column (clamped into the row) and validity.
  int64_t cols[kMaxBorderKw][kOwBlock];
  Mask valid[kMaxBorderKw];
  for (int64_t kw = 0; kw < p.kw; ++kw) {
    for (int64_t j = 0; j < kOwBlock; ++j) {
      const int64_t col = (ow + j) * p.stride_w + kw * p.dil_w - p.pad_left;
      valid[kw][j] = col >= 0 && col < p.w ? -1 : 0;
      cols[kw][j] = std::clamp<int64_t>(col, 0, p.w - 1);
    }
  }
  for (int64_t ci = 0; ci < cin_g; ++ci) {
    const float* xplane = x + (n * p.c_in + g * cin_g + ci) * p.h * p.w;
    const float* wk = w + (co * cin_g + ci) * ksize;
    for (int64_t kh = 0; kh < p.kh; ++kh) {
      const int64_t ih = oh * p.stride_h - p.pad_top + kh * p.dil_h;
      if (ih < 0 || ih >= p.h) continue;
      const float* xrow = xplane + ih * p.w;
      const float* wt = wk + kh * p.kw;
      for (int64_t kw = 0; kw < p.kw; ++kw) {
        Vec xv;
        for (int64_t j = 0; j < kOwBlock; ++j) xv[j] = xrow[cols[kw][j]];
        const Mask m = valid[kw];
#pragma GCC unroll 8
        for (int64_t c = 0; c < kCoBlock; ++c) {
          acc.v[c] = m ? acc.v[c] + xv * wt[c * wstride + kw] : acc.v[c];
        }
      }
    }
  }
}

}  // namespace

int64_t BuildNonZeroMask(const Conv2dParams& p, const float* x, int64_t n, int64_t c,
                         uint64_t* rows) {
  const int64_t words = NonZeroMaskWords(p.w);
  const float* plane = x + (n * p.c_in + c) * p.h * p.w;
  int64_t count = 0;
  for (int64_t r = 0; r < p.h; ++r) {
    uint64_t* row = rows + r * words;
    for (int64_t i = 0; i < words; ++i) row[i] = 0;
    const float* xr = plane + r * p.w;
    for (int64_t col = 0; col < p.w; ++col) {
      row[col >> 6] |= static_cast<uint64_t>(xr[col] != 0.0f) << (col & 63);
    }
    for (int64_t i = 0; i < words; ++i) count += std::popcount(row[i]);
  }
  return count;
}

void TransposeConvWeights(const Conv2dParams& p, const float* w, float* w_t) {
  const int64_t taps = p.c_in * p.kh * p.kw;
  for (int64_t co = 0; co < p.c_out; ++co) {
    for (int64_t t = 0; t < taps; ++t) w_t[t * p.c_out + co] = w[co * taps + t];
  }
}

void ScatterTaps::Build(const Conv2dParams& p) {
  auto build = [](int64_t size, int64_t k, int64_t pad, int64_t dil, int64_t stride, int64_t out,
                  std::vector<int32_t>& begin, std::vector<Tap>& taps) {
    begin.assign(static_cast<size_t>(size + 1), 0);
    taps.clear();
    for (int64_t i = 0; i < size; ++i) {
      begin[i] = static_cast<int32_t>(taps.size());
      for (int64_t t = 0; t < k; ++t) {
        const int64_t num = i + pad - t * dil;
        if (num < 0 || num % stride != 0 || num / stride >= out) continue;
        taps.push_back(Tap{static_cast<int32_t>(t), static_cast<int32_t>(num / stride)});
      }
    }
    begin[size] = static_cast<int32_t>(taps.size());
  };
  build(p.h, p.kh, p.pad_top, p.dil_h, p.stride_h, p.out_h, row_begin, rows);
  build(p.w, p.kw, p.pad_left, p.dil_w, p.stride_w, p.out_w, col_begin, cols);
}

void Conv2dScatterImage(const Conv2dParams& p, const float* x, const float* w_t, const float* bias,
                        const NonZeroMask& mask, const ScatterTaps& taps, int64_t n, int64_t co0,
                        int64_t co1, float* acc, float* y) {
  const int64_t width = co1 - co0;
  const int64_t pixels = p.out_h * p.out_w;
  for (int64_t i = 0; i < pixels; ++i) {
    float* a = acc + i * width;
    for (int64_t c = 0; c < width; ++c) a[c] = bias != nullptr ? bias[co0 + c] : 0.0f;
  }
  for (int64_t ci = 0; ci < p.c_in; ++ci) {
    const float* plane = x + (n * p.c_in + ci) * p.h * p.w;
    const uint64_t* rows = mask.bits + (n * p.c_in + ci) * p.h * mask.words;
    const float* w_ci = w_t + ci * p.kh * p.kw * p.c_out + co0;
    for (int64_t ih = 0; ih < p.h; ++ih) {
      const ScatterTaps::Tap* r0 = taps.rows.data() + taps.row_begin[ih];
      const ScatterTaps::Tap* r1 = taps.rows.data() + taps.row_begin[ih + 1];
      if (r0 == r1) continue;
      for (int64_t word = 0; word < mask.words; ++word) {
        for (uint64_t bits = rows[ih * mask.words + word]; bits != 0; bits &= bits - 1) {
          const int64_t iw = word * 64 + std::countr_zero(bits);
          const float xv = plane[ih * p.w + iw];
          const ScatterTaps::Tap* c0 = taps.cols.data() + taps.col_begin[iw];
          const ScatterTaps::Tap* c1 = taps.cols.data() + taps.col_begin[iw + 1];
          for (const ScatterTaps::Tap* r = r0; r != r1; ++r) {  // kernel rows, ascending
            float* acc_row = acc + r->out * p.out_w * width;
            const float* w_row = w_ci + r->k * p.kw * p.c_out;
            for (const ScatterTaps::Tap* c = c0; c != c1; ++c) {  // kernel columns, ascending
              float* __restrict a = acc_row + c->out * width;
              const float* __restrict wt = w_row + c->k * p.c_out;
              for (int64_t j = 0; j < width; ++j) a[j] += xv * wt[j];
            }
          }
        }
      }
    }
  }
  for (int64_t c = 0; c < width; ++c) {
    float* out = y + (n * p.c_out + co0 + c) * pixels;
    for (int64_t i = 0; i < pixels; ++i) out[i] = acc[i * width + c];
  }
}

void Conv2dRegion(const Conv2dParams& p, const float* x, const float* w, const float* bias,
                  float* y, int64_t n, int64_t oh0, int64_t oh1, int64_t ow0, int64_t ow1) {
  const int64_t cout_g = p.c_out / p.group;
  const bool vector_ok = p.kw <= kMaxBorderKw && p.w > 0;
  for (int64_t oh = oh0; oh < oh1; ++oh) {
    int64_t co = 0;
    // Blocks of kCoBlock channels that stay inside one group take the vector path.
    for (; co + kCoBlock <= p.c_out; co += kCoBlock) {
      if (co / cout_g != (co + kCoBlock - 1) / cout_g) break;
      int64_t ow = ow0;
      for (; vector_ok && ow + kOwBlock <= ow1; ow += kOwBlock) {
        BlockAcc acc = InitBlock(bias, co);
        const int64_t first_col = ow * p.stride_w - p.pad_left;
        const int64_t last_col =
            (ow + kOwBlock - 1) * p.stride_w - p.pad_left + (p.kw - 1) * p.dil_w;
        if (first_col >= 0 && last_col < p.w) {
          ConvBlockInterior(p, x, w, acc, n, oh, co, ow);
        } else {
          ConvBlockBorder(p, x, w, acc, n, oh, co, ow);
        }
        StoreBlock(p, acc, y, n, oh, co, ow);
      }
      for (int64_t c = co; c < co + kCoBlock && ow < ow1; ++c) {
        ConvRowScalar(p, x, w, bias, y, n, oh, c, ow, ow1);
      }
    }
    for (; co < p.c_out; ++co) ConvRowScalar(p, x, w, bias, y, n, oh, co, ow0, ow1);
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
    const float* x = inputs[0]->data<float>();
    const float* w = inputs[1]->data<float>();
    // Output rows (image, oh) on the CPU threads: each row is a region, so the
    // bits are those of one thread (conv.h).
    const int64_t row_macs = p.c_out * p.out_w * (p.c_in / p.group) * p.kh * p.kw;
    ParallelFor(p.n * p.out_h, MinChunkFor(row_macs), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t n = r / p.out_h, oh = r % p.out_h;
        Conv2dRegion(p, x, w, bias, y, n, oh, oh + 1, 0, p.out_w);
      }
    });
    return absl::OkStatus();
  }

 private:
  Node label_;
  Conv2dParams p_{};
};

}  // namespace

std::unique_ptr<CpuKernel> MakeConvKernel(OpType) { return std::make_unique<ConvKernel>(); }

}  // namespace sf
