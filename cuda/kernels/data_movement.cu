#include "cuda/kernels/data_movement.h"
#include "cuda/kernels/device_util.cuh"

namespace sf::cuda {
namespace {

template <typename U>
__global__ void StridedCopyKernel(Indexer ix, int64_t n, const U* in, U* out) {
  SF_GRID_STRIDE_LOOP(i, n) {
    int64_t off[2];
    OffsetsAt(ix, i, off);
    out[off[1]] = in[off[0]];
  }
}

// A strided copy whose output is contiguous along its last walk dim `a` and
// whose input is contiguous along another dim `b` (a transpose): tiles of the
// (a, b) plane through shared memory, so both the reads (along b) and the
// writes (along a) are coalesced: 64 x 64 for elements of 1 or 2 bytes (a
// tile row of 64-128 bytes), else 32 x 32. `batch` walks the other dims
// (operand 0 in, 1 out); blockIdx.z strides through it.
struct TileCopy {
  Indexer batch;
  int64_t batch_count = 1;
  int64_t a_size = 0, b_size = 0;
  int64_t in_a_stride = 0, out_b_stride = 0;  // in's stride along a, out's along b
};
inline constexpr int kTileRows = 8;  // the block is (kTile, kTileRows) threads

template <typename U>
__host__ __device__ constexpr int TileOf() {
  return sizeof(U) <= 2 ? 64 : 32;
}

template <typename U>
__global__ void __launch_bounds__(64 * kTileRows) TileCopyKernel(TileCopy t, const U* in, U* out) {
  constexpr int kTile = TileOf<U>();
  __shared__ U tile[kTile][kTile + 1];
  const int64_t a0 = static_cast<int64_t>(blockIdx.x) * kTile;
  const int64_t b0 = static_cast<int64_t>(blockIdx.y) * kTile;
  for (int64_t z = blockIdx.z; z < t.batch_count; z += gridDim.z) {
    int64_t base[2];
    OffsetsAt(t.batch, z, base);
    for (int j = threadIdx.y; j < kTile; j += kTileRows) {
      const int64_t a = a0 + j, b = b0 + threadIdx.x;
      if (a < t.a_size && b < t.b_size) tile[j][threadIdx.x] = in[base[0] + a * t.in_a_stride + b];
    }
    __syncthreads();
    for (int j = threadIdx.y; j < kTile; j += kTileRows) {
      const int64_t b = b0 + j, a = a0 + threadIdx.x;
      if (a < t.a_size && b < t.b_size) {
        out[base[1] + b * t.out_b_stride + a] = tile[threadIdx.x][j];
      }
    }
    __syncthreads();
  }
}

// The tiled form of the copy over ix, when it is a transpose that tiles pay
// for: out contiguous along the last dim, in along another, both at least
// half a tile long.
bool MakeTileCopy(const Indexer& ix, int kTile, TileCopy& t) {
  const int a = ix.rank - 1;
  if (ix.rank < 2 || ix.strides[1][a] != 1 || ix.strides[0][a] == 1) return false;
  int b = 0;  // the dim in walks contiguously
  while (b < a && ix.strides[0][b] != 1) ++b;
  if (b == a || ix.dims[a] < kTile / 2 || ix.dims[b] < kTile / 2 ||
      (ix.dims[b] + kTile - 1) / kTile > 65535) {
    return false;
  }
  t.a_size = ix.dims[a];
  t.b_size = ix.dims[b];
  t.in_a_stride = ix.strides[0][a];
  t.out_b_stride = ix.strides[1][b];
  t.batch = Indexer{};
  t.batch.base[0] = ix.base[0];
  t.batch.base[1] = ix.base[1];
  t.batch_count = 1;
  for (int d = 0; d < a; ++d) {
    if (d == b) continue;
    const int r = t.batch.rank++;
    t.batch.dims[r] = ix.dims[d];
    t.batch.strides[0][r] = ix.strides[0][d];
    t.batch.strides[1][r] = ix.strides[1][d];
    t.batch_count *= ix.dims[d];
  }
  SetFastDivisions(t.batch);
  return true;
}

// The copy over ix in units of `unit` bytes (elements of `elem` bytes), when
// its last walk dim is contiguous in both operands and every run, stride,
// offset and pointer is a whole number of units: a permutation that keeps the
// innermost dim (attention heads: [n, L, h, d] -> [n, h, L, d]), a slice or a
// concat on an outer axis. Each thread then moves 4-16 bytes instead of one
// element, with one index computation per unit.
bool WidenCopy(const Indexer& ix, size_t elem, size_t unit, const void* in, const void* out,
               Indexer& wide) {
  const int a = ix.rank - 1;
  const int64_t k = static_cast<int64_t>(unit / elem);
  if (ix.rank < 1 || unit <= elem || unit % elem != 0 || ix.strides[0][a] != 1 ||
      ix.strides[1][a] != 1 || ix.dims[a] % k != 0 || !IsAligned(in, unit) ||
      !IsAligned(out, unit)) {
    return false;
  }
  for (int op = 0; op < 2; ++op) {
    if (ix.base[op] % k != 0) return false;
    for (int d = 0; d < a; ++d) {
      if (ix.strides[op][d] % k != 0) return false;
    }
  }
  wide = ix;
  wide.dims[a] = ix.dims[a] / k;
  for (int op = 0; op < 2; ++op) {
    wide.base[op] = ix.base[op] / k;
    for (int d = 0; d < a; ++d) wide.strides[op][d] = ix.strides[op][d] / k;
  }
  SetFastDivisions(wide);
  return true;
}

template <typename U, typename I>
__global__ void GatherKernel(GatherShape s, const U* data, const I* indices, U* out,
                             int* error_flag) {
  const int64_t n = s.outer * s.count * s.inner;
  SF_GRID_STRIDE_LOOP(i, n) {
    const int64_t inner = i % s.inner;
    const int64_t j = (i / s.inner) % s.count;
    const int64_t o = i / (s.inner * s.count);
    int64_t idx = static_cast<int64_t>(indices[j]);
    if (idx < 0) idx += s.axis;
    if (idx < 0 || idx >= s.axis) {
      *error_flag = 1;
      out[i] = U{0};
    } else {
      out[i] = data[(o * s.axis + idx) * s.inner + inner];
    }
  }
}

// One thread per U-sized unit of an output pixel.
template <typename U>
__global__ void SubsampleKernel(SubsampleShape s, int64_t units_per_pixel, int64_t n,
                                const U* __restrict__ in, U* __restrict__ out) {
  SF_GRID_STRIDE_LOOP(i, n) {
    const int64_t u = i % units_per_pixel;
    const int64_t p = i / units_per_pixel;
    const int64_t ox = p % s.out_w;
    const int64_t oy = (p / s.out_w) % s.out_h;
    const int64_t b = p / (s.out_w * s.out_h);
    out[i] = in[((b * s.h + oy * s.stride_h) * s.w + ox * s.stride_w) * units_per_pixel + u];
  }
}

}  // namespace

cudaError_t LaunchSubsample(const SubsampleShape& s, const void* in, void* out,
                            cudaStream_t stream) {
  if (s.images < 0 || s.h < 0 || s.w < 0 || s.out_h < 0 || s.out_w < 0 || s.pixel_bytes < 0 ||
      s.stride_h < 1 || s.stride_w < 1) {
    return cudaErrorInvalidValue;
  }
  if (s.images == 0 || s.out_h == 0 || s.out_w == 0 || s.pixel_bytes == 0) return cudaSuccess;
  if ((s.out_h - 1) * s.stride_h >= s.h || (s.out_w - 1) * s.stride_w >= s.w) {
    return cudaErrorInvalidValue;
  }
  const auto launch = [&](auto tag) {
    using U = decltype(tag);
    const int64_t units = s.pixel_bytes / static_cast<int64_t>(sizeof(U));
    const int64_t n = s.images * s.out_h * s.out_w * units;
    SubsampleKernel<<<BlocksFor(n), kThreadsPerBlock, 0, stream>>>(
        s, units, n, static_cast<const U*>(in), static_cast<U*>(out));
  };
  const auto fits = [&](size_t bytes) {
    return s.pixel_bytes % static_cast<int64_t>(bytes) == 0 && IsAligned(in, bytes) &&
           IsAligned(out, bytes);
  };
  if (fits(16)) {
    launch(uint4{});
  } else if (fits(8)) {
    launch(uint2{});
  } else if (fits(4)) {
    launch(uint32_t{});
  } else if (fits(2)) {
    launch(uint16_t{});
  } else {
    launch(uint8_t{});
  }
  return cudaGetLastError();
}

cudaError_t LaunchStridedCopy(size_t elem_bytes, const Indexer& ix, int64_t n, const void* in,
                              void* out, cudaStream_t stream) {
  if (n == 0) return cudaSuccess;
  Indexer wide;
  const auto launch_wide = [&](auto tag) {
    using W = decltype(tag);
    const int64_t units = n / static_cast<int64_t>(sizeof(W) / elem_bytes);
    StridedCopyKernel<<<BlocksFor(units), kThreadsPerBlock, 0, stream>>>(
        wide, units, static_cast<const W*>(in), static_cast<W*>(out));
    return cudaGetLastError();
  };
  if (WidenCopy(ix, elem_bytes, 16, in, out, wide)) return launch_wide(uint4{});
  if (WidenCopy(ix, elem_bytes, 8, in, out, wide)) return launch_wide(uint2{});
  if (WidenCopy(ix, elem_bytes, 4, in, out, wide)) return launch_wide(uint32_t{});
  const bool ok = VisitElementSize(elem_bytes, [&](auto tag) {
    using U = decltype(tag);
    constexpr int kTile = TileOf<U>();
    TileCopy tile;
    if (MakeTileCopy(ix, kTile, tile)) {
      const dim3 grid(static_cast<unsigned int>((tile.a_size + kTile - 1) / kTile),
                      static_cast<unsigned int>((tile.b_size + kTile - 1) / kTile),
                      static_cast<unsigned int>(std::min<int64_t>(tile.batch_count, 65535)));
      TileCopyKernel<<<grid, dim3(kTile, kTileRows), 0, stream>>>(tile, static_cast<const U*>(in),
                                                                  static_cast<U*>(out));
    } else {
      StridedCopyKernel<<<BlocksFor(n), kThreadsPerBlock, 0, stream>>>(
          ix, n, static_cast<const U*>(in), static_cast<U*>(out));
    }
  });
  return ok ? cudaGetLastError() : cudaErrorInvalidValue;
}

cudaError_t LaunchGather(size_t elem_bytes, const GatherShape& shape, const void* data,
                         const void* indices, size_t index_bytes, void* out, int* error_flag,
                         cudaStream_t stream) {
  const int64_t n = shape.outer * shape.count * shape.inner;
  if (n == 0) return cudaSuccess;
  if (index_bytes != 4 && index_bytes != 8) return cudaErrorInvalidValue;
  const bool ok = VisitElementSize(elem_bytes, [&](auto tag) {
    using U = decltype(tag);
    if (index_bytes == 4) {
      GatherKernel<<<BlocksFor(n), kThreadsPerBlock, 0, stream>>>(
          shape, static_cast<const U*>(data), static_cast<const int32_t*>(indices),
          static_cast<U*>(out), error_flag);
    } else {
      GatherKernel<<<BlocksFor(n), kThreadsPerBlock, 0, stream>>>(
          shape, static_cast<const U*>(data), static_cast<const int64_t*>(indices),
          static_cast<U*>(out), error_flag);
    }
  });
  return ok ? cudaGetLastError() : cudaErrorInvalidValue;
}

}  // namespace sf::cuda
