// Block-sparse FP32 NCHW convolution on the GPU for spike-fed convs (3x3 or
// 1x1, stride 1 or 2, any padding, group 1, dilation 1), in two kernels queued
// on one stream with no host round trip:
//
//  1. Prescan: one CUDA block per (image, output tile). It tests, for every
//     group of kSparseConvChannelGroup input channels, whether the input
//     elements the tile reads (its halo under kernel size, stride and padding,
//     clipped to the image) hold any non-zero. It writes the tile's ascending
//     list of non-empty channel groups and files the tile in a work list:
//     active tiles from the front, empty ones from the back (device counters).
//  2. Conv (output-stationary gather): one CUDA block per (work-list slot,
//     chunk of output channels). An empty tile gets the bias (0 without bias).
//     An active tile, per non-empty channel group, compacts the non-zero
//     inputs of its halo into shared memory and adds, for each of them and
//     each kernel tap that lands in the tile, the weight row (binary input: no
//     multiply) or value * weight row (zero-preserving input) to accumulators
//     in shared memory, one output channel per thread.
//
// Deterministic: no atomics on outputs; every output is summed in a fixed
// order (bias, channel groups ascending, non-zeros in scan order), so every
// run gives identical bits. The order differs from the CPU reference
// (runtime/cpu/conv.h), so results agree within float rounding, not bitwise.
//
// Weights are repacked once on the host to [c_in][k][k][c_out] (coalesced
// rows of output channels). Sizes are elements unless named *_bytes.
#ifndef SF_CUDA_KERNELS_SPARSE_CONV_H_
#define SF_CUDA_KERNELS_SPARSE_CONV_H_

#include <cuda_runtime_api.h>

#include <cstddef>
#include <cstdint>

namespace sf::cuda {

// Input channels per occupancy group of the prescan.
inline constexpr int kSparseConvChannelGroup = 8;
// Largest output tile edge the conv kernel runs; larger requested blocks are
// cut to it (smaller tiles only skip more).
inline constexpr int kSparseConvMaxTile = 8;

struct SparseConvShape {
  int64_t n = 0, c_in = 0, h = 0, w = 0;    // input [n, c_in, h, w]
  int64_t c_out = 0, out_h = 0, out_w = 0;  // output [n, c_out, out_h, out_w]
  int ksize = 3;                            // 1 or 3 (square kernel)
  int stride = 1;                           // 1 or 2 (both axes)
  int64_t pad_top = 0, pad_left = 0;        // bottom/right padding follow from out_h/out_w
  int tile = kSparseConvMaxTile;            // output tile edge, 1..kSparseConvMaxTile
  bool binary = false;                      // input holds only 0 and 1
  // The float16 tensor-core kernel's output channels per work item
  // (sparse_conv_f16.h): 32 or 64, or 16 with tile 8; the float32 kernel
  // ignores it.
  int cout_chunk = 64;
  // The float16 kernel with tile 4 and 64-channel chunks: a work item may hold
  // several active tiles that share each group's weights (sparse_conv_f16.h);
  // false: one tile per item. The same bits either way.
  bool group_tiles = true;
};

// Empty when `s` is supported, else why not ("ksize 5 is not 1 or 3").
const char* SparseConvUnsupportedReason(const SparseConvShape& s);

// The effective tile edge for a plan block edge: min(block, kSparseConvMaxTile).
int SparseConvTileFor(int block);

// Device workspace the two kernels need for `s`, in bytes (counters, work list,
// per-tile channel-group lists).
size_t SparseConvWorkspaceBytes(const SparseConvShape& s);

// w_okk [c_out][c_in][k][k] -> out [c_in][k][k][c_out] (host memory).
void RepackSparseConvWeights(const float* w_okk, int64_t c_out, int64_t c_in, int ksize,
                             float* out);

// y = conv(x, w) + bias; `w_packed` from RepackSparseConvWeights (device),
// `bias` may be null, `workspace` holds SparseConvWorkspaceBytes(s) bytes.
// Queues a memset, the prescan and the conv on `stream`; never synchronises,
// so it can be captured in a CUDA graph. `s` must be supported.
// With `zeroed_counters` (SparseConvCounterBytes of device memory that the
// caller zeroed after its last use, e.g. with other such memory in one memset
// per model run, as the executor does) the counters go there and no memset
// is queued; ReadSparseConvCounters/CopySparseConvCountersAsync then read
// them from there. One launch per zeroing.
cudaError_t LaunchSparseConv(const SparseConvShape& s, const float* x, const float* w_packed,
                             const float* bias, float* y, void* workspace, cudaStream_t stream,
                             int* zeroed_counters = nullptr);
// Bytes of the counters (SparseConvCounters and padding), for this kernel's
// and the float16 ones' (sparse_conv_f16.h) `zeroed_counters` alike.
size_t SparseConvCounterBytes();

// Only the first half of LaunchSparseConv (the counter reset and the prescan),
// for timing the prescan alone (sfbench): leaves the counters, work list and
// channel-group lists in `workspace` (the counters in `zeroed_counters` when
// given) as LaunchSparseConv would; no output.
cudaError_t LaunchSparseConvPrescan(const SparseConvShape& s, const float* x, void* workspace,
                                    cudaStream_t stream, int* zeroed_counters = nullptr);

// Counters left in `workspace` by the last LaunchSparseConv (read after the
// stream is synchronised): tiles with work, empty tiles, and non-empty
// (tile, channel group) pairs.
struct SparseConvCounters {
  int active_tiles = 0;
  int empty_tiles = 0;
  int active_groups = 0;
};
cudaError_t ReadSparseConvCounters(const void* workspace, SparseConvCounters* out);
// The same counters queued as a copy on `stream` right after LaunchSparseConv
// (before anything else uses the workspace) into `pinned_out`, page-locked
// host memory that is valid once the stream is synchronised. Never
// synchronises, allocates nothing.
cudaError_t CopySparseConvCountersAsync(const void* workspace, SparseConvCounters* pinned_out,
                                        cudaStream_t stream);

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_SPARSE_CONV_H_
