// Tile geometry shared by the block-sparse conv kernels (sparse_conv.cu,
// FP32 gather; sparse_conv_f16.cu, FP16 tensor cores): which input window an
// output tile reads, and which window rows/columns any output of the tile
// actually reads. Internal to cuda/kernels.
#ifndef SF_CUDA_KERNELS_SPARSE_CONV_GEOMETRY_CUH_
#define SF_CUDA_KERNELS_SPARSE_CONV_GEOMETRY_CUH_

#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/kernels/fast_div.h"
#include "cuda/kernels/sparse_conv.h"

namespace sf::cuda::sparse_detail {

inline int64_t CeilDiv(int64_t a, int64_t b) { return (a + b - 1) / b; }

// Ints at the start of either kernel's workspace: SparseConvCounters (active
// tiles, empty tiles, active groups) and one of padding.
inline constexpr int kNumCounters = 4;

// Input rows (or columns) a run of `tile` outputs reads.
__host__ __device__ constexpr int Span(int tile, int ksize, int stride) {
  return (tile - 1) * stride + ksize;
}

// Everything the kernels derive from SparseConvShape, computed on the host.
// `group` is the input channels per occupancy group of the kernel.
struct Geometry {
  int n, c_in, h, w, c_out, out_h, out_w, pad_top, pad_left;
  int tile, tiles_y, tiles_x, num_tiles, num_groups;
  FastDiv per_image_div;  // by tiles_y * tiles_x
  FastDiv tiles_x_div;    // by tiles_x
  FastDiv c8_div;         // by c_in / 8 (16-byte vectors per NHWC pixel), 1 below 8
};

inline Geometry MakeGeometry(const SparseConvShape& s, int group) {
  Geometry g{};
  g.n = static_cast<int>(s.n);
  g.c_in = static_cast<int>(s.c_in);
  g.h = static_cast<int>(s.h);
  g.w = static_cast<int>(s.w);
  g.c_out = static_cast<int>(s.c_out);
  g.out_h = static_cast<int>(s.out_h);
  g.out_w = static_cast<int>(s.out_w);
  g.pad_top = static_cast<int>(s.pad_top);
  g.pad_left = static_cast<int>(s.pad_left);
  g.tile = s.tile;
  g.tiles_y = static_cast<int>(CeilDiv(s.out_h, s.tile));
  g.tiles_x = static_cast<int>(CeilDiv(s.out_w, s.tile));
  g.num_tiles = static_cast<int>(s.n * g.tiles_y * g.tiles_x);
  g.num_groups = static_cast<int>(CeilDiv(s.c_in, group));
  g.per_image_div = MakeFastDiv(g.tiles_y * g.tiles_x);
  g.tiles_x_div = MakeFastDiv(g.tiles_x);
  g.c8_div = MakeFastDiv(g.c_in / 8);
  return g;
}

// One output tile and the input window it reads. Window coordinates are local
// (0 at the first input row/column the tile could read, possibly padding).
struct TileWindow {
  int n, oy0, ox0, th, tw;  // tile origin and extent (edge tiles are smaller)
  int iy0, ix0;             // image coordinates of the window origin (may be < 0)
  int ly0, ly1, lx0, lx1;   // window rows/cols inside the image, [ly0, ly1) x [lx0, lx1)
};

__device__ inline TileWindow MakeWindow(const Geometry& g, int tile_index, int ksize, int stride) {
  TileWindow t;
  t.n = Div(tile_index, g.per_image_div);
  const int rest = tile_index - t.n * g.per_image_div.d;
  const int ty = Div(rest, g.tiles_x_div);
  t.oy0 = ty * g.tile;
  t.ox0 = (rest - ty * g.tiles_x) * g.tile;
  t.th = min(g.tile, g.out_h - t.oy0);
  t.tw = min(g.tile, g.out_w - t.ox0);
  t.iy0 = t.oy0 * stride - g.pad_top;
  t.ix0 = t.ox0 * stride - g.pad_left;
  t.ly0 = max(0, -t.iy0);
  t.ly1 = min(Span(t.th, ksize, stride), g.h - t.iy0);
  t.lx0 = max(0, -t.ix0);
  t.lx1 = min(Span(t.tw, ksize, stride), g.w - t.ix0);
  return t;
}

// Whether local window row/column `l` is read by some output of a tile of
// `extent` rows/columns (1x1 stride 2 reads only every other one).
template <int kSize, int kStride>
__device__ inline bool IsRead(int l, int extent) {
#pragma unroll
  for (int r = 0; r < kSize; ++r) {
    const int t = l - r;
    if (t >= 0 && t % kStride == 0 && t / kStride < extent) return true;
  }
  return false;
}

}  // namespace sf::cuda::sparse_detail

#endif  // SF_CUDA_KERNELS_SPARSE_CONV_GEOMETRY_CUH_
