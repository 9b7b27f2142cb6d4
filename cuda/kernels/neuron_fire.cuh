// One time step of one spiking neuron on the device, in the exact float32
// order of ../shared/spec/neuron-ops.md (round-to-nearest intrinsics, nothing
// contracted): shared by the neuron kernels (neuron.cu) and the fused
// conv + neuron kernel (sparse_conv_f16.cu) so that they stay bit-identical.
// Internal to cuda/kernels.
#ifndef SF_CUDA_KERNELS_NEURON_FIRE_CUH_
#define SF_CUDA_KERNELS_NEURON_FIRE_CUH_

#include <cuda_runtime.h>

#include "cuda/kernels/neuron.h"

namespace sf::cuda {

__device__ inline float Charge(const NeuronParams& p, float v, float x) {
  switch (p.charge) {
    case NeuronCharge::kIf:
      return __fadd_rn(v, x);
    case NeuronCharge::kDecayDiv:
      return __fadd_rn(v, __fdiv_rn(__fsub_rn(x, __fsub_rn(v, p.vr)), p.tau));
    case NeuronCharge::kDecayMul:
      return __fadd_rn(v, __fmul_rn(__fsub_rn(x, __fsub_rn(v, p.vr)), p.k));
    case NeuronCharge::kScaled:
      return __fadd_rn(__fmul_rn(v, p.c), x);
    case NeuronCharge::kLeakDiv:
      return __fadd_rn(__fsub_rn(v, __fdiv_rn(__fsub_rn(v, p.vr), p.tau)), x);
    case NeuronCharge::kLeakMul:
      return __fadd_rn(__fsub_rn(v, __fmul_rn(__fsub_rn(v, p.vr), p.k)), x);
  }
  return 0.0f;
}

// One time step of one neuron: charge v with x, fire at the threshold, reset
// v; returns the spike (0 or 1).
__device__ inline float Fire(const NeuronParams& p, float& v, float x) {
  const float h = Charge(p, v, x);
  const float spike = h >= p.v_threshold ? 1.0f : 0.0f;
  v = p.soft_reset ? __fsub_rn(h, __fmul_rn(p.v_threshold, spike))
                   : __fadd_rn(__fmul_rn(h, __fsub_rn(1.0f, spike)), __fmul_rn(p.v_reset, spike));
  return spike;
}

// V_0: the membrane before step 0 (without carried state).
__device__ inline float InitialMembrane(const NeuronParams& p) {
  return p.soft_reset ? 0.0f : p.v_reset;
}

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_NEURON_FIRE_CUH_
