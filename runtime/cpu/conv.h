// The 2-D convolution core shared by the dense CPU Conv kernel and the
// block-sparse CPU conv (runtime/cpu/sparse_conv.*).
//
// Every output element is accumulated in float in one fixed order: the bias
// (or 0), then over input channels of its group, kernel rows, kernel columns,
// skipping taps that fall into the padding. The dense kernel is exactly
// Conv2dRegion over the whole output, so computing any tiling of the output
// with Conv2dRegion gives bit-identical results.
//
// Layouts: x is NCHW [n, c_in, h, w], w is [c_out, c_in / group, kh, kw],
// bias is [c_out], y is NCHW [n, c_out, out_h, out_w]. Pure functions, thread-safe
// for disjoint output regions.
#ifndef SF_RUNTIME_CPU_CONV_H_
#define SF_RUNTIME_CPU_CONV_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace sf {

struct Conv2dParams {
  int64_t n, c_in, h, w, c_out, kh, kw, stride_h, stride_w, pad_top, pad_left,
      pad_bottom, pad_right, dil_h, dil_w, group, out_h, out_w;
};

// Reads the node's attributes (kernel_shape, strides, pads, dilations, group,
// auto_pad resolved to explicit pads) and the concrete shapes of its inputs and
// output, all NCHW (a Node::channels_last node's stored NHWC/KRSC dims are
// read back as NCHW). InvalidArgument naming the node on a non-2-D conv, unknown shapes,
// channel/group mismatches, or an output shape that disagrees with the attributes.
absl::StatusOr<Conv2dParams> GetConv2dParams(const Graph& graph, const Node& node);

// Where an NCHW input is not zero, one bit per element: bit (col % 64) of word
// (col / 64) of row (n * c_in + c) * h + ih, `words` words a row. A row's last
// word is always zero, so 64 bits from any column can be read with two words.
struct NonZeroMask {
  const uint64_t* bits = nullptr;
  int64_t words = 0;  // NonZeroMaskWords(w)
};

inline int64_t NonZeroMaskWords(int64_t w) { return (w + 63) / 64 + 1; }

// Fills the mask rows of plane (n, c) of x (h rows of NonZeroMaskWords(w) words
// at `rows`) and returns its count of non-zeros. A -0 counts as zero.
int64_t BuildNonZeroMask(const Conv2dParams& p, const float* x, int64_t n, int64_t c,
                         uint64_t* rows);

// Computes y[n, :, oh0:oh1, ow0:ow1] for all output channels of batch item `n`
// (y is the full NCHW output buffer). `bias` may be null.
void Conv2dRegion(const Conv2dParams& p, const float* x, const float* w, const float* bias,
                  float* y, int64_t n, int64_t oh0, int64_t oh1, int64_t ow0, int64_t ow1);

// Where each input row and column lands: for input row ih, the (kernel row,
// output row) pairs that read it in ascending kernel row, rows[row_begin[ih]
// .. row_begin[ih + 1]); the same for columns. Strides, padding and dilation
// resolved once, so the scatter divides nothing.
struct ScatterTaps {
  struct Tap {
    int32_t k, out;
  };
  std::vector<int32_t> row_begin, col_begin;  // h + 1, w + 1 entries
  std::vector<Tap> rows, cols;
  void Build(const Conv2dParams& p);
};

// w [c_out, c_in, kh, kw] -> w_t [c_in, kh, kw, c_out] (group 1).
void TransposeConvWeights(const Conv2dParams& p, const float* w, float* w_t);

// y[n, co0:co1] of a group-1 conv from the non-zeros of x only (input-
// stationary): each non-zero input adds its value times a weight row to the
// outputs it reaches, accumulated in `acc` ([out_h, out_w, co1 - co0] floats)
// and then stored NCHW. Walking input channels, then rows, then columns in
// ascending order, every output receives its products in Conv2dRegion's order
// (channel, kernel row, kernel column), and a skipped zero's +-0 product would
// not change the sum's bits: the same result as Conv2dRegion for finite weights
// (the caller checks; a zero times Inf or NaN is NaN), but the sign of an
// all-zero sum on a -0 bias. The work is proportional to the non-zeros: at 10%
// spikes a tenth of the dense multiply-adds.
void Conv2dScatterImage(const Conv2dParams& p, const float* x, const float* w_t, const float* bias,
                        const NonZeroMask& mask, const ScatterTaps& taps, int64_t n, int64_t co0,
                        int64_t co1, float* acc, float* y);

}  // namespace sf

#endif  // SF_RUNTIME_CPU_CONV_H_
