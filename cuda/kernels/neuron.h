// Multi-step IF / LIF / PLIF neurons on the GPU, bit-exact with the CPU
// reference: one thread per element of one time step's [N, ...] slice, looping
// over the T steps with the membrane in a register, in the exact float order of
// ../shared/spec/neuron-ops.md (round-to-nearest intrinsics, nothing contracted).
// float16 tensors: x is widened to float32, the membrane and the spec's
// arithmetic stay float32, and the 0/1 spikes are stored as float16 (exact).
#ifndef SF_CUDA_KERNELS_NEURON_H_
#define SF_CUDA_KERNELS_NEURON_H_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "graph/dtype.h"

namespace sf::cuda {

// The charge equation H = f(V, X_t); `vr` is the reset target, `tau`, `k` and
// `c` are computed on the host exactly as the CPU kernel does.
enum class NeuronCharge : int {
  kIf,         // H = V + X
  kDecayDiv,   // H = V + (X - (V - vr)) / tau      (LIF, decay_input)
  kDecayMul,   // H = V + (X - (V - vr)) * k        (PLIF, decay_input)
  kScaled,     // H = V * c + X                     (no decay_input, vr == 0)
  kLeakDiv,    // H = V - (V - vr) / tau + X        (LIF, no decay_input, vr != 0)
  kLeakMul,    // H = V - (V - vr) * k + X          (PLIF, no decay_input, vr != 0)
};

struct NeuronParams {
  NeuronCharge charge = NeuronCharge::kIf;
  int64_t steps = 1;         // T
  int64_t step_elements = 0;  // elements per time step (N * ...)
  float v_threshold = 1.0f;
  float v_reset = 0.0f;       // V_0 and reset value for hard reset
  bool soft_reset = false;
  float vr = 0.0f;            // v_reset for hard reset, 0 for soft reset
  float tau = 1.0f, k = 0.0f, c = 0.0f;
  // Streamed neuron (Node::carries_state): V per element of a time step, read
  // before step 0 and written back after the last; nullptr starts from V_0.
  float* state = nullptr;
};

// s[t*E + i] = spike of element i at step t, for x laid out [T, E]; x and s
// are `type` (kFloat32 or kFloat16, else cudaErrorInvalidValue).
cudaError_t LaunchNeuron(const NeuronParams& p, DataType type, const void* x, void* s,
                         cudaStream_t stream);
// A residual Add fused with the neuron (runtime/plan.h, PlanStep::fused_add
// and fused_neuron), bit-identical to the Add kernel followed by the neuron or
// the other way round: the sum is rounded to `type` exactly as the Add kernel
// rounds it (float32 add, round to nearest).
enum class NeuronAdd : int {
  kNone,    // s = neuron(x)
  kBefore,  // s = neuron(x + b)  (Add -> neuron)
  kAfter,   // s = neuron(x) + b  (neuron -> Add)
};
// As LaunchNeuron, with the Add of `b` (laid out like x, [T, E]) before or
// after the neuron; b must be non-null unless `add` is kNone. s may alias x
// or b (each element is written after both are read).
cudaError_t LaunchNeuronAdd(const NeuronParams& p, NeuronAdd add, DataType type, const void* x,
                            const void* b, void* s, cudaStream_t stream);
// Sets p.state (step_elements floats) to V_0: v_reset, or 0 for soft reset.
cudaError_t LaunchNeuronStateReset(const NeuronParams& p, cudaStream_t stream);

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_NEURON_H_
