// Block-sparse FP16 convolution on tensor cores for spike-fed convs (3x3 or
// 1x1, stride 1 or 2, any padding, group 1, dilation 1), NCHW or NHWC, in two
// kernels queued on one stream with no host round trip:
//
//  1. Prescan: one CUDA block per (image, output tile of `tile` x `tile`
//     pixels, 4 or 8). For every group of kSparseConvF16Group input channels it
//     tests whether the input the tile reads (its halo under kernel size,
//     stride and padding, clipped to the image) holds a non-zero, and writes a
//     bit mask of the non-empty groups per tile. A tile with some files itself
//     in a device work list (atomic counter); an empty tile's outputs get the
//     bias (0 without) right there, so the conv never touches it.
//  2. Conv: persistent blocks, as many as fit on the GPU at once, take the work
//     items (active tile, SparseConvShape::cout_chunk output channels: 32 or
//     64, or 16 with tile 8) in turn up to the active count
//     (read from device memory; launched with programmatic dependent launch,
//     so the blocks start while the prescan drains). An implicit
//     GEMM, M = the tile's pixels (64 or 16), N = the chunk, K = taps x 16 channels per
//     non-empty group: for each set bit of the tile's mask the block stages the
//     group's input halo and weights in shared memory (cp.async, three stages:
//     the next two groups' copies fly while this one computes) and runs mma.sync
//     m16n8k16 (FP16 in, FP32 accumulate) for every kernel tap, reading A rows
//     straight from the halo (ldmatrix with per-row addresses: no im2col copy).
//     Empty groups cost nothing. With 4x4 tiles and 64-channel chunks an item
//     may hold up to 4 active tiles (2 for 3x3 stride 2), with 8x8 tiles and
//     32-channel chunks at stride 1 up to 2 (SparseConvShape::group_tiles,
//     SparseConvF16TilesPerItem) once there are more (tile, chunk) pairs than
//     blocks: they share each staged group's weights (M = 64 or 128 rows per
//     weight copy instead of 16 or 64) and walk the union of their groups; a
//     group empty for one of them adds exact zeros to its sums, so the bits
//     are those of one tile per item.
//
// Deterministic: no atomics on outputs, one block owns each output and adds
// its groups in ascending order, so every run gives identical bits. FP16
// inputs and weights, FP32 accumulation, bias added in FP32, one rounding to
// FP16 at the end (as cuDNN's FP16 convs with FP32 accumulation).
//
// Weights are repacked once on the host (RepackSparseConvF16Weights) to
// [group][tap][c_out rounded up to 64][16] halves, zero-padded, so one tap of a
// group is one contiguous 2 KiB row block per output-channel chunk.
// Sizes are elements unless named *_bytes.
#ifndef SF_CUDA_KERNELS_SPARSE_CONV_F16_H_
#define SF_CUDA_KERNELS_SPARSE_CONV_F16_H_

#include <cuda_fp16.h>
#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

#include "cuda/kernels/neuron.h"
#include "cuda/kernels/sparse_conv.h"

namespace sf::cuda {

// Input channels per occupancy group: one MMA K step.
inline constexpr int kSparseConvF16Group = 16;
// Output channels per conv block (the GEMM's N).
inline constexpr int kSparseConvF16CoutChunk = 64;

// Empty when `s` is supported (s.tile must be 4 or 8), else why not.
const char* SparseConvF16UnsupportedReason(const SparseConvShape& s);

// Empty when the code this build loads on the current device carries the
// tensor-core kernels (this file's and the fused conv + neuron's): they are
// compiled for sm_80 and up only, so a build whose CMAKE_CUDA_ARCHITECTURES
// reach no 8.x or newer target holds a trapping stub that the driver would
// JIT for a newer GPU. Else why not; the callers then run cuDNN.
const char* SparseConvF16BuildUnsupportedReason();

// The tile edge for a plan block edge: 8 for blocks >= 8, else 4.
int SparseConvF16TileFor(int block);

// SparseConvShape::cout_chunk for a tile edge: 32 for tile 8, else 64. An
// active tile costs about a microsecond per non-empty 16-channel group (one
// block walks its groups in turn), and 32 channels per item spread a tile
// over twice the blocks of 64. Measured (H100, docs/benchmarks.md,
// fourteenth run): tile 8, 1.03-1.34x faster at 1-25% of tiles active, the
// same on an empty input, 0.86-1.06x on a dense one; tile 4 (one 8-channel
// n-block per warp), 1.07-1.22x faster at 1% but 0.84-1.07x from 5% on, so
// tile 4 keeps 64.
int SparseConvF16ChunkFor(int tile);

// Most active tiles one work item of the conv holds for `s` (supported):
// 4 (2 for 3x3 stride 2) with tile 4, 64-channel chunks and
// SparseConvShape::group_tiles; 2 with tile 8, 32-channel chunks, stride 1
// and group_tiles; else 1. The tiles of an item share each group's weights
// in shared memory, so a dense 4x4-tiled input copies a quarter of the
// weights per output that one tile per item does (an 8x8-tiled one half).
int SparseConvF16TilesPerItem(const SparseConvShape& s);

// Dynamic shared memory of a conv block for `s` (supported), in bytes: 55-106
// KiB for the three-stage pipeline (tile 8 at 32 channels the least, tile 4
// with several tiles per item the most). A device whose blocks take less
// (its opt-in limit: 99 KiB on sm_86 and sm_89) gets one tile per item from
// the launch; callers that describe the kernel can clear group_tiles
// themselves (SparseConvF16FitsDevice).
size_t SparseConvF16SharedBytes(const SparseConvShape& s);
// *fits: whether a block of `device` can take SparseConvF16SharedBytes(s)
// (false when the device cannot be queried; the error is returned).
cudaError_t SparseConvF16FitsDevice(const SparseConvShape& s, int device, bool* fits);

// Device workspace for `s`, in bytes (counters, work list, per-tile group masks).
size_t SparseConvF16WorkspaceBytes(const SparseConvShape& s);

// Halves RepackSparseConvF16Weights writes for these sizes.
int64_t SparseConvF16PackedWeightElems(int64_t c_out, int64_t c_in, int ksize);

// FP16 weights (bit patterns) [c_out][c_in][k][k] (krsc false) or
// [c_out][k][k][c_in] (krsc true, the NHWC layout's) -> `out`
// (SparseConvF16PackedWeightElems halves, host memory).
void RepackSparseConvF16Weights(const uint16_t* w, int64_t c_out, int64_t c_in, int ksize,
                                bool krsc, uint16_t* out);

// y = conv(x, w) + bias in FP16; x and y NCHW (nhwc false) or NHWC (true);
// `w_packed` from RepackSparseConvF16Weights (device), `bias` [c_out] may be
// null, `workspace` holds SparseConvF16WorkspaceBytes(s) bytes. Queues a
// counter reset, the prescan and the conv on `stream`; never synchronises (CUDA
// graph capture works). `s` must be supported. The counters at the start of
// the workspace are those of SparseConvCounters (ReadSparseConvCounters,
// CopySparseConvCountersAsync in sparse_conv.h), active_groups counting
// 16-channel groups.
// With `zeroed_counters` (SparseConvCounterBytes in sparse_conv.h, device
// memory that the caller zeroed after its last use, e.g. with other such
// memory in one memset per model run) the counters go there and no reset is
// queued. One launch per zeroing: the counters add up, and a second launch
// would find the first one's count (its work list is bounded, so that is a
// wrong result, not a stray write).
cudaError_t LaunchSparseConvF16(const SparseConvShape& s, bool nhwc, const __half* x,
                                const uint16_t* w_packed, const __half* bias, __half* y,
                                void* workspace, cudaStream_t stream,
                                int* zeroed_counters = nullptr);

// The counter reset and the prescan alone (for timing it): leaves the
// workspace as LaunchSparseConvF16 would, writes no output (not even the
// empty tiles' bias, so it is slightly cheaper than the real prescan). With
// `masks_out` the per-tile group masks go there (SparseConvF16MaskBytes(s)
// bytes) instead of the workspace: what a neuron marking x's occupancy
// writes (SpikeOccupancy, neuron.h).
// `zeroed_counters`: as for LaunchSparseConvF16 (no reset queued).
cudaError_t LaunchSparseConvF16Prescan(const SparseConvShape& s, bool nhwc, const __half* x,
                                       void* workspace, cudaStream_t stream,
                                       uint32_t* masks_out = nullptr,
                                       int* zeroed_counters = nullptr);

// ---- The input's occupancy from its producer (issue 12) ----
// A neuron kernel that writes x can mark, as it stores, which (tile, group)
// of this conv reads a non-zero (SpikeOccupancy in neuron.h): the prescan's
// masks, so the conv needs no prescan. NHWC only.
//
// Bytes of those masks for `s`: images x tiles x ceil(groups / 32) words.
size_t SparseConvF16MaskBytes(const SparseConvShape& s);
// The target a neuron marks for conv `s` into `masks`.
SpikeOccupancyTarget SparseConvF16OccupancyTarget(const SparseConvShape& s, uint32_t* masks);
// LaunchSparseConvF16 (NHWC) without its prescan: persistent blocks walk
// every (tile, cout_chunk output channels) item; a tile whose masks are empty gets
// the bias, the others are computed as there. The same bits as
// LaunchSparseConvF16 when `masks` are x's (the neuron marked them for this
// x, or LaunchSparseConvF16Prescan put them in masks_out). count_tiles: also
// resets and fills the counters at the start of `workspace`
// (SparseConvF16WorkspaceBytes(s)) as LaunchSparseConvF16 does; else
// `workspace` is not touched (may be null) and no counter is reset.
// `zeroed_counters` with count_tiles: as for LaunchSparseConvF16.
cudaError_t LaunchSparseConvF16Occupied(const SparseConvShape& s, const __half* x,
                                        const uint16_t* w_packed, const __half* bias, __half* y,
                                        const uint32_t* masks, void* workspace, bool count_tiles,
                                        cudaStream_t stream, int* zeroed_counters = nullptr);

// LaunchSparseConvF16 in two halves around a CUDA graph's IF/ELSE node (the
// run-time density switch of runtime/gpu/sparse_conv_kernel.cc): the Switch
// half queues the counter reset and the prescan (the empty tiles get their
// bias), then sets `handle` (created for the graph being captured) to 1 when
// more than `threshold` tiles are active, else 0. AfterSwitch queues the conv
// alone, reading the work list the Switch half left in `workspace`; the two
// give LaunchSparseConvF16's exact output. Never synchronise.
cudaError_t LaunchSparseConvF16Switch(const SparseConvShape& s, bool nhwc, const __half* x,
                                      const __half* bias, __half* y, void* workspace, int threshold,
                                      cudaGraphConditionalHandle handle, cudaStream_t stream);
cudaError_t LaunchSparseConvF16AfterSwitch(const SparseConvShape& s, bool nhwc, const __half* x,
                                           const uint16_t* w_packed, const __half* bias, __half* y,
                                           void* workspace, cudaStream_t stream);
// Fills x[0, ones) with 1.0 and x[ones, count) with 0 (FP16): the calibration
// inputs of the density switch, a growing prefix of active rows.
cudaError_t LaunchFillOnesPrefixF16(__half* x, int64_t count, int64_t ones, cudaStream_t stream);
// Conv + neuron fused (issue 12): spikes = neuron(conv(x, w) + bias) over the
// T time steps of the batch (rows t * N + n, N = s.n / steps), in one kernel,
// so the conv's output never goes to memory. One CUDA block per (image n,
// output tile, 32 output channels for tile 8 / 64 for tile 4) computes the
// tile for 2 (tile 8) or 4 (tile 4) time steps at once (the weights staged once
// serve all of them), every 16-channel group (no prescan, no skipping: trained
// spike maps leave 90-100% of tiles active), then runs the membrane over those
// steps in registers (each thread owns the same outputs at every step) and
// writes only the 0/1 spikes; longer T repeats that with the membrane kept.
// Bit-identical to LaunchSparseConvF16 followed by LaunchNeuron: the same MMA
// sequence per output (groups ascending, taps in order; a skipped empty group
// adds exact zeros), the conv result rounded to FP16 as stored there, then the
// same Fire (neuron_fire.cuh).
// `p` without state (p.state must be null; p.steps is the T the batch holds,
// p.step_elements is ignored). x, y, bias and weights as LaunchSparseConvF16;
// needs no workspace.
// With `occupancy` it also marks, as it stores the spikes, what the
// consumers of y read instead of a prescan: every target's masks (cleared
// first unless occupancy->cleared) and the bit-packed spikes, exactly as
// LaunchNeuron marks them from the same spikes (SpikeOccupancy, neuron.h;
// PrepareSpikeOccupancy's checks, and ConvNeuronF16MarksUnsupportedReason:
// NHWC, and c_out % 16 == 0 for packed spikes; else cudaErrorInvalidValue).
const char* ConvNeuronF16UnsupportedReason(const SparseConvShape& s, int64_t steps);
const char* ConvNeuronF16MarksUnsupportedReason(const SparseConvShape& s, bool nhwc, int64_t steps,
                                                bool packed);
cudaError_t LaunchConvNeuronF16(const SparseConvShape& s, bool nhwc, const __half* x,
                                const uint16_t* w_packed, const __half* bias, const NeuronParams& p,
                                __half* y, cudaStream_t stream,
                                const SpikeOccupancy* occupancy = nullptr);

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_SPARSE_CONV_F16_H_
