// A small dense convolution (few input channels, e.g. a network's first conv
// on a 1- or 3-channel image) fused with the IF/LIF/PLIF neuron that reads its
// output: a thread computes the conv of its outputs (one element, or 4
// channels of a pixel in NHWC) for every time step directly (a handful of
// taps, FP32 accumulation in a fixed order, no tensor cores), rounds it to the
// tensor type as the unfused conv's output would be, and runs the neuron over
// T in registers: the float pre-activation never goes to memory. Measured
// slower than cuDNN + the neuron kernel on the ResNet18s' 1 -> 64 stem
// (21.4 vs 16.1 us, docs/benchmarks.md, seventh run); `--sparse auto` times
// the two and keeps the faster.
#ifndef SF_CUDA_KERNELS_DIRECT_CONV_NEURON_H_
#define SF_CUDA_KERNELS_DIRECT_CONV_NEURON_H_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "cuda/kernels/neuron.h"
#include "graph/dtype.h"

namespace sf::cuda {

// Rows are T-major ([T * N, ...]); group 1, dilation 1. Weights as the graph
// stores them: [C_out, C_in, kh, kw] (NCHW) or [C_out, kh, kw, C_in] (NHWC).
struct DirectConvShape {
  int64_t rows = 0, c_in = 0, h = 0, w = 0, c_out = 0;
  int64_t kh = 1, kw = 1, stride_h = 1, stride_w = 1, pad_top = 0, pad_left = 0;
  int64_t out_h = 0, out_w = 0;
};

// Most taps (C_in * kh * kw) per output the direct kernel takes.
inline constexpr int64_t kDirectConvMaxTaps = 64;

// "" when the kernel runs `s` with `steps` time steps, else why not.
const char* DirectConvNeuronUnsupportedReason(const DirectConvShape& s, int64_t steps);

// y[t*E + e] = neuron over t of round(bias[co] + sum over (ky, kx, ci) of
// x * w), E the elements of one step, for float32 or float16 tensors of
// `type`; bias may be null. p.step_elements must be E.
// cudaErrorInvalidValue for a shape it does not run or another type.
// With `occupancy` it also marks, as it stores the spikes, what the
// consumers of y read instead of a prescan, exactly as LaunchNeuron marks
// them from the same spikes (SpikeOccupancy, neuron.h; PrepareSpikeOccupancy's
// checks, and DirectConvNeuronMarksUnsupportedReason: NHWC, and for packed
// spikes the vectorised kernel with 16 channels per thread, i.e. c_out % 16
// == 0 and y 16-byte aligned; else cudaErrorInvalidValue).
const char* DirectConvNeuronMarksUnsupportedReason(const DirectConvShape& s, bool nhwc,
                                                   int64_t steps, bool packed);
cudaError_t LaunchDirectConvNeuron(const DirectConvShape& s, bool nhwc, DataType type,
                                   const void* x, const void* w, const void* bias,
                                   const NeuronParams& p, void* y, cudaStream_t stream,
                                   const SpikeOccupancy* occupancy = nullptr);

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_DIRECT_CONV_NEURON_H_
