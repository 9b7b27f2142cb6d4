// Gathers a strided view of a tensor into a dense C-order buffer: the building
// block of Transpose and Slice. Allocation-free; element type by width.
#ifndef SF_RUNTIME_CPU_STRIDED_COPY_H_
#define SF_RUNTIME_CPU_STRIDED_COPY_H_

#include <array>
#include <cstdint>
#include <span>

#include "graph/tensor.h"

namespace sf {

// Row-major strides (in elements) of a dense tensor of `dims`.
inline std::array<int64_t, kMaxRank> DenseStrides(std::span<const int64_t> dims) {
  std::array<int64_t, kMaxRank> s{};
  int64_t stride = 1;
  for (size_t d = dims.size(); d-- > 0;) {
    s[d] = stride;
    stride *= dims[d];
  }
  return s;
}

// y (dense, `dims`, rank <= kMaxRank) [i0, ..., ik] = x[base + sum_d i_d * strides[d]].
// Strides may be negative or zero.
template <typename U>
void StridedCopy(const U* x, int64_t base, std::span<const int64_t> dims,
                 std::span<const int64_t> strides, U* y) {
  const int rank = static_cast<int>(dims.size());
  int64_t total = 1;
  for (int64_t d : dims) total *= d;
  if (total == 0) return;
  if (rank == 0) {
    y[0] = x[base];
    return;
  }
  const int64_t inner = dims[rank - 1];
  const int64_t step = strides[rank - 1];
  std::array<int64_t, kMaxRank> counter{};
  int64_t offset = base;
  for (int64_t out = 0; out < total; out += inner) {
    for (int64_t j = 0; j < inner; ++j) y[out + j] = x[offset + j * step];
    for (int d = rank - 2; d >= 0; --d) {
      offset += strides[d];
      if (++counter[d] < dims[d]) break;
      offset -= strides[d] * dims[d];
      counter[d] = 0;
    }
  }
}

}  // namespace sf

#endif  // SF_RUNTIME_CPU_STRIDED_COPY_H_
