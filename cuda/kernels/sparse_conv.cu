#include <algorithm>
#include <climits>

#include "cuda/kernels/sparse_conv.h"
#include "cuda/kernels/sparse_conv_geometry.cuh"

namespace sf::cuda {
namespace {

using sparse_detail::CeilDiv;
using sparse_detail::Geometry;
using sparse_detail::IsRead;
using sparse_detail::kNumCounters;
using sparse_detail::MakeWindow;
using sparse_detail::Span;
using sparse_detail::TileWindow;

constexpr int kGroup = kSparseConvChannelGroup;
constexpr int kPrescanThreads = 128;
// Output channels per conv block (one per thread).
constexpr int kMaxChannelsPerBlock = 64;
constexpr int kWarp = 32;
// Local window coordinates are packed into 5 bits each.
constexpr int kCoordBits = 5;
constexpr size_t kMaxStaticSharedBytes = 48 * 1024;

struct Workspace {
  int* counters;
  int* work;         // [num_tiles] tile indices: active from the front, empty from the back
  int* group_count;  // [num_tiles] non-empty channel groups per tile
  int* groups;       // [num_tiles][num_groups] ascending group indices
};

int64_t AlignUp(int64_t v, int64_t a) { return CeilDiv(v, a) * a; }

int ChannelsPerBlock(int64_t c_out) {
  return static_cast<int>(std::min<int64_t>(kMaxChannelsPerBlock, AlignUp(c_out, kWarp)));
}

Geometry MakeGeometry(const SparseConvShape& s) { return sparse_detail::MakeGeometry(s, kGroup); }

Workspace CarveWorkspace(const Geometry& g, void* base) {
  int* p = static_cast<int*>(base);
  return Workspace{p, p + kNumCounters, p + kNumCounters + g.num_tiles,
                   p + kNumCounters + 2 * static_cast<int64_t>(g.num_tiles)};
}

size_t ConvSharedBytes(int tile, int ksize, int stride, int threads) {
  const int span = Span(tile, ksize, stride);
  const size_t entries = static_cast<size_t>(kGroup) * span * span + threads / kWarp;
  const size_t acc = static_cast<size_t>(tile) * tile * (threads + 1);
  return sizeof(float) * acc + (sizeof(int) + sizeof(float)) * entries +
         sizeof(int) * (threads / kWarp);
}

template <int kSize, int kStride>
__global__ void PrescanKernel(Geometry g, const float* __restrict__ x, Workspace ws) {
  extern __shared__ int group_active[];
  const int tile_index = blockIdx.x;
  for (int i = threadIdx.x; i < g.num_groups; i += blockDim.x) group_active[i] = 0;
  __syncthreads();
  const TileWindow t = MakeWindow(g, tile_index, kSize, kStride);
  const int rows = max(t.ly1 - t.ly0, 0), cols = max(t.lx1 - t.lx0, 0);
  const int plane = rows * cols;
  const int64_t total = static_cast<int64_t>(g.c_in) * plane;
  const float* image = x + static_cast<int64_t>(t.n) * g.c_in * g.h * g.w;
  for (int64_t e = threadIdx.x; e < total; e += blockDim.x) {
    const int c = static_cast<int>(e / plane);
    const int rest = static_cast<int>(e - static_cast<int64_t>(c) * plane);
    const int ly = t.ly0 + rest / cols, lx = t.lx0 + rest % cols;
    if (!IsRead<kSize, kStride>(ly, t.th) || !IsRead<kSize, kStride>(lx, t.tw)) continue;
    const float v = image[(static_cast<int64_t>(c) * g.h + t.iy0 + ly) * g.w + t.ix0 + lx];
    // Atomic: many threads may mark one group (racecheck-clean; no early-out
    // read of the flag, which would race with these writes).
    if (v != 0.0f) atomicOr(&group_active[c / kGroup], 1);
  }
  __syncthreads();
  if (threadIdx.x != 0) return;
  int count = 0;
  int* list = ws.groups + static_cast<int64_t>(tile_index) * g.num_groups;
  for (int i = 0; i < g.num_groups; ++i) {
    if (group_active[i] != 0) list[count++] = i;
  }
  ws.group_count[tile_index] = count;
  // Bounded: counters a caller failed to zero (LaunchSparseConv's
  // zeroed_counters) give a wrong result, never a write past the list.
  if (count > 0) {
    const int slot = atomicAdd(&ws.counters[0], 1);
    if (slot < g.num_tiles) ws.work[slot] = tile_index;
    atomicAdd(&ws.counters[2], count);
  } else {
    const int slot = atomicAdd(&ws.counters[1], 1);
    if (slot < g.num_tiles) ws.work[g.num_tiles - 1 - slot] = tile_index;
  }
}

// Writes value(k_local, oy, ox) for the tile's outputs of channels
// [k0, k0 + blockDim.x), coalesced along output rows.
template <typename Value>
__device__ void StoreTile(const Geometry& g, const TileWindow& t, int k0, float* y, Value value) {
  const int pixels = t.th * t.tw;
  for (int i = threadIdx.x; i < blockDim.x * pixels; i += blockDim.x) {
    const int kl = i / pixels, p = i - kl * pixels;
    const int k = k0 + kl;
    if (k >= g.c_out) continue;
    const int oy = p / t.tw, ox = p - oy * t.tw;
    y[((static_cast<int64_t>(t.n) * g.c_out + k) * g.out_h + t.oy0 + oy) * g.out_w + t.ox0 + ox] =
        value(kl, oy, ox);
  }
}

template <int kSize, int kStride, bool kBinary>
__global__ void SparseConvKernel(Geometry g, const float* __restrict__ x,
                                 const float* __restrict__ w_packed, const float* __restrict__ bias,
                                 float* __restrict__ y, Workspace ws) {
  const int slot = blockIdx.x;
  const int tile_index = ws.work[slot];
  if (tile_index < 0 || tile_index >= g.num_tiles) return;  // only if the counters were not zeroed
  const TileWindow t = MakeWindow(g, tile_index, kSize, kStride);
  const int kb = blockDim.x;
  const int kl = threadIdx.x;
  const int k0 = blockIdx.y * kb;
  const int k = k0 + kl;
  const bool k_valid = k < g.c_out;

  if (slot >= ws.counters[0]) {  // empty tile: bias only
    StoreTile(g, t, k0, y,
              [&](int kl2, int, int) { return bias != nullptr ? bias[k0 + kl2] : 0.0f; });
    return;
  }

  extern __shared__ float smem[];
  const int acc_stride = kb + 1;
  const int warps = kb / kWarp;
  const int span = Span(g.tile, kSize, kStride);
  const int capacity = kGroup * span * span + warps;
  float* acc = smem;
  int* keys = reinterpret_cast<int*>(acc + g.tile * g.tile * acc_stride);
  float* vals = reinterpret_cast<float*>(keys + capacity);
  int* warp_count = reinterpret_cast<int*>(vals + capacity);

  const float b = k_valid && bias != nullptr ? bias[k] : 0.0f;
  for (int p = 0; p < g.tile * g.tile; ++p) acc[p * acc_stride + kl] = b;

  const int warp = kl / kWarp, lane = kl % kWarp;
  const int rows = max(t.ly1 - t.ly0, 0), cols = max(t.lx1 - t.lx0, 0);
  const int plane = rows * cols;
  const float* image = x + static_cast<int64_t>(t.n) * g.c_in * g.h * g.w;
  const int num_groups = ws.group_count[tile_index];
  const int* groups = ws.groups + static_cast<int64_t>(tile_index) * g.num_groups;
  for (int gi = 0; gi < num_groups; ++gi) {
    const int c0 = groups[gi] * kGroup;
    const int cn = min(kGroup, g.c_in - c0);
    // Each warp compacts its own contiguous share of the window, in order.
    const int total = cn * plane;
    const int share = (total + warps - 1) / warps;
    const int begin = warp * share, end = min(begin + share, total);
    int count = 0;
    for (int base = begin; base < end; base += kWarp) {
      const int e = base + lane;
      float v = 0.0f;
      int key = 0;
      if (e < end) {
        const int c = e / plane, rest = e - c * plane;
        const int ly = t.ly0 + rest / cols, lx = t.lx0 + rest % cols;
        if (IsRead<kSize, kStride>(ly, t.th) && IsRead<kSize, kStride>(lx, t.tw)) {
          v = image[(static_cast<int64_t>(c0 + c) * g.h + t.iy0 + ly) * g.w + t.ix0 + lx];
        }
        key = (c << (2 * kCoordBits)) | (ly << kCoordBits) | lx;
      }
      const unsigned mask = __ballot_sync(0xffffffffu, v != 0.0f);
      if (v != 0.0f) {
        const int at = begin + count + __popc(mask & ((1u << lane) - 1u));
        keys[at] = key;
        vals[at] = v;
      }
      count += __popc(mask);
    }
    if (lane == 0) warp_count[warp] = count;
    __syncthreads();
    for (int wi = 0; wi < warps; ++wi) {
      const int first = wi * share;
      const int n_entries = warp_count[wi];
      for (int i = 0; i < n_entries; ++i) {
        const int key = keys[first + i];
        const float v = vals[first + i];
        const int c = key >> (2 * kCoordBits);
        const int ly = (key >> kCoordBits) & ((1 << kCoordBits) - 1);
        const int lx = key & ((1 << kCoordBits) - 1);
        const float* w_rows = w_packed + static_cast<int64_t>(c0 + c) * kSize * kSize * g.c_out + k;
#pragma unroll
        for (int r = 0; r < kSize; ++r) {
          const int ty = ly - r;
          if (ty < 0 || ty % kStride != 0 || ty / kStride >= t.th) continue;
          const int oy = ty / kStride;
#pragma unroll
          for (int s = 0; s < kSize; ++s) {
            const int tx = lx - s;
            if (tx < 0 || tx % kStride != 0 || tx / kStride >= t.tw) continue;
            const int ox = tx / kStride;
            if (k_valid) {
              const float wv = __ldg(w_rows + static_cast<int64_t>(r * kSize + s) * g.c_out);
              acc[(oy * g.tile + ox) * acc_stride + kl] += kBinary ? wv : v * wv;
            }
          }
        }
      }
    }
    __syncthreads();
  }
  StoreTile(g, t, k0, y,
            [&](int kl2, int oy, int ox) { return acc[(oy * g.tile + ox) * acc_stride + kl2]; });
}

template <int kSize, int kStride>
void LaunchPrescanFor(const Geometry& g, const float* x, const Workspace& ws, cudaStream_t stream) {
  PrescanKernel<kSize, kStride>
      <<<g.num_tiles, kPrescanThreads, sizeof(int) * g.num_groups, stream>>>(g, x, ws);
}

template <int kSize, int kStride>
void LaunchConvFor(const SparseConvShape& s, const Geometry& g, const float* x,
                   const float* w_packed, const float* bias, float* y, const Workspace& ws,
                   cudaStream_t stream) {
  const int threads = ChannelsPerBlock(s.c_out);
  const dim3 grid(g.num_tiles, static_cast<unsigned>(CeilDiv(s.c_out, threads)));
  const size_t shared = ConvSharedBytes(s.tile, kSize, kStride, threads);
  if (s.binary) {
    SparseConvKernel<kSize, kStride, true>
        <<<grid, threads, shared, stream>>>(g, x, w_packed, bias, y, ws);
  } else {
    SparseConvKernel<kSize, kStride, false>
        <<<grid, threads, shared, stream>>>(g, x, w_packed, bias, y, ws);
  }
}

// Queues the counter reset and the prescan, then (with `conv`) the conv kernel,
// each instantiated for the shape's kernel size and stride.
cudaError_t Launch(const SparseConvShape& s, const float* x, const float* w_packed,
                   const float* bias, float* y, void* workspace, cudaStream_t stream, bool conv,
                   int* zeroed_counters) {
  const Geometry g = MakeGeometry(s);
  if (g.num_tiles == 0) return cudaSuccess;
  Workspace ws = CarveWorkspace(g, workspace);
  if (zeroed_counters != nullptr) {
    ws.counters = zeroed_counters;  // zeroed by the caller
  } else if (const cudaError_t err =
                 cudaMemsetAsync(ws.counters, 0, sizeof(int) * kNumCounters, stream);
             err != cudaSuccess) {
    return err;
  }
  using Prescan = void (*)(const Geometry&, const float*, const Workspace&, cudaStream_t);
  using Conv = void (*)(const SparseConvShape&, const Geometry&, const float*, const float*,
                        const float*, float*, const Workspace&, cudaStream_t);
  const bool k1 = s.ksize == 1, s1 = s.stride == 1;
  const Prescan prescan = k1 ? (s1 ? LaunchPrescanFor<1, 1> : LaunchPrescanFor<1, 2>)
                             : (s1 ? LaunchPrescanFor<3, 1> : LaunchPrescanFor<3, 2>);
  const Conv conv_for = k1 ? (s1 ? LaunchConvFor<1, 1> : LaunchConvFor<1, 2>)
                           : (s1 ? LaunchConvFor<3, 1> : LaunchConvFor<3, 2>);
  prescan(g, x, ws, stream);
  if (conv) conv_for(s, g, x, w_packed, bias, y, ws, stream);
  return cudaGetLastError();
}

}  // namespace

const char* SparseConvUnsupportedReason(const SparseConvShape& s) {
  if (s.ksize != 1 && s.ksize != 3) return "kernel size must be 1 or 3";
  if (s.stride != 1 && s.stride != 2) return "stride must be 1 or 2";
  if (s.tile < 1 || s.tile > kSparseConvMaxTile) return "tile edge must be 1..8";
  if (s.n < 0 || s.c_in < 1 || s.h < 0 || s.w < 0 || s.c_out < 1 || s.out_h < 0 || s.out_w < 0 ||
      s.pad_top < 0 || s.pad_left < 0) {
    return "sizes must be non-negative (channels positive)";
  }
  if (s.h > INT_MAX / 4 || s.w > INT_MAX / 4 || s.c_in > INT_MAX / 4 || s.c_out > INT_MAX / 4 ||
      s.pad_top > s.h + 2 || s.pad_left > s.w + 2) {
    return "a size or padding is too large";
  }
  const int64_t tiles = s.n * CeilDiv(s.out_h, s.tile) * CeilDiv(s.out_w, s.tile);
  if (tiles > INT_MAX / 4 || tiles * CeilDiv(s.c_in, kGroup) > INT_MAX / 4) {
    return "too many (tile, channel group) pairs";
  }
  if (sizeof(int) * CeilDiv(s.c_in, kGroup) > kMaxStaticSharedBytes) return "c_in is too large";
  if (CeilDiv(s.c_out, ChannelsPerBlock(s.c_out)) > 65535) return "c_out is too large";
  return "";
}

int SparseConvTileFor(int block) { return std::clamp(block, 1, kSparseConvMaxTile); }

size_t SparseConvWorkspaceBytes(const SparseConvShape& s) {
  const Geometry g = MakeGeometry(s);
  const int64_t ints = kNumCounters + 2 * static_cast<int64_t>(g.num_tiles) +
                       static_cast<int64_t>(g.num_tiles) * g.num_groups;
  return static_cast<size_t>(ints) * sizeof(int);
}

void RepackSparseConvWeights(const float* w_okk, int64_t c_out, int64_t c_in, int ksize,
                             float* out) {
  const int64_t taps = static_cast<int64_t>(ksize) * ksize;
  for (int64_t k = 0; k < c_out; ++k) {
    for (int64_t c = 0; c < c_in; ++c) {
      for (int64_t t = 0; t < taps; ++t) {
        out[(c * taps + t) * c_out + k] = w_okk[(k * c_in + c) * taps + t];
      }
    }
  }
}

cudaError_t LaunchSparseConv(const SparseConvShape& s, const float* x, const float* w_packed,
                             const float* bias, float* y, void* workspace, cudaStream_t stream,
                             int* zeroed_counters) {
  return Launch(s, x, w_packed, bias, y, workspace, stream, /*conv=*/true, zeroed_counters);
}

size_t SparseConvCounterBytes() { return sizeof(int) * kNumCounters; }

cudaError_t LaunchSparseConvPrescan(const SparseConvShape& s, const float* x, void* workspace,
                                    cudaStream_t stream, int* zeroed_counters) {
  return Launch(s, x, nullptr, nullptr, nullptr, workspace, stream, /*conv=*/false,
                zeroed_counters);
}

cudaError_t CopySparseConvCountersAsync(const void* workspace, SparseConvCounters* pinned_out,
                                        cudaStream_t stream) {
  static_assert(sizeof(SparseConvCounters) == 3 * sizeof(int) && kNumCounters >= 3,
                "SparseConvCounters mirrors the first three workspace counters");
  return cudaMemcpyAsync(pinned_out, workspace, sizeof(SparseConvCounters),
                         cudaMemcpyDeviceToHost, stream);
}

cudaError_t ReadSparseConvCounters(const void* workspace, SparseConvCounters* out) {
  int host[kNumCounters] = {};
  const cudaError_t err = cudaMemcpy(host, workspace, sizeof(host), cudaMemcpyDeviceToHost);
  if (err != cudaSuccess) return err;
  *out = SparseConvCounters{host[0], host[1], host[2]};
  return cudaSuccess;
}

}  // namespace sf::cuda
