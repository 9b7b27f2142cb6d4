// Spike-gather FP16 convolution for NHWC inputs that are mostly zero: a spike
// selects a row of weights (binary inputs: no multiply; other inputs, e.g. the
// spike counts of SEW-ResNet's additions: the row times the value), and zeros
// cost nothing at the granularity of one input element (not of a tile or a
// channel group).
//
// Why: trained SNNs on static images fire 3-12% of their inputs, yet 90-100%
// of 8x8 tiles x 16-channel groups hold a spike (docs/benchmarks.md), so the
// tile-skipping tensor-core kernel (sparse_conv_f16.h) does the dense work.
// Here the work is (spikes x taps x output channels) adds on CUDA cores.
//
// One kernel, no prescan and no workspace. Persistent CUDA blocks, one per
// (slot, chunk of output channels): a block copies its chunk's weights into
// shared memory once, then takes (image, 8x8 output tile) work items in turn.
// For each item its warps read the input halo the tile needs (clipped to the
// image, padding reads as zero) and turn every pixel's channels into bit masks
// (8 channels per thread and load, 32 per word; non-binary inputs also keep
// the halo's values; the next item's loads are in flight while this one
// gathers); then each warp owns one output pixel
// at a time, lanes own consecutive output channels, and for every kernel tap
// and every set bit of the tapped pixel's masks (warp-uniform loop) it adds
// the weight row [tap][c_in][chunk] (times the input value) to FP32
// accumulators.
//
// Deterministic: no atomics; each output sums its taps in order and channels
// ascending, then adds the bias in FP32 and rounds once to FP16. The order
// differs from cuDNN's, so results agree within FP16 rounding, not bitwise.
// With s.binary the inputs must hold only 0 and 1 (the plan's binary class:
// spikes, and what max-pooling, padding or reshaping them gives): any non-zero
// counts as 1. Without, each product input x weight is exact in FP32.
//
// Weights are repacked once on the host (RepackSpikeGatherConvWeights) to
// [chunk][tap][c_in][chunk width] halves, zero-padded past c_out.
#ifndef SF_CUDA_KERNELS_SPIKE_GATHER_CONV_H_
#define SF_CUDA_KERNELS_SPIKE_GATHER_CONV_H_

#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cstdint>

#include "cuda/kernels/sparse_conv.h"

namespace sf::cuda {

// Shared memory a block may give its weight chunk (the rest: halo masks).
inline constexpr int64_t kSpikeGatherWeightBytes = 200 * 1024;

// Output channels per block for these sizes: the widest of 256, 128, 64 and
// 32 that is no wider than c_out rounded up to 32 and whose weights
// (k x k x c_in x chunk halves) fit kSpikeGatherWeightBytes; 32 is always
// allowed, 0 when even its weights do not fit.
int SpikeGatherConvChunk(int64_t c_out, int64_t c_in, int ksize);

// Empty when `s` is supported, else why not. Needs ksize 1..7,
// stride 1..4, SpikeGatherConvChunk > 0 and SpikeGatherConvSharedBytes within
// sm_90's 227 KiB. (s.tile is not used: the tile is 8x8.)
const char* SpikeGatherConvUnsupportedReason(const SparseConvShape& s);

// Dynamic shared memory a block of `s`'s kernel takes, in bytes (weights and
// two halo buffers of masks, and of values unless s.binary); the launch fails on a device whose
// opt-in limit (cudaDevAttrMaxSharedMemoryPerBlockOptin) is smaller.
size_t SpikeGatherConvSharedBytes(const SparseConvShape& s);

// Halves RepackSpikeGatherConvWeights writes for these sizes.
int64_t SpikeGatherConvPackedWeightElems(int64_t c_out, int64_t c_in, int ksize);

// FP16 weights (bit patterns) [c_out][c_in][k][k] (krsc false) or
// [c_out][k][k][c_in] (krsc true) -> `out` (SpikeGatherConvPackedWeightElems
// halves, host memory).
void RepackSpikeGatherConvWeights(const uint16_t* w, int64_t c_out, int64_t c_in, int ksize,
                                  bool krsc, uint16_t* out);

// y = conv(x, w) + bias in FP16, x and y NHWC; `w_packed` from
// RepackSpikeGatherConvWeights (device, 16-byte aligned), `bias` [c_out] may be
// null. Queues one kernel on `stream`; never synchronises (CUDA graph capture
// works). cudaErrorInvalidValue when `s` is not supported or `w_packed` is
// misaligned (x and y may have any 2-byte alignment: narrower loads and
// stores then).
cudaError_t LaunchSpikeGatherConvF16(const SparseConvShape& s, const __half* x,
                                     const uint16_t* w_packed, const __half* bias, __half* y,
                                     cudaStream_t stream);

// The same conv reading bit-packed spikes (issue 12): x_bits holds, per
// input pixel (NHWC order), c_in / 32 words, bit b of word j set where channel
// 32 j + b fires (what a neuron writes to SpikeOccupancy::packed, neuron.h).
// Its words are the kernel's halo masks as they are: 16x less input read than
// float16 and no mask build. The same bits as LaunchSpikeGatherConvF16 on the
// float16 spikes those words describe. Needs s.binary and c_in % 32 == 0
// (SpikeGatherConvPackedUnsupportedReason; else cudaErrorInvalidValue).
const char* SpikeGatherConvPackedUnsupportedReason(const SparseConvShape& s);
cudaError_t LaunchSpikeGatherConvF16Packed(const SparseConvShape& s, const uint32_t* x_bits,
                                           const uint16_t* w_packed, const __half* bias, __half* y,
                                           cudaStream_t stream);

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_SPIKE_GATHER_CONV_H_
