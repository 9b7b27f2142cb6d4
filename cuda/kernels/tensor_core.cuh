// Inline PTX for the float16 tensor-core kernels (sparse_conv_f16.cu,
// compact_spike_conv.cu): asynchronous copies, ldmatrix and mma.sync
// m16n8k16. They need sm_80 (ldmatrix sm_75); the kernels that call them are
// compiled as stubs below it, where these go unused. Internal to cuda/kernels.
#ifndef SF_CUDA_KERNELS_TENSOR_CORE_CUH_
#define SF_CUDA_KERNELS_TENSOR_CORE_CUH_

#include <cuda_runtime.h>

#include <cstdint>

namespace sf::cuda {

// 16 bytes global -> shared without passing through registers; `valid`
// false writes 16 zero bytes (src-size 0: nothing is read from `gmem`).
[[maybe_unused]] __device__ inline void CpAsync16(uint16_t* smem, const void* gmem, bool valid) {
  const unsigned addr = static_cast<unsigned>(__cvta_generic_to_shared(smem));
  asm volatile("cp.async.cg.shared.global [%0], [%1], 16, %2;\n" ::"r"(addr), "l"(gmem),
               "r"(valid ? 16 : 0));
}
[[maybe_unused]] __device__ inline void CpAsyncCommit() {
  asm volatile("cp.async.commit_group;\n" ::);
}
// Waits until at most `kPending` committed groups are still in flight.
template <int kPending>
__device__ inline void CpAsyncWait() {
  asm volatile("cp.async.wait_group %0;\n" ::"n"(kPending));
}

[[maybe_unused]] __device__ inline void LdMatrixX4(uint32_t (&r)[4], const uint16_t* smem) {
  const unsigned addr = static_cast<unsigned>(__cvta_generic_to_shared(smem));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

// The same, each 8x8 matrix transposed: lane l holds element [2 (l % 4) + j]
// [l / 4] of the matrix whose rows lanes 8 m .. 8 m + 7 address (a gather of
// rows as the MMA's K).
[[maybe_unused]] __device__ inline void LdMatrixX4Trans(uint32_t (&r)[4], const uint16_t* smem) {
  const unsigned addr = static_cast<unsigned>(__cvta_generic_to_shared(smem));
  asm volatile("ldmatrix.sync.aligned.m8n8.x4.trans.shared.b16 {%0, %1, %2, %3}, [%4];\n"
               : "=r"(r[0]), "=r"(r[1]), "=r"(r[2]), "=r"(r[3])
               : "r"(addr));
}

[[maybe_unused]] __device__ inline void LdMatrixX2(uint32_t (&r)[2], const uint16_t* smem) {
  const unsigned addr = static_cast<unsigned>(__cvta_generic_to_shared(smem));
  asm volatile("ldmatrix.sync.aligned.m8n8.x2.shared.b16 {%0, %1}, [%2];\n"
               : "=r"(r[0]), "=r"(r[1])
               : "r"(addr));
}

// d += a (16x16, row) * b (16x8, col); FP16 in, FP32 accumulate.
[[maybe_unused]] __device__ inline void Mma16816(float (&d)[4], const uint32_t (&a)[4], uint32_t b0,
                                                 uint32_t b1) {
  asm volatile(
      "mma.sync.aligned.m16n8k16.row.col.f32.f16.f16.f32 {%0, %1, %2, %3}, {%4, %5, %6, %7}, "
      "{%8, %9}, {%0, %1, %2, %3};\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3])
      : "r"(a[0]), "r"(a[1]), "r"(a[2]), "r"(a[3]), "r"(b0), "r"(b1));
}

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_TENSOR_CORE_CUH_
