// Marking a block-sparse conv's spike occupancy (SpikeOccupancy in neuron.h)
// from the device code that stores its input: the neuron kernels
// (neuron.cu) and the fused conv + neuron kernels (sparse_conv_f16.cu,
// direct_conv_neuron.cu), so that all of them mark the prescan's masks.
// Internal to cuda/kernels.
#ifndef SF_CUDA_KERNELS_SPIKE_OCCUPANCY_CUH_
#define SF_CUDA_KERNELS_SPIKE_OCCUPANCY_CUH_

#include <cuda_runtime.h>

#include <cstdint>

#include "cuda/kernels/device_util.cuh"
#include "cuda/kernels/neuron.h"

namespace sf::cuda {

// Where element e of step 0 lands in a target: its image, the output tiles
// that read it (rows ty0..ty1, columns tx0..tx1; none when ty0 > ty1) and its
// channel group's mask word and bit. At step t the image moves on by the
// images of one step; the rest stays. 32-bit arithmetic: the launcher
// allows no target of 2^31 elements or more.
struct OccupancyPlace {
  int image;
  int images_per_step;
  int ty0, ty1, tx0, tx1;
  int word;
  int shift;  // the group's bit in the word
};

// The first output (of a conv's rows or columns) whose window reaches input
// row `i`, and the last whose window starts at or before it, clipped to [0,
// extent): the outputs o with o * stride - pad + r == i for a kernel row r in
// [0, ksize) lie between them (none when first > last).
__device__ inline int FirstOutputReading(int i, int pad, int ksize, int stride) {
  const int lo = i + pad - ksize + 1;
  return lo <= 0 ? 0 : (lo + stride - 1) / stride;
}
__device__ inline int LastOutputReading(int i, int pad, int stride, int extent) {
  return min((i + pad) / stride, extent - 1);
}

// The output tiles (of `tile` outputs) that read input row (or column) `i`:
// first..last, empty (first > last) when none does.
__device__ inline void TilesReading(int i, int pad, int ksize, int stride, int extent, int tile,
                                    int& first, int& last) {
  const int o0 = FirstOutputReading(i, pad, ksize, stride);
  const int o1 = LastOutputReading(i, pad, stride, extent);
  first = o0 / tile;
  last = o0 <= o1 ? o1 / tile : first - 1;
}

// The same for some input row in [i0, i1]: tiles first.. first + count - 1,
// count 0 when none reads one.
__device__ inline void TilesReadingRange(int i0, int i1, int pad, int ksize, int stride, int extent,
                                         int tile, int& first, int& count) {
  const int o0 = FirstOutputReading(i0, pad, ksize, stride);
  const int o1 = LastOutputReading(i1, pad, stride, extent);
  first = o0 / tile;
  count = o0 <= o1 ? o1 / tile - first + 1 : 0;
}

__device__ inline OccupancyPlace PlaceOf(const SpikeOccupancyTarget& o, int64_t step_elements,
                                         int64_t e) {
  const auto image_elements = static_cast<unsigned>(o.h * o.w * o.c);
  const auto u = static_cast<unsigned>(e);
  OccupancyPlace q;
  q.image = static_cast<int>(u / image_elements);
  q.images_per_step = static_cast<int>(static_cast<unsigned>(step_elements) / image_elements);
  const unsigned r = u - static_cast<unsigned>(q.image) * image_elements;
  const unsigned pixel = r / static_cast<unsigned>(o.c);
  const int channel = static_cast<int>(r - pixel * static_cast<unsigned>(o.c));
  const int y = static_cast<int>(pixel / static_cast<unsigned>(o.w));
  const int x = static_cast<int>(pixel) - y * o.w;
  TilesReading(y, o.pad_top, o.ksize, o.stride, o.out_h, o.tile, q.ty0, q.ty1);
  TilesReading(x, o.pad_left, o.ksize, o.stride, o.out_w, o.tile, q.tx0, q.tx1);
  if (q.tx0 > q.tx1) q.ty1 = q.ty0 - 1;  // no column reads it: nothing to mark
  const int group = channel / o.group;
  q.word = group / 32;
  q.shift = group % 32;
  return q;
}

// Sets `bits` of a mask word. The word is read first (L2, not L1: other
// blocks set it): once a tile's groups are marked, its other non-zeros cost a
// load, not an atomic.
__device__ inline void SetMaskBits(uint32_t* word, uint32_t bits) {
  if ((__ldcg(reinterpret_cast<const unsigned int*>(word)) & bits) != bits) {
    atomicOr(reinterpret_cast<unsigned int*>(word), bits);
  }
}

// Sets `bits` of the place's word in every tile that reads it at step t.
__device__ inline void MarkPlace(const SpikeOccupancyTarget& o, const OccupancyPlace& q, int64_t t,
                                 uint32_t bits) {
  const int64_t image = q.image + t * q.images_per_step;
  for (int ty = q.ty0; ty <= q.ty1; ++ty) {
    for (int tx = q.tx0; tx <= q.tx1; ++tx) {
      SetMaskBits(o.masks + ((image * o.tiles_y + ty) * o.tiles_x + tx) * o.words + q.word, bits);
    }
  }
}

// Whether a stored value marks: not +-0.
template <typename T>
__device__ inline bool NonZero(T v) {
  return LoadValue(v) != 0.0f;
}

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_SPIKE_OCCUPANCY_CUH_
