// Block-sparse CPU convolution: the CPU kernel for convs the plan marks
// "sparse" (runtime/plan.h).
//
// The output of each image is cut into block x block tiles. A tile whose input
// window (its receptive field under stride, padding, dilation and kernel size,
// clipped to the image, over all input channels) is all zero gets the bias only
// (0 without bias); every other tile is computed with Conv2dRegion
// (runtime/cpu/conv.h). Results equal the dense CPU Conv exactly for finite
// weights (a skipped tile would hold NaN in the dense result only if a weight
// were Inf or NaN).
//
// Prepare allocates the per-image scratch (a prefix-sum table of non-zero
// counts, (H+1)*(W+1) int64); Compute allocates nothing. One thread at a time.
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
  // `block`: the tile edge in output elements, >= 1 (Prepare fails otherwise).
  explicit SparseConvKernel(int block) : block_(block) {}

  absl::Status Prepare(const Graph& graph, const Node& node) override;
  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override;

  // Tile counts of the last Compute, over all images of the batch.
  int64_t tiles_total() const { return tiles_total_; }
  int64_t tiles_skipped() const { return tiles_skipped_; }
  double LastTileDensity() const override;

 private:
  // Fills nonzero_prefix_ for image `n` of `x`.
  void CountNonZeros(const float* x, int64_t n);
  // Non-zeros of the current image in rows [r0, r1) x cols [c0, c1).
  int64_t NonZerosIn(int64_t r0, int64_t r1, int64_t c0, int64_t c1) const;

  int block_;
  Node label_;  // op and name, for Compute-time errors
  Conv2dParams p_{};
  bool has_bias_ = false;
  std::vector<int64_t> nonzero_prefix_;  // (h+1) x (w+1), inclusive-exclusive sums
  int64_t tiles_total_ = 0;
  int64_t tiles_skipped_ = 0;
};

// The kernel for a planned sparse conv with block edge `block` (the executor's
// entry point; a SparseConvKernel).
std::unique_ptr<CpuKernel> CreateSparseConvCpuKernel(int block);

}  // namespace sf

#endif  // SF_RUNTIME_CPU_SPARSE_CONV_H_
