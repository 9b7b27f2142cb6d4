#include "runtime/cpu/sparse_conv.h"

#include <algorithm>
#include <atomic>

#include "graph/status.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/cpu/parallel.h"

namespace sf {
namespace {

// The input index range [lo, hi) read by outputs [o0, o1) along one axis,
// clipped to [0, size).
std::pair<int64_t, int64_t> InputWindow(int64_t o0, int64_t o1, int64_t stride, int64_t pad,
                                        int64_t k, int64_t dil, int64_t size) {
  int64_t lo = o0 * stride - pad;
  int64_t hi = (o1 - 1) * stride - pad + (k - 1) * dil + 1;
  return {std::clamp<int64_t>(lo, 0, size), std::clamp<int64_t>(hi, 0, size)};
}

}  // namespace

absl::Status SparseConvKernel::Prepare(const Graph& graph, const Node& node) {
  label_ = NodeLabel(node);
  if (block_ < 1) return NodeError(node, "sparse conv block must be >= 1, got ", block_);
  SF_ASSIGN_OR_RETURN(p_, GetConv2dParams(graph, node));
  for (int i = 0; i < static_cast<int>(node.inputs.size()); ++i) {
    if (HasInput(node, i) && InputType(graph, node, i) != DataType::kFloat32) {
      return NodeError(node, "input ", i, " must be float32, got ",
                       ToString(InputType(graph, node, i)));
    }
  }
  has_bias_ = HasInput(node, 2);
  const int64_t prefix_dims[] = {p_.h + 1, p_.w + 1};
  SF_ASSIGN_OR_RETURN(int64_t prefix_size,
                      CheckedElementCount(prefix_dims, absl::StrCat("sparse conv '", node.name,
                                                                    "' scratch")));
  nonzero_prefix_.assign(static_cast<size_t>(prefix_size), 0);
  return absl::OkStatus();
}

void SparseConvKernel::CountNonZeros(const float* x, int64_t n) {
  const int64_t stride = p_.w + 1;
  std::fill(nonzero_prefix_.begin(), nonzero_prefix_.end(), 0);
  for (int64_t c = 0; c < p_.c_in; ++c) {
    const float* plane = x + (n * p_.c_in + c) * p_.h * p_.w;
    for (int64_t r = 0; r < p_.h; ++r) {
      int64_t* row = &nonzero_prefix_[(r + 1) * stride + 1];
      for (int64_t col = 0; col < p_.w; ++col) row[col] += plane[r * p_.w + col] != 0.0f;
    }
  }
  for (int64_t r = 1; r <= p_.h; ++r) {
    for (int64_t col = 1; col <= p_.w; ++col) {
      nonzero_prefix_[r * stride + col] += nonzero_prefix_[(r - 1) * stride + col] +
                                           nonzero_prefix_[r * stride + col - 1] -
                                           nonzero_prefix_[(r - 1) * stride + col - 1];
    }
  }
}

int64_t SparseConvKernel::NonZerosIn(int64_t r0, int64_t r1, int64_t c0, int64_t c1) const {
  if (r0 >= r1 || c0 >= c1) return 0;
  const int64_t stride = p_.w + 1;
  return nonzero_prefix_[r1 * stride + c1] - nonzero_prefix_[r0 * stride + c1] -
         nonzero_prefix_[r1 * stride + c0] + nonzero_prefix_[r0 * stride + c0];
}

absl::Status SparseConvKernel::Compute(std::span<const Tensor* const> inputs,
                                       std::span<Tensor* const> outputs) {
  const Conv2dParams& p = p_;
  const int64_t x_dims[] = {p.n, p.c_in, p.h, p.w};
  const int64_t w_dims[] = {p.c_out, p.c_in / p.group, p.kh, p.kw};
  const int64_t b_dims[] = {p.c_out};
  const int64_t y_dims[] = {p.n, p.c_out, p.out_h, p.out_w};
  if (inputs.size() < 2 || outputs.empty()) return NodeError(label_, "missing inputs or outputs");
  SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], DataType::kFloat32, x_dims, "X"));
  SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[1], DataType::kFloat32, w_dims, "W"));
  const float* bias = nullptr;
  if (has_bias_) {
    if (inputs.size() < 3) return NodeError(label_, "bias input is missing");
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[2], DataType::kFloat32, b_dims, "B"));
    bias = inputs[2]->data<float>();
  }
  SF_RETURN_IF_ERROR(CheckTensor(label_, outputs[0], DataType::kFloat32, y_dims, "Y"));
  const float* x = inputs[0]->data<float>();
  const float* w = inputs[1]->data<float>();
  float* y = outputs[0]->data<float>();
  const int64_t tile_rows = (p.out_h + block_ - 1) / block_;
  const int64_t tiles_per_row = (p.out_w + block_ - 1) / block_;
  const int64_t row_macs = block_ * p.out_w * p.c_out * (p.c_in / p.group) * p.kh * p.kw;
  std::atomic<int64_t> skipped{0};
  for (int64_t n = 0; n < p.n; ++n) {
    CountNonZeros(x, n);
    // Rows of tiles on the CPU threads: each tile is a region (conv.h), so
    // the bits do not depend on the threads.
    ParallelFor(tile_rows, MinChunkFor(row_macs), [&](int64_t begin, int64_t end) {
      int64_t empty = 0;
      for (int64_t oh0 = begin * block_; oh0 < std::min(end * block_, p.out_h); oh0 += block_) {
        const int64_t oh1 = std::min(oh0 + block_, p.out_h);
        auto [ih0, ih1] = InputWindow(oh0, oh1, p.stride_h, p.pad_top, p.kh, p.dil_h, p.h);
        for (int64_t ow0 = 0; ow0 < p.out_w; ow0 += block_) {
          const int64_t ow1 = std::min(ow0 + block_, p.out_w);
          auto [iw0, iw1] = InputWindow(ow0, ow1, p.stride_w, p.pad_left, p.kw, p.dil_w, p.w);
          if (NonZerosIn(ih0, ih1, iw0, iw1) > 0) {
            Conv2dRegion(p, x, w, bias, y, n, oh0, oh1, ow0, ow1);
            continue;
          }
          ++empty;
          for (int64_t co = 0; co < p.c_out; ++co) {
            const float b = bias != nullptr ? bias[co] : 0.0f;
            for (int64_t oh = oh0; oh < oh1; ++oh) {
              float* row = y + ((n * p.c_out + co) * p.out_h + oh) * p.out_w;
              std::fill(row + ow0, row + ow1, b);
            }
          }
        }
      }
      skipped += empty;
    });
  }
  tiles_total_ = p.n * tile_rows * tiles_per_row;
  tiles_skipped_ = skipped.load();
  return absl::OkStatus();
}

double SparseConvKernel::LastTileDensity() const {
  if (tiles_total_ == 0) return -1;
  return static_cast<double>(tiles_total_ - tiles_skipped_) / static_cast<double>(tiles_total_);
}

std::unique_ptr<CpuKernel> CreateSparseConvCpuKernel(int block) {
  return std::make_unique<SparseConvKernel>(block);
}

}  // namespace sf
