// GPU kernels that move elements without arithmetic: the strided copy behind
// Transpose, Slice, Concat, Expand and broadcasting, and Gather. Work for any
// element size of 1, 2, 4 or 8 bytes. Every pointer is device memory.
#ifndef SF_CUDA_KERNELS_DATA_MOVEMENT_H_
#define SF_CUDA_KERNELS_DATA_MOVEMENT_H_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "cuda/kernels/indexer.h"

namespace sf::cuda {

// For each of the n elements of ix: out[off1(i)] = in[off0(i)]. A transpose
// (out contiguous along the walk's last dim, in along another, both at least
// half a tile long) goes through 64 x 64 (elements of 1-2 bytes) or 32 x 32
// tiles in shared memory: reads and writes coalesced.
cudaError_t LaunchStridedCopy(size_t elem_bytes, const Indexer& ix, int64_t n, const void* in,
                              void* out, cudaStream_t stream);

// out[o, j, i] = data[o, idx[j], i] for data [outer, axis, inner] and `count`
// indices (int32 or int64 per `index_bytes`; negative ones count from the end).
// An index outside [-axis, axis) writes zeros and sets *error_flag to 1.
struct GatherShape {
  int64_t outer = 1, axis = 1, count = 0, inner = 1;
};
cudaError_t LaunchGather(size_t elem_bytes, const GatherShape& shape, const void* data,
                         const void* indices, size_t index_bytes, void* out, int* error_flag,
                         cudaStream_t stream);

// Every stride-th row and pixel of `images` planes: out[b][oy][ox][:] =
// in[b][oy * stride_h][ox * stride_w][:], where a pixel is `pixel_bytes`
// contiguous bytes (NHWC: images = N, a pixel's C channels; NCHW: images =
// N * C, one element). in is [images][h][w], out [images][out_h][out_w];
// (out_h - 1) * stride_h < h and (out_w - 1) * stride_w < w (else
// cudaErrorInvalidValue). Copies 16, 8, 4, 2 or 1 bytes at a time, the widest
// that pixel_bytes and both addresses allow.
struct SubsampleShape {
  int64_t images = 0, h = 0, w = 0, stride_h = 1, stride_w = 1, out_h = 0, out_w = 0;
  int64_t pixel_bytes = 0;
};
cudaError_t LaunchSubsample(const SubsampleShape& s, const void* in, void* out,
                            cudaStream_t stream);

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_DATA_MOVEMENT_H_
