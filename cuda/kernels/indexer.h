// Indexer: how a kernel that walks the C-order elements of an output finds the
// matching elements of up to three operands (broadcasting, transposes, slices,
// concatenation). Built on the host at prepare time, passed to kernels by value.
#ifndef SF_CUDA_KERNELS_INDEXER_H_
#define SF_CUDA_KERNELS_INDEXER_H_

#include <cstdint>

namespace sf::cuda {

inline constexpr int kMaxIndexRank = 16;
inline constexpr int kMaxOperands = 3;

struct Indexer {
  int rank = 0;                                  // 0: a single element
  int64_t dims[kMaxIndexRank] = {};              // the iteration space, C order
  int64_t strides[kMaxOperands][kMaxIndexRank] = {};  // per operand, in elements; 0 broadcasts
  int64_t base[kMaxOperands] = {};               // per operand, element offset of index 0
};

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_INDEXER_H_
