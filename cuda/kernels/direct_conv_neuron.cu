#include "cuda/kernels/device_util.cuh"
#include "cuda/kernels/direct_conv_neuron.h"
#include "cuda/kernels/neuron_fire.cuh"

namespace sf::cuda {
namespace {

// One thread per output element e of one time step (the step's [N, ...]
// slice in the tensor's layout), looping over the T steps with the membrane
// in a register. The conv sums taps in (ky, kx, ci) order in float32 with
// round-to-nearest adds and multiplies (nothing contracted), then adds the
// bias, then rounds to T as a stored conv output would be.
template <typename T>
__global__ void DirectConvNeuronKernel(DirectConvShape s, bool nhwc, const T* __restrict__ x,
                                       const T* __restrict__ w, const T* __restrict__ bias,
                                       NeuronParams p, T* __restrict__ y) {
  const int64_t images = s.rows / p.steps;
  SF_GRID_STRIDE_LOOP(e, p.step_elements) {
    int64_t n, oy, ox, co;
    if (nhwc) {
      co = e % s.c_out;
      int64_t r = e / s.c_out;
      ox = r % s.out_w;
      r /= s.out_w;
      oy = r % s.out_h;
      n = r / s.out_h;
    } else {
      ox = e % s.out_w;
      int64_t r = e / s.out_w;
      oy = r % s.out_h;
      r /= s.out_h;
      co = r % s.c_out;
      n = r / s.c_out;
    }
    const int64_t y0 = oy * s.stride_h - s.pad_top;
    const int64_t x0 = ox * s.stride_w - s.pad_left;
    const float b = bias != nullptr ? LoadValue(bias[co]) : 0.0f;
    float v = InitialMembrane(p);
    for (int64_t t = 0; t < p.steps; ++t) {
      const int64_t row = t * images + n;
      float acc = 0.0f;
      for (int64_t ky = 0; ky < s.kh; ++ky) {
        const int64_t iy = y0 + ky;
        if (iy < 0 || iy >= s.h) continue;
        for (int64_t kx = 0; kx < s.kw; ++kx) {
          const int64_t ix = x0 + kx;
          if (ix < 0 || ix >= s.w) continue;
          for (int64_t ci = 0; ci < s.c_in; ++ci) {
            const int64_t xi = nhwc ? ((row * s.h + iy) * s.w + ix) * s.c_in + ci
                                    : ((row * s.c_in + ci) * s.h + iy) * s.w + ix;
            const int64_t wi = nhwc ? ((co * s.kh + ky) * s.kw + kx) * s.c_in + ci
                                    : ((co * s.c_in + ci) * s.kh + ky) * s.kw + kx;
            acc = __fadd_rn(acc, __fmul_rn(LoadValue(x[xi]), LoadValue(w[wi])));
          }
        }
      }
      if (bias != nullptr) acc = __fadd_rn(acc, b);
      const float conv = LoadValue(StoreValue<T>(acc));
      y[t * p.step_elements + e] = StoreValue<T>(Fire(p, v, conv));
    }
  }
}

}  // namespace

const char* DirectConvNeuronUnsupportedReason(const DirectConvShape& s, int64_t steps) {
  if (s.rows <= 0 || s.c_in <= 0 || s.c_out <= 0 || s.h <= 0 || s.w <= 0 || s.out_h <= 0 ||
      s.out_w <= 0 || s.kh <= 0 || s.kw <= 0 || s.stride_h <= 0 || s.stride_w <= 0) {
    return "empty or invalid shape";
  }
  if (steps < 1 || s.rows % steps != 0) return "the rows are not a whole number of time steps";
  if (s.c_in * s.kh * s.kw > kDirectConvMaxTaps) return "more than 64 taps per output";
  if (s.pad_top < 0 || s.pad_left < 0) return "negative padding";
  return "";
}

cudaError_t LaunchDirectConvNeuron(const DirectConvShape& s, bool nhwc, DataType type,
                                   const void* x, const void* w, const void* bias,
                                   const NeuronParams& p, void* y, cudaStream_t stream) {
  if (DirectConvNeuronUnsupportedReason(s, p.steps)[0] != '\0' || p.state != nullptr ||
      p.step_elements != s.rows / p.steps * s.c_out * s.out_h * s.out_w) {
    return cudaErrorInvalidValue;
  }
  const bool ok = VisitFloatType(type, [&](auto tag) {
    using T = decltype(tag);
    DirectConvNeuronKernel<T><<<BlocksFor(p.step_elements), kThreadsPerBlock, 0, stream>>>(
        s, nhwc, static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(bias), p,
        static_cast<T*>(y));
  });
  return ok ? cudaGetLastError() : cudaErrorInvalidValue;
}

}  // namespace sf::cuda
