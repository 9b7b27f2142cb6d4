// Sparse CPU convolution: the CPU kernel for convs the plan marks "sparse"
// (runtime/plan.h). It skips zeros at two grains:
//   - tiles: the output of each image is cut into block x block tiles; a tile
//     whose input window (its receptive field under stride, padding, dilation
//     and kernel size, clipped to the image, over all input channels) is all
//     zero gets the bias only (0 without bias);
//   - taps: inside the other tiles, Conv2dRegion (runtime/cpu/conv.h) skips the
//     multiply-adds of a tap whose 4 output columns all read zeros, found in a
//     bit mask of the input's non-zeros. Spikes at 5-30% leave few tiles empty
//     but many such taps.
// Results equal the dense CPU Conv bit for bit (but the sign of an all-zero
// sum on a -0 bias). Where a weight is Inf or NaN nothing is skipped (a zero
// times it is NaN), so the result is the dense one then too.
//
// Prepare allocates the scratch (the mask, a bit per input element, and the
// tiles' flags) and checks and transposes a constant weight once; Compute
// allocates nothing. One Compute at a time per kernel;
// it spreads its work over the CPU threads (runtime/cpu/parallel.h).
#ifndef SF_RUNTIME_CPU_SPARSE_CONV_H_
#define SF_RUNTIME_CPU_SPARSE_CONV_H_

#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "runtime/cpu/conv.h"
#include "runtime/cpu/cpu_kernel.h"

namespace sf {

class SparseConvKernel : public CpuKernel {
 public:
  // At most this fraction of non-zero inputs (and at least one), the scatter
  // runs (measured in docs/benchmarks.md, twenty-ninth run); else the tiles.
  static constexpr double kScatterDensity = 0.6;
  // The scatter's slices of output channels are at least this wide.
  static constexpr int64_t kMinScatterChannels = 32;
  static constexpr int64_t kMaxScatterTaps = int64_t{1} << 24;

  // `block`: the tile edge in output elements, >= 1 (Prepare fails otherwise).
  explicit SparseConvKernel(int block) : block_(block) {}

  absl::Status Prepare(const Graph& graph, const Node& node) override;
  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override;

  // Tile counts of the last Compute, over all images of the batch.
  int64_t tiles_total() const { return tiles_total_; }
  int64_t tiles_skipped() const { return tiles_skipped_; }
  double LastTileDensity() const override;
  // The input's fraction of non-zeros in the last Compute (0 where a weight
  // was not finite: nothing was counted).
  double last_density() const { return last_density_; }
  // Whether the last Compute ran the scatter.
  bool last_scattered() const { return last_scattered_; }
  // Overrides kScatterDensity (tests and benchmarks: -1 never scatters, 2
  // always where it can).
  void set_scatter_density(double d) { scatter_density_ = d; }

 private:
  int block_;
  Node label_;  // op and name, for Compute-time errors
  Conv2dParams p_{};
  bool has_bias_ = false;
  int64_t tile_rows_ = 0, tiles_per_row_ = 0;
  std::vector<uint64_t> mask_;        // NonZeroMask bits of the input
  std::vector<uint64_t> any_rows_;    // per image and input row: the OR of its channels' rows
  std::vector<uint8_t> tile_active_;  // per image, tile row and tile column
  int64_t tiles_total_ = 0;
  int64_t tiles_skipped_ = 0;
  double last_density_ = 0;  // the input's non-zeros over its elements, last Compute
  bool last_scattered_ = false;
  double scatter_density_ = kScatterDensity;
  // The scatter (group 1 only): weights as [c_in, kh, kw, c_out], and per slot
  // an accumulator of one item (an image's slice of scatter_width_ channels).
  std::vector<float> weights_t_;
  std::vector<float> acc_;
  ScatterTaps taps_;
  // The graph's constant weight as Prepare found it (its data, whether it is
  // all finite; weights_t_ then holds it transposed), or null.
  const void* prepared_weights_ = nullptr;
  bool prepared_weights_finite_ = false;
  int64_t scatter_width_ = 0, scatter_slices_ = 0, scatter_slots_ = 0;
};

// The kernel for a planned sparse conv with block edge `block` (the executor's
// entry point; a SparseConvKernel).
std::unique_ptr<CpuKernel> CreateSparseConvCpuKernel(int block);

}  // namespace sf

#endif  // SF_RUNTIME_CPU_SPARSE_CONV_H_
