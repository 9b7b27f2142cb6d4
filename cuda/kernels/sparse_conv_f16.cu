#include <algorithm>
#include <cstring>
#include <type_traits>

#include "cuda/kernels/device_util.cuh"
#include "cuda/kernels/neuron_fire.cuh"
#include "cuda/kernels/sparse_conv_f16.h"
#include "cuda/kernels/sparse_conv_geometry.cuh"
#include "cuda/kernels/spike_occupancy.cuh"
#include "cuda/kernels/tensor_core.cuh"

namespace sf::cuda {
namespace {

using sparse_detail::CeilDiv;
using sparse_detail::Div;
using sparse_detail::Geometry;
using sparse_detail::IsRead;
using sparse_detail::kNumCounters;
using sparse_detail::MakeWindow;
using sparse_detail::TileWindow;

constexpr int kGroup = kSparseConvF16Group;
constexpr int kChunk = kSparseConvF16CoutChunk;
// 4 warps: the fused conv + neuron kernel's block, and the copy helpers'
// thread count (the sparse conv's loader warps).
constexpr int kThreads = 128;
// The sparse conv's block: four loader warps and four MMA warps
// (SparseConvF16Kernel).
constexpr int kConvThreads = 2 * kThreads;
constexpr int kPrescanThreads = 256;
// Halves per shared-memory row of 16 channels: 48 bytes apart, so the 8 rows
// one ldmatrix reads fall in 8 different 16-byte bank quads (no conflicts for
// consecutive pixels or weight rows).
constexpr int kRow = 24;

// Most mask words per tile (c_in <= 32 * kMaxMaskWords * 16 = 4096).
constexpr int kMaxMaskWords = 8;

struct Workspace {
  int* counters;
  int* work;        // [num_tiles]: the active tiles, counters[0] of them, in any order
  uint32_t* masks;  // [num_tiles][words]: bit g of a tile = group g is not all zero
  // LaunchSparseConvF16Occupied: the conv walks every tile (no work list),
  // reading `masks` that its input's producer wrote, and writes the bias of
  // the empty ones itself; count_tiles: it also counts into `counters`.
  bool all_tiles = false;
  bool count_tiles = false;
};

int MaskWords(int num_groups) { return static_cast<int>(CeilDiv(num_groups, 32)); }

Workspace CarveWorkspace(void* base, int num_tiles) {
  int* p = static_cast<int*>(base);
  return Workspace{p, p + kNumCounters, reinterpret_cast<uint32_t*>(p + kNumCounters + num_tiles)};
}

// How `threads` threads share rows of `seg` 16-byte vectors each (a window
// row of an NHWC tile for the prescan's scan, an output row for its bias):
// thread i takes vector column i % vecs and rows i / vecs, i / vecs + lanes,
// ...; threads from vecs * lanes on have none. `lane` and `column` are
// `thread`'s (i / vecs and i % vecs).
struct ColumnSplit {
  int vecs, lanes, lane, column;
};
// a / b for 0 <= a < 2^22 and 1 <= b, where b is known only on the device
// (a tile's own column count): a float quotient (within 2 ulp, so within 1
// of a / b) corrected by one step, ~10 instructions where `/` takes ~25.
// The callers' dividends are at most c_out (SparseConvF16UnsupportedReason
// keeps it below 2^21).
__host__ __device__ inline int SmallDiv(int a, int b) {
#if defined(__CUDA_ARCH__)
  int q = __float2int_rz(__fdividef(static_cast<float>(a), static_cast<float>(b)));
  const int r = a - q * b;
  q += r < 0 ? -1 : (r >= b ? 1 : 0);
  return q;
#else
  return a / b;
#endif
}

__host__ __device__ inline ColumnSplit SplitColumns(int seg, int threads, int thread) {
  const int vecs = seg < 1 ? 1 : (seg < threads ? seg : threads);
  const int lane = SmallDiv(thread, vecs);
  return {vecs, SmallDiv(threads, vecs), lane, thread - lane * vecs};
}

// Writes the bias (0 without) to output channels [c0, c1) of every output of
// the tile: its input is all zero. The prescan does this for empty tiles (all
// channels), so the conv never sees them; the occupied conv (Workspace::
// all_tiles) for its chunk of channels. c0 is a multiple of 8.
// Threads `first`, first + `step`, ... of the caller share the stores (the
// block: threadIdx.x, blockDim.x; one warp: its lane, 32).
template <bool kNhwc>
__device__ void StoreBiasTile(const Geometry& g, const TileWindow& t, const __half* bias, __half* y,
                              int c0, int c1, int first, int step) {
  const int channels = c1 - c0;
  if (kNhwc && g.c_out % 8 == 0 && IsAligned(y, sizeof(uint4))) {  // 16-byte stores
    // An output row of the tile is tw runs of `channels` / 8 vectors, split
    // as SplitColumns says: each thread works out its vector and loads its
    // bias once and then only steps a row (with the vectors of all outputs in
    // turn, the divisions and the bias load came per store).
    const int per_pixel = channels / 8;
    const int seg = t.tw * per_pixel;
    const auto [vecs, lanes, lane, column] = SplitColumns(seg, step, first);
    if (lane >= lanes) return;
    const int64_t row_stride = static_cast<int64_t>(g.out_w) * g.c_out;
    __half* tile = y + ((static_cast<int64_t>(t.n) * g.out_h + t.oy0) * g.out_w + t.ox0) * g.c_out;
    const bool bias_vec = bias != nullptr && IsAligned(bias, sizeof(uint4));
    for (int i = column; i < seg; i += vecs) {
      const int px = SmallDiv(i, per_pixel), v = c0 / 8 + i - px * per_pixel;
      uint4 value = make_uint4(0, 0, 0, 0);
      if (bias_vec) {
        value = __ldg(reinterpret_cast<const uint4*>(bias) + v);
      } else if (bias != nullptr) {
        __half b[8];
        for (int j = 0; j < 8; ++j) b[j] = bias[v * 8 + j];
        memcpy(&value, b, sizeof(value));
      }
      __half* column = tile + static_cast<int64_t>(px) * g.c_out;
      for (int r = lane; r < t.th; r += lanes) {
        reinterpret_cast<uint4*>(column + r * row_stride)[v] = value;
      }
    }
    return;
  }
  if (!kNhwc) {  // a tile row of one channel is tw consecutive halves
    const int items = channels * t.th;
    for (int e = first; e < items; e += step) {
      const int k = c0 + e / t.th, r = e - (k - c0) * t.th;
      const __half v = bias != nullptr ? bias[k] : __float2half_rn(0.0f);
      __half* row =
          y + ((static_cast<int64_t>(t.n) * g.c_out + k) * g.out_h + t.oy0 + r) * g.out_w + t.ox0;
      for (int j = 0; j < t.tw; ++j) row[j] = v;
    }
    return;
  }
  const int total = t.th * t.tw * channels;
  for (int i = first; i < total; i += step) {  // NHWC, channels fastest: coalesced
    const int p = i / channels;
    const int k = c0 + i - p * channels;
    const int oy = t.oy0 + p / t.tw, ox = t.ox0 + p % t.tw;
    const __half v = bias != nullptr ? bias[k] : __float2half_rn(0.0f);
    y[((static_cast<int64_t>(t.n) * g.out_h + oy) * g.out_w + ox) * g.c_out + k] = v;
  }
}

// The prescan's NHWC scan of a tile's window with 16-byte loads (vec_ok):
// a window row is one run of cols * c_in / 8 vectors in memory, split among
// the block's threads by SplitColumns: a thread keeps one vector column
// per pass, works out its group once, ORs the rows it loads and marks its
// group once. The per-element mapping (below) took two divisions and the
// read-row tests per 16 channels: ~850 instructions a warp for a CIFAR
// 128@16 tile, where this takes a few per load (docs/benchmarks.md,
// twenty-fourth run).
template <int kSize, int kStride, int kBatch>
__device__ __forceinline__ void ScanWindowVectors(const Geometry& g, const TileWindow& t,
                                                  const uint16_t* __restrict__ x, int rows,
                                                  int cols, uint32_t* mask) {
  const int c8 = g.c_in / 8;  // vectors per pixel
  const int seg = cols * c8;  // vectors per window row
  const auto [vecs, lanes, lane, column] = SplitColumns(seg, kPrescanThreads, threadIdx.x);
  if (lane >= lanes) return;
  const int64_t row_stride = static_cast<int64_t>(g.w) * g.c_in;
  const uint16_t* window =
      x + ((static_cast<int64_t>(t.n) * g.h + t.iy0 + t.ly0) * g.w + t.ix0 + t.lx0) * g.c_in;
  for (int v = column; v < seg; v += vecs) {
    const int px = Div(v, g.c8_div);
    // 1x1 stride 2 reads every other row and column; the other kernels read
    // every one of the window (its span is the outputs' taps).
    if (kSize < kStride && !IsRead<kSize, kStride>(t.lx0 + px, t.tw)) continue;
    const uint16_t* column = window + static_cast<int64_t>(v) * 8;
    uint32_t bits = 0;
    // kBatch rows' loads in flight before any is tested (predicated, not a
    // loop with a remainder: a window of 3-10 rows per thread would take the
    // remainder's one-at-a-time path).
    for (int r0 = lane; r0 < rows; r0 += kBatch * lanes) {
      uint4 q[kBatch];
#pragma unroll
      for (int b = 0; b < kBatch; ++b) {
        const int r = r0 + b * lanes;
        q[b] = make_uint4(0, 0, 0, 0);
        if (r < rows && (kSize >= kStride || IsRead<kSize, kStride>(t.ly0 + r, t.th))) {
          q[b] = __ldg(reinterpret_cast<const uint4*>(column + r * row_stride));
        }
      }
#pragma unroll
      for (int b = 0; b < kBatch; ++b) bits |= q[b].x | q[b].y | q[b].z | q[b].w;
    }
    if ((bits & 0x7fff7fffu) != 0) {  // a non-zero half (-0.0 is zero)
      const int grp = (v - px * c8) / 2;
      atomicOr(&mask[grp / 32], 1u << (grp % 32));
    }
  }
}

// Blocks per SM the prescan asks registers for: the vector scans hold
// kBatch loads (4 or 8 16-byte registers) and fit 8 blocks (32 registers) or
// 6 (40); 1x1 stride 2 spilled at those and keeps ptxas's choice, as does
// the element-wise scan. More blocks keep more loads in flight: 6 instead
// of 3 made the ImageNet 64@56 prescan 9% faster, 8 with four loads instead
// of 6 with eight a further 10% (docs/benchmarks.md, twenty-fourth run).
template <int kSize, int kStride, int kBatch>
constexpr int PrescanMinBlocks() {
  if (kBatch == 0 || kSize < kStride) return 1;
  return kBatch == 4 ? 8 : 6;
}

// The vector scan's rows in flight per thread for `s`: 4 where no thread
// has more window rows than that (so 8 blocks fit on an SM), else 8.
int PrescanBatch(const SparseConvShape& s) {
  const int span = sparse_detail::Span(s.tile, s.ksize, s.stride);
  const int64_t seg = span * (s.c_in / 8);  // vectors per window row (as ScanWindowVectors)
  const int lanes =
      SplitColumns(static_cast<int>(std::min<int64_t>(seg, kPrescanThreads)), kPrescanThreads, 0)
          .lanes;
  return (span + lanes - 1) / lanes <= 4 ? 4 : 8;
}

// With y == nullptr (timing the prescan alone) empty tiles get no bias.
// kVec: 0, or for NHWC with vec_ok (c_in % 8 == 0, x 16-byte aligned) the
// vector scan's batch (ScanWindowVectors, PrescanBatch), in kernels of their
// own so that the element-wise path's registers do not limit how many of
// their blocks an SM holds.
template <int kSize, int kStride, bool kNhwc, int kVec>
__global__ void __launch_bounds__(kPrescanThreads, (PrescanMinBlocks<kSize, kStride, kVec>()))
    PrescanF16Kernel(Geometry g, const uint16_t* __restrict__ x, int words,
                     const __half* __restrict__ bias, __half* __restrict__ y, Workspace ws) {
  extern __shared__ uint32_t mask[];
  WaitForPreviousGrid();  // launched with LaunchAfterPrevious
  const int tile_index = blockIdx.x;
  for (int i = threadIdx.x; i < words; i += blockDim.x) mask[i] = 0;
  __syncthreads();
  const TileWindow t = MakeWindow(g, tile_index, kSize, kStride);
  const int rows = max(t.ly1 - t.ly0, 0), cols = max(t.lx1 - t.lx0, 0);
  const int plane = rows * cols;
  if constexpr (kVec > 0) {
    static_assert(kNhwc, "16-byte vectors of channels are NHWC's");
    if (plane > 0) ScanWindowVectors<kSize, kStride, kVec>(g, t, x, rows, cols, mask);
  } else if constexpr (kNhwc) {
    // Channels not in whole 16-byte vectors (c_in % 8 != 0 or an unaligned
    // input: PrescanKernelFor), copied element by element.
    // Consecutive threads take consecutive groups of one pixel: coalesced.
    // plane * num_groups < 2^31: at most 17 x 17 pixels x 256 groups. Each
    // thread issues kUnroll items' loads before testing any (the scan is
    // latency-bound otherwise).
    constexpr int kUnroll = 4;
    const int total = plane * g.num_groups;
    for (int base = threadIdx.x; base < total; base += kUnroll * blockDim.x) {
      uint4 v[kUnroll][2];
      int grp_of[kUnroll];
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        const int e = base + u * blockDim.x;
        v[u][0] = v[u][1] = make_uint4(0, 0, 0, 0);
        grp_of[u] = -1;
        if (e >= total) continue;
        const int p = e / g.num_groups;
        const int grp = e - p * g.num_groups;
        const int ly = t.ly0 + p / cols, lx = t.lx0 + p % cols;
        if (!IsRead<kSize, kStride>(ly, t.th) || !IsRead<kSize, kStride>(lx, t.tw)) continue;
        grp_of[u] = grp;
        const int c0 = grp * kGroup;
        const uint16_t* px =
            x + ((static_cast<int64_t>(t.n) * g.h + t.iy0 + ly) * g.w + t.ix0 + lx) * g.c_in + c0;
        uint16_t tmp[16] = {};
        for (int c = 0; c < min(kGroup, g.c_in - c0); ++c) tmp[c] = px[c];
        memcpy(v[u], tmp, sizeof(tmp));
      }
#pragma unroll
      for (int u = 0; u < kUnroll; ++u) {
        const uint32_t bits = v[u][0].x | v[u][0].y | v[u][0].z | v[u][0].w | v[u][1].x |
                              v[u][1].y | v[u][1].z | v[u][1].w;
        if (grp_of[u] >= 0 && (bits & 0x7fff7fffu) != 0) {
          atomicOr(&mask[grp_of[u] / 32], 1u << (grp_of[u] % 32));
        }
      }
    }
  } else if (plane > 0) {
    // NCHW: a window row of one channel is `cols` consecutive halves. A
    // thread takes a (channel, row) pair, loads the row's halves at once
    // (predicated up to the widest window) and ORs them: one division per
    // row, not two per element, and a row's loads in flight together.
    constexpr int kMaxCols = sparse_detail::Span(8, kSize, kStride);
    const int items = g.c_in * rows;
    const uint16_t* image = x + static_cast<int64_t>(t.n) * g.c_in * g.h * g.w;
    for (int e = threadIdx.x; e < items; e += blockDim.x) {
      const int c = e / rows, r = e - c * rows;
      if (kSize < kStride && !IsRead<kSize, kStride>(t.ly0 + r, t.th)) continue;
      const uint16_t* row =
          image + (static_cast<int64_t>(c) * g.h + t.iy0 + t.ly0 + r) * g.w + t.ix0 + t.lx0;
      uint32_t bits = 0;
#pragma unroll
      for (int j = 0; j < kMaxCols; ++j) {
        if (j < cols && (kSize >= kStride || IsRead<kSize, kStride>(t.lx0 + j, t.tw))) {
          bits |= __ldg(row + j);
        }
      }
      const int grp = c / kGroup;
      if ((bits & 0x7fffu) != 0) atomicOr(&mask[grp / 32], 1u << (grp % 32));
    }
  }
  __syncthreads();
  for (int i = threadIdx.x; i < words; i += blockDim.x) {
    ws.masks[static_cast<int64_t>(tile_index) * words + i] = mask[i];
  }
  int count = 0;
  for (int i = 0; i < words; ++i) count += __popc(mask[i]);
  if (threadIdx.x == 0) {
    if (count > 0) {
      const int at = atomicAdd(&ws.counters[0], 1);
      if (at < g.num_tiles) ws.work[at] = tile_index;  // (counters not reset: see the header)
      atomicAdd(&ws.counters[2], count);
    } else {
      atomicAdd(&ws.counters[1], 1);
    }
  }
  if (count == 0 && y != nullptr) {
    StoreBiasTile<kNhwc>(g, t, bias, y, 0, g.c_out, threadIdx.x, blockDim.x);
  }
}

// All threads of the sparse conv's block (kConvThreads) wait at named
// barrier 1: its loader and MMA warps reach it from different code. Not
// bar.sync: that is barrier.sync.aligned, which the whole block must reach
// at one instruction (PTX ISA, barrier); the unaligned form may be reached
// from several (sm_70 and later).
[[maybe_unused]] __device__ inline void WalkBarrier() {
  asm volatile("barrier.sync 1, %0;\n" ::"n"(kConvThreads) : "memory");
}

// One tap's weight fragments for a warp's kNB 8-channel n-blocks (kNB even:
// pairs by ldmatrix.x4), from the tap's row of this warp's first n-block
// (plus the lane's b_base).
template <int kNB>
__device__ inline void LoadTapWeights(uint32_t (&b)[kNB / 2][4], const uint16_t* w) {
#pragma unroll
  for (int j = 0; j < kNB / 2; ++j) LdMatrixX4(b[j], w + j * 16 * kRow);
}

// acc += the 16 A rows at `a_src` (the lane's ldmatrix address) times one
// tap's weight fragments (LoadTapWeights), n-block by n-block.
template <int kNB>
__device__ inline void MmaTap(float (&acc)[kNB][4], const uint16_t* a_src,
                              const uint32_t (&b)[kNB / 2][4]) {
  uint32_t a[4];
  LdMatrixX4(a, a_src);
#pragma unroll
  for (int j = 0; j < kNB / 2; ++j) {
    Mma16816(acc[2 * j], a, b[j][0], b[j][1]);
    Mma16816(acc[2 * j + 1], a, b[j][2], b[j][3]);
  }
}

// LoadHalo's NHWC path (below), on the window's scalars.
template <int kSpan>
__device__ __forceinline__ void LoadHaloNhwc(int h, int w, int c_in, int n, int iy0, int ix0,
                                             const uint16_t* __restrict__ x, bool vec_ok, int c0,
                                             uint16_t* halo) {
  for (int i = threadIdx.x; i < kSpan * kSpan * 2; i += kThreads) {
    const int p = i >> 1, half = i & 1;
    const int iy = iy0 + p / kSpan, ix = ix0 + p % kSpan;
    const int c = c0 + half * 8;
    uint16_t* dst = halo + p * kRow + half * 8;
    const bool inside = iy >= 0 && iy < h && ix >= 0 && ix < w && c < c_in;
    const uint16_t* px = inside ? x + ((static_cast<int64_t>(n) * h + iy) * w + ix) * c_in + c : x;
    if (vec_ok && (!inside || c + 8 <= c_in)) {
      CpAsync16(dst, px, inside);  // zeros outside the image and past c_in
    } else {
      uint16_t tmp[8] = {};
      if (inside) {
        for (int k = 0; k < min(8, c_in - c); ++k) tmp[k] = px[k];
      }
      memcpy(dst, tmp, sizeof(tmp));
    }
  }
}

// The same, out of line, for the sparse conv's group loop, where it runs only
// when the planned 16-byte copies cannot: inlined, its ~290 instructions sat
// in the middle of the loop between the code that does run, and each item's
// walk ran 2-4% slower at 1-10% of tiles (docs/benchmarks.md, twentieth run).
template <int kSpan>
__device__ __noinline__ void LoadHaloNhwcOutOfLine(int h, int w, int c_in, int n, int iy0, int ix0,
                                                   const uint16_t* __restrict__ x, bool vec_ok,
                                                   int c0, uint16_t* halo) {
  LoadHaloNhwc<kSpan>(h, w, c_in, n, iy0, ix0, x, vec_ok, c0, halo);
}

// Stages input channels [c0, c0 + 16) of the tile's window in `halo`
// ([kSpan * kSpan][kRow], pixel-major), zeros outside the image and past c_in:
// NHWC by cp.async where 16-byte copies can (the caller commits and waits),
// plain loads otherwise.
template <int kSpan, bool kNhwc>
__device__ void LoadHalo(const Geometry& g, const TileWindow& t, const uint16_t* __restrict__ x,
                         bool vec_ok, int c0, uint16_t* halo) {
  if (kNhwc) {
    LoadHaloNhwc<kSpan>(g.h, g.w, g.c_in, t.n, t.iy0, t.ix0, x, vec_ok, c0, halo);
  } else {
    const uint16_t* image = x + static_cast<int64_t>(t.n) * g.c_in * g.h * g.w;
    for (int i = threadIdx.x; i < kGroup * kSpan * kSpan; i += kThreads) {
      const int c = i / (kSpan * kSpan), p = i - c * (kSpan * kSpan);
      const int iy = t.iy0 + p / kSpan, ix = t.ix0 + p % kSpan;
      uint16_t v = 0;
      if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w && c0 + c < g.c_in) {
        v = image[(static_cast<int64_t>(c0 + c) * g.h + iy) * g.w + ix];
      }
      halo[p * kRow + c] = v;
    }
  }
}

// Where this thread's weight copies of one work item come from (output
// channels [cout0, cout0 + kChannels), RepackSparseConvF16Weights' layout),
// worked out once per item: each thread keeps one (channel, 8-half) slot of
// every kTapStep-th tap (blockDim.x == kThreads), so a group adds kTaps *
// cout_pad * kGroup elements and a copy kTapStep * cout_pad * kGroup more.
// Worked out per group, the 64-bit address of each copy took about 13
// instructions (docs/benchmarks.md, twentieth run).
template <int kTaps, int kChannels>
struct WeightCopies {
  static constexpr int kPerTap = kChannels * 2;  // 16-byte copies per tap
  static_assert(kThreads % kPerTap == 0, "a tap's copies must divide the block");
  static constexpr int kTapStep = kThreads / kPerTap;
  static constexpr int kPerThread = (kTaps + kTapStep - 1) / kTapStep;
  const uint16_t* src;  // group 0, this thread's first tap
};

template <int kTaps, int kChannels>
__device__ WeightCopies<kTaps, kChannels> PlanWeights(const uint16_t* __restrict__ w_packed,
                                                      int cout_pad, int cout0) {
  using C = WeightCopies<kTaps, kChannels>;
  const int slot = static_cast<int>(threadIdx.x) % C::kPerTap;
  const int first_tap = static_cast<int>(threadIdx.x) / C::kPerTap;
  return C{w_packed + (static_cast<int64_t>(first_tap) * cout_pad + cout0 + (slot >> 1)) * kGroup +
           (slot & 1) * 8};
}

// Copies (cp.async, not committed) the weights of group `grp` to `wsm`
// ([kTaps][kChannels][kRow]).
template <int kTaps, int kChannels>
__device__ void LoadPlannedWeights(const WeightCopies<kTaps, kChannels>& c, int cout_pad, int grp,
                                   uint16_t* wsm) {
  using C = WeightCopies<kTaps, kChannels>;
  const int slot = static_cast<int>(threadIdx.x) % C::kPerTap;
  const int first_tap = static_cast<int>(threadIdx.x) / C::kPerTap;
  const int tap_elems = cout_pad * kGroup;  // c_out <= 65535 * 64: kTaps * tap_elems < 2^31
  const uint16_t* src = c.src + static_cast<int64_t>(grp) * (kTaps * tap_elems);
  uint16_t* dst = wsm + (first_tap * kChannels + (slot >> 1)) * kRow + (slot & 1) * 8;
#pragma unroll
  for (int k = 0; k < C::kPerThread; ++k) {
    if (k * C::kTapStep + first_tap < kTaps) {
      CpAsync16(dst + k * C::kTapStep * kChannels * kRow, src + k * C::kTapStep * tap_elems, true);
    }
  }
}

// The same for one group, planned on the spot (the fused conv + neuron kernel).
template <int kTaps, int kChannels>
__device__ void LoadWeights(const uint16_t* __restrict__ w_packed, int cout_pad, int cout0, int grp,
                            uint16_t* wsm) {
  LoadPlannedWeights<kTaps, kChannels>(PlanWeights<kTaps, kChannels>(w_packed, cout_pad, cout0),
                                       cout_pad, grp, wsm);
}

// Shared memory of one pipeline stage: the halos of up to kTiles tiles and
// the weights of one group for kChannels output channels (the tiles of one
// work item share the weights).
template <int kSize, int kStride, int kTile, int kChannels, int kTiles = 1>
struct Stage {
  static constexpr int kSpan = (kTile - 1) * kStride + kSize;
  static constexpr int kTaps = kSize * kSize;
  static constexpr int kHaloElems = kSpan * kSpan * kRow;  // one tile's
  static constexpr int kElems = kTiles * kHaloElems + kTaps * kChannels * kRow;
  static constexpr size_t kBytes = sizeof(uint16_t) * kElems;
};
// The fused conv + neuron kernel: two stages, the next group's loads fly
// while this one computes.
constexpr int kStages = 2;
// The sparse conv: three stages, two groups' loads in flight (issued by
// other warps: SparseConvF16Kernel's walk) while one computes. An active
// tile walks its groups one after another, so at low tile density (few
// blocks busy) its time is that walk's latency, which the deeper pipeline
// shortens; 55 KiB (tile 8 at 32 channels; 69 with two tiles per item, 95
// at 64), 86 KiB (tile 4, one tile per item) or 101-104 KiB (four or two
// tiles per item) of shared memory still leave two blocks per SM for dense
// inputs.
constexpr int kConvStages = 3;

// Tiles one work item holds at most when SparseConvShape::group_tiles is on.
// Tile 4 at 64 channels: 4, or 2 for 3x3 stride 2 (four 9x9 halos would
// leave one block per SM). Tile 8 at 32 channels, stride 1: 2 (M = 128 per
// weight copy: dense 3x3 layers ran 1.36-1.41x faster, 25% of tiles up to
// 1.3x, 1-5% of tiles up to 2.7 us slower; 1x1 stride 2 was slower at every
// density; docs/benchmarks.md, twenty-second run). Tile 4 at 32 channels,
// tile 8 at 16 or 64: one.
template <int kSize, int kStride, int kTile, int kChannels>
constexpr int GroupedTiles() {
  if (kTile == 8) return kChannels == 32 && kStride == 1 ? 2 : 1;
  if (kTile != 4 || kChannels != 64) return 1;
  return kSize == 3 && kStride == 2 ? 2 : 4;
}

template <int kSize, int kStride, int kTile, int kChannels, int kTiles>
constexpr size_t ConvSharedBytes() {
  return kConvStages * Stage<kSize, kStride, kTile, kChannels, kTiles>::kBytes;
}

// Blocks per SM the sparse conv asks registers for (__launch_bounds__): as
// many as an H100's 228 KiB of shared memory hold, at most 3 (80
// registers), 2 for 1x1 stride 2 on 8x8 tiles (15x15 halos: 80 registers
// spilled 60-104 bytes) and for two 8x8 tiles per item (80 registers
// spilled 96 bytes; with 128, dense inputs ran 5-14% faster). Left to
// itself, ptxas gave the 8-warp kernels 80 registers and the grouped tile-4
// kernel spilled 68 bytes.
template <int kSize, int kStride, int kTile, int kChannels, int kTiles>
constexpr int ConvMinBlocks() {
  constexpr size_t kPerSm = 228 * 1024;
  constexpr size_t kPerBlock = ConvSharedBytes<kSize, kStride, kTile, kChannels, kTiles>() + 2048;
  constexpr size_t kFit = kPerSm / kPerBlock;
  constexpr int kMost = kTile == 8 && ((kSize == 1 && kStride == 2) || kTiles > 1) ? 2 : 3;
  return kFit < 1 ? 1 : (kFit > kMost ? kMost : static_cast<int>(kFit));
}

// Where this thread's 16-byte halo copies of one work item come from, worked
// out once per item instead of once per group: copy j is slot threadIdx.x + j
// * kThreads of the item's kTiles halos (tile slot / kPerTile, then as
// LoadHalo's NHWC loop: pixel (slot % kPerTile) / 2, channels (slot % 2) * 8
// on), `src` its channel-0 address, null outside the image, past the window or
// for a tile the item does not hold. Only for 16-byte copies (vec_ok, NHWC).
template <int kSpan, int kTiles>
struct HaloSources {
  static constexpr int kPerTile = kSpan * kSpan * 2;
  static constexpr int kCopies = kTiles * kPerTile;
  static constexpr int kPerThread = (kCopies + kThreads - 1) / kThreads;
  const uint16_t* src[kPerThread];
};

template <int kSpan, int kTiles>
__device__ HaloSources<kSpan, kTiles> PlanHalo(const Geometry& g, const TileWindow* t,
                                               const uint16_t* __restrict__ x) {
  using H = HaloSources<kSpan, kTiles>;
  H h;
#pragma unroll
  for (int j = 0; j < H::kPerThread; ++j) {
    const int i = static_cast<int>(threadIdx.x) + j * kThreads;
    int q = 0, r = i;  // tile slot and copy within its halo
    if constexpr (kTiles > 1) {
      q = i / H::kPerTile;
      r = i - q * H::kPerTile;
    }
    const int p = r >> 1, half = r & 1;
    h.src[j] = nullptr;
    if (i < H::kCopies) {
      const TileWindow& w = t[q];
      const int iy = w.iy0 + p / kSpan, ix = w.ix0 + p % kSpan;
      if (iy >= 0 && iy < g.h && ix >= 0 && ix < g.w) {
        h.src[j] = x + ((static_cast<int64_t>(w.n) * g.h + iy) * g.w + ix) * g.c_in + half * 8;
      }
    }
  }
  return h;
}

// LoadHalo's NHWC 16-byte path from PlanHalo's sources: the same copies, tile
// q's halo at halo + q * kHaloElems.
template <int kSpan, int kTiles>
__device__ void LoadPlannedHalo(const HaloSources<kSpan, kTiles>& h, const uint16_t* __restrict__ x,
                                int c_in, int c0, uint16_t* halo) {
  using H = HaloSources<kSpan, kTiles>;
  constexpr int kHaloElems = kSpan * kSpan * kRow;
#pragma unroll
  for (int j = 0; j < H::kPerThread; ++j) {
    const int i = static_cast<int>(threadIdx.x) + j * kThreads;
    if (i >= H::kCopies) break;
    int q = 0, r = i;  // tile slot and copy within its halo
    if constexpr (kTiles > 1) {
      q = i / H::kPerTile;
      r = i - q * H::kPerTile;
    }
    const int half = r & 1;
    const bool valid = h.src[j] != nullptr && c0 + half * 8 < c_in;
    CpAsync16(halo + q * kHaloElems + (r >> 1) * kRow + half * 8, valid ? h.src[j] + c0 : x, valid);
  }
}

// Stages group `grp` (the halos of the first kN tiles of the item, windows
// `t`, and the weights) into `stage`, laid out for kTiles halos; the caller
// commits. `planned`: the halos from `h` (PlanHalo; NHWC with vec_ok only).
template <int kSize, int kStride, int kTile, bool kNhwc, int kChannels, int kTiles, int kN>
__device__ void LoadGroup(
    const Geometry& g, const TileWindow* t, const uint16_t* __restrict__ x,
    const WeightCopies<kSize * kSize, kChannels>& wc, int cout_pad, bool vec_ok, int grp,
    uint16_t* stage, bool planned,
    const HaloSources<Stage<kSize, kStride, kTile, kChannels>::kSpan, kN>& h) {
  using S = Stage<kSize, kStride, kTile, kChannels, kTiles>;
  if (kNhwc && planned) {
    LoadPlannedHalo<S::kSpan, kN>(h, x, g.c_in, grp * kGroup, stage);
  } else if constexpr (kNhwc && kTiles == 1) {
    // Out of line in the kernels of one tile per item. Those of several
    // tiles per item keep it inline: out of line, their grouped walk ran up
    // to 17% slower (twentieth run; the cause was not measured).
    LoadHaloNhwcOutOfLine<S::kSpan>(g.h, g.w, g.c_in, t[0].n, t[0].iy0, t[0].ix0, x, vec_ok,
                                    grp * kGroup, stage);
  } else {
#pragma unroll
    for (int q = 0; q < kN; ++q) {
      LoadHalo<S::kSpan, kNhwc>(g, t[q], x, vec_ok, grp * kGroup, stage + q * S::kHaloElems);
    }
  }
  LoadPlannedWeights<S::kTaps, kChannels>(wc, cout_pad, grp, stage + kTiles * S::kHaloElems);
}

// The window of a tile slot an item leaves empty: outside the image, so its
// halo loads write zeros, and no outputs.
__device__ inline TileWindow OutsideWindow() {
  TileWindow t{};
  t.iy0 = t.ix0 = -(1 << 20);
  return t;
}

// The tile indices of one work item.
template <int kTiles>
struct TileList {
  int at[kTiles];
};

// The next set bit of the tile's mask after group `after` (-1: none).
[[maybe_unused]]
__device__ inline int NextGroup(const uint32_t* mask, int words, int after) {
  int grp = after + 1;
  for (int word = grp / 32; word < words; ++word) {
    const uint32_t bits = mask[word] & (word == grp / 32 ? ~0u << (grp % 32) : ~0u);
    if (bits != 0) return word * 32 + __ffs(bits) - 1;
  }
  return -1;
}

// The count of tiles whose masks (`words` per tile) have a bit set, by the
// whole block (every thread gets it); once per block, before its items, so
// out of line. Exact up to blockDim.x tiles; past that, estimated from
// blockDim.x tiles spread evenly over all (one load a thread, where the
// exact count took num_tiles / blockDim.x loads one after another: 13 on
// ImageNet 64@56, before any item of the block could start). The count only
// chooses how tiles share items, and every block takes the same estimate.
__device__ __noinline__ int CountActiveTiles(const uint32_t* __restrict__ masks, int num_tiles,
                                             int words) {
  const int samples = min(num_tiles, static_cast<int>(blockDim.x));
  bool any = false;
  if (static_cast<int>(threadIdx.x) < samples) {
    const int64_t t = static_cast<int64_t>(threadIdx.x) * num_tiles / samples;
    uint32_t bits = 0;
    for (int i = 0; i < words; ++i) bits |= masks[t * words + i];
    any = bits != 0;
  }
  const int active = __syncthreads_count(any);
  return static_cast<int>(static_cast<int64_t>(active) * num_tiles / max(samples, 1));
}

// Persistent blocks: block b takes work items b, b + gridDim.x, ... up to the
// active count the prescan left in device memory (empty tiles got their bias
// in the prescan). An item is (up to kTiles active tiles, kChannels output
// channels); with kTiles > 1 (GroupedTiles) an item holds kTiles
// consecutive entries of the work list when there are more (tile, chunk)
// pairs than blocks, else one: the tiles share each group's weights in shared
// memory (a 4x4 tile alone does 16 rows of MMA per weight copy, an 8x8 one
// 64), walking the union of their groups. A group empty for one of them adds
// exact zeros to its sums (its halo is zero), so every output is the same sum
// in the same order as with one tile per item: the same bits. The grid is
// what fits on the GPU at once (LaunchConvFor), so at low density no block is
// launched only to exit. Launched after the prescan with programmatic
// dependent launch: the block starts while the prescan drains and waits for
// it before reading its list. In a block, four warps issue the copies and
// four multiply (walk).
template <int kSize, int kStride, int kTile, bool kNhwc, int kChannels, int kTiles>
__global__ void __launch_bounds__(kConvThreads,
                                  (ConvMinBlocks<kSize, kStride, kTile, kChannels, kTiles>()))
    SparseConvF16Kernel(Geometry g, const uint16_t* __restrict__ x,
                        const uint16_t* __restrict__ w_packed, int cout_pad, int chunks,
                        const __half* __restrict__ bias, __half* __restrict__ y, bool vec_ok,
                        int words, Workspace ws) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  using S = Stage<kSize, kStride, kTile, kChannels, kTiles>;
  constexpr int kSpan = S::kSpan;
  constexpr int kM = kTile * kTile;          // 64 or 16 output pixels per tile
  constexpr int kWarpsM = kM / 16;           // warps along M: 4 or 1
  constexpr int kWarpsN = 4 / kWarpsM;       // warps along N: 1 or 4
  constexpr int kNB = kChannels / 8 / kWarpsN;  // 8-channel n-blocks per warp: 1..8
  static_assert(kNB == 1 || kNB % 2 == 0, "n-blocks go by pairs (one ldmatrix.x4) or alone");
  extern __shared__ __align__(16) uint16_t smem[];
  __shared__ uint32_t mask[kMaxMaskWords];
  __shared__ TileWindow window[kTiles];  // an item's tiles, kTiles > 1
  __shared__ float bias_s[kChannels];    // the item's bias (0 past c_out or without)

  WaitForPreviousGrid();
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  // Warps 0-3 copy (threads 0..kThreads-1, as the copy helpers expect),
  // warps 4-7 multiply and store.
  const bool loader = warp < kThreads / 32;
  const int mwarp = warp - kThreads / 32;  // the MMA warp (loaders: unused)
  const int wm = mwarp % kWarpsM, wn = mwarp / kWarpsM;
  // A rows (ldmatrix.x4 of a 16x16 tile): lane -> row lane % 16, k half lane / 16.
  const int m = wm * 16 + (lane & 15);
  const int a_base =
      ((m / kTile) * kStride * kSpan + (m % kTile) * kStride) * kRow + (lane >> 4) * 8;
  // B rows (two 8-channel n-blocks x two k halves): lane -> matrix lane / 8.
  const int b_base = ((lane >> 4) * 8 + (lane & 7)) * kRow + ((lane >> 3) & 1) * 8;
  const int n_first = wn * kNB * 8;
  // Paired stores: an even c_out keeps every even channel 4-byte aligned.
  const bool half2_ok = g.c_out % 2 == 0 && IsAligned(y, sizeof(__half2));

  // The MMAs of one staged group for the first kN tiles of the stage (kN a
  // compile-time count, so every tap's loads and MMAs are straight-line
  // code): per tap, the weight fragments once, then each tile's A rows.
  auto mma_group = [&](const uint16_t* halo, auto tiles_tag, float(&acc)[kTiles][kNB][4]) {
    constexpr int kN = decltype(tiles_tag)::value;
    const uint16_t* wsm = halo + kTiles * S::kHaloElems;
#pragma unroll
    for (int ky = 0; ky < kSize; ++ky) {
#pragma unroll
      for (int kx = 0; kx < kSize; ++kx) {
        const int tap = ky * kSize + kx;
        const int a_at = a_base + (ky * kSpan + kx) * kRow;
        if constexpr (kN == 1) {
          uint32_t a[4];
          LdMatrixX4(a, halo + a_at);
          if constexpr (kNB == 1) {  // lanes 0-15 address the n-block's two k halves
            uint32_t b[2];
            LdMatrixX2(b, wsm + (tap * kChannels + n_first) * kRow + b_base);
            Mma16816(acc[0][0], a, b[0], b[1]);
          } else {
#pragma unroll
            for (int nb = 0; nb < kNB; nb += 2) {
              uint32_t b[4];
              LdMatrixX4(b, wsm + (tap * kChannels + n_first + nb * 8) * kRow + b_base);
              Mma16816(acc[0][nb], a, b[0], b[1]);
              Mma16816(acc[0][nb + 1], a, b[2], b[3]);
            }
          }
        } else if constexpr (kNB % 2 == 0) {
          uint32_t b[kNB / 2][4];
          LoadTapWeights<kNB>(b, wsm + (tap * kChannels + n_first) * kRow + b_base);
#pragma unroll
          for (int q = 0; q < kN; ++q) MmaTap<kNB>(acc[q], halo + q * S::kHaloElems + a_at, b);
        } else {
          static_assert(kN == 1, "grouped tiles walk n-block pairs");
        }
      }
    }
  };

  // One item by the whole block: tiles tile[0..tiles) (each has work), output
  // channels [cout0, cout0 + kChannels).
  auto run_item = [&](const TileList<kTiles> tile, int tiles, int cout0) {
    __syncthreads();  // the previous item is done with the mask, windows and stages
    // The bias now: its load's latency is hidden behind the walk.
    for (int i = threadIdx.x; i < kChannels; i += kConvThreads) {
      bias_s[i] = bias != nullptr && cout0 + i < g.c_out ? __half2float(bias[cout0 + i]) : 0.0f;
    }
    if (threadIdx.x < words) {
      uint32_t bits = 0;
#pragma unroll
      for (int q = 0; q < kTiles; ++q) {
        if (q < tiles) bits |= ws.masks[static_cast<int64_t>(tile.at[q]) * words + threadIdx.x];
      }
      mask[threadIdx.x] = bits;
    }
    // One tile: every thread works out its window. Several: thread 32 + q
    // works out tile q's into shared memory (warp 0 reads the masks).
    TileWindow own{};
    if constexpr (kTiles == 1) {
      own = MakeWindow(g, tile.at[0], kSize, kStride);
    } else {
#pragma unroll
      for (int q = 0; q < kTiles; ++q) {
        if (threadIdx.x == 32 + q) {
          window[q] = q < tiles ? MakeWindow(g, tile.at[q], kSize, kStride) : OutsideWindow();
        }
      }
    }
    const TileWindow* win = kTiles == 1 ? &own : window;
    __syncthreads();
    int count = 0;
    for (int i = 0; i < words; ++i) count += __popc(mask[i]);

    float acc[kTiles][kNB][4];
#pragma unroll
    for (int q = 0; q < kTiles; ++q) {
#pragma unroll
      for (int i = 0; i < kNB; ++i)
        acc[q][i][0] = acc[q][i][1] = acc[q][i][2] = acc[q][i][3] = 0.0f;
    }

    // The it-th non-empty group goes to stage it % kConvStages. The loaders
    // issue group it + 2's copies and wait for group it + 1's while the MMA
    // warps multiply group it; one block barrier per group then publishes
    // group it + 1 and frees group it's stage (refilled by group it + 3).
    // kN halos are staged and multiplied (a compile-time count: one tile
    // alone runs the code of a one-tile kernel). Issuing one group's copies
    // took about as long as its MMAs (~470 and ~580 SM cycles, CIFAR
    // 128@16): done by the same warps, they ran in turn (docs/benchmarks.md,
    // twenty-first run).
    auto walk = [&](auto tiles_tag) {
      constexpr int kN = decltype(tiles_tag)::value;
      int load = NextGroup(mask, words, -1);  // an active tile has one
      const bool planned = kNhwc && vec_ok;
      HaloSources<kSpan, kN> halo_src{};
      WeightCopies<S::kTaps, kChannels> wc{};
      // Stages group `load` (if any) into stage `st` and commits (an empty
      // commit keeps "all but the newest one landed" meaning group it + 1).
      auto load_next = [&](int st) {
        if (load >= 0) {
          LoadGroup<kSize, kStride, kTile, kNhwc, kChannels, kTiles, kN>(
              g, win, x, wc, cout_pad, vec_ok, load, smem + st * S::kElems, planned, halo_src);
          load = NextGroup(mask, words, load);
        }
        CpAsyncCommit();
      };
      // The two sides meet at one barrier from two loops: named barrier 1
      // of the whole block, unaligned (WalkBarrier). compute-sanitizer's
      // synccheck and racecheck are clean on it; the aligned bar.sync from
      // two loops drew synccheck's "divergent threads", and arrive/wait
      // pairs drew racecheck's races (docs/benchmarks.md, twenty-first and
      // twenty-second runs).
      //
      // Barrier it: group it is in, and the MMA warps are done with group
      // it - 1's stage, which the loaders then refill with group it + 2.
      // Loop bodies with no special first or last pass and one copy of the
      // prologue's loads: at low density an item's code arrives cold, and
      // 9% less of it made tile 8 at 1-5% of tiles 2-5% faster
      // (docs/benchmarks.md, twenty-second run).
      if (!loader) {
        for (int it = 0; it < count; ++it) {
          WalkBarrier();
          mma_group(smem + (it % kConvStages) * S::kElems, tiles_tag, acc);
        }
        return;
      }
      if (planned) halo_src = PlanHalo<kSpan, kN>(g, win, x);
      wc = PlanWeights<S::kTaps, kChannels>(w_packed, cout_pad, cout0);
#pragma unroll 1
      for (int st = 0; st < kConvStages - 1; ++st) load_next(st);
      for (int it = 0; it < count; ++it) {
        CpAsyncWait<kConvStages - 2>();  // group it (all but the newest)
        WalkBarrier();
        load_next((it + kConvStages - 1) % kConvStages);
      }
      CpAsyncWait<0>();  // no copy lands in a stage the next item reuses
    };
    if (tiles == 1) {
      walk(std::integral_constant<int, 1>{});
    } else {  // the missing tiles of a last, partial item read zeros
      walk(std::integral_constant<int, kTiles>{});
    }

    // Accumulator layout: acc[q][nb][0..1] row lane / 4, acc[q][nb][2..3] row
    // lane / 4 + 8; columns 2 * (lane % 4) + {0, 1} of n-block nb.
#pragma unroll
    for (int q = 0; q < kTiles; ++q) {
      if (q >= tiles || loader) break;  // the MMA warps hold the sums
      const TileWindow t = win[q];
#pragma unroll
      for (int nb = 0; nb < kNB; ++nb) {
        const int k = cout0 + n_first + nb * 8 + 2 * (lane & 3);
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          const int row = wm * 16 + (lane >> 2) + h * 8;
          const int ty = row / kTile, tx = row % kTile;
          if (ty >= t.th || tx >= t.tw) continue;
          const int oy = t.oy0 + ty, ox = t.ox0 + tx;
          float v[2];
#pragma unroll
          for (int j = 0; j < 2; ++j) {
            v[j] = acc[q][nb][h * 2 + j] + bias_s[k + j - cout0];
          }
          if (kNhwc) {
            const int64_t at =
                ((static_cast<int64_t>(t.n) * g.out_h + oy) * g.out_w + ox) * g.c_out + k;
            if (k + 1 < g.c_out && half2_ok) {
              *reinterpret_cast<__half2*>(y + at) = __floats2half2_rn(v[0], v[1]);
            } else {
              for (int j = 0; j < 2 && k + j < g.c_out; ++j) y[at + j] = __float2half_rn(v[j]);
            }
          } else {
            for (int j = 0; j < 2 && k + j < g.c_out; ++j) {
              y[((static_cast<int64_t>(t.n) * g.c_out + k + j) * g.out_h + oy) * g.out_w + ox] =
                  __float2half_rn(v[j]);
            }
          }
        }
      }
    }
  };

  // Tiles per item: kTiles once the active (tile, chunk) pairs are more than
  // gridDim.x / kTiles (the tiles share each weight copy), else one (the
  // walk's latency, over more blocks). One tile per item costs more than its
  // latency once most blocks work at once: 256 pairs on an H100's 264 blocks
  // took 35-39 us where items of four took 27 (CIFAR 256@8), 36-44 against
  // 30 (ImageNet 256@14; docs/benchmarks.md, eighteenth run).
  auto tiles_per_item = [&](int active) {
    return kTiles > 1 && static_cast<int64_t>(active) * chunks * kTiles > gridDim.x ? kTiles : 1;
  };
  if (!ws.all_tiles) {  // the prescan's work list: active tiles only
    const int active = min(ws.counters[0], g.num_tiles);
    const int per = tiles_per_item(active);
    const int items = (active + per - 1) / per * chunks;
    for (int item = blockIdx.x; item < items; item += gridDim.x) {
      const int first = item / chunks * per;
      const int tiles = min(per, active - first);
      TileList<kTiles> tile;
#pragma unroll
      for (int q = 0; q < kTiles; ++q) tile.at[q] = q < tiles ? ws.work[first + q] : 0;
      run_item(tile, tiles, (item % chunks) * kChannels);
    }
    return;
  }
  // Every (kTiles tiles, chunk) item, the producer's masks saying which
  // tiles have work. Which tiles share an item follows the prescan path's
  // rule on the count of active tiles, which each block takes from the masks
  // first (CountActiveTiles: exact up to 256 tiles, else estimated from 256
  // of them; with kTiles = 1 there is nothing to choose): past
  // the rule's bound, kTiles consecutive tiles (neighbours, often active
  // together, share their weight copies); below it, tiles spans apart
  // (`spread`: far apart in the batch, seldom active together, so a few
  // active tiles each get a block, as one tile per item would). Consecutive
  // tiles at any count made a few active neighbours share one block's walk:
  // 26-30 us where spread items take 19-22 (CIFAR 256@8 and ImageNet 256@14,
  // 1% of tiles; docs/benchmarks.md, eighteenth run). The block takes items
  // blockIdx.x + j * gridDim.x in rounds of kTriage: first each warp triages
  // items alone (reads each tile's mask words, writes the bias of an empty
  // tile's chunk, lists an item with an active tile and which of its tiles
  // are), then the block computes the listed ones. Empty tiles cost no
  // block-wide barrier, and the active ones of a round stay spread over all
  // blocks.
  constexpr int kTriage = 32;
  __shared__ int listed[kTriage];
  __shared__ uint32_t listed_tiles[kTriage];  // bit q: tile q of the item is active
  __shared__ int num_listed;
  const int spans = (g.num_tiles + kTiles - 1) / kTiles;
  const int items = spans * chunks;
  bool spread = false;
  if constexpr (kTiles > 1 && kNhwc) {  // (the occupied conv is NHWC-only)
    spread = tiles_per_item(CountActiveTiles(ws.masks, g.num_tiles, words)) == 1;
  }
  // Tile q of the item of span `span`.
  auto tile_of = [&](int span, int q) { return spread ? q * spans + span : span * kTiles + q; };
  for (int first = blockIdx.x; first < items; first += gridDim.x * kTriage) {
    __syncthreads();  // the previous round's list is done with
    if (threadIdx.x == 0) num_listed = 0;
    __syncthreads();
    for (int j = warp; j < kTriage; j += kConvThreads / 32) {
      const int item = first + j * gridDim.x;
      if (item >= items) break;
      const int span = item / chunks, cout0 = (item % chunks) * kChannels;
      uint32_t active = 0;
#pragma unroll
      for (int q = 0; q < kTiles; ++q) {
        const int tile_index = tile_of(span, q);
        if (tile_index >= g.num_tiles) break;
        const uint32_t word =
            lane < words ? ws.masks[static_cast<int64_t>(tile_index) * words + lane] : 0u;
        const int groups = __reduce_add_sync(0xffffffffu, __popc(word));
        if (ws.count_tiles && cout0 == 0 && lane == 0) {  // what the prescan counts
          atomicAdd(&ws.counters[groups > 0 ? 0 : 1], 1);
          if (groups > 0) atomicAdd(&ws.counters[2], groups);
        }
        if (groups > 0) {
          active |= 1u << q;
        } else {
          StoreBiasTile<kNhwc>(g, MakeWindow(g, tile_index, kSize, kStride), bias, y, cout0,
                               min(cout0 + kChannels, g.c_out), lane, 32);
        }
      }
      if (active != 0 && lane == 0) {
        const int at = atomicAdd(&num_listed, 1);
        listed[at] = item;
        listed_tiles[at] = active;
      }
    }
    __syncthreads();
    const int n = num_listed;
    for (int a = 0; a < n; ++a) {
      const int span = listed[a] / chunks;
      uint32_t active = listed_tiles[a];
      TileList<kTiles> tile;
      int tiles = 0;
#pragma unroll
      for (int q = 0; q < kTiles; ++q) {
        tile.at[q] = 0;
        if (active != 0) {
          const int bit = __ffs(active) - 1;
          active &= active - 1;
          tile.at[q] = tile_of(span, bit);
          ++tiles;
        }
      }
      run_item(tile, tiles, (listed[a] % chunks) * kChannels);
    }
  }
#else
  __trap();  // mma.sync m16n8k16 needs sm_80; the runtime never launches this below it
#endif
}

template <int kSize, int kStride, int kTile, bool kNhwc, int kChannels, int kTiles>
cudaError_t LaunchConvFor(const Geometry& g, const uint16_t* x, const uint16_t* w_packed,
                          const __half* bias, __half* y, bool vec_ok, int words,
                          const Workspace& ws, cudaStream_t stream) {
  const int chunks = static_cast<int>(CeilDiv(g.c_out, kChannels));
  // The packed weights' row stride: c_out rounded up to kChunk (any
  // kChannels divides it), whatever the chunk this kernel walks.
  const int cout_pad = static_cast<int>(CeilDiv(g.c_out, kChunk) * kChunk);
  constexpr size_t kShared = ConvSharedBytes<kSize, kStride, kTile, kChannels, kTiles>();
  auto* kernel = SparseConvF16Kernel<kSize, kStride, kTile, kNhwc, kChannels, kTiles>;
  int resident = 0;
  if (const cudaError_t err = PrepareSharedKernel(reinterpret_cast<const void*>(kernel),
                                                  kConvThreads, kShared, &resident);
      err != cudaSuccess) {
    return err;
  }
  const int64_t most = static_cast<int64_t>(g.num_tiles) * chunks;
  const auto blocks = static_cast<unsigned int>(
      std::max<int64_t>(1, std::min<int64_t>(most, std::max(resident, 1))));
  return LaunchAfterPrevious(kernel, dim3(blocks), dim3(kConvThreads), kShared, stream, g, x,
                             w_packed, cout_pad, chunks, bias, y, vec_ok, words, ws);
}

// What Launch queues: the counter reset and the prescan, then the conv.
enum class Stages {
  kAll,              // reset, prescan (empty tiles get the bias), conv
  kPrescanOnly,      // reset, prescan without the bias (timing it alone)
  kPrescanAndBias,   // reset, prescan with the bias: kAll without the conv
  kConvOnly,         // the conv, reading what a kPrescanAndBias run left
  kOccupied,         // the conv over every tile, reading the producer's masks
};

// Sets `handle` to 1 when the prescan found more than `threshold` active
// tiles, else 0 (LaunchSparseConvF16Switch); 0 without counters (no tile).
__global__ void SetDensitySwitchKernel(cudaGraphConditionalHandle handle,
                                       const int* __restrict__ counters, int threshold) {
  cudaGraphSetConditional(handle, counters != nullptr && counters[0] > threshold ? 1u : 0u);
}

__global__ void FillOnesPrefixKernel(uint16_t* x, int64_t count, int64_t ones) {
  constexpr uint16_t kOne = 0x3C00;  // 1.0 in FP16
  for (int64_t i = blockIdx.x * static_cast<int64_t>(blockDim.x) + threadIdx.x; i < count;
       i += static_cast<int64_t>(gridDim.x) * blockDim.x) {
    x[i] = i < ones ? kOne : 0;
  }
}

// The conv kernel's dynamic shared memory: one tile per item, or
// GroupedTiles of them when `grouped`.
template <int kSize, int kStride, int kTile, int kChannels>
size_t ConvSharedBytesOf(bool grouped) {
  return grouped ? ConvSharedBytes<kSize, kStride, kTile, kChannels,
                                   GroupedTiles<kSize, kStride, kTile, kChannels>()>()
                 : ConvSharedBytes<kSize, kStride, kTile, kChannels, 1>();
}

// The same for `s` (SparseConvF16SharedBytes).
template <int kSize, int kStride>
size_t ConvSharedBytesFor(const SparseConvShape& s) {
  const bool grouped = SparseConvF16TilesPerItem(s) > 1;
  if (s.tile == 4) {
    return s.cout_chunk == 32 ? ConvSharedBytesOf<kSize, kStride, 4, 32>(grouped)
                              : ConvSharedBytesOf<kSize, kStride, 4, 64>(grouped);
  }
  switch (s.cout_chunk) {
    case 16:
      return ConvSharedBytesOf<kSize, kStride, 8, 16>(grouped);
    case 32:
      return ConvSharedBytesOf<kSize, kStride, 8, 32>(grouped);
    default:
      return ConvSharedBytesOf<kSize, kStride, 8, 64>(grouped);
  }
}

// LaunchConvFor with one tile per item, or GroupedTiles of them when
// `grouped`.
template <int kSize, int kStride, int kTile, bool kNhwc, int kChannels>
cudaError_t LaunchConvTiles(bool grouped, const Geometry& g, const uint16_t* x,
                            const uint16_t* w_packed, const __half* bias, __half* y, bool vec_ok,
                            int words, const Workspace& ws, cudaStream_t stream) {
  constexpr int kGrouped = GroupedTiles<kSize, kStride, kTile, kChannels>();
  return grouped ? LaunchConvFor<kSize, kStride, kTile, kNhwc, kChannels, kGrouped>(
                       g, x, w_packed, bias, y, vec_ok, words, ws, stream)
                 : LaunchConvFor<kSize, kStride, kTile, kNhwc, kChannels, 1>(
                       g, x, w_packed, bias, y, vec_ok, words, ws, stream);
}

// The prescan kernel for `s`: the vector scan with PrescanBatch's batch for
// NHWC with vec_ok, else the element-wise one.
template <int kSize, int kStride, bool kNhwc>
auto PrescanKernelFor(const SparseConvShape& s, bool vec_ok) {
  if constexpr (kNhwc) {
    if (vec_ok) {
      return PrescanBatch(s) == 4 ? PrescanF16Kernel<kSize, kStride, true, 4>
                                  : PrescanF16Kernel<kSize, kStride, true, 8>;
    }
  }
  return PrescanF16Kernel<kSize, kStride, kNhwc, 0>;
}

template <int kSize, int kStride, bool kNhwc>
cudaError_t LaunchFor(const SparseConvShape& s, const Geometry& g, const uint16_t* x,
                      const uint16_t* w_packed, const __half* bias, __half* y, bool vec_ok,
                      int words, const Workspace& ws, cudaStream_t stream, Stages stages) {
  if (stages != Stages::kConvOnly && stages != Stages::kOccupied) {
    const cudaError_t err =
        LaunchAfterPrevious(PrescanKernelFor<kSize, kStride, kNhwc>(s, vec_ok), dim3(g.num_tiles),
                            dim3(kPrescanThreads), sizeof(uint32_t) * words, stream, g, x, words,
                            bias, stages == Stages::kPrescanOnly ? nullptr : y, ws);
    if (err != cudaSuccess) return err;
  }
  if (stages == Stages::kPrescanOnly || stages == Stages::kPrescanAndBias) return cudaSuccess;
  // A GPU whose blocks cannot take a grouped kernel's shared memory (99 KiB
  // on sm_86 / sm_89) runs one tile per item.
  bool grouped = false;
  if (SparseConvF16TilesPerItem(s) > 1) {
    int device = 0;
    if (cudaGetDevice(&device) != cudaSuccess ||
        SparseConvF16FitsDevice(s, device, &grouped) != cudaSuccess) {
      (void)cudaGetLastError();  // a failed query only means one tile
      grouped = false;
    }
  }
  if (s.tile == 4) {
    return s.cout_chunk == 32 ? LaunchConvTiles<kSize, kStride, 4, kNhwc, 32>(
                                    grouped, g, x, w_packed, bias, y, vec_ok, words, ws, stream)
                              : LaunchConvTiles<kSize, kStride, 4, kNhwc, 64>(
                                    grouped, g, x, w_packed, bias, y, vec_ok, words, ws, stream);
  }
  switch (s.cout_chunk) {
    case 16:
      return LaunchConvTiles<kSize, kStride, 8, kNhwc, 16>(grouped, g, x, w_packed, bias, y, vec_ok,
                                                           words, ws, stream);
    case 32:
      return LaunchConvTiles<kSize, kStride, 8, kNhwc, 32>(grouped, g, x, w_packed, bias, y, vec_ok,
                                                           words, ws, stream);
    default:
      return LaunchConvTiles<kSize, kStride, 8, kNhwc, 64>(grouped, g, x, w_packed, bias, y, vec_ok,
                                                           words, ws, stream);
  }
}

// `masks`: kOccupied reads them (the producer's), kPrescanOnly writes them
// there instead of the workspace; `count_tiles` false: kOccupied neither
// resets nor counts the counters (the workspace may then be null).
// `zeroed_counters`: the counters go there instead of the workspace, already
// zero, so no reset is queued (SparseConvCounterBytes).
cudaError_t Launch(const SparseConvShape& s, bool nhwc, const __half* x_half,
                   const uint16_t* w_packed, const __half* bias, __half* y, void* workspace,
                   cudaStream_t stream, Stages stages, uint32_t* masks = nullptr,
                   bool count_tiles = true, int* zeroed_counters = nullptr) {
  const Geometry g = sparse_detail::MakeGeometry(s, kGroup);
  if (g.num_tiles == 0) return cudaSuccess;
  const bool occupied = stages == Stages::kOccupied;
  if ((occupied && (masks == nullptr || !nhwc)) || (occupied && count_tiles && !workspace)) {
    return cudaErrorInvalidValue;
  }
  Workspace ws = workspace != nullptr ? CarveWorkspace(workspace, g.num_tiles) : Workspace{};
  if (masks != nullptr) ws.masks = masks;
  if (zeroed_counters != nullptr) ws.counters = zeroed_counters;
  ws.all_tiles = occupied;
  ws.count_tiles = occupied && count_tiles;
  if (stages != Stages::kConvOnly && (!occupied || count_tiles) && zeroed_counters == nullptr) {
    const cudaError_t err = cudaMemsetAsync(ws.counters, 0, sizeof(int) * kNumCounters, stream);
    if (err != cudaSuccess) return err;
  }
  const auto* x = reinterpret_cast<const uint16_t*>(x_half);
  // 16-byte loads of 8 channels need 8-channel pixel rows and an aligned base.
  const bool vec_ok = s.c_in % 8 == 0 && IsAligned(x, sizeof(uint4));
  const int words = MaskWords(g.num_groups);
  using Fn =
      cudaError_t (*)(const SparseConvShape&, const Geometry&, const uint16_t*, const uint16_t*,
                      const __half*, __half*, bool, int, const Workspace&, cudaStream_t, Stages);
  const bool k1 = s.ksize == 1, s1 = s.stride == 1;
  const Fn fn = nhwc ? (k1 ? (s1 ? LaunchFor<1, 1, true> : LaunchFor<1, 2, true>)
                           : (s1 ? LaunchFor<3, 1, true> : LaunchFor<3, 2, true>))
                     : (k1 ? (s1 ? LaunchFor<1, 1, false> : LaunchFor<1, 2, false>)
                           : (s1 ? LaunchFor<3, 1, false> : LaunchFor<3, 2, false>));
  if (const cudaError_t e = fn(s, g, x, w_packed, bias, y, vec_ok, words, ws, stream, stages);
      e != cudaSuccess) {
    return e;
  }
  return cudaGetLastError();
}

// ---- Conv + neuron fused over T (LaunchConvNeuronF16) ----

// One pipeline stage: the halos of kSteps time steps (they share the stage's
// weights) and one group's weights.
template <int kSize, int kStride, int kTile, int kSteps, int kChunkF>
struct FusedStage {
  static constexpr int kSpan = (kTile - 1) * kStride + kSize;
  static constexpr int kTaps = kSize * kSize;
  static constexpr int kHaloElems = kSpan * kSpan * kRow;
  static constexpr int kElems = kSteps * kHaloElems + kTaps * kChunkF * kRow;
  static constexpr size_t kBytes = sizeof(uint16_t) * kElems;
};

// Stages group `grp` of `steps` time steps (halos of rows first_row + i *
// images, i < steps) and its weights into `stage`, and commits the copies.
// NHWC with 16-byte copies: each pixel's address is computed once for all
// steps (they are a fixed row stride apart).
template <int kSize, int kStride, int kTile, bool kNhwc, int kSteps, int kChunkF>
__device__ void LoadFusedGroup(const Geometry& g, TileWindow t, int first_row, int images,
                               int steps, const uint16_t* __restrict__ x,
                               const uint16_t* __restrict__ w_packed, int cout_pad, int cout0,
                               bool vec_ok, int grp, uint16_t* stage) {
  using S = FusedStage<kSize, kStride, kTile, kSteps, kChunkF>;
  const int c0 = grp * kGroup;
  if (kNhwc && vec_ok && c0 + kGroup <= g.c_in) {
    const int64_t step_stride = static_cast<int64_t>(images) * g.h * g.w * g.c_in;
    for (int i = threadIdx.x; i < S::kSpan * S::kSpan * 2; i += kThreads) {
      const int p = i >> 1, half = i & 1;
      const int iy = t.iy0 + p / S::kSpan, ix = t.ix0 + p % S::kSpan;
      uint16_t* dst = stage + p * kRow + half * 8;
      const bool inside = iy >= 0 && iy < g.h && ix >= 0 && ix < g.w;
      const uint16_t* px =
          inside ? x + ((static_cast<int64_t>(first_row) * g.h + iy) * g.w + ix) * g.c_in + c0 +
                       half * 8
                 : x;
#pragma unroll
      for (int s = 0; s < kSteps; ++s) {
        if (s >= steps) break;
        CpAsync16(dst + s * S::kHaloElems, inside ? px + s * step_stride : x, inside);
      }
    }
  } else {
    for (int i = 0; i < steps; ++i) {
      t.n = first_row + i * images;
      LoadHalo<S::kSpan, kNhwc>(g, t, x, vec_ok, c0, stage + i * S::kHaloElems);
    }
  }
  LoadWeights<S::kTaps, kChunkF>(w_packed, cout_pad, cout0, grp, stage + kSteps * S::kHaloElems);
  CpAsyncCommit();
}

// What the consumers of the fused kernel's spikes read instead of a prescan
// (SpikeOccupancy, NHWC only). Marking each pixel in global memory as the
// neuron kernel does (where a pixel lands in each target: divisions, loads,
// atomics) made the kernel up to 1.6x slower on dense spikes
// (fused_marks_bench), so a block gathers its own: per time step the group
// bits of each pixel of its output tile in shared memory (one OR per pixel
// and warp); then, once per chunk of steps where some pixel fired, per pixel
// row the OR over the pixels that each column of consumer tiles reads, and
// per consumer tile that reads some of its pixels (FusedMarkBox) the OR over
// its rows, set in the target's masks with a load and, where a bit is
// missing, an atomic. A box of more than kMarkBoxSide tiles a side (not for
// the tiles and kernels the runtime plans: 8 outputs read at most 10 inputs,
// and a consumer tile has 4 or 8 outputs) marks pixel by pixel in global
// memory instead.
constexpr int kMarkBoxSide = 4;

// The consumer tiles that read some output of a block: rows [ty0, ty0 +
// nty), columns [tx0, tx0 + ntx); nty * ntx == 0 when none does.
struct FusedMarkBox {
  int ty0, nty, tx0, ntx;
};

// The input rows [first, last] within [i0, i0 + n) that consumer tile row
// `t` may read (its outputs' windows); row i in there is read when
// ReadsRow(i) (a kernel narrower than the stride skips rows).
__device__ inline void RowsOfTile(int t, int tile, int stride, int pad, int ksize, int extent,
                                  int i0, int n, int& first, int& last) {
  const int o0 = t * tile, o1 = min(o0 + tile, extent) - 1;
  first = max(o0 * stride - pad, i0);
  last = min(o1 * stride - pad + ksize - 1, i0 + n - 1);
}
__device__ inline bool ReadsRow(int i, int pad, int ksize, int stride) {
  return ksize >= stride || (i + pad) % stride < ksize;
}

template <int kSteps, int kTile>
struct FusedMarks {
  FusedMarkBox box[kMaxSpikeOccupancyTargets];
  bool in_shared;  // every target's box is at most kMarkBoxSide tiles a side
  bool any;        // some pixel of this chunk of steps fired
  // Per step and pixel of the tile: its group bits in the block's word.
  uint32_t px[kSteps][kTile * kTile];
  // Per step, target, pixel row and box column: the OR over the pixels of
  // the row that the column's tiles read.
  uint32_t rows[kSteps][kMaxSpikeOccupancyTargets][kTile][kMarkBoxSide];
};

// Thread 0 works out the boxes of output tile `t`; every thread clears the
// bits (the caller synchronises before they are used).
template <int kSteps, int kTile>
__device__ void StartFusedMarks(const SpikeOccupancy& occ, const TileWindow& t,
                                FusedMarks<kSteps, kTile>& m) {
  if (threadIdx.x == 0) {
    m.in_shared = true;
    m.any = false;
    for (int k = 0; k < occ.count; ++k) {
      const SpikeOccupancyTarget& o = occ.targets[k];
      FusedMarkBox& b = m.box[k];
      TilesReadingRange(t.oy0, t.oy0 + t.th - 1, o.pad_top, o.ksize, o.stride, o.out_h, o.tile,
                        b.ty0, b.nty);
      TilesReadingRange(t.ox0, t.ox0 + t.tw - 1, o.pad_left, o.ksize, o.stride, o.out_w, o.tile,
                        b.tx0, b.ntx);
      if (b.nty > kMarkBoxSide || b.ntx > kMarkBoxSide) m.in_shared = false;
    }
  }
  for (int i = threadIdx.x; i < kSteps * kTile * kTile; i += kThreads) (&m.px[0][0])[i] = 0;
}

// After step `s` of a chunk stored two pixels per lane quad, `nz[nb][h]`
// says which of this lane's two channels 2 * (lane % 4) + {0, 1} of n-block
// nb are non-zero at its pixel h (pixel `r` of the tile). The four lanes of
// the pixel OR their bits into a byte per n-block (every lane of the warp
// takes part); the first
// of them stores the bit-packed spikes 16 channels at a time (16-bit stores:
// a pair of n-blocks is half a packed word; c_out % 16 == 0) and ORs the
// pixel's 16-channel groups into m.px (or, without room there, into each
// target's masks). `at`: the flat index of the pixel's channel k_base (the
// warp's first channel, a multiple of 16), -1 outside the image.
template <int kNB, int kSteps, int kTile>
__device__ void MarkFusedPixel(const SpikeOccupancy& occ, const uint32_t (&nz)[kNB][2], int h,
                               int64_t at, int r, int k_base, int c_out, int64_t step_elements,
                               int lane, int s, FusedMarks<kSteps, kTile>& m) {
  static_assert(kNB % 2 == 0, "n-blocks pair up into 16-channel groups");
  uint32_t bytes[kNB];
#pragma unroll
  for (int nb = 0; nb < kNB; ++nb) {
    uint32_t b = nz[nb][h] << (2 * (lane & 3));
    b |= __shfl_xor_sync(0xffffffffu, b, 1);
    b |= __shfl_xor_sync(0xffffffffu, b, 2);
    bytes[nb] = b;
  }
  if ((lane & 3) != 0 || at < 0) return;
  uint32_t groups = 0;  // bit p: group k_base / 16 + p holds a spike
#pragma unroll
  for (int p = 0; p < kNB / 2; ++p) {
    const uint32_t half = bytes[2 * p] | bytes[2 * p + 1] << 8;
    if (occ.packed != nullptr && k_base + 16 * p < c_out) {
      reinterpret_cast<uint16_t*>(occ.packed)[(at + 16 * p) / 16] = static_cast<uint16_t>(half);
    }
    if (half != 0) groups |= 1u << p;
  }
  if (groups == 0 || occ.count == 0) return;
  if (m.in_shared) {
    // The block's groups share one mask word: one or two from an even one
    // per warp, in a chunk of 32 or 64 channels from a multiple of it, and a
    // word covers 32 groups.
    atomicOr(&m.px[s][r], groups << ((k_base / kGroup) % 32));
    m.any = true;
    return;
  }
  for (int k = 0; k < occ.count; ++k) {
    const OccupancyPlace q = PlaceOf(occ.targets[k], step_elements, at);
    MarkPlace(occ.targets[k], q, 0, groups << q.shift);
  }
}

// Sets what a chunk of steps gathered (rows first_row + s * images of the
// targets' masks, word `word` of each tile) and clears it for the next
// chunk. Every thread of the block calls it.
template <int kSteps, int kTile>
__device__ void FlushFusedMarks(const SpikeOccupancy& occ, const TileWindow& t, int first_row,
                                int images, int word, FusedMarks<kSteps, kTile>& m) {
  constexpr int kT = kMaxSpikeOccupancyTargets, kS = kMarkBoxSide;
  __syncthreads();  // every warp's bits are in
  if (!m.in_shared || !m.any) return;
  for (int i = threadIdx.x; i < kSteps * kT * kTile * kS; i += kThreads) {
    const int q = i % kS, y = (i / kS) % kTile, k = (i / (kS * kTile)) % kT;
    const int s = i / (kS * kTile * kT);
    if (k >= occ.count || q >= m.box[k].ntx || y >= t.th) continue;
    const SpikeOccupancyTarget& o = occ.targets[k];
    int x0, x1;
    RowsOfTile(m.box[k].tx0 + q, o.tile, o.stride, o.pad_left, o.ksize, o.out_w, t.ox0, t.tw, x0,
               x1);
    uint32_t bits = 0;
    for (int x = x0; x <= x1; ++x) {
      if (ReadsRow(x, o.pad_left, o.ksize, o.stride)) bits |= m.px[s][y * kTile + x - t.ox0];
    }
    m.rows[s][k][y][q] = bits;
  }
  __syncthreads();
  for (int i = threadIdx.x; i < kSteps * kT * kS * kS; i += kThreads) {
    const int qx = i % kS, qy = (i / kS) % kS, k = (i / (kS * kS)) % kT, s = i / (kS * kS * kT);
    if (k >= occ.count) continue;
    const FusedMarkBox b = m.box[k];
    if (qy >= b.nty || qx >= b.ntx) continue;
    const SpikeOccupancyTarget& o = occ.targets[k];
    int y0, y1;
    RowsOfTile(b.ty0 + qy, o.tile, o.stride, o.pad_top, o.ksize, o.out_h, t.oy0, t.th, y0, y1);
    uint32_t bits = 0;
    for (int y = y0; y <= y1; ++y) {
      if (ReadsRow(y, o.pad_top, o.ksize, o.stride)) bits |= m.rows[s][k][y - t.oy0][qx];
    }
    if (bits == 0) continue;
    const int64_t row = first_row + static_cast<int64_t>(s) * images;
    uint32_t* w =
        o.masks + ((row * o.tiles_y + b.ty0 + qy) * o.tiles_x + b.tx0 + qx) * o.words + word;
    SetMaskBits(w, bits);
  }
  __syncthreads();  // read before cleared; the next chunk ORs in after its group loop's barriers
  for (int i = threadIdx.x; i < kSteps * kTile * kTile; i += kThreads) (&m.px[0][0])[i] = 0;
  if (threadIdx.x == 0) m.any = false;
}

// One block per (image, output tile, kChunkF output channels). `images` = N,
// the batch holds p.steps * N rows, step t of image n at row t * N + n.
// kMarks (NHWC only): it also marks `occ` (compiled apart, so the kernel
// without marks is the one measured before they existed).
template <int kSize, int kStride, int kTile, bool kNhwc, int kSteps, int kChunkF, int kMinBlocks,
          bool kMarks>
__global__ void __launch_bounds__(kThreads, kMinBlocks)
    ConvNeuronF16Kernel(Geometry g, int images, NeuronParams p, const uint16_t* __restrict__ x,
                        const uint16_t* __restrict__ w_packed, int cout_pad,
                        const __half* __restrict__ bias, __half* __restrict__ y, bool vec_ok,
                        SpikeOccupancy occ) {
#if defined(__CUDA_ARCH__) && __CUDA_ARCH__ >= 800
  using S = FusedStage<kSize, kStride, kTile, kSteps, kChunkF>;
  constexpr int kSpan = S::kSpan;
  constexpr int kM = kTile * kTile;           // 64 or 16 output pixels per step
  constexpr int kWarpsM = kM / 16;            // 4 or 1
  constexpr int kWarpsN = 4 / kWarpsM;        // 1 or 4
  constexpr int kNB = kChunkF / 8 / kWarpsN;  // 8-channel n-blocks per warp: 4 or 2
  extern __shared__ __align__(16) uint16_t smem[];

  const int cout0 = blockIdx.y * kChunkF;
  // The window of step 0 of image blockIdx.x / tiles per image; other steps
  // differ only in the batch row.
  const TileWindow t = MakeWindow(g, static_cast<int>(blockIdx.x), kSize, kStride);
  const int image = t.n;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int wm = warp % kWarpsM, wn = warp / kWarpsM;
  const int m = wm * 16 + (lane & 15);
  const int a_base =
      ((m / kTile) * kStride * kSpan + (m % kTile) * kStride) * kRow + (lane >> 4) * 8;
  const int b_base = ((lane >> 4) * 8 + (lane & 7)) * kRow + ((lane >> 3) & 1) * 8;
  const int n_first = wn * kNB * 8;

  // What the epilogue needs per output this thread owns, computed once: the
  // accumulator layout puts rows lane / 4 and lane / 4 + 8 of the warp's 16
  // pixels and columns 2 * (lane % 4) + {0, 1} of each n-block here.
  const int plane = g.out_h * g.out_w;
  int pix[2];  // the pixel's offset in one row of y (-1: outside the image)
#pragma unroll
  for (int h = 0; h < 2; ++h) {
    const int r = wm * 16 + (lane >> 2) + h * 8;
    const int ty = r / kTile, tx = r % kTile;
    const int at = (t.oy0 + ty) * g.out_w + t.ox0 + tx;
    pix[h] = ty < t.th && tx < t.tw ? (kNhwc ? at * g.c_out : at) : -1;
  }
  int k_of[kNB];
  float bias_of[kNB][2];
#pragma unroll
  for (int nb = 0; nb < kNB; ++nb) {
    k_of[nb] = cout0 + n_first + nb * 8 + 2 * (lane & 3);
#pragma unroll
    for (int j = 0; j < 2; ++j) {
      bias_of[nb][j] =
          bias != nullptr && k_of[nb] + j < g.c_out ? __half2float(bias[k_of[nb] + j]) : 0.0f;
    }
  }
  const bool pairs = g.c_out % 2 == 0 && IsAligned(y, sizeof(__half2));

  // Spike marks for the consumers of y (MarkFusedPixel).
  static_assert(!kMarks || (kNhwc && kNB % 2 == 0), "marks: NHWC, n-blocks in pairs");
  __shared__ std::conditional_t<kMarks, FusedMarks<kSteps, kTile>, char> marks;
  if constexpr (kMarks) {
    if (occ.count > 0) StartFusedMarks<kSteps, kTile>(occ, t, marks);
  }

  // The membrane of each output this thread owns (the same ones at every step).
  float v[kNB][4];
#pragma unroll
  for (int i = 0; i < kNB; ++i) v[i][0] = v[i][1] = v[i][2] = v[i][3] = InitialMembrane(p);

  for (int t0 = 0; t0 < p.steps; t0 += kSteps) {
    const int steps = min(kSteps, static_cast<int>(p.steps) - t0);
    const int first_row = t0 * images + image;
    float acc[kSteps][kNB][4];
#pragma unroll
    for (int s = 0; s < kSteps; ++s) {
#pragma unroll
      for (int i = 0; i < kNB; ++i)
        acc[s][i][0] = acc[s][i][1] = acc[s][i][2] = acc[s][i][3] = 0.0f;
    }
    LoadFusedGroup<kSize, kStride, kTile, kNhwc, kSteps, kChunkF>(
        g, t, first_row, images, steps, x, w_packed, cout_pad, cout0, vec_ok, 0, smem);
    for (int grp = 0; grp < g.num_groups; ++grp) {
      uint16_t* stage = smem + (grp % kStages) * S::kElems;
      if (grp + 1 < g.num_groups) {
        LoadFusedGroup<kSize, kStride, kTile, kNhwc, kSteps, kChunkF>(
            g, t, first_row, images, steps, x, w_packed, cout_pad, cout0, vec_ok, grp + 1,
            smem + ((grp + 1) % kStages) * S::kElems);
        CpAsyncWait<1>();
      } else {
        CpAsyncWait<0>();
      }
      __syncthreads();
      const uint16_t* wsm = stage + kSteps * S::kHaloElems;
#pragma unroll
      for (int ky = 0; ky < kSize; ++ky) {
#pragma unroll
        for (int kx = 0; kx < kSize; ++kx) {
          const int tap = ky * kSize + kx;
          uint32_t b[kNB / 2][4];
          LoadTapWeights<kNB>(b, wsm + (tap * kChunkF + n_first) * kRow + b_base);
#pragma unroll
          for (int s = 0; s < kSteps; ++s) {
            if (s >= steps) break;
            MmaTap<kNB>(acc[s], stage + s * S::kHaloElems + a_base + (ky * kSpan + kx) * kRow, b);
          }
        }
      }
      __syncthreads();  // the stage is free for the load after next
    }
    // The neuron over these steps, in order; only spikes leave the block.
#pragma unroll
    for (int s = 0; s < kSteps; ++s) {
      if (s >= steps) break;
      const int64_t row_at =
          (static_cast<int64_t>(first_row) + static_cast<int64_t>(s) * images) * g.c_out * plane;
      __half* y_row = y + row_at;
      uint32_t nz[kNB][2];  // kMarks: MarkFusedPixel's bits
#pragma unroll
      for (int nb = 0; nb < kNB; ++nb) {
        const int k = k_of[nb];
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          nz[nb][h] = 0;
          if (pix[h] < 0) continue;
          __half out[2];
#pragma unroll
          for (int j = 0; j < 2; ++j) {
            // Rounded to FP16 as the unfused conv stores it, then widened as
            // the neuron kernel reads it.
            const float x_t = __half2float(__float2half_rn(acc[s][nb][h * 2 + j] + bias_of[nb][j]));
            out[j] = __float2half_rn(Fire(p, v[nb][h * 2 + j], x_t));
            if (kMarks && k + j < g.c_out && NonZero(out[j])) {
              nz[nb][h] |= 1u << j;
            }
          }
          if (kNhwc && pairs && k + 1 < g.c_out) {
            *reinterpret_cast<__half2*>(y_row + pix[h] + k) = __halves2half2(out[0], out[1]);
          } else {
            for (int j = 0; j < 2 && k + j < g.c_out; ++j) {
              y_row[kNhwc ? pix[h] + k + j : static_cast<int64_t>(k + j) * plane + pix[h]] = out[j];
            }
          }
        }
      }
      if constexpr (kMarks) {
#pragma unroll
        for (int h = 0; h < 2; ++h) {
          MarkFusedPixel<kNB, kSteps, kTile>(
              occ, nz, h, pix[h] < 0 ? -1 : row_at + pix[h] + cout0 + n_first,
              wm * 16 + (lane >> 2) + h * 8, cout0 + n_first, g.c_out,
              static_cast<int64_t>(images) * g.c_out * plane, lane, s, marks);
        }
      }
    }
    if constexpr (kMarks) {
      if (occ.count > 0) {
        FlushFusedMarks<kSteps, kTile>(occ, t, first_row, images, cout0 / kGroup / 32, marks);
      }
    }
  }
#else
  __trap();  // mma.sync m16n8k16 needs sm_80; the runtime never launches this below it
#endif
}

template <int kSize, int kStride, int kTile, bool kNhwc, int kSteps, int kChunkF, int kMinBlocks>
cudaError_t LaunchFusedFor(const Geometry& g, int images, const NeuronParams& p, const uint16_t* x,
                           const uint16_t* w_packed, const __half* bias, __half* y, bool vec_ok,
                           const SpikeOccupancy& occ, cudaStream_t stream) {
  const dim3 grid(images * g.tiles_y * g.tiles_x, static_cast<int>(CeilDiv(g.c_out, kChunkF)));
  constexpr size_t kShared = kStages * FusedStage<kSize, kStride, kTile, kSteps, kChunkF>::kBytes;
  auto* kernel = ConvNeuronF16Kernel<kSize, kStride, kTile, kNhwc, kSteps, kChunkF, kMinBlocks,
                                     /*kMarks=*/false>;
  if constexpr (kNhwc) {
    if (occ.count > 0 || occ.packed != nullptr) {
      kernel = ConvNeuronF16Kernel<kSize, kStride, kTile, kNhwc, kSteps, kChunkF, kMinBlocks,
                                   /*kMarks=*/true>;
    }
  }
  int resident = 0;  // not needed: one block per work item
  if (const cudaError_t err = PrepareSharedKernel(reinterpret_cast<const void*>(kernel), kThreads,
                                                  kShared, &resident);
      err != cudaSuccess) {
    return err;
  }
  const int cout_pad = static_cast<int>(CeilDiv(g.c_out, kChunk) * kChunk);
  kernel<<<grid, kThreads, kShared, stream>>>(g, images, p, x, w_packed, cout_pad, bias, y, vec_ok,
                                              occ);
  return cudaSuccess;
}

// Steps per stage, output channels per block and blocks per SM asked of the
// register allocator, per tile edge, measured on an H100 (Spiking-ResNet18,
// N=16, T=4, docs/benchmarks.md): tile 8 runs 2 steps of 32 channels at 4
// blocks per SM (47 us on the 64->64 32x32 conv; 4 steps: 57-66 us, 64
// channels: 65 us); tile 4 runs 4 steps of 64 channels (44-52 us on the 8x8
// convs; 2 steps at 4 blocks per SM: 58-74 us).
template <int kSize, int kStride, bool kNhwc>
cudaError_t LaunchFusedTile(int tile, const Geometry& g, int images, const NeuronParams& p,
                            const uint16_t* x, const uint16_t* w_packed, const __half* bias,
                            __half* y, bool vec_ok, const SpikeOccupancy& occ,
                            cudaStream_t stream) {
  return tile == 8 ? LaunchFusedFor<kSize, kStride, 8, kNhwc, 2, 32, 4>(
                         g, images, p, x, w_packed, bias, y, vec_ok, occ, stream)
                   : LaunchFusedFor<kSize, kStride, 4, kNhwc, 4, 64, 1>(
                         g, images, p, x, w_packed, bias, y, vec_ok, occ, stream);
}
// Compiled for the same targets as the kernels above: its attributes tell
// which of them the driver loaded for the device.
__global__ void ArchProbeKernel() {}

}  // namespace

const char* SparseConvF16BuildUnsupportedReason() {
  cudaFuncAttributes attr{};
  if (cudaFuncGetAttributes(&attr, ArchProbeKernel) != cudaSuccess) {
    (void)cudaGetLastError();
    return "this build has no code for the device (CMAKE_CUDA_ARCHITECTURES)";
  }
  if (attr.ptxVersion < 80) {
    return "this build's code for the device is for an architecture below sm_80, where the "
           "tensor-core kernels are stubs (add 80 or 90 to CMAKE_CUDA_ARCHITECTURES)";
  }
  return "";
}

const char* SparseConvF16UnsupportedReason(const SparseConvShape& s) {
  if (s.tile != 4 && s.tile != 8) return "tile edge must be 4 or 8";
  if (s.cout_chunk != 64 && s.cout_chunk != 32 && (s.tile != 8 || s.cout_chunk != 16)) {
    return "output channels per work item must be 32 or 64, or 16 with tile 8";
  }
  if (const char* why = SparseConvUnsupportedReason(s); why[0] != '\0') return why;
  // (SmallDiv, in the empty tiles' bias store, splits up to c_out vectors.)
  if (s.c_out > (int64_t{1} << 21)) return "c_out is larger than 2097152";
  if (CeilDiv(s.c_in, kGroup) > 32 * kMaxMaskWords) return "c_in is larger than 4096";
  return "";
}

int SparseConvF16TileFor(int block) { return block >= 8 ? 8 : 4; }

int SparseConvF16ChunkFor(int tile) { return tile == 8 ? 32 : 64; }

namespace {
template <int kTile, int kChannels>
int GroupedTilesFor(const SparseConvShape& s) {
  return s.ksize == 3 ? (s.stride == 2 ? GroupedTiles<3, 2, kTile, kChannels>()
                                       : GroupedTiles<3, 1, kTile, kChannels>())
                      : (s.stride == 2 ? GroupedTiles<1, 2, kTile, kChannels>()
                                       : GroupedTiles<1, 1, kTile, kChannels>());
}
}  // namespace

int SparseConvF16TilesPerItem(const SparseConvShape& s) {
  if (!s.group_tiles) return 1;
  if (s.tile == 4 && s.cout_chunk == 64) return GroupedTilesFor<4, 64>(s);
  if (s.tile == 8 && s.cout_chunk == 32) return GroupedTilesFor<8, 32>(s);
  return 1;
}

size_t SparseConvF16SharedBytes(const SparseConvShape& s) {
  return s.ksize == 3 ? (s.stride == 2 ? ConvSharedBytesFor<3, 2>(s) : ConvSharedBytesFor<3, 1>(s))
                      : (s.stride == 2 ? ConvSharedBytesFor<1, 2>(s) : ConvSharedBytesFor<1, 1>(s));
}

cudaError_t SparseConvF16FitsDevice(const SparseConvShape& s, int device, bool* fits) {
  int optin = 0;
  const cudaError_t err =
      cudaDeviceGetAttribute(&optin, cudaDevAttrMaxSharedMemoryPerBlockOptin, device);
  *fits = err == cudaSuccess && SparseConvF16SharedBytes(s) <= static_cast<size_t>(optin);
  return err;
}

size_t SparseConvF16WorkspaceBytes(const SparseConvShape& s) {
  const Geometry g = sparse_detail::MakeGeometry(s, kGroup);
  return sizeof(int) * (kNumCounters + static_cast<size_t>(g.num_tiles)) +
         sizeof(uint32_t) * static_cast<size_t>(g.num_tiles) * MaskWords(g.num_groups);
}

int64_t SparseConvF16PackedWeightElems(int64_t c_out, int64_t c_in, int ksize) {
  return CeilDiv(c_in, kGroup) * ksize * ksize * CeilDiv(c_out, kChunk) * kChunk * kGroup;
}

void RepackSparseConvF16Weights(const uint16_t* w, int64_t c_out, int64_t c_in, int ksize,
                                bool krsc, uint16_t* out) {
  const int64_t taps = static_cast<int64_t>(ksize) * ksize;
  const int64_t cout_pad = CeilDiv(c_out, kChunk) * kChunk;
  std::memset(out, 0, sizeof(uint16_t) * SparseConvF16PackedWeightElems(c_out, c_in, ksize));
  for (int64_t k = 0; k < c_out; ++k) {
    for (int64_t c = 0; c < c_in; ++c) {
      for (int64_t t = 0; t < taps; ++t) {
        const int64_t from = krsc ? (k * taps + t) * c_in + c : (k * c_in + c) * taps + t;
        const int64_t grp = c / kGroup;
        out[((grp * taps + t) * cout_pad + k) * kGroup + c % kGroup] = w[from];
      }
    }
  }
}

cudaError_t LaunchSparseConvF16(const SparseConvShape& s, bool nhwc, const __half* x,
                                const uint16_t* w_packed, const __half* bias, __half* y,
                                void* workspace, cudaStream_t stream, int* zeroed_counters) {
  return Launch(s, nhwc, x, w_packed, bias, y, workspace, stream, Stages::kAll, nullptr, true,
                zeroed_counters);
}

cudaError_t LaunchSparseConvF16Prescan(const SparseConvShape& s, bool nhwc, const __half* x,
                                       void* workspace, cudaStream_t stream, uint32_t* masks_out,
                                       int* zeroed_counters) {
  return Launch(s, nhwc, x, nullptr, nullptr, nullptr, workspace, stream, Stages::kPrescanOnly,
                masks_out, true, zeroed_counters);
}

size_t SparseConvF16MaskBytes(const SparseConvShape& s) {
  const Geometry g = sparse_detail::MakeGeometry(s, kGroup);
  return sizeof(uint32_t) * static_cast<size_t>(g.num_tiles) * MaskWords(g.num_groups);
}

SpikeOccupancyTarget SparseConvF16OccupancyTarget(const SparseConvShape& s, uint32_t* masks) {
  const Geometry g = sparse_detail::MakeGeometry(s, kGroup);
  SpikeOccupancyTarget t;
  t.masks = masks;
  t.images = s.n;
  t.h = g.h;
  t.w = g.w;
  t.c = g.c_in;
  t.ksize = s.ksize;
  t.stride = s.stride;
  t.pad_top = g.pad_top;
  t.pad_left = g.pad_left;
  t.out_h = g.out_h;
  t.out_w = g.out_w;
  t.tile = g.tile;
  t.tiles_y = g.tiles_y;
  t.tiles_x = g.tiles_x;
  t.group = kGroup;
  t.words = MaskWords(g.num_groups);
  return t;
}

cudaError_t LaunchSparseConvF16Occupied(const SparseConvShape& s, const __half* x,
                                        const uint16_t* w_packed, const __half* bias, __half* y,
                                        const uint32_t* masks, void* workspace, bool count_tiles,
                                        cudaStream_t stream, int* zeroed_counters) {
  // The conv only reads the masks (Workspace holds one non-const pointer for both uses).
  return Launch(s, /*nhwc=*/true, x, w_packed, bias, y, workspace, stream, Stages::kOccupied,
                const_cast<uint32_t*>(masks), count_tiles, zeroed_counters);
}

cudaError_t LaunchSparseConvF16Switch(const SparseConvShape& s, bool nhwc, const __half* x,
                                      const __half* bias, __half* y, void* workspace,
                                      int threshold, cudaGraphConditionalHandle handle,
                                      cudaStream_t stream) {
  if (const cudaError_t err =
          Launch(s, nhwc, x, nullptr, bias, y, workspace, stream, Stages::kPrescanAndBias);
      err != cudaSuccess) {
    return err;
  }
  // With no tile (an empty output) Launch queues nothing and the switch
  // says 0: the sparse branch, which queues nothing either.
  const int num_tiles = sparse_detail::MakeGeometry(s, kGroup).num_tiles;
  const int* counters = num_tiles > 0 ? CarveWorkspace(workspace, num_tiles).counters : nullptr;
  SetDensitySwitchKernel<<<1, 1, 0, stream>>>(handle, counters, threshold);
  return cudaGetLastError();
}

cudaError_t LaunchSparseConvF16AfterSwitch(const SparseConvShape& s, bool nhwc, const __half* x,
                                           const uint16_t* w_packed, const __half* bias, __half* y,
                                           void* workspace, cudaStream_t stream) {
  return Launch(s, nhwc, x, w_packed, bias, y, workspace, stream, Stages::kConvOnly);
}

cudaError_t LaunchFillOnesPrefixF16(__half* x, int64_t count, int64_t ones, cudaStream_t stream) {
  if (count <= 0) return cudaSuccess;
  constexpr int kFillThreads = 256;
  const int64_t blocks = std::min<int64_t>(CeilDiv(count, kFillThreads), 65535);
  FillOnesPrefixKernel<<<static_cast<unsigned int>(blocks), kFillThreads, 0, stream>>>(
      reinterpret_cast<uint16_t*>(x), count, ones);
  return cudaGetLastError();
}

const char* ConvNeuronF16UnsupportedReason(const SparseConvShape& s, int64_t steps) {
  if (const char* why = SparseConvF16UnsupportedReason(s); why[0] != '\0') return why;
  if (steps < 1 || s.n % steps != 0) return "the batch is not a whole number of time steps";
  const Geometry g = sparse_detail::MakeGeometry(s, kGroup);
  if (static_cast<int64_t>(g.num_tiles) / steps > 0x7fffffff) return "too many tiles";
  return "";
}

const char* ConvNeuronF16MarksUnsupportedReason(const SparseConvShape& s, bool nhwc, int64_t steps,
                                                bool packed) {
  if (const char* why = ConvNeuronF16UnsupportedReason(s, steps); why[0] != '\0') return why;
  if (!nhwc) return "spike occupancy and bit-packed spikes are NHWC only";
  if (packed && s.c_out % 16 != 0) return "bit-packed spikes need a multiple of 16 output channels";
  return "";
}

cudaError_t LaunchConvNeuronF16(const SparseConvShape& s, bool nhwc, const __half* x_half,
                                const uint16_t* w_packed, const __half* bias, const NeuronParams& p,
                                __half* y, cudaStream_t stream, const SpikeOccupancy* occupancy) {
  if (p.state != nullptr || ConvNeuronF16UnsupportedReason(s, p.steps)[0] != '\0') {
    return cudaErrorInvalidValue;
  }
  const SpikeOccupancy occ = occupancy != nullptr ? *occupancy : SpikeOccupancy{};
  if (occ.count > 0 || occ.packed != nullptr) {
    if (*ConvNeuronF16MarksUnsupportedReason(s, nhwc, p.steps, occ.packed != nullptr) != '\0') {
      return cudaErrorInvalidValue;
    }
    const int64_t step_elements = s.n / p.steps * s.out_h * s.out_w * s.c_out;
    if (const cudaError_t err =
            PrepareSpikeOccupancy(&occ, DataType::kFloat16, p.steps, step_elements, stream);
        err != cudaSuccess) {
      return err;
    }
  }
  const Geometry g = sparse_detail::MakeGeometry(s, kGroup);
  if (g.num_tiles == 0 || g.c_out == 0) return cudaSuccess;
  const int images = static_cast<int>(s.n / p.steps);
  const auto* x = reinterpret_cast<const uint16_t*>(x_half);
  const bool vec_ok = s.c_in % 8 == 0 && IsAligned(x, sizeof(uint4));
  using Fn = cudaError_t (*)(int, const Geometry&, int, const NeuronParams&, const uint16_t*,
                             const uint16_t*, const __half*, __half*, bool, const SpikeOccupancy&,
                             cudaStream_t);
  const bool k1 = s.ksize == 1, s1 = s.stride == 1;
  const Fn fn = nhwc ? (k1 ? (s1 ? LaunchFusedTile<1, 1, true> : LaunchFusedTile<1, 2, true>)
                           : (s1 ? LaunchFusedTile<3, 1, true> : LaunchFusedTile<3, 2, true>))
                     : (k1 ? (s1 ? LaunchFusedTile<1, 1, false> : LaunchFusedTile<1, 2, false>)
                           : (s1 ? LaunchFusedTile<3, 1, false> : LaunchFusedTile<3, 2, false>));
  if (const cudaError_t e = fn(s.tile, g, images, p, x, w_packed, bias, y, vec_ok, occ, stream);
      e != cudaSuccess) {
    return e;
  }
  return cudaGetLastError();
}

}  // namespace sf::cuda
