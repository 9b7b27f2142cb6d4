// Indexer: how a kernel that walks the C-order elements of an output finds the
// matching elements of up to three operands (broadcasting, transposes, slices,
// concatenation). Built on the host at prepare time, passed to kernels by value.
#ifndef SF_CUDA_KERNELS_INDEXER_H_
#define SF_CUDA_KERNELS_INDEXER_H_

#include <cstdint>

#include "cuda/kernels/fast_div.h"

namespace sf::cuda {

inline constexpr int kMaxIndexRank = 16;
inline constexpr int kMaxOperands = 3;

struct Indexer {
  int rank = 0;                                  // 0: a single element
  int64_t dims[kMaxIndexRank] = {};              // the iteration space, C order
  int64_t strides[kMaxOperands][kMaxIndexRank] = {};  // per operand, in elements; 0 broadcasts
  int64_t base[kMaxOperands] = {};               // per operand, element offset of index 0
  // Set (SetFastDivisions) when the whole walk has fewer than 2^31 indices:
  // OffsetsAt then divides by dims[d] as a multiply-high and a shift
  // (div[d]) instead of a 64-bit division (~70 instructions each).
  bool fast = false;
  sparse_detail::FastDiv div[kMaxIndexRank] = {};
};

// Fills ix.div and sets ix.fast when the product of its dims is below 2^31.
inline void SetFastDivisions(Indexer& ix) {
  int64_t n = 1;
  for (int d = 0; d < ix.rank; ++d) n *= ix.dims[d] > 0 ? ix.dims[d] : 1;
  ix.fast = n < (int64_t{1} << 31);
  for (int d = 0; d < ix.rank && ix.fast; ++d) {
    ix.div[d] = sparse_detail::MakeFastDiv(static_cast<int>(ix.dims[d]));
  }
}

// Element offsets of linear index `i` (0 <= i < the product of ix.dims) for
// the first `count` operands. Host and device.
template <int count>
__host__ __device__ inline void OffsetsAt(const Indexer& ix, int64_t i, int64_t (&off)[count]) {
  if (ix.rank == 1) {  // coalesced same-shape operands (runtime/gpu/indexing.h): no division
    for (int k = 0; k < count; ++k) off[k] = ix.base[k] + i * ix.strides[k][0];
    return;
  }
  for (int k = 0; k < count; ++k) off[k] = ix.base[k];
  if (ix.fast) {
    int rest = static_cast<int>(i);
    for (int d = ix.rank - 1; d >= 0; --d) {
      const int q = sparse_detail::Div(rest, ix.div[d]);
      const int64_t r = rest - q * static_cast<int>(ix.dims[d]);
      rest = q;
      for (int k = 0; k < count; ++k) off[k] += r * ix.strides[k][d];
    }
    return;
  }
  for (int d = ix.rank - 1; d >= 0; --d) {
    const int64_t q = i / ix.dims[d];
    const int64_t r = i - q * ix.dims[d];
    i = q;
    for (int k = 0; k < count; ++k) off[k] += r * ix.strides[k][d];
  }
}

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_INDEXER_H_
