#include "cuda/kernels/device_util.cuh"
#include "cuda/kernels/reduction.h"

namespace sf::cuda {
namespace {

__global__ void BatchNormKernel(BatchNormShape s, const float* x, const float* scale,
                                const float* bias, const float* mean, const float* var,
                                float* y) {
  const int64_t n = s.n * s.channels * s.spatial;
  SF_GRID_STRIDE_LOOP(i, n) {
    const int64_t c = (i / s.spatial) % s.channels;
    y[i] = (x[i] - mean[c]) / sqrtf(var[c] + s.epsilon) * scale[c] + bias[c];
  }
}

__global__ void SoftmaxKernel(int64_t outer, int64_t axis, int64_t inner, const float* x,
                              float* y) {
  SF_GRID_STRIDE_LOOP(row, outer * inner) {
    const int64_t base = (row / inner) * axis * inner + row % inner;
    float m = -INFINITY;
    for (int64_t a = 0; a < axis; ++a) m = fmaxf(m, x[base + a * inner]);
    float sum = 0.0f;
    for (int64_t a = 0; a < axis; ++a) {
      const float e = expf(x[base + a * inner] - m);
      y[base + a * inner] = e;
      sum += e;
    }
    for (int64_t a = 0; a < axis; ++a) y[base + a * inner] /= sum;
  }
}

template <typename T>
__global__ void ReduceKernel(bool mean, Indexer outputs, int64_t num_outputs, Indexer reduced,
                             int64_t num_reduced, const T* x, T* y) {
  SF_GRID_STRIDE_LOOP(o, num_outputs) {
    int64_t base[1];
    OffsetsAt(outputs, o, base);
    double sum = 0.0;
    for (int64_t r = 0; r < num_reduced; ++r) {
      int64_t off[1];
      OffsetsAt(reduced, r, off);
      sum += LoadValue(x[base[0] + off[0]]);
    }
    y[o] = StoreValue<T>(static_cast<float>(mean ? sum / static_cast<double>(num_reduced) : sum));
  }
}

__global__ void TimeAccumulateKernel(bool mean, int64_t n, const float* x, double* acc,
                                     const int64_t* runs, float* y) {
  const double count = static_cast<double>(*runs + 1);
  SF_GRID_STRIDE_LOOP(i, n) {
    const double sum = acc[i] + x[i];
    acc[i] = sum;
    y[i] = static_cast<float>(mean ? sum / count : sum);
  }
}

__global__ void CountRunKernel(int64_t* runs) { ++*runs; }

struct Window {
  int64_t lo, hi, padded_size;
};
__device__ inline Window WindowAt(const PoolDim& d, int64_t o) {
  const int64_t start = o * d.stride - d.pad_begin;
  const int64_t end = min(start + (d.k - 1) * d.dil + 1, d.in + d.pad_end);
  Window w{start, min(end, d.in), end - start};
  while (w.lo < 0) w.lo += d.dil;
  return w;
}

template <typename T>
__global__ void Pool2dKernel(PoolShape s, const T* x, T* y) {
  const int64_t n = s.planes * s.h.out * s.w.out;
  // Output i is (plane, oh, ow) in NCHW, (n, oh, ow, c) in NHWC; xp points
  // at the plane's first element and one input pixel is c_last elements on.
  const int64_t c_last = s.channels_last ? s.channels : 1;
  SF_GRID_STRIDE_LOOP(i, n) {
    const int64_t c = i % c_last;
    const int64_t ow = (i / c_last) % s.w.out;
    const int64_t oh = (i / c_last / s.w.out) % s.h.out;
    const int64_t outer = i / c_last / s.w.out / s.h.out;  // plane (NCHW) or n (NHWC)
    const T* xp = x + outer * s.h.in * s.w.in * c_last + c;
    const Window wh = WindowAt(s.h, oh);
    const Window ww = WindowAt(s.w, ow);
    if (s.is_max) {
      float m = -INFINITY;
      for (int64_t ih = wh.lo; ih < wh.hi; ih += s.h.dil) {
        for (int64_t iw = ww.lo; iw < ww.hi; iw += s.w.dil) {
          m = fmaxf(m, LoadValue(xp[(ih * s.w.in + iw) * c_last]));
        }
      }
      y[i] = StoreValue<T>(m);
    } else {
      float sum = 0.0f;
      for (int64_t ih = wh.lo; ih < wh.hi; ++ih) {
        for (int64_t iw = ww.lo; iw < ww.hi; ++iw) {
          sum += LoadValue(xp[(ih * s.w.in + iw) * c_last]);
        }
      }
      const int64_t count = s.count_include_pad ? wh.padded_size * ww.padded_size
                                                : (wh.hi - wh.lo) * (ww.hi - ww.lo);
      y[i] = StoreValue<T>(sum / static_cast<float>(count));
    }
  }
}

}  // namespace

cudaError_t LaunchBatchNorm(const BatchNormShape& s, const float* x, const float* scale,
                            const float* bias, const float* mean, const float* var, float* y,
                            cudaStream_t stream) {
  const int64_t n = s.n * s.channels * s.spatial;
  if (n == 0) return cudaSuccess;
  BatchNormKernel<<<BlocksFor(n), kThreadsPerBlock, 0, stream>>>(s, x, scale, bias, mean, var,
                                                                y);
  return cudaGetLastError();
}

cudaError_t LaunchSoftmax(int64_t outer, int64_t axis, int64_t inner, const float* x, float* y,
                          cudaStream_t stream) {
  if (outer * axis * inner == 0) return cudaSuccess;
  SoftmaxKernel<<<BlocksFor(outer * inner), kThreadsPerBlock, 0, stream>>>(outer, axis, inner, x,
                                                                          y);
  return cudaGetLastError();
}

cudaError_t LaunchTimeAccumulate(bool mean, int64_t n, const float* x, double* acc,
                                 int64_t* runs, float* y, cudaStream_t stream) {
  if (n > 0) {
    TimeAccumulateKernel<<<BlocksFor(n), kThreadsPerBlock, 0, stream>>>(mean, n, x, acc, runs, y);
  }
  CountRunKernel<<<1, 1, 0, stream>>>(runs);
  return cudaGetLastError();
}

cudaError_t LaunchReduce(bool mean, const Indexer& outputs, int64_t num_outputs,
                         const Indexer& reduced, int64_t num_reduced, DataType type,
                         const void* x, void* y, cudaStream_t stream) {
  if (num_outputs == 0) return cudaSuccess;
  const bool ok = VisitFloatType(type, [&](auto tag) {
    using T = decltype(tag);
    ReduceKernel<<<BlocksFor(num_outputs), kThreadsPerBlock, 0, stream>>>(
        mean, outputs, num_outputs, reduced, num_reduced, static_cast<const T*>(x),
        static_cast<T*>(y));
  });
  return ok ? cudaGetLastError() : cudaErrorInvalidValue;
}

cudaError_t LaunchPool2d(const PoolShape& s, DataType type, const void* x, void* y,
                         cudaStream_t stream) {
  const int64_t n = s.planes * s.h.out * s.w.out;
  if (n == 0) return cudaSuccess;
  const bool ok = VisitFloatType(type, [&](auto tag) {
    using T = decltype(tag);
    Pool2dKernel<<<BlocksFor(n), kThreadsPerBlock, 0, stream>>>(s, static_cast<const T*>(x),
                                                               static_cast<T*>(y));
  });
  return ok ? cudaGetLastError() : cudaErrorInvalidValue;
}

}  // namespace sf::cuda
