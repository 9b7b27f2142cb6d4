// Channel-compacted tensor-core FP16 convolution for binary NHWC inputs
// (spikes): per small output tile and kernel tap, only the input channels
// that hold a spike somewhere under that tap are multiplied.
//
// Why: trained SNNs fire 3-12% of their conv inputs, yet 78-100% of 4x4 or
// 8x8 tiles hold a spike somewhere (docs/benchmarks.md), so the tile-skipping
// kernel (sparse_conv_f16.h) does nearly the dense work; the spike gather
// (spike_gather_conv.h) skips every zero but adds on CUDA cores, 16x slower
// per product than tensor cores. Here the GEMM of one output tile of 2x4
// pixels (the MMA's N = 8) and one tap runs over K = the input channels that
// fire at any of the 8 pixels the tap reads, packed 16 to an MMA step: on the
// trained Spiking-ResNet18's real spikes that is 3.2-7.3x fewer MMAs than
// dense (docs/benchmarks.md, thirtieth run).
//
// Blocks are persistent, one per (slot, chunk of output channels); a block
// stages its chunk's weights for every tap in shared memory once, then takes
// regions of the input in turn (whole small images, or bands of tile rows),
// converting each to one bit per (pixel, channel) in shared memory with all
// its threads. Each warp then takes its own (image, 2x4 tile) work items of
// the region: for a group of taps at once (every tap where it fits) it ORs,
// per tap, the bits of the 8 pixels that tap reads, lists the set (tap,
// channel) pairs in order and walks the list 16 at a time: the B operand (16
// pairs x 8 pixels) comes from the bits, the A operand (16 output channels x
// the 16 listed pairs) by ldmatrix with one weight row address per lane (a
// gather of rows for free).
//
// Measured (H200, docs/benchmarks.md, thirtieth run): on the trained net's
// spikes 1.4-1.6x faster than the tile kernel and 2.7-3.7x faster than the
// spike gather on its 64-channel convs, but 1.6-1.8x slower than cuDNN there
// and 2-4.7x on the wider ones (issue- and latency-bound: the list, the B
// operand's bit lookups and the epilogue cost about ten instructions per
// MMA). The executor times it per layer and runs it only where it wins.
//
// Deterministic: no atomics, a fixed order of MMAs per output. Products of 0/1
// and a half are exact in FP32; the sums' order differs from cuDNN's, so the
// results agree within FP16 rounding, not bitwise. With s.binary the inputs
// must hold only 0 and 1 (any non-zero counts as 1); non-binary inputs are
// not supported. Channels listed for one pixel multiply the others' zeros, so
// the weights must be finite (an Inf weight times such a 0 gives NaN where
// the dense conv gives Inf or NaN anyway; the executor checks).
#ifndef SF_CUDA_KERNELS_COMPACT_SPIKE_CONV_H_
#define SF_CUDA_KERNELS_COMPACT_SPIKE_CONV_H_

#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cstdint>

#include "cuda/kernels/sparse_conv.h"

namespace sf::cuda {

// Output pixels of one work item: kCompactTileH rows x kCompactTileW columns.
inline constexpr int kCompactTileH = 2;
inline constexpr int kCompactTileW = 4;

// The layout a launch for `s` uses: output channels per block (16, 32, 64 or
// 128), halves per weight row in shared memory (chunk, or chunk + 8 to spread
// ldmatrix rows over the banks where it fits), kernel taps whose channel
// lists a warp builds at once, and the block's shared bytes. chunk 0: the
// weights of 16 output channels do not fit.
struct CompactSpikeConvLayout {
  int chunk = 0;
  int row = 0;
  int taps_per_group = 0;
  int64_t shared_bytes = 0;
};
CompactSpikeConvLayout CompactSpikeConvLayoutFor(const SparseConvShape& s);

// Empty when `s` is supported, else why not. Needs s.binary, ksize 1..7,
// stride 1..4, c_in <= 1024 and a layout that fits 227 KiB of shared memory.
const char* CompactSpikeConvUnsupportedReason(const SparseConvShape& s);

// Halves RepackCompactSpikeConvWeights writes for `s` (0 when unsupported).
int64_t CompactSpikeConvPackedWeightElems(const SparseConvShape& s);

// FP16 weights (bit patterns) [c_out][c_in][k][k] (krsc false) or
// [c_out][k][k][c_in] (krsc true) -> `out` (CompactSpikeConvPackedWeightElems
// halves, host memory): [chunk][tap][32 * (ceil(c_in / 32) + 1)][row], rows
// past c_in and every half past c_out or past the chunk's width zero.
void RepackCompactSpikeConvWeights(const uint16_t* w, const SparseConvShape& s, bool krsc,
                                   uint16_t* out);

// y = conv(x, w) + bias in FP16, x and y NHWC; `w_packed` from
// RepackCompactSpikeConvWeights (device, 16-byte aligned), `bias` [c_out] may
// be null. Queues one kernel on `stream` (after the previous one by
// programmatic dependent launch on sm_90); never synchronises.
// cudaErrorInvalidValue when `s` is unsupported or `w_packed` misaligned (x
// and y may have any 2-byte alignment: narrower loads and stores then);
// cudaErrorInvalidDeviceFunction when this build has no sm_80+ code for the
// device (SparseConvF16BuildUnsupportedReason).
cudaError_t LaunchCompactSpikeConvF16(const SparseConvShape& s, const __half* x,
                                      const uint16_t* w_packed, const __half* bias, __half* y,
                                      cudaStream_t stream);

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_COMPACT_SPIKE_CONV_H_
