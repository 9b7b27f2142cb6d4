#include <algorithm>
#include <cstdint>
#include <limits>

#include "cuda/kernels/compact_spike_conv.h"
#include "cuda/kernels/device_util.cuh"
#include "cuda/kernels/sparse_conv_f16.h"
#include "cuda/kernels/sparse_conv_geometry.cuh"
#include "cuda/kernels/tensor_core.cuh"

namespace sf::cuda {
namespace {

constexpr int kWarps = 16;
constexpr int kThreads = kWarps * 32;
constexpr int kPixels = kCompactTileH * kCompactTileW;  // the MMA's N
static_assert(kPixels == 8, "one m16n8k16 N block per tile");
// Largest opt-in shared memory per block on sm_90 (the launcher still checks
// the device's own limit).
constexpr int64_t kMaxShared = 227 * 1024;
constexpr int kMaxCin = 1024;  // the widest input the tests cover
// 1.0 in FP16. (This and the kernel's other constants are unused where the
// kernel compiles as a stub, below sm_80.)
[[maybe_unused]] constexpr uint32_t kHalfOne = 0x3C00;

using sparse_detail::CeilDiv;

int64_t Align16(int64_t bytes) { return CeilDiv(bytes, 16) * 16; }

int MaskWords(int64_t c_in) { return static_cast<int>(CeilDiv(c_in, 32)) + 1; }  // + a zero word
// Weight rows per tap: one per bit of a pixel's mask words (rows past c_in
// zero), so that a list entry's weight row follows from its bit address.
int64_t RowsPerTap(int64_t c_in) { return int64_t{MaskWords(c_in)} * 32; }

// A block converts one region of the input at a time to bits in shared
// memory: `images` whole images, or `tile_rows` rows of 2x4 tiles of one
// image; enough for about two items per warp.
struct Region {
  int images = 1, tile_rows = 1;
  int rows = 0, cols = 0;  // input rows and columns (padding included) it holds per image
};
Region RegionFor(const SparseConvShape& s, int warps) {
  const int64_t tiles_x = CeilDiv(s.out_w, kCompactTileW);
  const int64_t tiles_y = CeilDiv(s.out_h, kCompactTileH);
  const int64_t want = 2 * int64_t{warps};
  Region r;
  r.tile_rows = static_cast<int>(std::min(tiles_y, std::max<int64_t>(1, CeilDiv(want, tiles_x))));
  if (r.tile_rows == tiles_y) {
    r.images =
        static_cast<int>(std::min(s.n, std::max<int64_t>(1, CeilDiv(want, tiles_x * tiles_y))));
  }
  r.rows = static_cast<int>((int64_t{r.tile_rows} * kCompactTileH - 1) * s.stride + s.ksize);
  r.cols = static_cast<int>((tiles_x * kCompactTileW - 1) * s.stride + s.ksize);
  return r;
}
int64_t RegionBytes(const SparseConvShape& s, const Region& r) {
  return Align16(int64_t{r.images} * r.rows * r.cols * MaskWords(s.c_in) * 4);
}

// Per-warp scratch: the list of one tap group's non-zero (tap, channel) pairs
// of an item (16-padded) and the output tile staged for 16-byte stores
// (rows of chunk + 8 halves: the fragments' stores hit distinct banks).
struct WarpScratch {
  int list_bytes, stage_bytes;
  __host__ __device__ int total() const { return list_bytes + stage_bytes; }
};
WarpScratch ScratchFor(const SparseConvShape& s, int chunk, int taps_per_group) {
  WarpScratch w{};
  w.list_bytes =
      static_cast<int>(Align16((int64_t{taps_per_group} * CeilDiv(s.c_in, 32) * 32 + 16) * 4));
  w.stage_bytes = kPixels * (chunk + 8) * 2;
  return w;
}

int64_t WeightHalves(const SparseConvShape& s, int row) {
  return int64_t{s.ksize} * s.ksize * RowsPerTap(s.c_in) * row;
}

// (tap, mask word) pairs a lane ORs per tap group, at most.
constexpr int kMaxPairsPerLane = 4;

// Everything the kernel derives from SparseConvShape, computed on the host.
// (The block-sparse kernels' base: sizes, padding; its square-tile fields are
// not used.)
struct Geometry : sparse_detail::Geometry {
  int ksize, stride;
  int tiles_w, tiles_h;  // 2x4 output tiles per row, per column
  int words, mask_words, groups8, row, taps_per_group;
  Region region;
  int regions_y, regions;  // regions per image column (tile-row bands), in all
  sparse_detail::FastDiv cols_div, rows_div, groups8_div, tiles_w_div, tile_rows_div, regions_y_div;
  // A list entry's weight row minus its bit address, per kh: (k - cols) * 32 * mask_words.
  int row_shift;
  int region_bytes;
  WarpScratch scratch;
  bool vec_in, vec_out;
};

#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
// 8 halves of input pixel `pixel` from channel c (zeros past c_in).
__device__ __forceinline__ uint4 LoadEight(const uint16_t* __restrict__ x, int64_t pixel, int c,
                                           int c_in, bool vec) {
  const uint16_t* px = x + pixel * c_in + c;
  if (vec) return __ldg(reinterpret_cast<const uint4*>(px));
  uint16_t h[8];
#pragma unroll
  for (int i = 0; i < 8; ++i) h[i] = c + i < c_in ? px[i] : 0;
  return make_uint4(
      h[0] | static_cast<uint32_t>(h[1]) << 16, h[2] | static_cast<uint32_t>(h[3]) << 16,
      h[4] | static_cast<uint32_t>(h[5]) << 16, h[6] | static_cast<uint32_t>(h[7]) << 16);
}
#endif

// Region entries (pixel, 8-channel group) a thread loads per batch.
[[maybe_unused]] constexpr int kBatch = 4;

// A list entry: bits [0, 24) the bit address of (tap, channel) relative to
// an output pixel's first input pixel in the region, (kh * cols + kw) * 32 *
// mask_words + channel; bits [24, 27) kh. Its weight row (RowsPerTap rows per
// tap) is the bit address plus kh * row_shift.
[[maybe_unused]] constexpr uint32_t kAddrMask = (1u << 24) - 1;

using sparse_detail::Div;

template <int kMB>
__global__ void __launch_bounds__(kThreads, 1)
    CompactSpikeConvKernel(Geometry g, const uint16_t* __restrict__ x,
                           const uint16_t* __restrict__ w_packed, const __half* __restrict__ bias,
                           __half* __restrict__ y) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  constexpr int kChunk = 16 * kMB;
  constexpr int kStageRow = kChunk + 8;
  extern __shared__ __align__(16) unsigned char smem[];
  const int taps = g.ksize * g.ksize;
  const int bits_per_pixel = g.mask_words * 32;        // also weight rows per tap
  const int w_halves = taps * bits_per_pixel * g.row;  // a multiple of 8
  uint16_t* ws = reinterpret_cast<uint16_t*>(smem);
  uint32_t* bits = reinterpret_cast<uint32_t*>(smem + int64_t{w_halves} * 2);
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  unsigned char* mine = smem + int64_t{w_halves} * 2 + g.region_bytes + warp * g.scratch.total();
  uint32_t* list = reinterpret_cast<uint32_t*>(mine);
  __half* stage = reinterpret_cast<__half*>(mine + g.scratch.list_bytes);
  const int co0 = blockIdx.y * kChunk;
  {  // The weights (constant): copied while the previous kernel ends, all
    // copies in flight at once; rows past c_in are zero, written without a read.
    const uint16_t* src = w_packed + static_cast<int64_t>(blockIdx.y) * w_halves;
    const int row_vecs = g.row / 8;
    for (int i = threadIdx.x; i < w_halves / 8; i += kThreads) {
      const int r = i / row_vecs;
      CpAsync16(ws + i * 8, src + i * 8, r % bits_per_pixel < g.c_in);
    }
    CpAsyncCommit();
    // Bytes past c_in's groups (and the zero word) are never stored.
    for (int i = threadIdx.x; i < g.region_bytes / 4; i += kThreads) bits[i] = 0;
  }
  WaitForPreviousGrid();
  const int gq = lane / 4, t = lane % 4;  // the MMA fragments' row group and thread in group
  float bz[kMB][2];
#pragma unroll
  for (int mb = 0; mb < kMB; ++mb) {
#pragma unroll
    for (int h = 0; h < 2; ++h) {
      const int co = co0 + mb * 16 + gq + 8 * h;
      bz[mb][h] = bias != nullptr && co < g.c_out ? __half2float(bias[co]) : 0.0f;
    }
  }
  CpAsyncWait<0>();

  const Region& rg = g.region;
  const int region_pixels = rg.images * rg.rows * rg.cols;
  const int entries = region_pixels * g.groups8;
  const bool every_row_read = g.ksize >= g.stride;
  uint8_t* bit_bytes = reinterpret_cast<uint8_t*>(bits);
  const int a_k = (lane >> 4) * 8 + (lane & 7);  // the list entry whose row this lane addresses
  const int a_col = ((lane >> 3) & 1) * 8;
  const int region_tiles = rg.images * rg.tile_rows * g.tiles_w;
  for (int region = blockIdx.x; region < g.regions; region += gridDim.x) {
    // Region: images [n0, n0 + images) x tile rows [tr0, tr0 + tile_rows).
    const int group = Div(region, g.regions_y_div);  // of images
    const int n0 = group * rg.images;
    const int tr0 = (region - group * g.regions_y) * rg.tile_rows;
    const int iy0 = tr0 * kCompactTileH * g.stride - g.pad_top, ix0 = -g.pad_left;
    __syncthreads();  // the weights are in; the previous region's bits are no longer read
    for (int e0 = threadIdx.x; e0 < entries; e0 += kThreads * kBatch) {
      uint4 v[kBatch];
      int at[kBatch];
#pragma unroll
      for (int j = 0; j < kBatch; ++j) {
        const int e = e0 + j * kThreads;
        v[j] = make_uint4(0, 0, 0, 0);
        at[j] = -1;
        if (e < entries) {
          const int p = Div(e, g.groups8_div), gi = e - p * g.groups8;
          const int pr = Div(p, g.cols_div), col = p - pr * rg.cols;  // pr: image * rows + row
          const int im = Div(pr, g.rows_div), row = pr - im * rg.rows;
          if (every_row_read || (row % g.stride < g.ksize && col % g.stride < g.ksize)) {
            at[j] = p * g.mask_words * 4 + gi;
            const int n = n0 + im, ih = iy0 + row, iw = ix0 + col;
            if (n < g.n && ih >= 0 && ih < g.h && iw >= 0 && iw < g.w) {
              v[j] = LoadEight(x, (static_cast<int64_t>(n) * g.h + ih) * g.w + iw, gi * 8, g.c_in,
                               g.vec_in);
            }
          }
        }
      }
#pragma unroll
      for (int j = 0; j < kBatch; ++j) {
        if (at[j] >= 0) bit_bytes[at[j]] = static_cast<uint8_t>(NonZeroBits(v[j]));
      }
    }
    __syncthreads();

    for (int it = warp; it < region_tiles; it += kWarps) {
      const int irow = Div(it, g.tiles_w_div),
                tx = it - irow * g.tiles_w;  // irow: image * tile_rows + tile row
      const int im = Div(irow, g.tile_rows_div), tr = irow - im * rg.tile_rows;
      const int n = n0 + im;
      const int oy0 = (tr0 + tr) * kCompactTileH, ox0 = tx * kCompactTileW;
      if (n >= g.n || oy0 >= g.out_h) continue;  // warp-uniform
      uint32_t valid = 0;                        // bit q: tile pixel q is an output
#pragma unroll
      for (int q = 0; q < kPixels; ++q) {
        valid |= (oy0 + q / kCompactTileW < g.out_h && ox0 + q % kCompactTileW < g.out_w ? 1u : 0u)
                 << q;
      }
      // Output pixel q's first input pixel in the region (tap 0, 0).
      const int px0 = (im * rg.rows + tr * kCompactTileH * g.stride) * rg.cols + ox0 * g.stride;
      auto first_pixel = [&](int q) {
        return px0 + (q / kCompactTileW) * g.stride * rg.cols + (q % kCompactTileW) * g.stride;
      };
      const uint32_t* pm_lane = bits + first_pixel(gq) * g.mask_words;

      float acc[kMB][4] = {};
      for (int tap0 = 0; tap0 < taps; tap0 += g.taps_per_group) {
        // Lane-contiguous (tap, word) pairs of this group: the OR of the word
        // over the tile's output pixels at that tap.
        const int pairs = min(taps - tap0, g.taps_per_group) * g.words;
        const int per = (pairs + 31) / 32;  // <= kMaxPairsPerLane
        const int j0 = min(lane * per, pairs);
        int tap = tap0 + j0 / g.words, wd = j0 - (j0 / g.words) * g.words;
        uint32_t act[kMaxPairsPerLane];
        uint32_t base[kMaxPairsPerLane];  // entry of the word's bit 0
        int cnt = 0;
#pragma unroll
        for (int j = 0; j < kMaxPairsPerLane; ++j) {
          act[j] = 0;
          base[j] = 0;
          if (j < per && j0 + j < pairs) {
            const int kh = tap / g.ksize, kw = tap - kh * g.ksize;
            const int off = (kh * rg.cols + kw) * g.mask_words + wd;
#pragma unroll
            for (int q = 0; q < kPixels; ++q) {
              if ((valid >> q) & 1u) act[j] |= bits[first_pixel(q) * g.mask_words + off];
            }
            base[j] = static_cast<uint32_t>(off * 32) | static_cast<uint32_t>(kh) << 24;
            cnt += __popc(act[j]);
            if (++wd == g.words) {
              wd = 0;
              ++tap;
            }
          }
        }
        int incl = cnt;
#pragma unroll
        for (int d = 1; d < 32; d *= 2) {
          const int up = __shfl_up_sync(0xffffffffu, incl, d);
          if (lane >= d) incl += up;
        }
        const int total = __shfl_sync(0xffffffffu, incl, 31);
        if (total == 0) continue;  // warp-uniform
        int pos = incl - cnt;
        __syncwarp();  // the previous group's reads of the list are done
#pragma unroll
        for (int j = 0; j < kMaxPairsPerLane; ++j) {
          uint32_t set = act[j];
          while (set != 0) {
            const int b = __ffs(set) - 1;
            set &= set - 1;
            list[pos++] = base[j] + static_cast<uint32_t>(b);
          }
        }
        const int ksteps = (total + 15) / 16;
        // Past the list: the zero word of the pixel (and, kh 0, a zero weight row).
        for (int i = total + lane; i < ksteps * 16; i += 32) {
          list[i] = static_cast<uint32_t>(g.words * 32);
        }
        __syncwarp();

        auto spike = [&](uint32_t e) -> uint32_t {
          const uint32_t a = e & kAddrMask;
          return ((pm_lane[a >> 5] >> (a & 31)) & 1u) * kHalfOne;
        };
#pragma unroll 2
        for (int ks = 0; ks < ksteps; ++ks) {
          const uint32_t* l = list + ks * 16;
          const uint2 e01 = *reinterpret_cast<const uint2*>(l + 2 * t);
          const uint2 e89 = *reinterpret_cast<const uint2*>(l + 2 * t + 8);
          const uint32_t b0 = spike(e01.x) | spike(e01.y) << 16;
          const uint32_t b1 = spike(e89.x) | spike(e89.y) << 16;
          const uint32_t ea = l[a_k];
          const int row =
              static_cast<int>(ea & kAddrMask) + static_cast<int>(ea >> 24) * g.row_shift;
          const uint16_t* a_src = ws + row * g.row + a_col;
#pragma unroll
          for (int mb = 0; mb < kMB; ++mb) {
            uint32_t a[4];
            LdMatrixX4Trans(a, a_src + mb * 16);
            Mma16816(acc[mb], a, b0, b1);
          }
        }
      }

      // acc[mb]: (output channel mb * 16 + gq (+8), pixels 2t and 2t + 1).
      // Staged [pixel][kStageRow] for 16-byte stores.
      __syncwarp();  // the previous item's reads of the stage are done
#pragma unroll
      for (int mb = 0; mb < kMB; ++mb) {
        const int c = mb * 16 + gq;
        stage[(2 * t) * kStageRow + c] = __float2half_rn(acc[mb][0] + bz[mb][0]);
        stage[(2 * t + 1) * kStageRow + c] = __float2half_rn(acc[mb][1] + bz[mb][0]);
        stage[(2 * t) * kStageRow + c + 8] = __float2half_rn(acc[mb][2] + bz[mb][1]);
        stage[(2 * t + 1) * kStageRow + c + 8] = __float2half_rn(acc[mb][3] + bz[mb][1]);
      }
      __syncwarp();
      constexpr int kVecs = kChunk / 8;  // 16-byte vectors per pixel
      for (int v = lane; v < kPixels * kVecs; v += 32) {
        const int q = v / kVecs, j = (v % kVecs) * 8;
        const int co = co0 + j;
        if (((valid >> q) & 1u) == 0 || co >= g.c_out) continue;
        const int oy = oy0 + q / kCompactTileW, ox = ox0 + q % kCompactTileW;
        __half* out = y + ((static_cast<int64_t>(n) * g.out_h + oy) * g.out_w + ox) * g.c_out + co;
        const __half* src = stage + q * kStageRow + j;
        if (g.vec_out && co + 8 <= g.c_out) {
          *reinterpret_cast<uint4*>(out) = *reinterpret_cast<const uint4*>(src);
        } else {
          for (int i = 0; i < 8 && co + i < g.c_out; ++i) out[i] = src[i];
        }
      }
    }
  }
#else
  __trap();  // mma.sync m16n8k16 needs sm_80; the launcher never runs this below it
#endif
}

template <int kMB>
cudaError_t LaunchFor(const Geometry& g, int chunks, const uint16_t* x, const uint16_t* w_packed,
                      const __half* bias, __half* y, size_t shared, cudaStream_t stream) {
  auto* kernel = CompactSpikeConvKernel<kMB>;
  int resident = 0;
  if (const cudaError_t err =
          PrepareSharedKernel(reinterpret_cast<const void*>(kernel), kThreads, shared, &resident);
      err != cudaSuccess) {
    return err;
  }
  if (resident < 1) return cudaErrorInvalidConfiguration;  // over the device's shared memory
  const int64_t slots =
      std::max<int64_t>(1, std::min<int64_t>(g.regions, std::max(resident / chunks, 1)));
  return LaunchAfterPrevious(kernel, dim3(static_cast<unsigned>(slots), chunks), dim3(kThreads),
                             shared, stream, g, x, w_packed, bias, y);
}

}  // namespace

CompactSpikeConvLayout CompactSpikeConvLayoutFor(const SparseConvShape& s) {
  CompactSpikeConvLayout layout;
  if (s.c_in < 1 || s.c_in > kMaxCin || s.c_out < 1 || s.ksize < 1 || s.ksize > 7 || s.stride < 1 ||
      s.stride > 4) {
    return layout;
  }
  const int64_t cout16 = CeilDiv(s.c_out, 16) * 16;
  const int taps = s.ksize * s.ksize;
  const Region region = RegionFor(s, kWarps);
  const int64_t words = CeilDiv(s.c_in, 32);
  // Taps per group: at most as many as a lane's pairs allow.
  const int most = static_cast<int>(std::min<int64_t>(taps, 32 * kMaxPairsPerLane / words));
  // First every tap in one group (one list per item) with 32+ channels per
  // block; else the widest chunk, padded rows, then the largest group.
  for (bool all_taps : {true, false}) {
    for (int chunk = 128; chunk >= (all_taps ? 32 : 16); chunk /= 2) {
      if (chunk > 16 && chunk > cout16) continue;  // 16-channel blocks c_out would leave empty
      for (int pad : {8, 0}) {
        const int row = chunk + pad;
        for (int group = most; group >= (all_taps ? most : 1); --group) {
          const int64_t bytes = WeightHalves(s, row) * 2 + RegionBytes(s, region) +
                                int64_t{kWarps} * ScratchFor(s, chunk, group).total();
          if (bytes <= kMaxShared) return {chunk, row, group, bytes};
        }
      }
    }
  }
  return layout;
}

const char* CompactSpikeConvUnsupportedReason(const SparseConvShape& s) {
  if (!s.binary) return "the input must be binary (spikes)";
  if (s.ksize < 1 || s.ksize > 7) return "kernel size must be 1..7";
  if (s.stride < 1 || s.stride > 4) return "stride must be 1..4";
  if (s.n < 1 || s.c_in < 1 || s.c_out < 1 || s.h < 1 || s.w < 1 || s.out_h < 1 || s.out_w < 1) {
    return "every size must be >= 1";
  }
  if (s.c_in > kMaxCin) return "c_in must be at most 1024";
  if (s.pad_top < 0 || s.pad_left < 0 || s.pad_top > 65535 || s.pad_left > 65535) {
    return "padding must be 0..65535";
  }
  constexpr int64_t kIntMax = std::numeric_limits<int>::max();
  if (s.h > kIntMax / 8 || s.w > kIntMax / 8 || s.out_h > kIntMax / 8 || s.out_w > kIntMax / 8 ||
      s.n * CeilDiv(s.out_h, kCompactTileH) * CeilDiv(s.out_w, kCompactTileW) > kIntMax) {
    return "too many output tiles for 32-bit indexing";
  }
  const Region region = RegionFor(s, kWarps);
  if (int64_t{s.ksize} * (region.cols + 1) * RowsPerTap(s.c_in) >= (int64_t{1} << 24) ||
      RegionBytes(s, region) > kMaxShared) {
    return "the input is too wide for a region of bits in shared memory";
  }
  if (CompactSpikeConvLayoutFor(s).chunk == 0) {
    return "the weights of 16 output channels exceed the shared memory of a block";
  }
  return "";
}

int64_t CompactSpikeConvPackedWeightElems(const SparseConvShape& s) {
  const CompactSpikeConvLayout l = CompactSpikeConvLayoutFor(s);
  if (l.chunk == 0) return 0;
  return CeilDiv(s.c_out, l.chunk) * WeightHalves(s, l.row);
}

void RepackCompactSpikeConvWeights(const uint16_t* w, const SparseConvShape& s, bool krsc,
                                   uint16_t* out) {
  const CompactSpikeConvLayout l = CompactSpikeConvLayoutFor(s);
  if (l.chunk == 0) return;
  const int64_t taps = int64_t{s.ksize} * s.ksize;
  const int64_t rows = RowsPerTap(s.c_in);
  const int64_t chunks = CeilDiv(s.c_out, l.chunk);
  for (int64_t q = 0; q < chunks; ++q) {
    for (int64_t t = 0; t < taps; ++t) {
      for (int64_t c = 0; c < rows; ++c) {
        uint16_t* row = out + ((q * taps + t) * rows + c) * l.row;
        for (int64_t j = 0; j < l.row; ++j) {
          const int64_t o = q * l.chunk + j;
          row[j] = c >= s.c_in || j >= l.chunk || o >= s.c_out ? 0
                   : krsc                                      ? w[(o * taps + t) * s.c_in + c]
                                                               : w[(o * s.c_in + c) * taps + t];
        }
      }
    }
  }
}

cudaError_t LaunchCompactSpikeConvF16(const SparseConvShape& s, const __half* x,
                                      const uint16_t* w_packed, const __half* bias, __half* y,
                                      cudaStream_t stream) {
  if (*CompactSpikeConvUnsupportedReason(s) != '\0' || x == nullptr || y == nullptr ||
      w_packed == nullptr || !IsAligned(w_packed, 16)) {
    return cudaErrorInvalidValue;
  }
  if (*SparseConvF16BuildUnsupportedReason() != '\0') return cudaErrorInvalidDeviceFunction;
  const CompactSpikeConvLayout l = CompactSpikeConvLayoutFor(s);
  Geometry g{};
  SparseConvShape tiled = s;
  tiled.tile = kCompactTileW;  // (its square-tile fields are not used)
  static_cast<sparse_detail::Geometry&>(g) = sparse_detail::MakeGeometry(tiled, 32);
  g.ksize = s.ksize;
  g.stride = s.stride;
  g.tiles_w = static_cast<int>(CeilDiv(s.out_w, kCompactTileW));
  g.tiles_h = static_cast<int>(CeilDiv(s.out_h, kCompactTileH));
  g.words = static_cast<int>(CeilDiv(s.c_in, 32));
  g.mask_words = MaskWords(s.c_in);
  g.groups8 = static_cast<int>(CeilDiv(s.c_in, 8));
  g.row = l.row;
  g.taps_per_group = l.taps_per_group;
  g.region = RegionFor(s, kWarps);
  g.regions_y = static_cast<int>(CeilDiv(g.tiles_h, g.region.tile_rows));
  g.regions = static_cast<int>(CeilDiv(s.n, g.region.images)) * g.regions_y;
  g.cols_div = sparse_detail::MakeFastDiv(g.region.cols);
  g.rows_div = sparse_detail::MakeFastDiv(g.region.rows);
  g.groups8_div = sparse_detail::MakeFastDiv(g.groups8);
  g.tiles_w_div = sparse_detail::MakeFastDiv(g.tiles_w);
  g.tile_rows_div = sparse_detail::MakeFastDiv(g.region.tile_rows);
  g.regions_y_div = sparse_detail::MakeFastDiv(g.regions_y);
  g.row_shift = (s.ksize - g.region.cols) * 32 * g.mask_words;
  g.region_bytes = static_cast<int>(RegionBytes(s, g.region));
  g.scratch = ScratchFor(s, l.chunk, l.taps_per_group);
  g.vec_in = s.c_in % 8 == 0 && IsAligned(x, 16);
  g.vec_out = s.c_out % 8 == 0 && IsAligned(y, 16);
  const int chunks = static_cast<int>(CeilDiv(s.c_out, l.chunk));
  const auto* xh = reinterpret_cast<const uint16_t*>(x);
  const auto shared = static_cast<size_t>(l.shared_bytes);
  switch (l.chunk) {
    case 16:
      return LaunchFor<1>(g, chunks, xh, w_packed, bias, y, shared, stream);
    case 32:
      return LaunchFor<2>(g, chunks, xh, w_packed, bias, y, shared, stream);
    case 64:
      return LaunchFor<4>(g, chunks, xh, w_packed, bias, y, shared, stream);
    default:
      return LaunchFor<8>(g, chunks, xh, w_packed, bias, y, shared, stream);
  }
}

}  // namespace sf::cuda
