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
  const bool ok = VisitElementSize(elem_bytes, [&](auto tag) {
    using U = decltype(tag);
    StridedCopyKernel<<<BlocksFor(n), kThreadsPerBlock, 0, stream>>>(
        ix, n, static_cast<const U*>(in), static_cast<U*>(out));
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
