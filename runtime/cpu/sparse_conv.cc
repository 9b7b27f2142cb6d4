#include "runtime/cpu/sparse_conv.h"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <optional>

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

// Whether any bit of columns [lo, hi) of a mask row is set.
bool AnyBitIn(const uint64_t* row, int64_t lo, int64_t hi) {
  for (int64_t word = lo >> 6; word << 6 < hi; ++word) {
    uint64_t bits = row[word];
    const int64_t first = word << 6;
    if (lo > first) bits &= ~uint64_t{0} << (lo - first);
    if (hi < first + 64) bits &= (uint64_t{1} << (hi - first)) - 1;
    if (bits != 0) return true;
  }
  return false;
}

bool AllFinite(const float* v, int64_t count) {
  bool ok = true;
  for (int64_t i = 0; i < count; ++i) ok &= std::isfinite(v[i]);
  return ok;
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
  tile_rows_ = (p_.out_h + block_ - 1) / block_;
  tiles_per_row_ = (p_.out_w + block_ - 1) / block_;
  const std::string what = absl::StrCat("sparse conv '", node.name, "' scratch");
  const int64_t words = NonZeroMaskWords(p_.w);
  const int64_t mask_dims[] = {p_.n, p_.c_in, p_.h, words};
  const int64_t any_dims[] = {p_.n, p_.h, words};
  const int64_t tile_dims[] = {p_.n, tile_rows_, tiles_per_row_};
  SF_ASSIGN_OR_RETURN(int64_t mask_size, CheckedElementCount(mask_dims, what));
  SF_ASSIGN_OR_RETURN(int64_t any_size, CheckedElementCount(any_dims, what));
  SF_ASSIGN_OR_RETURN(int64_t tile_count, CheckedElementCount(tile_dims, what));
  mask_.assign(static_cast<size_t>(mask_size), 0);
  any_rows_.assign(static_cast<size_t>(any_size), 0);
  tile_active_.assign(static_cast<size_t>(tile_count), 1);
  // The scatter's tap lists take h * kh + w * kw steps to build (and hold no
  // more entries); past kMaxScatterTaps (absurd kernels) the tiles run instead.
  const bool taps_fit = p_.h * p_.kh + p_.w * p_.kw <= kMaxScatterTaps;
  if (p_.group == 1 && p_.n > 0 && p_.c_out > 0 && p_.out_h > 0 && p_.out_w > 0 && taps_fit) {
    // The scatter's items: (image, slice of output channels), enough of them
    // for every thread, slices of at least kMinScatterChannels.
    const int64_t threads = CpuThreads();
    const int64_t max_slices = std::max<int64_t>(1, p_.c_out / kMinScatterChannels);
    const int64_t slices = std::clamp<int64_t>((threads + p_.n - 1) / p_.n, 1, max_slices);
    scatter_width_ = (p_.c_out + slices - 1) / slices;
    scatter_slices_ = (p_.c_out + scatter_width_ - 1) / scatter_width_;
    scatter_slots_ = std::min<int64_t>(threads, p_.n * scatter_slices_);
    const int64_t w_dims[] = {p_.c_out, p_.c_in, p_.kh, p_.kw};
    const int64_t acc_dims[] = {scatter_slots_, p_.out_h, p_.out_w, scatter_width_};
    SF_ASSIGN_OR_RETURN(int64_t w_size, CheckedElementCount(w_dims, what));
    SF_ASSIGN_OR_RETURN(int64_t acc_size, CheckedElementCount(acc_dims, what));
    weights_t_.assign(static_cast<size_t>(w_size), 0.0f);
    acc_.assign(static_cast<size_t>(acc_size), 0.0f);
    taps_.Build(p_);
  }
  // A constant weight (the usual case) is checked and transposed here once;
  // Compute redoes both only for other weight data.
  prepared_weights_ = nullptr;
  const std::optional<Tensor>& w = graph.value(node.inputs[1]).constant;
  const int64_t w_count = p_.c_out * (p_.c_in / p_.group) * p_.kh * p_.kw;
  if (w && w->dtype() == DataType::kFloat32 && w->num_elements() == w_count) {
    prepared_weights_ = w->raw_data();
    prepared_weights_finite_ = AllFinite(w->data<float>(), w_count);
    if (!weights_t_.empty()) TransposeConvWeights(p_, w->data<float>(), weights_t_.data());
  }
  return absl::OkStatus();
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
  const int64_t words = NonZeroMaskWords(p.w);
  const int64_t plane_words = p.h * words;

  // A zero times Inf or NaN is NaN: with such a weight nothing is skipped.
  const bool prepared = w == prepared_weights_;
  const bool skip = prepared ? prepared_weights_finite_ : AllFinite(w, inputs[1]->num_elements());
  const NonZeroMask mask{mask_.data(), words};
  std::atomic<int64_t> nonzeros{0};
  if (skip) {
    ParallelFor(p.n * p.c_in, MinChunkFor(p.h * p.w), [&](int64_t begin, int64_t end) {
      int64_t count = 0;
      for (int64_t i = begin; i < end; ++i) {
        count += BuildNonZeroMask(p, x, i / p.c_in, i % p.c_in, mask_.data() + i * plane_words);
      }
      nonzeros += count;
    });
    // The tiles: the OR of an image's channels, then each tile's window.
    ParallelFor(p.n, MinChunkFor(p.c_in * plane_words), [&](int64_t begin, int64_t end) {
      for (int64_t n = begin; n < end; ++n) {
        uint64_t* any = any_rows_.data() + n * plane_words;
        std::fill(any, any + plane_words, 0);
        for (int64_t c = 0; c < p.c_in; ++c) {
          const uint64_t* rows = mask_.data() + (n * p.c_in + c) * plane_words;
          for (int64_t i = 0; i < plane_words; ++i) any[i] |= rows[i];
        }
        for (int64_t tr = 0; tr < tile_rows_; ++tr) {
          const int64_t oh0 = tr * block_, oh1 = std::min(oh0 + block_, p.out_h);
          auto [ih0, ih1] = InputWindow(oh0, oh1, p.stride_h, p.pad_top, p.kh, p.dil_h, p.h);
          for (int64_t tc = 0; tc < tiles_per_row_; ++tc) {
            const int64_t ow0 = tc * block_, ow1 = std::min(ow0 + block_, p.out_w);
            auto [iw0, iw1] = InputWindow(ow0, ow1, p.stride_w, p.pad_left, p.kw, p.dil_w, p.w);
            bool active = false;
            for (int64_t ih = ih0; ih < ih1 && !active; ++ih) {
              active = AnyBitIn(any + ih * words, iw0, iw1);
            }
            tile_active_[(n * tile_rows_ + tr) * tiles_per_row_ + tc] = active ? 1 : 0;
          }
        }
      }
    });
  } else {
    std::fill(tile_active_.begin(), tile_active_.end(), 1);
  }
  const double elements = static_cast<double>(p.n * p.c_in * p.h * p.w);
  last_density_ = elements > 0 ? static_cast<double>(nonzeros.load()) / elements : 0.0;

  // No non-zero at all: every tile is empty and the tiles only store the bias,
  // cheaper than the scatter's accumulators (cpu_conv_gbench at 0%).
  last_scattered_ =
      skip && !acc_.empty() && nonzeros.load() > 0 && last_density_ <= scatter_density_;
  if (last_scattered_) {
    // Few non-zeros: each adds its weight rows to the outputs it reaches.
    if (!prepared) TransposeConvWeights(p, w, weights_t_.data());
    const int64_t items = p.n * scatter_slices_;
    const int64_t acc_floats = p.out_h * p.out_w * scatter_width_;
    ParallelFor(scatter_slots_, 1, [&](int64_t begin, int64_t end) {
      for (int64_t slot = begin; slot < end; ++slot) {
        for (int64_t item = slot; item < items; item += scatter_slots_) {
          const int64_t n = item / scatter_slices_;
          const int64_t co0 = item % scatter_slices_ * scatter_width_;
          Conv2dScatterImage(p, x, weights_t_.data(), bias, mask, taps_, n, co0,
                             std::min(co0 + scatter_width_, p.c_out),
                             acc_.data() + slot * acc_floats, y);
        }
      }
    });
  } else {
    // Output rows (image, oh) on the CPU threads: runs of active tiles are
    // regions (conv.h), so the bits do not depend on the threads.
    const int64_t row_macs = p.c_out * p.out_w * (p.c_in / p.group) * p.kh * p.kw;
    ParallelFor(p.n * p.out_h, MinChunkFor(row_macs), [&](int64_t begin, int64_t end) {
      for (int64_t r = begin; r < end; ++r) {
        const int64_t n = r / p.out_h, oh = r % p.out_h;
        const uint8_t* active =
            tile_active_.data() + (n * tile_rows_ + oh / block_) * tiles_per_row_;
        for (int64_t tc = 0; tc < tiles_per_row_;) {
          int64_t end_tc = tc + 1;
          while (end_tc < tiles_per_row_ && active[end_tc] == active[tc]) ++end_tc;
          const int64_t ow0 = tc * block_, ow1 = std::min(end_tc * block_, p.out_w);
          if (active[tc] != 0) {
            Conv2dRegion(p, x, w, bias, y, n, oh, oh + 1, ow0, ow1);
          } else {
            for (int64_t co = 0; co < p.c_out; ++co) {
              float* row = y + ((n * p.c_out + co) * p.out_h + oh) * p.out_w;
              std::fill(row + ow0, row + ow1, bias != nullptr ? bias[co] : 0.0f);
            }
          }
          tc = end_tc;
        }
      }
    });
  }
  tiles_total_ = static_cast<int64_t>(tile_active_.size());
  tiles_skipped_ = tiles_total_ - std::count(tile_active_.begin(), tile_active_.end(), 1);
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
