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

__device__ inline double WarpSum(double v) {
  for (int offset = 16; offset > 0; offset /= 2) v += __shfl_xor_sync(0xffffffffu, v, offset);
  return v;
}

__global__ void LayerNormKernel(int64_t rows, int64_t cols, const float* x, const float* scale,
                                int64_t n_scale, const float* bias, int64_t n_bias,
                                float epsilon, float* y) {
  const int lane = static_cast<int>(threadIdx.x % 32);
  const int64_t warps = static_cast<int64_t>(gridDim.x) * blockDim.x / 32;
  for (int64_t r = (static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x) / 32; r < rows;
       r += warps) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    double sum = 0.0;
    for (int64_t j = lane; j < cols; j += 32) sum += xr[j];
    const float mean = static_cast<float>(WarpSum(sum) / static_cast<double>(cols));
    double sq = 0.0;
    for (int64_t j = lane; j < cols; j += 32) {
      const double d = static_cast<double>(xr[j]) - mean;
      sq += d * d;
    }
    const float var = static_cast<float>(WarpSum(sq) / static_cast<double>(cols));
    const float std_dev = sqrtf(var + epsilon);
    for (int64_t j = lane; j < cols; j += 32) {
      const float v = (xr[j] - mean) / std_dev * scale[j % n_scale];
      yr[j] = bias != nullptr ? v + bias[j % n_bias] : v;
    }
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

// Max or average of kV lanes over one output's window, as both pool kernels
// compute it: rows, then columns; the max from -inf by fmaxf (dilated taps), the
// average a float sum divided by the window's count (padding counted or not).
// load(pixel, v) puts the kV input values of pixel ih * w.in + iw into v.
template <int kV, typename Load>
__device__ inline void PoolWindow(const PoolShape& s, const Window& wh, const Window& ww, Load load,
                                  float (&out)[kV]) {
  float acc[kV];
  for (int k = 0; k < kV; ++k) acc[k] = s.is_max ? -INFINITY : 0.0f;
  const int64_t step_h = s.is_max ? s.h.dil : 1;
  const int64_t step_w = s.is_max ? s.w.dil : 1;
  for (int64_t ih = wh.lo; ih < wh.hi; ih += step_h) {
    for (int64_t iw = ww.lo; iw < ww.hi; iw += step_w) {
      float v[kV];
      load(ih * s.w.in + iw, v);
      for (int k = 0; k < kV; ++k) acc[k] = s.is_max ? fmaxf(acc[k], v[k]) : acc[k] + v[k];
    }
  }
  const int64_t count =
      s.count_include_pad ? wh.padded_size * ww.padded_size : (wh.hi - wh.lo) * (ww.hi - ww.lo);
  for (int k = 0; k < kV; ++k) out[k] = s.is_max ? acc[k] : acc[k] / static_cast<float>(count);
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
    float out[1];
    PoolWindow<1>(
        s, WindowAt(s.h, oh), WindowAt(s.w, ow),
        [&](int64_t pixel, float(&v)[1]) { v[0] = LoadValue(xp[pixel * c_last]); }, out);
    y[i] = StoreValue<T>(out[0]);
  }
}

// The NHWC pool with 16-byte vectors: one thread per V = 16 / sizeof(T)
// adjacent channels of an output pixel, and 32-bit index arithmetic (FastDiv)
// where Pool2dKernel divides four times in 64 bits per element. Each element
// gets Pool2dKernel's arithmetic (PoolWindow).
struct PoolNhwcIndex {
  int units = 0;  // 16-byte vectors per pixel (C / V)
  int total = 0;  // vectors of the output
  sparse_detail::FastDiv by_units, by_w, by_h;
};

template <typename T>
__global__ void Pool2dNhwcVecKernel(PoolShape s, PoolNhwcIndex ix, const T* x, T* y) {
  constexpr int kV = 16 / sizeof(T);
  union Vec {
    uint4 raw;
    T v[kV];
  };
  for (int i = blockIdx.x * blockDim.x + threadIdx.x; i < ix.total; i += blockDim.x * gridDim.x) {
    const int p = sparse_detail::Div(i, ix.by_units);  // output pixel (n, oh, ow)
    const int unit = i - p * ix.units;
    const int q = sparse_detail::Div(p, ix.by_w);
    const int ow = p - q * static_cast<int>(s.w.out);
    const int n = sparse_detail::Div(q, ix.by_h);
    const int oh = q - n * static_cast<int>(s.h.out);
    const T* xp = x + static_cast<int64_t>(n) * s.h.in * s.w.in * s.channels + unit * kV;
    float acc[kV];
    PoolWindow<kV>(
        s, WindowAt(s.h, oh), WindowAt(s.w, ow),
        [&](int64_t pixel, float(&v)[kV]) {
          Vec in;
          in.raw = *reinterpret_cast<const uint4*>(xp + pixel * s.channels);
          for (int k = 0; k < kV; ++k) v[k] = LoadValue(in.v[k]);
        },
        acc);
    Vec out;
    for (int k = 0; k < kV; ++k) out.v[k] = StoreValue<T>(acc[k]);
    *reinterpret_cast<uint4*>(y + static_cast<int64_t>(i) * kV) = out.raw;
  }
}

// Whether the vector kernel runs s: NHWC, whole 16-byte vectors of channels,
// aligned tensors, and fewer than 2^31 vectors of output.
template <typename T>
bool MakePoolNhwcIndex(const PoolShape& s, const void* x, const void* y, PoolNhwcIndex& ix) {
  constexpr int64_t kV = 16 / sizeof(T);
  if (!s.channels_last || s.channels % kV != 0 || !IsAligned(x, 16) || !IsAligned(y, 16)) {
    return false;
  }
  const int64_t images = s.planes / s.channels;
  const int64_t total = images * s.h.out * s.w.out * (s.channels / kV);
  if (total >= (int64_t{1} << 31) || s.h.out >= (int64_t{1} << 31) ||
      s.w.out >= (int64_t{1} << 31)) {
    return false;
  }
  ix.units = static_cast<int>(s.channels / kV);
  ix.total = static_cast<int>(total);
  ix.by_units = sparse_detail::MakeFastDiv(ix.units);
  ix.by_w = sparse_detail::MakeFastDiv(static_cast<int>(s.w.out));
  ix.by_h = sparse_detail::MakeFastDiv(static_cast<int>(s.h.out));
  return true;
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

cudaError_t LaunchLayerNorm(int64_t rows, int64_t cols, const float* x, const float* scale,
                            int64_t n_scale, const float* bias, int64_t n_bias, float epsilon,
                            float* y, cudaStream_t stream) {
  if (rows == 0 || cols == 0) return cudaSuccess;
  if (n_scale <= 0 || (bias != nullptr && n_bias <= 0)) return cudaErrorInvalidValue;
  LayerNormKernel<<<BlocksFor(rows * 32), kThreadsPerBlock, 0, stream>>>(
      rows, cols, x, scale, n_scale, bias, n_bias, epsilon, y);
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
    PoolNhwcIndex ix;
    if (MakePoolNhwcIndex<T>(s, x, y, ix)) {
      Pool2dNhwcVecKernel<<<BlocksFor(ix.total), kThreadsPerBlock, 0, stream>>>(
          s, ix, static_cast<const T*>(x), static_cast<T*>(y));
    } else {
      Pool2dKernel<<<BlocksFor(n), kThreadsPerBlock, 0, stream>>>(s, static_cast<const T*>(x),
                                                                  static_cast<T*>(y));
    }
  });
  return ok ? cudaGetLastError() : cudaErrorInvalidValue;
}

}  // namespace sf::cuda
