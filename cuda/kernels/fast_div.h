// Division by an int fixed on the host, for kernels (host and device).
#ifndef SF_CUDA_KERNELS_FAST_DIV_H_
#define SF_CUDA_KERNELS_FAST_DIV_H_

#include <cuda_runtime.h>

#include <cstdint>

namespace sf::cuda::sparse_detail {

// Division of a non-negative int by a divisor fixed on the host, as a
// multiply-high and a shift (Granlund and Montgomery; CUTLASS's FastDivmod):
// a few instructions where `/` by a run-time int takes ~25 (the prescan
// works out a tile's place with two per block; docs/benchmarks.md,
// twenty-fifth run).
struct FastDiv {
  unsigned int mul = 0;
  int shift = 0;
  int d = 1;
};

inline FastDiv MakeFastDiv(int d) {
  FastDiv f;
  f.d = d < 1 ? 1 : d;
  if (f.d > 1) {
    int log2 = 0;  // ceil(log2(d))
    while ((int64_t{1} << log2) < f.d) ++log2;
    const int p = 31 + log2;  // quotients exact for every dividend < 2^31
    f.mul = static_cast<unsigned int>(((uint64_t{1} << p) + f.d - 1) / f.d);
    f.shift = p - 32;
  }
  return f;
}

// n / f.d for 0 <= n < 2^31.
__host__ __device__ inline int Div(int n, const FastDiv& f) {
#if defined(__CUDA_ARCH__)
  const unsigned int hi = __umulhi(static_cast<unsigned int>(n), f.mul);
#else
  const auto hi = static_cast<unsigned int>((static_cast<uint64_t>(n) * f.mul) >> 32);
#endif
  return f.d == 1 ? n : static_cast<int>(hi >> f.shift);
}

}  // namespace sf::cuda::sparse_detail

#endif  // SF_CUDA_KERNELS_FAST_DIV_H_
