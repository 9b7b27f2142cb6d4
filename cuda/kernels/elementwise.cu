#include <cuda/std/limits>
#include <type_traits>

#include "cuda/kernels/device_util.cuh"
#include "cuda/kernels/elementwise.h"
#include "cuda/kernels/elementwise_ops.cuh"

namespace sf::cuda {
namespace {

template <typename T>
__global__ void UnaryKernel(UnaryOp op, UnaryParams p, int64_t n, const T* x, T* y) {
  SF_GRID_STRIDE_LOOP(i, n) y[i] = StoreValue<T>(ApplyUnary(op, LoadValue(x[i]), p));
}

template <typename T>
__global__ void ClipKernel(int64_t n, const T* x, const T* lo, const T* hi, T* y) {
  SF_GRID_STRIDE_LOOP(i, n) {
    ComputeOf<T> v = LoadValue(x[i]);
    if (lo != nullptr && v < LoadValue(*lo)) v = LoadValue(*lo);
    if (hi != nullptr && v > LoadValue(*hi)) v = LoadValue(*hi);
    y[i] = StoreValue<T>(v);
  }
}

template <typename S, typename D>
__global__ void CastKernel(int64_t n, const S* x, D* y) {
  SF_GRID_STRIDE_LOOP(i, n) y[i] = StoreValue<D>(Convert<ComputeOf<D>>(LoadValue(x[i])));
}

// Calls f(T{}) for every dtype Cast supports.
template <typename F>
bool VisitCastType(DataType t, F&& f) {
  switch (t) {
    case DataType::kBool: f(bool{}); return true;
    case DataType::kInt8: f(int8_t{}); return true;
    case DataType::kUInt8: f(uint8_t{}); return true;
    default: return VisitArithmeticOrHalfType(t, f);
  }
}

template <typename T, typename Y>
__global__ void BinaryKernel(BinaryOp op, Indexer ix, int64_t n, const T* a, const T* b, Y* y) {
  SF_GRID_STRIDE_LOOP(i, n) {
    int64_t off[2];
    OffsetsAt(ix, i, off);
    if constexpr (std::is_same_v<Y, bool>) {
      y[i] = Compare(op, LoadValue(a[off[0]]), LoadValue(b[off[1]]));
    } else {
      y[i] = StoreValue<Y>(Arith(op, LoadValue(a[off[0]]), LoadValue(b[off[1]])));
    }
  }
}

// Contiguous operands of the output's shape, or one of them a single element
// (a_scalar / b_scalar: every output reads *a or *b), 16 bytes (16 / sizeof(T)
// elements) at a time.
template <typename T>
__global__ void BinaryVecKernel(BinaryOp op, int64_t n_vec, const T* a, const T* b, bool a_scalar,
                                bool b_scalar, uint4* y) {
  constexpr int kV = static_cast<int>(sizeof(uint4) / sizeof(T));
  const auto sa = LoadValue(a_scalar ? *a : T{});
  const auto sb = LoadValue(b_scalar ? *b : T{});
  SF_GRID_STRIDE_LOOP(i, n_vec) {
    uint4 va{}, vb{};
    if (!a_scalar) va = reinterpret_cast<const uint4*>(a)[i];
    if (!b_scalar) vb = reinterpret_cast<const uint4*>(b)[i];
    uint4 vy;
    const T* ea = reinterpret_cast<const T*>(&va);
    const T* eb = reinterpret_cast<const T*>(&vb);
    T* ey = reinterpret_cast<T*>(&vy);
#pragma unroll
    for (int k = 0; k < kV; ++k) {
      ey[k] = StoreValue<T>(
          Arith(op, a_scalar ? sa : LoadValue(ea[k]), b_scalar ? sb : LoadValue(eb[k])));
    }
    y[i] = vy;
  }
}

template <typename U>
__global__ void WhereKernel(Indexer ix, int64_t n, const bool* cond, const U* x, const U* other,
                            U* y) {
  SF_GRID_STRIDE_LOOP(i, n) {
    int64_t off[3];
    OffsetsAt(ix, i, off);
    y[i] = cond[off[0]] ? x[off[1]] : other[off[2]];
  }
}

}  // namespace

bool IsComparison(BinaryOp op) {
  return static_cast<int>(op) >= static_cast<int>(BinaryOp::kEqual) &&
         static_cast<int>(op) <= static_cast<int>(BinaryOp::kLessOrEqual);
}

cudaError_t LaunchUnary(UnaryOp op, DataType type, int64_t n, const void* x, void* y,
                        cudaStream_t stream, UnaryParams params) {
  if (n == 0) return cudaSuccess;
  const bool is_math = static_cast<int>(op) < static_cast<int>(UnaryOp::kNeg);
  if (op == UnaryOp::kNot) {
    if (type != DataType::kBool) return cudaErrorInvalidValue;
    UnaryKernel<<<BlocksFor(n), kThreadsPerBlock, 0, stream>>>(
        op, params, n, static_cast<const bool*>(x), static_cast<bool*>(y));
    return cudaGetLastError();
  }
  if (is_math && type != DataType::kFloat32 && type != DataType::kFloat16) {
    return cudaErrorInvalidValue;
  }
  const bool ok = VisitArithmeticOrHalfType(type, [&](auto tag) {
    using T = decltype(tag);
    UnaryKernel<<<BlocksFor(n), kThreadsPerBlock, 0, stream>>>(
        op, params, n, static_cast<const T*>(x), static_cast<T*>(y));
  });
  return ok ? cudaGetLastError() : cudaErrorInvalidValue;
}

cudaError_t LaunchClip(DataType type, int64_t n, const void* x, const void* lo, const void* hi,
                       void* y, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  const bool ok = VisitArithmeticOrHalfType(type, [&](auto tag) {
    using T = decltype(tag);
    ClipKernel<<<BlocksFor(n), kThreadsPerBlock, 0, stream>>>(
        n, static_cast<const T*>(x), static_cast<const T*>(lo), static_cast<const T*>(hi),
        static_cast<T*>(y));
  });
  return ok ? cudaGetLastError() : cudaErrorInvalidValue;
}

cudaError_t LaunchCast(DataType from, DataType to, int64_t n, const void* x, void* y,
                       cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  bool ok = false;
  VisitCastType(from, [&](auto src) {
    using S = decltype(src);
    ok = VisitCastType(to, [&](auto dst) {
      using D = decltype(dst);
      CastKernel<<<BlocksFor(n), kThreadsPerBlock, 0, stream>>>(n, static_cast<const S*>(x),
                                                               static_cast<D*>(y));
    });
  });
  return ok ? cudaGetLastError() : cudaErrorInvalidValue;
}

cudaError_t LaunchBinary(BinaryOp op, DataType type, const Indexer& ix, int64_t n, const void* a,
                         const void* b, void* y, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  if (op == BinaryOp::kPow && type != DataType::kFloat32 && type != DataType::kFloat16 &&
      type != DataType::kFloat64) {
    return cudaErrorInvalidValue;
  }
  const bool ok = VisitArithmeticOrHalfType(type, [&](auto tag) {
    using T = decltype(tag);
    const T* pa = static_cast<const T*>(a);
    const T* pb = static_cast<const T*>(b);
    constexpr int64_t kV = static_cast<int64_t>(sizeof(uint4) / sizeof(T));
    if (IsComparison(op)) {
      BinaryKernel<<<BlocksFor(n), kThreadsPerBlock, 0, stream>>>(op, ix, n, pa, pb,
                                                                 static_cast<bool*>(y));
    } else if (ix.rank == 1 && (ix.strides[0][0] == 1 || ix.strides[0][0] == 0) &&
               (ix.strides[1][0] == 1 || ix.strides[1][0] == 0) && n % kV == 0 &&
               (ix.strides[0][0] == 0 || IsAligned(pa + ix.base[0], sizeof(uint4))) &&
               (ix.strides[1][0] == 0 || IsAligned(pb + ix.base[1], sizeof(uint4))) &&
               IsAligned(y, sizeof(uint4))) {
      BinaryVecKernel<T><<<BlocksFor(n / kV), kThreadsPerBlock, 0, stream>>>(
          op, n / kV, pa + ix.base[0], pb + ix.base[1], ix.strides[0][0] == 0,
          ix.strides[1][0] == 0, static_cast<uint4*>(y));
    } else {
      BinaryKernel<<<BlocksFor(n), kThreadsPerBlock, 0, stream>>>(op, ix, n, pa, pb,
                                                                 static_cast<T*>(y));
    }
  });
  return ok ? cudaGetLastError() : cudaErrorInvalidValue;
}

cudaError_t LaunchWhere(size_t elem_bytes, const Indexer& ix, int64_t n, const bool* cond,
                        const void* x, const void* other, void* y, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  const bool ok = VisitElementSize(elem_bytes, [&](auto tag) {
    using U = decltype(tag);
    WhereKernel<<<BlocksFor(n), kThreadsPerBlock, 0, stream>>>(
        ix, n, cond, static_cast<const U*>(x), static_cast<const U*>(other), static_cast<U*>(y));
  });
  return ok ? cudaGetLastError() : cudaErrorInvalidValue;
}

}  // namespace sf::cuda
