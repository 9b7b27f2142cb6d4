// Elementwise GPU kernels: unary math, Clip, Cast, binary arithmetic and
// comparisons with numpy broadcasting (through an Indexer), and Where.
// Element counts and offsets are in elements; every pointer is device memory.
// Each launcher returns cudaErrorInvalidValue for a dtype it does not support.
// float16 elements are computed in float32 and rounded once when stored.
#ifndef SF_CUDA_KERNELS_ELEMENTWISE_H_
#define SF_CUDA_KERNELS_ELEMENTWISE_H_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "cuda/kernels/indexer.h"
#include "graph/dtype.h"

namespace sf::cuda {

// The math ops come first (before kNeg).
enum class UnaryOp : int {
  kRelu,
  kSigmoid,
  kTanh,
  kExp,
  kSqrt,
  kFloor,
  kCeil,
  kRound,
  kErf,
  kLog,
  kReciprocal,
  kSign,
  kSoftplus,
  kHardSwish,
  kLeakyRelu,
  kElu,
  kHardSigmoid,
  kNeg,
  kAbs,
  kNot,
};
// The attributes of LeakyRelu and Elu (alpha) and HardSigmoid (alpha, beta).
struct UnaryParams {
  float alpha = 0.0f, beta = 0.0f;
};
// float32/float16 for the math ops, any arithmetic type or float16 for
// Neg/Abs, bool for Not.
cudaError_t LaunchUnary(UnaryOp op, DataType type, int64_t n, const void* x, void* y,
                        cudaStream_t stream, UnaryParams params = {});

// y = min(max(x, lo), hi); lo/hi point to one device element each or are null.
cudaError_t LaunchClip(DataType type, int64_t n, const void* x, const void* lo, const void* hi,
                       void* y, cudaStream_t stream);

// Converts between bool, int8, uint8, int32, int64, float16, float32 and float64 like the
// CPU Cast (float -> int truncates and saturates, NaN -> 0; x -> bool is x != 0).
cudaError_t LaunchCast(DataType from, DataType to, int64_t n, const void* x, void* y,
                       cudaStream_t stream);

enum class BinaryOp : int {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMax,
  kMin,  // -> type
  kEqual,
  kGreater,
  kGreaterOrEqual,
  kLess,
  kLessOrEqual,  // -> bool
  kPow,          // -> type, floats only (after the comparisons: fused opcodes mirror the rest)
};
bool IsComparison(BinaryOp op);
// Arithmetic types and float16.
// y[i] = a[off0(i)] op b[off1(i)] over the n elements of ix (operands 0 and 1).
cudaError_t LaunchBinary(BinaryOp op, DataType type, const Indexer& ix, int64_t n, const void* a,
                         const void* b, void* y, cudaStream_t stream);

// y[i] = cond[off0(i)] ? x[off1(i)] : other[off2(i)], for any element size.
cudaError_t LaunchWhere(size_t elem_bytes, const Indexer& ix, int64_t n, const bool* cond,
                        const void* x, const void* other, void* y, cudaStream_t stream);

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_ELEMENTWISE_H_
