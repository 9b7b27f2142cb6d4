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

// Spike occupancy (issue 12): where the neuron's output is the NHWC float16
// input of a block-sparse conv (cuda/kernels/sparse_conv_f16.h), the neuron
// can mark, while it stores, which (image, output tile, 16-channel group) of
// that conv reads a non-zero, so the conv needs no prescan of its input. The
// masks are the prescan's: [images][tiles_y][tiles_x][words], bit g of a
// tile's words set when some input element of channel group g that an output
// of the tile reads (halo under kernel size, stride and padding) is non-zero.
// SparseConvF16OccupancyTarget (sparse_conv_f16.h) fills one for a conv.
struct SpikeOccupancyTarget {
  uint32_t* masks = nullptr;  // device, images * tiles_y * tiles_x * words words
  int64_t images = 0;         // the conv's batch
  int h = 0, w = 0, c = 0;    // its input image, NHWC
  int ksize = 1, stride = 1, pad_top = 0, pad_left = 0;
  int out_h = 0, out_w = 0, tile = 1, tiles_y = 0, tiles_x = 0;
  int group = 16;  // input channels per mask bit
  int words = 0;   // mask words per tile: ceil(ceil(c / group) / 32)
};
inline constexpr int kMaxSpikeOccupancyTargets = 2;
struct SpikeOccupancy {
  int count = 0;  // targets in use
  SpikeOccupancyTarget targets[kMaxSpikeOccupancyTargets];
  int segment = 1;  // set by the launcher (lanes that OR their marks together)
  // The caller cleared every target's masks since they were last read (the
  // GPU executor does with its error flags at the start of a run): the
  // launch does not clear them itself.
  bool cleared = false;
  // Bit-packed spikes (issue 12): with `packed` the neuron also stores one bit
  // per element of what it stores, set where that is non-zero: bit b of word j
  // for element 32 j + b of its [T, E] output (SpikePackedBytes). For an NHWC
  // tensor of 32k channels, word j is 32 channels of one pixel: the input of
  // LaunchSpikeGatherConvF16Packed (spike_gather_conv.h), 16x smaller than
  // float16. Every word is written (nothing to clear). Float16, the vector
  // kernel (x, b and s 8-byte aligned) and SpikePackedUnsupportedReason only.
  uint32_t* packed = nullptr;
};
// Empty when a `type` neuron over `steps` steps of `step_elements` elements
// can write bit-packed spikes (SpikeOccupancy::packed), else why not.
const char* SpikePackedUnsupportedReason(DataType type, int64_t steps, int64_t step_elements);
// Bytes of the bit-packed form of `elements` elements (a multiple of 32).
inline size_t SpikePackedBytes(int64_t elements) {
  return sizeof(uint32_t) * static_cast<size_t>(elements / 32);
}
// Empty when a neuron over `steps` steps of `step_elements` elements can mark
// `t`'s geometry (its output, [T, E], laid out as the conv's [images, h, w,
// c]: whole images per step, fewer than 2^31 elements), else why not
// (t.masks is not looked at: the launch needs them).
const char* SpikeOccupancyUnsupportedReason(const SpikeOccupancyTarget& t, int64_t steps,
                                            int64_t step_elements);
// Bytes of `t`'s masks.
inline size_t SpikeOccupancyMaskBytes(const SpikeOccupancyTarget& t) {
  return sizeof(uint32_t) * static_cast<size_t>(t.images) * t.tiles_y * t.tiles_x * t.words;
}

// For a kernel about to store a float16 [steps, step_elements] tensor and
// mark `occupancy` from it (null: nothing to do): cudaErrorInvalidValue when
// a target cannot be marked from it (SpikeOccupancyUnsupportedReason, no
// masks, too many targets, not float16) or the packed spikes cannot be
// written (SpikePackedUnsupportedReason, a misaligned buffer); else clears
// the targets' masks on `stream` unless occupancy->cleared. The neuron
// launches and the fused conv + neuron launches call it.
cudaError_t PrepareSpikeOccupancy(const SpikeOccupancy* occupancy, DataType type, int64_t steps,
                                  int64_t step_elements, cudaStream_t stream);

// s[t*E + i] = spike of element i at step t, for x laid out [T, E]; x and s
// are `type` (kFloat32 or kFloat16, else cudaErrorInvalidValue). With
// `occupancy` (float16 only, each target supported, else
// cudaErrorInvalidValue) it first zeroes every target's masks (unless
// occupancy->cleared), then marks them from the stored values (the occupancy
// of s, whatever the neuron kind), and writes occupancy->packed when set
// (cudaErrorInvalidValue where it cannot: see SpikeOccupancy::packed).
cudaError_t LaunchNeuron(const NeuronParams& p, DataType type, const void* x, void* s,
                         cudaStream_t stream, const SpikeOccupancy* occupancy = nullptr);
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
// or b (each element is written after both are read). `occupancy` as for
// LaunchNeuron: the masks mark the non-zeros of what is stored in s.
cudaError_t LaunchNeuronAdd(const NeuronParams& p, NeuronAdd add, DataType type, const void* x,
                            const void* b, void* s, cudaStream_t stream,
                            const SpikeOccupancy* occupancy = nullptr);
// Sets p.state (step_elements floats) to V_0: v_reset, or 0 for soft reset.
cudaError_t LaunchNeuronStateReset(const NeuronParams& p, cudaStream_t stream);

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_NEURON_H_
