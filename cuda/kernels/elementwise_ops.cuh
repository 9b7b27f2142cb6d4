// The per-element expressions of the elementwise kernels (elementwise.cu),
// shared with the FusedElementwise interpreter (fused_elementwise.cu) so that a
// fused op computes exactly what its own kernel computes. float16 elements
// arrive here as float (device_util.cuh's ComputeOf). Files that include this
// are built with -fmad=false: nothing is contracted.
#ifndef SF_CUDA_KERNELS_ELEMENTWISE_OPS_CUH_
#define SF_CUDA_KERNELS_ELEMENTWISE_OPS_CUH_

#include <cuda/std/limits>
#include <type_traits>

#include "cuda/kernels/elementwise.h"

namespace sf::cuda {

// The same expressions as the CPU kernels (runtime/cpu/unary.cc); the
// transcendental ones (erf, log, softplus, elu) may differ from the CPU's by
// an ulp or so.
template <typename T>
__device__ inline T ApplyUnary(UnaryOp op, T v, UnaryParams p = {}) {
  if constexpr (std::is_same_v<T, float>) {
    switch (op) {
      case UnaryOp::kRelu: return v > 0.0f ? v : 0.0f;
      case UnaryOp::kSigmoid: return 1.0f / (1.0f + expf(-v));
      case UnaryOp::kTanh: return tanhf(v);
      case UnaryOp::kExp: return expf(v);
      case UnaryOp::kSqrt: return sqrtf(v);
      case UnaryOp::kFloor: return floorf(v);
      case UnaryOp::kCeil: return ceilf(v);
      case UnaryOp::kRound: return rintf(v);  // halves to even
      case UnaryOp::kErf: return erff(v);
      case UnaryOp::kLog: return logf(v);
      case UnaryOp::kReciprocal: return 1.0f / v;
      case UnaryOp::kSign: return v > 0.0f ? 1.0f : (v < 0.0f ? -1.0f : v);
      case UnaryOp::kSoftplus: return v > 0.0f ? v + log1pf(expf(-v)) : log1pf(expf(v));
      case UnaryOp::kHardSwish: {
        const float h = v * (1.0f / 6.0f) + 0.5f;
        return v * (h < 0.0f ? 0.0f : (h > 1.0f ? 1.0f : h));
      }
      case UnaryOp::kLeakyRelu: return v < 0.0f ? p.alpha * v : v;
      case UnaryOp::kElu: return v < 0.0f ? p.alpha * expm1f(v) : v;
      case UnaryOp::kHardSigmoid: {
        const float h = p.alpha * v + p.beta;
        return h < 0.0f ? 0.0f : (h > 1.0f ? 1.0f : h);
      }
      default: break;
    }
  }
  if constexpr (std::is_same_v<T, bool>) {
    return !v;
  } else {
    if (op == UnaryOp::kNeg) return static_cast<T>(-v);
    return v < T{0} ? static_cast<T>(-v) : v;  // kAbs
  }
}

template <typename D, typename S>
__device__ inline D Convert(S v) {
  if constexpr (std::is_same_v<D, bool>) {
    return v != S{0};
  } else if constexpr (std::is_floating_point_v<S> && std::is_integral_v<D>) {
    if (v != v) return D{0};
    if (v <= static_cast<S>(::cuda::std::numeric_limits<D>::min())) {
      return ::cuda::std::numeric_limits<D>::min();
    }
    if (v >= static_cast<S>(::cuda::std::numeric_limits<D>::max())) {
      return ::cuda::std::numeric_limits<D>::max();
    }
    return static_cast<D>(v);
  } else {
    return static_cast<D>(v);
  }
}

template <typename T>
__device__ inline T Arith(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::kAdd: return static_cast<T>(a + b);
    case BinaryOp::kSub: return static_cast<T>(a - b);
    case BinaryOp::kMul: return static_cast<T>(a * b);
    case BinaryOp::kMax: return a < b ? b : a;
    case BinaryOp::kMin: return b < a ? b : a;
    case BinaryOp::kPow:
      if constexpr (std::is_floating_point_v<T>) {
        if constexpr (std::is_same_v<T, float>) {
          return powf(a, b);
        } else {
          return pow(a, b);
        }
      } else {
        return T{0};  // refused at launch
      }
    default: break;
  }
  if constexpr (std::is_integral_v<T>) {  // kDiv: truncation, x / 0 = 0, MIN / -1 wraps
    if (b == 0) return T{0};
    if (b == -1) return static_cast<T>(-static_cast<std::make_unsigned_t<T>>(a));
  }
  return static_cast<T>(a / b);
}

template <typename T>
__device__ inline bool Compare(BinaryOp op, T a, T b) {
  switch (op) {
    case BinaryOp::kEqual: return a == b;
    case BinaryOp::kGreater: return a > b;
    case BinaryOp::kGreaterOrEqual: return a >= b;
    case BinaryOp::kLess: return a < b;
    default: return a <= b;
  }
}

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_ELEMENTWISE_OPS_CUH_
