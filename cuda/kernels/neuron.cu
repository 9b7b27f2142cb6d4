#include "cuda/kernels/device_util.cuh"
#include "cuda/kernels/neuron.h"
#include "cuda/kernels/neuron_fire.cuh"

namespace sf::cuda {
namespace {

// One element of one step: the neuron's input (x, or x + b rounded to T like
// the Add kernel), the spike, and what is stored (the spike, or spike + b).
template <NeuronAdd kAdd, typename FireFn, typename T>
__device__ inline T FireElement(const NeuronParams& p, float& v, T x, T b) {
  float in = LoadValue(x);
  if constexpr (kAdd == NeuronAdd::kBefore) in = LoadValue(StoreValue<T>(in + LoadValue(b)));
  const T spike = StoreValue<T>(FireFn()(p, v, in));
  if constexpr (kAdd == NeuronAdd::kAfter) return StoreValue<T>(LoadValue(spike) + LoadValue(b));
  return spike;
}

// T is float or __half (read as float; the membrane stays float32 either way).
template <NeuronAdd kAdd, typename T>
__global__ void NeuronKernel(NeuronParams p, const T* x, const T* b, T* s) {
  SF_GRID_STRIDE_LOOP(i, p.step_elements) {
    float v = p.state != nullptr ? p.state[i] : InitialMembrane(p);
    for (int64_t t = 0; t < p.steps; ++t) {
      const int64_t at = t * p.step_elements + i;
      const T bt = kAdd == NeuronAdd::kNone ? T{} : b[at];
      s[at] = FireElement<kAdd, RuntimeFire>(p, v, x[at], bt);
    }
    if (p.state != nullptr) p.state[i] = v;
  }
}

// The same for kV = 8 / sizeof(T) consecutive elements per thread (8-byte
// loads and stores; step_elements a multiple of kV, x, b and s 8-byte
// aligned), loading kPrefetch time steps ahead so several loads are in flight
// per thread, with the neuron's charge and reset fixed by FireFn (the
// instructions per element, not the bytes, limited this kernel with the
// per-element switch: ncu, H200, 55% SM vs 20% memory throughput).
// Launched with programmatic dependent launch (LaunchAfterPrevious): it
// usually follows a cuDNN conv, and the GPU idles less between the two (ninth
// run, H100: whole model -7 to -9 us at N=16, docs/bench/s9/pdl_ab). 16-byte
// vectors were measured twice, no faster (eighth and ninth runs,
// docs/bench/s9/neuron_uint4_ab). Bit-identical to NeuronKernel (the same
// FireElement per element, the same order over t). Not __restrict__: s may
// alias x or b (in place).
template <NeuronAdd kAdd, typename T, typename FireFn>
__global__ void NeuronVecKernel(NeuronParams p, const uint2* x, const uint2* b, uint2* s) {
  constexpr int kV = static_cast<int>(sizeof(uint2) / sizeof(T));
  constexpr int kPrefetch = 4;
  constexpr bool kHasB = kAdd != NeuronAdd::kNone;
  const int64_t step_vecs = p.step_elements / kV;
  WaitForPreviousGrid();  // launched with LaunchAfterPrevious
  SF_GRID_STRIDE_LOOP(i, step_vecs) {
    float v[kV];
#pragma unroll
    for (int k = 0; k < kV; ++k) {
      v[k] = p.state != nullptr ? p.state[i * kV + k] : InitialMembrane(p);
    }
    for (int64_t t0 = 0; t0 < p.steps; t0 += kPrefetch) {
      uint2 in[kPrefetch];
      uint2 add[kHasB ? kPrefetch : 1];
#pragma unroll
      for (int u = 0; u < kPrefetch; ++u) {
        if (t0 + u < p.steps) {
          in[u] = x[(t0 + u) * step_vecs + i];
          if constexpr (kHasB) add[u] = b[(t0 + u) * step_vecs + i];
        }
      }
#pragma unroll
      for (int u = 0; u < kPrefetch; ++u) {
        if (t0 + u >= p.steps) break;
        const T* e = reinterpret_cast<const T*>(&in[u]);
        const T* f = reinterpret_cast<const T*>(&add[kHasB ? u : 0]);
        uint2 out;
        T* o = reinterpret_cast<T*>(&out);
#pragma unroll
        for (int k = 0; k < kV; ++k) {
          o[k] = FireElement<kAdd, FireFn>(p, v[k], e[k], kHasB ? f[k] : T{});
        }
        s[(t0 + u) * step_vecs + i] = out;
      }
    }
    if (p.state != nullptr) {
#pragma unroll
      for (int k = 0; k < kV; ++k) p.state[i * kV + k] = v[k];
    }
  }
}

// cudaErrorInvalidValue for a type or charge it has no kernel for.
template <NeuronAdd kAdd>
cudaError_t LaunchNeuronKernel(const NeuronParams& p, DataType type, const void* x, const void* b,
                               void* s, cudaStream_t stream) {
  bool launched = false;
  cudaError_t err = cudaSuccess;
  const bool typed = VisitFloatType(type, [&](auto tag) {
    using T = decltype(tag);
    constexpr int64_t kV = static_cast<int64_t>(sizeof(uint2) / sizeof(T));
    if (p.step_elements % kV == 0 && IsAligned(x, sizeof(uint2)) && IsAligned(s, sizeof(uint2)) &&
        IsAligned(b, sizeof(uint2))) {
      launched = VisitFire(p, [&](auto fire) {
        err = LaunchAfterPrevious(NeuronVecKernel<kAdd, T, decltype(fire)>,
                                  BlocksFor(p.step_elements / kV), kThreadsPerBlock, stream, p,
                                  static_cast<const uint2*>(x), static_cast<const uint2*>(b),
                                  static_cast<uint2*>(s));
      });
    } else {
      NeuronKernel<kAdd, T><<<BlocksFor(p.step_elements), kThreadsPerBlock, 0, stream>>>(
          p, static_cast<const T*>(x), static_cast<const T*>(b), static_cast<T*>(s));
      launched = true;
      err = cudaGetLastError();
    }
  });
  return typed && launched ? err : cudaErrorInvalidValue;
}

__global__ void FillKernel(int64_t n, float value, float* y) {
  SF_GRID_STRIDE_LOOP(i, n) { y[i] = value; }
}

}  // namespace

cudaError_t LaunchNeuron(const NeuronParams& p, DataType type, const void* x, void* s,
                         cudaStream_t stream) {
  return LaunchNeuronAdd(p, NeuronAdd::kNone, type, x, nullptr, s, stream);
}

cudaError_t LaunchNeuronAdd(const NeuronParams& p, NeuronAdd add, DataType type, const void* x,
                            const void* b, void* s, cudaStream_t stream) {
  if (add != NeuronAdd::kNone && b == nullptr) return cudaErrorInvalidValue;
  if (p.step_elements == 0 || p.steps == 0) return cudaSuccess;
  switch (add) {
    case NeuronAdd::kNone:
      return LaunchNeuronKernel<NeuronAdd::kNone>(p, type, x, b, s, stream);
    case NeuronAdd::kBefore:
      return LaunchNeuronKernel<NeuronAdd::kBefore>(p, type, x, b, s, stream);
    case NeuronAdd::kAfter:
      return LaunchNeuronKernel<NeuronAdd::kAfter>(p, type, x, b, s, stream);
  }
  return cudaErrorInvalidValue;
}

cudaError_t LaunchNeuronStateReset(const NeuronParams& p, cudaStream_t stream) {
  if (p.state == nullptr || p.step_elements == 0) return cudaSuccess;
  FillKernel<<<BlocksFor(p.step_elements), kThreadsPerBlock, 0, stream>>>(
      p.step_elements, p.soft_reset ? 0.0f : p.v_reset, p.state);
  return cudaGetLastError();
}

}  // namespace sf::cuda
