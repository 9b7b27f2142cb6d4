// One time step of one spiking neuron on the device, in the exact float32
// order of ../shared/spec/neuron-ops.md (round-to-nearest intrinsics, nothing
// contracted): shared by the neuron kernels (neuron.cu) and the fused
// conv + neuron kernel (sparse_conv_f16.cu) so that they stay bit-identical.
// Internal to cuda/kernels.
#ifndef SF_CUDA_KERNELS_NEURON_FIRE_CUH_
#define SF_CUDA_KERNELS_NEURON_FIRE_CUH_

#include <cuda_runtime.h>

#include <type_traits>

#include "cuda/kernels/neuron.h"

namespace sf::cuda {

// The charge of kind kCharge (a compile-time constant, so the neuron kernels
// carry no per-element switch); Charge below picks it at run time. Both give
// the same bits: one set of operations.
template <NeuronCharge kCharge>
__device__ inline float ChargeAs(const NeuronParams& p, float v, float x) {
  if constexpr (kCharge == NeuronCharge::kIf) {
    return __fadd_rn(v, x);
  } else if constexpr (kCharge == NeuronCharge::kDecayDiv) {
    return __fadd_rn(v, __fdiv_rn(__fsub_rn(x, __fsub_rn(v, p.vr)), p.tau));
  } else if constexpr (kCharge == NeuronCharge::kDecayMul) {
    return __fadd_rn(v, __fmul_rn(__fsub_rn(x, __fsub_rn(v, p.vr)), p.k));
  } else if constexpr (kCharge == NeuronCharge::kScaled) {
    return __fadd_rn(__fmul_rn(v, p.c), x);
  } else if constexpr (kCharge == NeuronCharge::kLeakDiv) {
    return __fadd_rn(__fsub_rn(v, __fdiv_rn(__fsub_rn(v, p.vr), p.tau)), x);
  } else {
    static_assert(kCharge == NeuronCharge::kLeakMul);
    return __fadd_rn(__fsub_rn(v, __fmul_rn(__fsub_rn(v, p.vr), p.k)), x);
  }
}

__device__ inline float Charge(const NeuronParams& p, float v, float x) {
  switch (p.charge) {
    case NeuronCharge::kIf:
      return ChargeAs<NeuronCharge::kIf>(p, v, x);
    case NeuronCharge::kDecayDiv:
      return ChargeAs<NeuronCharge::kDecayDiv>(p, v, x);
    case NeuronCharge::kDecayMul:
      return ChargeAs<NeuronCharge::kDecayMul>(p, v, x);
    case NeuronCharge::kScaled:
      return ChargeAs<NeuronCharge::kScaled>(p, v, x);
    case NeuronCharge::kLeakDiv:
      return ChargeAs<NeuronCharge::kLeakDiv>(p, v, x);
    case NeuronCharge::kLeakMul:
      return ChargeAs<NeuronCharge::kLeakMul>(p, v, x);
  }
  return 0.0f;
}

// Fire at the threshold and reset: returns the spike (0 or 1), leaves the new
// membrane in v. kSoft: subtract the threshold, else set v_reset.
template <bool kSoft>
__device__ inline float FireCharged(const NeuronParams& p, float& v, float h) {
  const float spike = h >= p.v_threshold ? 1.0f : 0.0f;
  v = kSoft ? __fsub_rn(h, __fmul_rn(p.v_threshold, spike))
            : __fadd_rn(__fmul_rn(h, __fsub_rn(1.0f, spike)), __fmul_rn(p.v_reset, spike));
  return spike;
}

// One time step of one neuron with the kind and reset fixed at compile time
// (the same bits as Fire for p.charge == kCharge, p.soft_reset == kSoft).
template <NeuronCharge kCharge, bool kSoft>
__device__ inline float FireAs(const NeuronParams& p, float& v, float x) {
  return FireCharged<kSoft>(p, v, ChargeAs<kCharge>(p, v, x));
}

// One time step of one neuron: charge v with x, fire at the threshold, reset
// v; returns the spike (0 or 1).
__device__ inline float Fire(const NeuronParams& p, float& v, float x) {
  const float h = Charge(p, v, x);
  return p.soft_reset ? FireCharged<true>(p, v, h) : FireCharged<false>(p, v, h);
}

// How a kernel fires one neuron step: with the kind of charge and the reset
// read from NeuronParams per element (RuntimeFire), or fixed at compile time
// (FixedFire: no per-element switch, for the hot loops; VisitFire picks it).
// Both run the same operations, so they give the same bits.
struct RuntimeFire {
  __device__ float operator()(const NeuronParams& p, float& v, float x) const {
    return Fire(p, v, x);
  }
};
template <NeuronCharge kCharge, bool kSoft>
struct FixedFire {
  __device__ float operator()(const NeuronParams& p, float& v, float x) const {
    return FireAs<kCharge, kSoft>(p, v, x);
  }
};

// Host side: calls f(FixedFire<p.charge, p.soft_reset>{}); false for an
// unknown charge (f not called).
template <typename F>
bool VisitFire(const NeuronParams& p, F&& f) {
  auto reset = [&](auto charge) {
    constexpr NeuronCharge kCharge = decltype(charge)::value;
    if (p.soft_reset) {
      f(FixedFire<kCharge, true>{});
    } else {
      f(FixedFire<kCharge, false>{});
    }
  };
  using C = NeuronCharge;
  switch (p.charge) {
    case C::kIf: reset(std::integral_constant<C, C::kIf>{}); return true;
    case C::kDecayDiv: reset(std::integral_constant<C, C::kDecayDiv>{}); return true;
    case C::kDecayMul: reset(std::integral_constant<C, C::kDecayMul>{}); return true;
    case C::kScaled: reset(std::integral_constant<C, C::kScaled>{}); return true;
    case C::kLeakDiv: reset(std::integral_constant<C, C::kLeakDiv>{}); return true;
    case C::kLeakMul: reset(std::integral_constant<C, C::kLeakMul>{}); return true;
  }
  return false;
}

// V_0: the membrane before step 0 (without carried state).
__device__ inline float InitialMembrane(const NeuronParams& p) {
  return p.soft_reset ? 0.0f : p.v_reset;
}

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_NEURON_FIRE_CUH_
