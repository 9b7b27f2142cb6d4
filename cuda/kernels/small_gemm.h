// A GEMM small enough that cuBLAS's launch and set-up cost more than the
// arithmetic (a classifier head: 64 x 512 times 512 x 10), with the ONNX Gemm
// epilogue fused: Y = alpha * op(A) * op(B) + beta * C in one kernel, where
// cuBLAS needs a broadcast copy of C first.
//
// One warp per output element; its lanes take every 32nd k (consecutive lanes
// read consecutive elements of a row of A, and of B when transposed), FP32
// products and sums in a fixed order, then a butterfly reduction over the
// lanes: deterministic, not bitwise cuBLAS's order (agrees within rounding).
// FP16 tensors are widened to FP32 and the result rounded once.
#ifndef SF_CUDA_KERNELS_SMALL_GEMM_H_
#define SF_CUDA_KERNELS_SMALL_GEMM_H_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "graph/dtype.h"

namespace sf::cuda {

struct SmallGemmShape {
  int64_t m = 0, n = 0, k = 0;
  bool trans_a = false, trans_b = false;  // A is [k, m] / B is [n, k] when set
  float alpha = 1.0f, beta = 0.0f;
  // C's element strides along Y's rows and columns (0 where C broadcasts);
  // ignored when C is null.
  int64_t c_row_stride = 0, c_col_stride = 0;
};

// Whether the small kernel should run this product (few enough multiply-adds
// that one warp per output is faster than cuBLAS); the launch accepts any size.
bool SmallGemmPreferred(int64_t m, int64_t n, int64_t k);

// y [m, n] row-major; a, b (and c, may be null) of `type`: kFloat32 or
// kFloat16 (else cudaErrorInvalidValue). y must not overlap a, b or c.
cudaError_t LaunchSmallGemm(const SmallGemmShape& s, DataType type, const void* a, const void* b,
                            const void* c, void* y, cudaStream_t stream);

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_SMALL_GEMM_H_
