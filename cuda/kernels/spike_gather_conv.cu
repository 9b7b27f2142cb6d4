#include <algorithm>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "cuda/kernels/device_util.cuh"
#include "cuda/kernels/sparse_conv_geometry.cuh"
#include "cuda/kernels/spike_gather_conv.h"

namespace sf::cuda {
namespace {

constexpr int kTile = 8;  // output tile edge
constexpr int kWarps = 32;
constexpr int kThreads = kWarps * 32;
// Largest opt-in shared memory per block on sm_90 (the launcher still checks
// the device's own limit).
constexpr int64_t kMaxShared = 227 * 1024;

using sparse_detail::CeilDiv;

// The block-sparse kernels' geometry (tile kTile; 32-channel groups, one mask
// word each) and what the gather adds.
struct Geometry : sparse_detail::Geometry {
  int ksize, stride;
  int halo;      // input halo edge of a tile: sparse_detail::Span(kTile, ksize, stride)
  int groups8;   // 8-channel groups of a pixel, ceil(c_in / 8): one load and mask byte each
  bool y_pairs;  // outputs may be stored as __half2 (even c_out, y 4-byte aligned)
};

int64_t WeightElems(int64_t c_in, int ksize, int chunk) {
  return static_cast<int64_t>(ksize) * ksize * c_in * chunk;
}

// Shared memory of the two halo buffers: masks, and for non-binary inputs
// the input halves (32 per mask word, so 16-byte aligned per pixel).
int64_t HaloBytes(int64_t c_in, int ksize, int stride, bool binary) {
  const int64_t halo = sparse_detail::Span(kTile, ksize, stride);
  const int64_t words = CeilDiv(c_in, 32);
  return 2 * halo * halo * words * (4 + (binary ? 0 : 64));
}

// The kCpl halves of one lane's part of a weight row, as raw bits.
template <int kCpl>
using RowBits = std::conditional_t<
    kCpl == 1, uint16_t,
    std::conditional_t<kCpl == 2, uint32_t, std::conditional_t<kCpl == 4, uint2, uint4>>>;

template <int kCpl>
__device__ __forceinline__ RowBits<kCpl> LoadRow(const __half* row) {
  return *reinterpret_cast<const RowBits<kCpl>*>(row);
}

__device__ __forceinline__ void AddPair(float* acc, uint32_t bits) {
  const float2 f = __half22float2(*reinterpret_cast<const __half2*>(&bits));
  acc[0] += f.x;
  acc[1] += f.y;
}

__device__ __forceinline__ void AddPair(float* acc, uint32_t bits, float v) {
  const float2 f = __half22float2(*reinterpret_cast<const __half2*>(&bits));
  acc[0] += v * f.x;  // exact: a product of two halves fits a float
  acc[1] += v * f.y;
}

// acc += the halves of `r` (kValues: times v), in channel order.
template <int kCpl, bool kValues>
__device__ __forceinline__ void AddRow(float (&acc)[kCpl], RowBits<kCpl> r, float v) {
  auto pair = [&](float* a, uint32_t bits) {
    if constexpr (kValues) {
      AddPair(a, bits, v);
    } else {
      AddPair(a, bits);
    }
  };
  if constexpr (kCpl == 1) {
    const float f = __half2float(__ushort_as_half(r));
    acc[0] += kValues ? v * f : f;
  } else if constexpr (kCpl == 2) {
    pair(acc, r);
  } else {
    pair(acc, r.x);
    pair(acc + 2, r.y);
    if constexpr (kCpl == 8) {
      pair(acc + 4, r.z);
      pair(acc + 6, r.w);
    }
  }
}

// Halo mask entries a thread keeps in flight (loaded before the current
// item's gather, stored after it); a larger halo takes the rest directly.
constexpr int kPrefetch = 2;

// One item's halo: entry e = (halo pixel, 8-channel group) -> one mask byte.
struct Halo {
  int n, ih0, iw0;

  __device__ Halo(const Geometry& g, int item) {
    const sparse_detail::TileWindow t = sparse_detail::MakeWindow(g, item, g.ksize, g.stride);
    n = t.n;
    ih0 = t.iy0;
    iw0 = t.ix0;
  }

  // The input pixel (index in [n][h][w] order) of halo pixel p, or -1 outside
  // the image and in rows/columns no tap reads.
  __device__ int64_t Pixel(const Geometry& g, int p) const {
    const int r = p / g.halo, col = p - r * g.halo;
    const int ih = ih0 + r, iw = iw0 + col;
    if (r % g.stride >= g.ksize || col % g.stride >= g.ksize || ih < 0 || ih >= g.h || iw < 0 ||
        iw >= g.w) {
      return -1;
    }
    return (static_cast<int64_t>(n) * g.h + ih) * g.w + iw;
  }

  // The 8 halves of entry e (0 where Pixel says none, and past c_in).
  __device__ uint4 Load(const Geometry& g, const uint16_t* x, bool vec, int e) const {
    const int p = e / g.groups8, c = (e - p * g.groups8) * 8;
    uint4 v = make_uint4(0, 0, 0, 0);
    const int64_t pixel = Pixel(g, p);
    if (pixel < 0) return v;
    const uint16_t* px = x + pixel * g.c_in + c;
    if (vec) return *reinterpret_cast<const uint4*>(px);  // c_in % 8 == 0, x 16-byte aligned
    uint16_t h[8];
#pragma unroll
    for (int i = 0; i < 8; ++i) h[i] = c + i < g.c_in ? px[i] : 0;
    v.x = h[0] | static_cast<uint32_t>(h[1]) << 16;
    v.y = h[2] | static_cast<uint32_t>(h[3]) << 16;
    v.z = h[4] | static_cast<uint32_t>(h[5]) << 16;
    v.w = h[6] | static_cast<uint32_t>(h[7]) << 16;
    return v;
  }

  // Bit-packed input (kBits), entry e = (halo pixel, 32-channel word): the
  // word as stored (0 where Pixel says none).
  __device__ uint32_t LoadBits(const Geometry& g, const uint32_t* x, int e) const {
    const int p = e / g.num_groups, word = e - p * g.num_groups;
    const int64_t pixel = Pixel(g, p);
    return pixel < 0 ? 0u : x[pixel * g.num_groups + word];
  }

  // Mask byte of halo pixel p's 8-channel group `group`: byte `group` of the
  // pixel's g.num_groups 32-bit words (bit b of word j: channel 32 j + b).
  __device__ static void Store(const Geometry& g, uint8_t* masks, int p, int group, uint4 v) {
    masks[p * g.num_groups * 4 + group] = static_cast<uint8_t>(NonZeroBits(v));
  }
};

// Block (slot, chunk): stages the chunk's weights, then takes (image, tile)
// items in turn. The halo masks (kValues: and values) are double-buffered: the
// next item's input loads are issued before this item's gather and stored
// after it. Shared memory: weights, [kValues: 2 value buffers], 2 mask buffers.
// kBits: the input is bit-packed (x_bits, [pixel][num_groups words]): its
// words are the masks, copied as they are (no values).
template <int kCpl, bool kValues, bool kBits>
__global__ void __launch_bounds__(kThreads, 1)
    SpikeGatherConvKernel(Geometry g, const uint16_t* __restrict__ x,
                          const uint32_t* __restrict__ x_bits, bool vec,
                          const uint16_t* __restrict__ w_packed, const __half* __restrict__ bias,
                          __half* __restrict__ y, int items) {
  static_assert(!(kBits && kValues), "bit-packed inputs are binary");
  constexpr int kChunk = 32 * kCpl;
  extern __shared__ __align__(16) unsigned char smem[];
  const int taps = g.ksize * g.ksize;
  const int w_elems = taps * g.c_in * kChunk;  // a multiple of 32 halves (64 B)
  const int mask_words = g.halo * g.halo * g.num_groups;
  const int val_stride = g.num_groups * 32;  // halves per halo pixel
  const int val_elems = kValues ? g.halo * g.halo * val_stride : 0;
  __half* ws = reinterpret_cast<__half*>(smem);
  __half* vals = ws + w_elems;
  uint32_t* masks = reinterpret_cast<uint32_t*>(vals + 2 * val_elems);
  const int q = blockIdx.y;
  {
    const uint4* src = reinterpret_cast<const uint4*>(w_packed + static_cast<int64_t>(q) * w_elems);
    uint4* dst = reinterpret_cast<uint4*>(ws);
    for (int i = threadIdx.x; i < w_elems / 8; i += kThreads) dst[i] = src[i];
    // Bytes past c_in's groups are never stored: zero them once.
    for (int i = threadIdx.x; i < 2 * mask_words; i += kThreads) masks[i] = 0;
  }
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  const int co = q * kChunk + lane * kCpl;  // this lane's first output channel
  float b[kCpl];
#pragma unroll
  for (int j = 0; j < kCpl; ++j) {
    b[j] = bias != nullptr && co + j < g.c_out ? __half2float(bias[co + j]) : 0.0f;
  }
  const bool vec_store = kCpl > 1 && g.y_pairs && co + kCpl <= g.c_out;
  // Halo entries: (pixel, 8-channel group), or (pixel, word) with kBits.
  const int entries = g.halo * g.halo * (kBits ? g.num_groups : g.groups8);
  const __half* w_lane = ws + lane * kCpl;

  using Entry = std::conditional_t<kBits, uint32_t, uint4>;
  Entry pre[kPrefetch];
  auto load = [&](const Halo& h, int e) -> Entry {
    if constexpr (kBits) {
      return h.LoadBits(g, x_bits, e);
    } else {
      return h.Load(g, x, vec, e);
    }
  };
  // Loads entries of `item`'s halo into pre[] (the first kPrefetch x kThreads).
  auto prefetch = [&](int item) {
    const Halo h(g, item);
#pragma unroll
    for (int k = 0; k < kPrefetch; ++k) {
      const int e = threadIdx.x + k * kThreads;
      if (e < entries) pre[k] = load(h, e);
    }
  };
  // Stores `item`'s halo into buffer `b`: pre[] and the entries past them.
  auto commit = [&](int item, int b) {
    auto store = [&](int e, Entry v) {
      if constexpr (kBits) {
        masks[b * mask_words + e] = v;  // entry e is word e of [pixel][word]
      } else {
        const int p = e / g.groups8, group = e - p * g.groups8;
        Halo::Store(g, reinterpret_cast<uint8_t*>(masks + b * mask_words), p, group, v);
        if constexpr (kValues) {  // the 8 halves, 16-byte aligned
          *reinterpret_cast<uint4*>(vals + b * val_elems + p * val_stride + group * 8) = v;
        }
      }
    };
#pragma unroll
    for (int k = 0; k < kPrefetch; ++k) {
      const int e = threadIdx.x + k * kThreads;
      if (e < entries) store(e, pre[k]);
    }
    const Halo h(g, item);
    for (int e = threadIdx.x + kPrefetch * kThreads; e < entries; e += kThreads) {
      store(e, load(h, e));
    }
  };

  __syncthreads();  // weights in, masks zeroed
  int buf = 0;
  if (blockIdx.x < items) {
    prefetch(blockIdx.x);
    commit(blockIdx.x, 0);
  }
  __syncthreads();
  for (int item = blockIdx.x; item < items; item += gridDim.x) {
    const int next = item + gridDim.x;
    if (next < items) prefetch(next);
    const uint32_t* cur = masks + buf * mask_words;
    const __half* cur_vals = vals + buf * val_elems;
    const sparse_detail::TileWindow tile = sparse_detail::MakeWindow(g, item, g.ksize, g.stride);
    const int n = tile.n, oh0 = tile.oy0, ow0 = tile.ox0;
    for (int p = warp; p < kTile * kTile; p += kWarps) {
      const int py = p / kTile, px = p % kTile;
      const int oh = oh0 + py, ow = ow0 + px;
      if (oh >= g.out_h || ow >= g.out_w) continue;  // warp-uniform
      float acc[kCpl] = {};
      for (int kh = 0; kh < g.ksize; ++kh) {
        for (int kw = 0; kw < g.ksize; ++kw) {
          const int hp = (py * g.stride + kh) * g.halo + px * g.stride + kw;  // halo pixel
          const uint32_t* m = cur + hp * g.num_groups;
          const __half* w_tap = w_lane + (kh * g.ksize + kw) * g.c_in * kChunk;
          for (int word = 0; word < g.num_groups; ++word) {
            uint32_t bits = m[word];  // the same for every lane
            const __half* w_rows = w_tap + word * 32 * kChunk;
            const __half* v_word = cur_vals + hp * val_stride + word * 32;  // kValues only
            auto value = [&](int i) { return kValues ? __half2float(v_word[i]) : 1.0f; };
            // Two rows per step: both loads in flight, added in channel order.
            while (bits != 0) {
              const int i0 = __ffs(bits) - 1;
              bits &= bits - 1;
              const RowBits<kCpl> r0 = LoadRow<kCpl>(w_rows + i0 * kChunk);
              if (bits != 0) {
                const int i1 = __ffs(bits) - 1;
                bits &= bits - 1;
                const RowBits<kCpl> r1 = LoadRow<kCpl>(w_rows + i1 * kChunk);
                AddRow<kCpl, kValues>(acc, r0, value(i0));
                AddRow<kCpl, kValues>(acc, r1, value(i1));
              } else {
                AddRow<kCpl, kValues>(acc, r0, value(i0));
              }
            }
          }
        }
      }
      __half* out = y + ((static_cast<int64_t>(n) * g.out_h + oh) * g.out_w + ow) * g.c_out + co;
      if (vec_store) {
#pragma unroll
        for (int j = 0; j < kCpl / 2; ++j) {
          reinterpret_cast<__half2*>(out)[j] =
              __floats2half2_rn(acc[2 * j] + b[2 * j], acc[2 * j + 1] + b[2 * j + 1]);
        }
      } else {
#pragma unroll
        for (int j = 0; j < kCpl; ++j) {
          if (co + j < g.c_out) out[j] = __float2half_rn(acc[j] + b[j]);
        }
      }
    }
    // The other buffer was last read before the previous barrier.
    if (next < items) commit(next, buf ^ 1);
    __syncthreads();
    buf ^= 1;
  }
}

template <int kCpl, bool kValues, bool kBits>
cudaError_t LaunchFor(const Geometry& g, const uint16_t* x, const uint32_t* x_bits,
                      const uint16_t* w_packed, const __half* bias, __half* y, size_t shared,
                      cudaStream_t stream) {
  auto* kernel = SpikeGatherConvKernel<kCpl, kValues, kBits>;
  int resident = 0;
  if (const cudaError_t err =
          PrepareSharedKernel(reinterpret_cast<const void*>(kernel), kThreads, shared, &resident);
      err != cudaSuccess) {
    return err;
  }
  if (resident < 1) return cudaErrorInvalidConfiguration;  // shared memory over the device's limit
  const int items = g.num_tiles;
  const int chunks = static_cast<int>(CeilDiv(g.c_out, 32 * kCpl));
  const int slots = std::max(1, std::min(items, resident / chunks));
  const bool vec = g.c_in % 8 == 0 && reinterpret_cast<uintptr_t>(x) % 16 == 0;
  kernel<<<dim3(slots, chunks), kThreads, shared, stream>>>(g, x, x_bits, vec, w_packed, bias, y,
                                                            items);
  return cudaGetLastError();
}

template <bool kValues, bool kBits>
cudaError_t LaunchForChunk(int chunk, const Geometry& g, const uint16_t* x, const uint32_t* x_bits,
                           const uint16_t* w_packed, const __half* bias, __half* y, size_t shared,
                           cudaStream_t stream) {
  switch (chunk) {
    case 32:
      return LaunchFor<1, kValues, kBits>(g, x, x_bits, w_packed, bias, y, shared, stream);
    case 64:
      return LaunchFor<2, kValues, kBits>(g, x, x_bits, w_packed, bias, y, shared, stream);
    case 128:
      return LaunchFor<4, kValues, kBits>(g, x, x_bits, w_packed, bias, y, shared, stream);
    default:
      return LaunchFor<8, kValues, kBits>(g, x, x_bits, w_packed, bias, y, shared, stream);
  }
}

}  // namespace

int SpikeGatherConvChunk(int64_t c_out, int64_t c_in, int ksize) {
  if (c_out < 1 || c_in < 1 || ksize < 1) return 0;
  for (int cpl = 8; cpl >= 1; cpl /= 2) {
    const int chunk = 32 * cpl;
    if (cpl > 1 && chunk > CeilDiv(c_out, 32) * 32) continue;  // channels it would not fill
    if (WeightElems(c_in, ksize, chunk) * 2 <= kSpikeGatherWeightBytes) return chunk;
  }
  return 0;
}

const char* SpikeGatherConvUnsupportedReason(const SparseConvShape& s) {
  if (s.ksize < 1 || s.ksize > 7) return "kernel size must be 1..7";
  if (s.stride < 1 || s.stride > 4) return "stride must be 1..4";
  if (s.n < 1 || s.c_in < 1 || s.c_out < 1 || s.h < 1 || s.w < 1 || s.out_h < 1 || s.out_w < 1) {
    return "every size must be >= 1";
  }
  if (s.pad_top < 0 || s.pad_left < 0) return "padding must be >= 0";
  constexpr int64_t kIntMax = std::numeric_limits<int>::max();
  if (s.n * s.h * s.w > kIntMax / s.c_in || s.n * s.out_h * s.out_w > kIntMax / s.c_out ||
      s.h > kIntMax / 8 || s.w > kIntMax / 8) {
    return "tensor too large for 32-bit pixel indexing";
  }
  const int chunk = SpikeGatherConvChunk(s.c_out, s.c_in, s.ksize);
  if (chunk == 0) return "the weights of 32 output channels exceed the shared memory of a block";
  if (static_cast<int64_t>(SpikeGatherConvSharedBytes(s)) > kMaxShared) {
    return "weights and halo masks exceed the shared memory of a block";
  }
  return "";
}

size_t SpikeGatherConvSharedBytes(const SparseConvShape& s) {
  const int chunk = SpikeGatherConvChunk(s.c_out, s.c_in, s.ksize);
  if (chunk == 0) return 0;
  return static_cast<size_t>(WeightElems(s.c_in, s.ksize, chunk) * 2 +
                             HaloBytes(s.c_in, s.ksize, s.stride, s.binary));
}

int64_t SpikeGatherConvPackedWeightElems(int64_t c_out, int64_t c_in, int ksize) {
  const int chunk = SpikeGatherConvChunk(c_out, c_in, ksize);
  if (chunk == 0) return 0;
  return CeilDiv(c_out, chunk) * WeightElems(c_in, ksize, chunk);
}

void RepackSpikeGatherConvWeights(const uint16_t* w, int64_t c_out, int64_t c_in, int ksize,
                                  bool krsc, uint16_t* out) {
  const int chunk = SpikeGatherConvChunk(c_out, c_in, ksize);
  if (chunk == 0) return;
  const int64_t taps = static_cast<int64_t>(ksize) * ksize;
  const int64_t chunks = CeilDiv(c_out, chunk);
  for (int64_t q = 0; q < chunks; ++q) {
    for (int64_t t = 0; t < taps; ++t) {
      for (int64_t c = 0; c < c_in; ++c) {
        uint16_t* row = out + ((q * taps + t) * c_in + c) * chunk;
        for (int64_t j = 0; j < chunk; ++j) {
          const int64_t o = q * chunk + j;
          row[j] = o >= c_out ? 0
                   : krsc     ? w[(o * taps + t) * c_in + c]
                              : w[(o * c_in + c) * taps + t];
        }
      }
    }
  }
}

namespace {

// x (float16) or x_bits (bit-packed, binary only) -> y.
cudaError_t LaunchGather(const SparseConvShape& s, const __half* x, const uint32_t* x_bits,
                         const uint16_t* w_packed, const __half* bias, __half* y,
                         cudaStream_t stream) {
  if (*SpikeGatherConvUnsupportedReason(s) != '\0') return cudaErrorInvalidValue;
  if (reinterpret_cast<uintptr_t>(w_packed) % 16 != 0)
    return cudaErrorInvalidValue;  // uint4 copies
  if (CeilDiv(s.out_h, kTile) * CeilDiv(s.out_w, kTile) * s.n > std::numeric_limits<int>::max()) {
    return cudaErrorInvalidValue;
  }
  SparseConvShape tiled = s;
  tiled.tile = kTile;
  Geometry g{};
  static_cast<sparse_detail::Geometry&>(g) = sparse_detail::MakeGeometry(tiled, 32);
  g.ksize = s.ksize;
  g.stride = s.stride;
  g.halo = sparse_detail::Span(kTile, s.ksize, s.stride);
  g.groups8 = static_cast<int>(CeilDiv(s.c_in, 8));
  g.y_pairs = s.c_out % 2 == 0 && reinterpret_cast<uintptr_t>(y) % 4 == 0;
  const int chunk = SpikeGatherConvChunk(s.c_out, s.c_in, s.ksize);
  const size_t shared = SpikeGatherConvSharedBytes(s);
  const auto* xh = reinterpret_cast<const uint16_t*>(x);
  if (x_bits != nullptr) {
    return LaunchForChunk<false, true>(chunk, g, nullptr, x_bits, w_packed, bias, y, shared,
                                       stream);
  }
  return s.binary ? LaunchForChunk<false, false>(chunk, g, xh, nullptr, w_packed, bias, y, shared,
                                                 stream)
                  : LaunchForChunk<true, false>(chunk, g, xh, nullptr, w_packed, bias, y, shared,
                                                stream);
}

}  // namespace

cudaError_t LaunchSpikeGatherConvF16(const SparseConvShape& s, const __half* x,
                                     const uint16_t* w_packed, const __half* bias, __half* y,
                                     cudaStream_t stream) {
  return LaunchGather(s, x, nullptr, w_packed, bias, y, stream);
}

const char* SpikeGatherConvPackedUnsupportedReason(const SparseConvShape& s) {
  if (const char* why = SpikeGatherConvUnsupportedReason(s); *why != '\0') return why;
  if (!s.binary) return "bit-packed inputs hold spikes only (a binary input)";
  if (s.c_in % 32 != 0) return "bit-packed inputs need a multiple of 32 input channels";
  return "";
}

cudaError_t LaunchSpikeGatherConvF16Packed(const SparseConvShape& s, const uint32_t* x_bits,
                                           const uint16_t* w_packed, const __half* bias, __half* y,
                                           cudaStream_t stream) {
  if (*SpikeGatherConvPackedUnsupportedReason(s) != '\0' || x_bits == nullptr ||
      reinterpret_cast<uintptr_t>(x_bits) % sizeof(uint32_t) != 0) {
    return cudaErrorInvalidValue;
  }
  return LaunchGather(s, nullptr, x_bits, w_packed, bias, y, stream);
}

}  // namespace sf::cuda
