#include <type_traits>

#include "cuda/kernels/device_util.cuh"
#include "cuda/kernels/direct_conv_neuron.h"
#include "cuda/kernels/neuron_fire.cuh"
#include "cuda/kernels/spike_occupancy.cuh"

namespace sf::cuda {
namespace {

// One thread per output element e of one time step (the step's [N, ...]
// slice in the tensor's layout), looping over the T steps with the membrane
// in a register. The conv sums taps in (ky, kx, ci) order in float32 with
// round-to-nearest adds and multiplies (nothing contracted), then adds the
// bias, then rounds to T as a stored conv output would be. kMarks (float16
// NHWC): each non-zero spike marks `occ`'s targets (no packed spikes here).
template <typename T, bool kMarks>
__global__ void DirectConvNeuronKernel(DirectConvShape s, bool nhwc, const T* __restrict__ x,
                                       const T* __restrict__ w, const T* __restrict__ bias,
                                       NeuronParams p, T* __restrict__ y, SpikeOccupancy occ) {
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
      const T out = StoreValue<T>(Fire(p, v, conv));
      y[t * p.step_elements + e] = out;
      if (kMarks && NonZero(out)) {
        for (int k = 0; k < occ.count; ++k) {
          const OccupancyPlace q = PlaceOf(occ.targets[k], p.step_elements, e);
          MarkPlace(occ.targets[k], q, t, 1u << q.shift);
        }
      }
    }
  }
}

// NHWC with C_out a multiple of kVec and T <= kMaxSteps: one thread per kV
// consecutive output channels of one pixel (kV = 16 where C_out allows, else
// 4), for every time step, so each input value loaded, each tap's offsets and
// bounds serve kV outputs, the weights come out of shared memory 16 bytes at
// a time and the spikes leave in 8- or 16-byte stores; the neuron is fixed at
// compile time (FixedFire, as NeuronVecKernel). The weights wait in shared
// memory as float32, [tap][C_out] (tap = (ky, kx, ci), their stored order).
// The same arithmetic, in the same order, as DirectConvNeuronKernel. 32-bit
// indices (NhwcKernelSmem checks the sizes). kMarks (float16): a thread
// marks its pixel's group in every target of `occ` (its kV channels are in
// one 16-channel group) where one of them fires, and with kV = 16 stores
// their bit-packed spikes (half a packed word). Compiled apart, so the kernel
// without marks is the one measured before they existed.
constexpr int kVec = 4;       // the narrow vector (C_out a multiple of 4)
constexpr int kWideVec = 16;  // C_out a multiple of 16
constexpr int kMaxSteps = 4;  // T the vectorised kernel takes (the rest: per element)

template <typename T, int kV, typename FireFn, bool kMarks>
__global__ void DirectConvNeuronNhwcKernel(DirectConvShape s, const T* __restrict__ x,
                                           const T* __restrict__ w, const T* __restrict__ bias,
                                           NeuronParams p, T* __restrict__ y, SpikeOccupancy occ) {
  static_assert(kV % 4 == 0, "weights are read as float4");
  static_assert(16 % kV == 0 || kV == 16, "a thread's channels lie in one 16-channel group");
  extern __shared__ float4 w_smem4[];  // [taps][c_out] floats
  float* w_smem = reinterpret_cast<float*>(w_smem4);
  // Per tap: (ky << 16 | kx + 0x8000, ci); kx + 0x8000 keeps the low half positive.
  __shared__ int2 tap_smem[kDirectConvMaxTaps];
  const int c_out = static_cast<int>(s.c_out), c_in = static_cast<int>(s.c_in);
  const int kh = static_cast<int>(s.kh), kw = static_cast<int>(s.kw);
  const int taps = kh * kw * c_in;
  for (int i = threadIdx.x; i < taps * c_out; i += blockDim.x) {
    const int co = i / taps, k = i - co * taps;  // w is [co][ky][kx][ci]: co-major
    w_smem[k * c_out + co] = LoadValue(w[i]);
  }
  for (int k = threadIdx.x; k < taps; k += blockDim.x) {
    const int ci = k % c_in, kx = (k / c_in) % kw, ky = k / (c_in * kw);
    tap_smem[k] = make_int2((ky << 16) | (kx + 0x8000), ci);
  }
  __syncthreads();
  const FireFn fire;
  const int h = static_cast<int>(s.h), wd = static_cast<int>(s.w);
  const int out_h = static_cast<int>(s.out_h), out_w = static_cast<int>(s.out_w);
  const int groups = c_out / kV;
  const int images = static_cast<int>(s.rows / p.steps);
  const int vecs = static_cast<int>(p.step_elements / kV);
  const int row_elems = h * wd * c_in;  // one input row (one image of one step)
  const int steps = static_cast<int>(p.steps);
  const int step_rows = images * row_elems;  // from one step's input to the next
  for (int g = blockIdx.x * blockDim.x + threadIdx.x; g < vecs; g += blockDim.x * gridDim.x) {
    const int co0 = (g % groups) * kV;
    int r = g / groups;
    const int ox = r % out_w;
    r /= out_w;
    const int oy = r % out_h;
    const int n = r / out_h;
    const int y0 = oy * static_cast<int>(s.stride_h) - static_cast<int>(s.pad_top);
    const int x0 = ox * static_cast<int>(s.stride_w) - static_cast<int>(s.pad_left);
    // Every step's conv first (taps outer, steps inner: a tap's offsets are
    // worked out once and its kMaxSteps loads go out together), then the
    // neuron over the steps.
    float acc[kMaxSteps][kV];
#pragma unroll
    for (int t = 0; t < kMaxSteps; ++t) {
#pragma unroll
      for (int j = 0; j < kV; ++j) acc[t][j] = 0.0f;
    }
    for (int k = 0; k < taps; ++k) {
      const int2 tap = tap_smem[k];
      const int iy = y0 + (tap.x >> 16), ix = x0 + ((tap.x & 0xffff) - 0x8000);
      if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;  // padding adds nothing
      const T* xp = x + n * row_elems + (iy * wd + ix) * c_in + tap.y;
      float xv[kMaxSteps];
#pragma unroll
      for (int t = 0; t < kMaxSteps; ++t) {
        xv[t] = t < steps ? LoadValue(xp[t * step_rows]) : 0.0f;
      }
      const float4* wp = reinterpret_cast<const float4*>(w_smem + k * c_out + co0);
      float wv[kV];
#pragma unroll
      for (int q = 0; q < kV / 4; ++q) {
        const float4 f = wp[q];
        wv[4 * q] = f.x, wv[4 * q + 1] = f.y, wv[4 * q + 2] = f.z, wv[4 * q + 3] = f.w;
      }
#pragma unroll
      for (int t = 0; t < kMaxSteps; ++t) {
#pragma unroll
        for (int j = 0; j < kV; ++j) acc[t][j] = __fadd_rn(acc[t][j], __fmul_rn(xv[t], wv[j]));
      }
    }
    float v[kV];
    float b[kV];
#pragma unroll
    for (int j = 0; j < kV; ++j) {
      v[j] = InitialMembrane(p);
      b[j] = bias != nullptr ? LoadValue(bias[co0 + j]) : 0.0f;
    }
#pragma unroll
    for (int t = 0; t < kMaxSteps; ++t) {
      if (t >= steps) break;
      alignas(16) T out[kV];
#pragma unroll
      for (int j = 0; j < kV; ++j) {
        float a = acc[t][j];
        if (bias != nullptr) a = __fadd_rn(a, b[j]);
        out[j] = StoreValue<T>(fire(p, v[j], LoadValue(StoreValue<T>(a))));
      }
      T* dst = y + t * p.step_elements + static_cast<int64_t>(g) * kV;
      using Store = std::conditional_t<sizeof(out) % sizeof(uint4) == 0, uint4, uint2>;
#pragma unroll
      for (int q = 0; q < static_cast<int>(sizeof(out) / sizeof(Store)); ++q) {
        reinterpret_cast<Store*>(dst)[q] = reinterpret_cast<const Store*>(out)[q];
      }
      if constexpr (kMarks) {
        uint32_t bits = 0;
#pragma unroll
        for (int j = 0; j < kV; ++j) bits |= (NonZero(out[j]) ? 1u : 0u) << j;
        if constexpr (kV == 16) {
          if (occ.packed != nullptr) {
            reinterpret_cast<uint16_t*>(occ.packed)[(t * p.step_elements + g * kV) / 16] =
                static_cast<uint16_t>(bits);
          }
        }
        if (bits != 0) {
          for (int k = 0; k < occ.count; ++k) {
            const OccupancyPlace q =
                PlaceOf(occ.targets[k], p.step_elements, static_cast<int64_t>(g) * kV);
            MarkPlace(occ.targets[k], q, t, 1u << q.shift);
          }
        }
      }
    }
  }
}

// Channels per thread of the vectorised kernel for `s`: kWideVec where C_out
// and y's alignment allow, else kVec.
int NhwcKernelVec(const DirectConvShape& s, const void* y) {
  return s.c_out % kWideVec == 0 && IsAligned(y, 16) ? kWideVec : kVec;
}

// Bytes of shared memory the vectorised kernel needs, or 0 where it does not
// run `s` (the per-element kernel does).
size_t NhwcKernelSmem(const DirectConvShape& s, bool nhwc, const void* y, int64_t steps) {
  constexpr int64_t kInt32 = int64_t{1} << 31;
  const int64_t taps = s.c_in * s.kh * s.kw;
  const size_t smem = static_cast<size_t>(taps * s.c_out) * sizeof(float);
  if (!nhwc || s.c_out % kVec != 0 || !IsAligned(y, 8) || smem > 48 * 1024 || steps < 1 ||
      steps > kMaxSteps || s.rows * s.h * s.w * s.c_in >= kInt32 ||
      s.rows * s.out_h * s.out_w * s.c_out >= kInt32) {
    return 0;
  }
  return smem;
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

const char* DirectConvNeuronMarksUnsupportedReason(const DirectConvShape& s, bool nhwc,
                                                   int64_t steps, bool packed) {
  if (const char* why = DirectConvNeuronUnsupportedReason(s, steps); why[0] != '\0') return why;
  if (!nhwc) return "spike occupancy and bit-packed spikes are NHWC only";
  if (packed && (s.c_out % kWideVec != 0 || NhwcKernelSmem(s, nhwc, nullptr, steps) == 0)) {
    return "bit-packed spikes need the vectorised kernel with 16 channels per thread";
  }
  return "";
}

cudaError_t LaunchDirectConvNeuron(const DirectConvShape& s, bool nhwc, DataType type,
                                   const void* x, const void* w, const void* bias,
                                   const NeuronParams& p, void* y, cudaStream_t stream,
                                   const SpikeOccupancy* occupancy) {
  if (DirectConvNeuronUnsupportedReason(s, p.steps)[0] != '\0' || p.state != nullptr ||
      p.step_elements != s.rows / p.steps * s.c_out * s.out_h * s.out_w) {
    return cudaErrorInvalidValue;
  }
  const SpikeOccupancy occ = occupancy != nullptr ? *occupancy : SpikeOccupancy{};
  const size_t smem = NhwcKernelSmem(s, nhwc, y, p.steps);
  const bool marks = occ.count > 0 || occ.packed != nullptr;  // float16 (checked here)
  if (marks) {
    const bool packed = occ.packed != nullptr;
    if (*DirectConvNeuronMarksUnsupportedReason(s, nhwc, p.steps, packed) != '\0' ||
        (packed && (smem == 0 || NhwcKernelVec(s, y) != kWideVec))) {
      return cudaErrorInvalidValue;
    }
    if (const cudaError_t err = PrepareSpikeOccupancy(&occ, type, p.steps, p.step_elements, stream);
        err != cudaSuccess) {
      return err;
    }
  }
  bool fired = true;  // VisitFire knew the neuron (the vectorised kernel)
  const bool ok = VisitFloatType(type, [&](auto tag) {
    using T = decltype(tag);
    constexpr bool kHalf = std::is_same_v<T, __half>;
    if (smem > 0) {
      const int vec = NhwcKernelVec(s, y);
      fired = VisitFire(p, [&](auto fire) {
        using Fire = decltype(fire);
        auto launch = [&](auto kernel, int v) {
          kernel<<<BlocksFor(p.step_elements / v), kThreadsPerBlock, smem, stream>>>(
              s, static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(bias), p,
              static_cast<T*>(y), occ);
        };
        if (vec == kWideVec) {
          if (kHalf && marks) {
            launch(DirectConvNeuronNhwcKernel<T, kWideVec, Fire, kHalf>, kWideVec);
          } else {
            launch(DirectConvNeuronNhwcKernel<T, kWideVec, Fire, false>, kWideVec);
          }
        } else if (kHalf && marks) {
          launch(DirectConvNeuronNhwcKernel<T, kVec, Fire, kHalf>, kVec);
        } else {
          launch(DirectConvNeuronNhwcKernel<T, kVec, Fire, false>, kVec);
        }
      });
    } else {
      auto* kernel =
          kHalf && marks ? DirectConvNeuronKernel<T, kHalf> : DirectConvNeuronKernel<T, false>;
      kernel<<<BlocksFor(p.step_elements), kThreadsPerBlock, 0, stream>>>(
          s, nhwc, static_cast<const T*>(x), static_cast<const T*>(w), static_cast<const T*>(bias),
          p, static_cast<T*>(y), occ);
    }
  });
  return ok && fired ? cudaGetLastError() : cudaErrorInvalidValue;
}

}  // namespace sf::cuda
