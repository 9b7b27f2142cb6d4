#include <type_traits>

#include "cuda/kernels/device_util.cuh"
#include "cuda/kernels/neuron.h"
#include "cuda/kernels/neuron_fire.cuh"
#include "cuda/kernels/spike_occupancy.cuh"

namespace sf::cuda {
namespace {

// One element of one step: the neuron's input (x, or x + b rounded to T like
// the Add kernel), the spike, and what is stored (the spike, or spike + b).
template <NeuronAdd kAdd, typename FireFn, typename T>
__device__ inline T FireElement(const NeuronParams& p, float& v, T x, T b) {
  float in = LoadValue(x);
  if constexpr (kAdd == NeuronAdd::kBefore) in = LoadValue(StoreValue<T>(in + LoadValue(b)));
  const T spike = StoreValue<T>(FireFn()(p, v, in));
  if constexpr (kAdd == NeuronAdd::kAfter) return StoreValue<T>(LoadValue(spike) + LoadValue(b));
  return spike;
}

// T is float or __half (read as float; the membrane stays float32 either way).
// With occupancy targets each non-zero stored element marks them (one place
// per element: any channel count).
template <NeuronAdd kAdd, typename T>
__global__ void NeuronKernel(NeuronParams p, const T* x, const T* b, T* s, SpikeOccupancy occ) {
  SF_GRID_STRIDE_LOOP(i, p.step_elements) {
    float v = p.state != nullptr ? p.state[i] : InitialMembrane(p);
    for (int64_t t = 0; t < p.steps; ++t) {
      const int64_t at = t * p.step_elements + i;
      const T bt = kAdd == NeuronAdd::kNone ? T{} : b[at];
      const T out = FireElement<kAdd, RuntimeFire>(p, v, x[at], bt);
      s[at] = out;
      if (occ.count > 0 && NonZero(out)) {
        for (int k = 0; k < occ.count; ++k) {
          const OccupancyPlace q = PlaceOf(occ.targets[k], p.step_elements, i);
          MarkPlace(occ.targets[k], q, t, 1u << q.shift);
        }
      }
    }
    if (p.state != nullptr) p.state[i] = v;
  }
}

// The same for kV = 8 / sizeof(T) consecutive elements per thread (8-byte
// loads and stores; step_elements a multiple of kV, x, b and s 8-byte
// aligned), loading kPrefetch time steps ahead so several loads are in flight
// per thread, with the neuron's charge and reset fixed by FireFn (the
// instructions per element, not the bytes, limited this kernel with the
// per-element switch: ncu, H200, 55% SM vs 20% memory throughput).
// Launched with programmatic dependent launch (LaunchAfterPrevious): it
// usually follows a cuDNN conv, and the GPU idles less between the two (ninth
// run, H100: whole model -7 to -9 us at N=16, docs/bench/s9/pdl_ab). 16-byte
// vectors were measured twice, no faster (eighth and ninth runs,
// docs/bench/s9/neuron_uint4_ab). Bit-identical to NeuronKernel (the same
// FireElement per element, the same order over t). Not __restrict__: s may
// alias x or b (in place). kOccupancy: a vector with a non-zero stored marks
// the targets (its kV elements are channels of one pixel in one group: each
// target's c and group are multiples of kV). Per step one warp ballot says
// which lanes stored a non-zero; nothing more happens where none did. Of the
// `occ.segment` lanes that hold one pixel's vectors (a power of two dividing
// 32, aligned: whole pixels of c / kV lanes, or 32 lanes of a wider pixel, all
// in one mask word) the first turns the ballot into its groups' bits and
// marks: one load (and at most one atomic) per tile and pixel, not per
// vector. It works out where its pixel lands the first time it marks.
// With occ.packed, 32 / kV lanes OR their bits together (three shuffles) and
// the first stores the word: the warp_mask holds whole words, as E % 32 == 0.
template <NeuronAdd kAdd, typename T, typename FireFn, bool kOccupancy>
__global__ void NeuronVecKernel(NeuronParams p, const uint2* x, const uint2* b, uint2* s,
                                SpikeOccupancy occ) {
  constexpr int kV = static_cast<int>(sizeof(uint2) / sizeof(T));
  constexpr int kPrefetch = 4;
  constexpr bool kHasB = kAdd != NeuronAdd::kNone;
  const int64_t step_vecs = p.step_elements / kV;
  WaitForPreviousGrid();  // launched with LaunchAfterPrevious
  SF_GRID_STRIDE_LOOP(i, step_vecs) {
    // Indexed only by unrolled constants: registers, not local memory.
    OccupancyPlace places[kOccupancy ? kMaxSpikeOccupancyTargets : 1];
    bool placed = false;
    // The lanes of this warp in this iteration (the grid stride is a multiple
    // of 32, so lane j holds vector i - lane + j).
    const int lane = static_cast<int>(threadIdx.x % 32);
    const int64_t left = step_vecs - (i - lane);
    const unsigned warp_mask = left >= 32 ? 0xffffffffu : (1u << left) - 1u;
    float v[kV];
#pragma unroll
    for (int k = 0; k < kV; ++k) {
      v[k] = p.state != nullptr ? p.state[i * kV + k] : InitialMembrane(p);
    }
    for (int64_t t0 = 0; t0 < p.steps; t0 += kPrefetch) {
      uint2 in[kPrefetch];
      uint2 add[kHasB ? kPrefetch : 1];
#pragma unroll
      for (int u = 0; u < kPrefetch; ++u) {
        if (t0 + u < p.steps) {
          in[u] = x[(t0 + u) * step_vecs + i];
          if constexpr (kHasB) add[u] = b[(t0 + u) * step_vecs + i];
        }
      }
#pragma unroll
      for (int u = 0; u < kPrefetch; ++u) {
        if (t0 + u >= p.steps) break;
        const T* e = reinterpret_cast<const T*>(&in[u]);
        const T* f = reinterpret_cast<const T*>(&add[kHasB ? u : 0]);
        uint2 out;
        T* o = reinterpret_cast<T*>(&out);
#pragma unroll
        for (int k = 0; k < kV; ++k) {
          o[k] = FireElement<kAdd, FireFn>(p, v[k], e[k], kHasB ? f[k] : T{});
        }
        s[(t0 + u) * step_vecs + i] = out;
        if constexpr (kOccupancy) {
          if (occ.packed != nullptr) {
            // kV bits per lane, 32 / kV lanes per word (aligned: E % 32 == 0).
            constexpr int kLanes = 32 / kV;
            uint32_t word = 0;
#pragma unroll
            for (int k = 0; k < kV; ++k) word |= (NonZero(o[k]) ? 1u : 0u) << k;
            word <<= kV * (lane % kLanes);
#pragma unroll
            for (int d = 1; d < kLanes; d *= 2) word |= __shfl_xor_sync(warp_mask, word, d);
            if (lane % kLanes == 0) occ.packed[((t0 + u) * step_vecs + i) / kLanes] = word;
          }
          if (occ.count == 0) continue;
          bool any = false;
#pragma unroll
          for (int k = 0; k < kV; ++k) any = any || NonZero(o[k]);
          const unsigned ballot = __ballot_sync(warp_mask, any);
          const int seg = occ.segment;
          if (ballot != 0 && (lane & (seg - 1)) == 0) {
            // This segment's lanes (whole pixels, so all in this iteration).
            const unsigned mine = seg == 32 ? ballot : (ballot >> lane) & ((1u << seg) - 1u);
            if (mine != 0) {
              // kV-channel lanes -> group bits, from the segment's first group.
              const int per_group = occ.targets[0].group / kV;
              uint32_t bits = 0;
              for (int j = 0; j < seg; j += per_group) {
                const unsigned lanes = per_group >= 32 ? mine : (mine >> j) & ((1u << per_group) - 1u);
                if (lanes != 0) bits |= 1u << (j / per_group);
              }
#pragma unroll
              for (int k = 0; k < kMaxSpikeOccupancyTargets; ++k) {
                if (k >= occ.count) break;
                if (!placed) places[k] = PlaceOf(occ.targets[k], p.step_elements, i * kV);
                MarkPlace(occ.targets[k], places[k], t0 + u, bits << places[k].shift);
              }
              placed = true;
            }
          }
        }
      }
    }
    if (p.state != nullptr) {
#pragma unroll
      for (int k = 0; k < kV; ++k) p.state[i * kV + k] = v[k];
    }
  }
}

// Whether every target's pixels hold whole vectors of kV channels in one group.
bool VectorsFit(const SpikeOccupancy* occ, int64_t kv) {
  for (int k = 0; occ != nullptr && k < occ->count; ++k) {
    if (occ->targets[k].c % kv != 0 || occ->targets[k].group % kv != 0) return false;
  }
  return true;
}

// The lanes of the vector kernel that hold one pixel's vectors, for
// NeuronVecKernel's OR across them: c / kv when that is a power of two up to
// 32 (a pixel of at most 32 x kv channels: its groups are in word 0), 32 when
// it is a multiple of 32 and a warp's 32 x kv channels stay in one mask word;
// else 1 (each lane marks alone). Every target reads the same tensor, so the first
// one's channels hold for all.
int OccupancySegment(const SpikeOccupancy& occ, int kv) {
  if (occ.count == 0) return 1;
  const int lanes = occ.targets[0].c / kv;
  for (int k = 1; k < occ.count; ++k) {
    if (occ.targets[k].c != occ.targets[0].c || occ.targets[k].group != occ.targets[0].group) {
      return 1;
    }
  }
  if (lanes % 32 == 0) {  // a warp's groups must not straddle two mask words
    const int channels = 32 * kv, group = occ.targets[0].group;
    return channels % group == 0 && 32 % (channels / group) == 0 ? 32 : 1;
  }
  return lanes > 0 && lanes <= 32 && (lanes & (lanes - 1)) == 0 ? lanes : 1;
}

// cudaErrorInvalidValue for a type or charge it has no kernel for.
template <NeuronAdd kAdd>
cudaError_t LaunchNeuronKernel(const NeuronParams& p, DataType type, const void* x, const void* b,
                               void* s, cudaStream_t stream, const SpikeOccupancy* occupancy) {
  bool launched = false;
  cudaError_t err = cudaSuccess;
  SpikeOccupancy occ = occupancy != nullptr ? *occupancy : SpikeOccupancy{};
  const bool typed = VisitFloatType(type, [&](auto tag) {
    using T = decltype(tag);
    constexpr int64_t kV = static_cast<int64_t>(sizeof(uint2) / sizeof(T));
    if (p.step_elements % kV == 0 && IsAligned(x, sizeof(uint2)) && IsAligned(s, sizeof(uint2)) &&
        IsAligned(b, sizeof(uint2)) && VectorsFit(&occ, kV)) {
      occ.segment = OccupancySegment(occ, static_cast<int>(kV));
      launched = VisitFire(p, [&](auto fire) {
        auto launch = [&](auto kernel) {
          err = LaunchAfterPrevious(kernel, BlocksFor(p.step_elements / kV), kThreadsPerBlock,
                                    stream, p, static_cast<const uint2*>(x),
                                    static_cast<const uint2*>(b), static_cast<uint2*>(s), occ);
        };
        // Only float16 marks occupancy (LaunchNeuronAdd checks): no float
        // kernel with it is compiled.
        if constexpr (std::is_same_v<T, __half>) {
          if (occ.count > 0 || occ.packed != nullptr) {
            launch(NeuronVecKernel<kAdd, T, decltype(fire), true>);
            return;
          }
        }
        launch(NeuronVecKernel<kAdd, T, decltype(fire), false>);
      });
    } else if (occ.packed == nullptr) {  // the scalar kernel does not pack
      NeuronKernel<kAdd, T><<<BlocksFor(p.step_elements), kThreadsPerBlock, 0, stream>>>(
          p, static_cast<const T*>(x), static_cast<const T*>(b), static_cast<T*>(s), occ);
      launched = true;
      err = cudaGetLastError();
    }
  });
  return typed && launched ? err : cudaErrorInvalidValue;
}

__global__ void FillKernel(int64_t n, float value, float* y) {
  SF_GRID_STRIDE_LOOP(i, n) { y[i] = value; }
}

}  // namespace

const char* SpikeOccupancyUnsupportedReason(const SpikeOccupancyTarget& t, int64_t steps,
                                            int64_t step_elements) {
  const int64_t elements = steps * step_elements;
  if (t.images <= 0 || t.h <= 0 || t.w <= 0 || t.c <= 0) return "an empty image";
  if (t.ksize < 1 || t.stride < 1 || t.tile < 1 || t.group < 1 || t.pad_top < 0 ||
      t.pad_left < 0 || t.out_h < 1 || t.out_w < 1) {
    return "a bad conv geometry";
  }
  if (t.tiles_y != (t.out_h + t.tile - 1) / t.tile || t.tiles_x != (t.out_w + t.tile - 1) / t.tile ||
      t.words != ((t.c + t.group - 1) / t.group + 31) / 32) {
    return "tile or mask counts that do not follow from the geometry";
  }
  const int64_t image = static_cast<int64_t>(t.h) * t.w * t.c;
  if (image > elements || elements / image != t.images || elements % image != 0) {
    return "a conv input of another size than the neuron's output";
  }
  if (step_elements % image != 0) return "time steps that are not whole images";
  if (elements >= (int64_t{1} << 31)) return "2^31 elements or more";
  return "";
}

const char* SpikePackedUnsupportedReason(DataType type, int64_t steps, int64_t step_elements) {
  if (type != DataType::kFloat16) return "bit-packed spikes need float16";
  if (steps <= 0 || step_elements <= 0) return "an empty output";
  if (step_elements % 32 != 0) return "time steps of elements that are not a multiple of 32";
  return "";
}

cudaError_t PrepareSpikeOccupancy(const SpikeOccupancy* occupancy, DataType type, int64_t steps,
                                  int64_t step_elements, cudaStream_t stream) {
  if (occupancy == nullptr) return cudaSuccess;
  if (occupancy->count > 0) {
    if (type != DataType::kFloat16 || occupancy->count > kMaxSpikeOccupancyTargets ||
        step_elements <= 0 || steps <= 0) {
      return cudaErrorInvalidValue;
    }
    for (int k = 0; k < occupancy->count; ++k) {
      const SpikeOccupancyTarget& t = occupancy->targets[k];
      if (t.masks == nullptr || *SpikeOccupancyUnsupportedReason(t, steps, step_elements) != '\0') {
        return cudaErrorInvalidValue;
      }
      if (occupancy->cleared) continue;
      if (const cudaError_t err = cudaMemsetAsync(t.masks, 0, SpikeOccupancyMaskBytes(t), stream);
          err != cudaSuccess) {
        return err;
      }
    }
  }
  if (occupancy->packed != nullptr &&
      (*SpikePackedUnsupportedReason(type, steps, step_elements) != '\0' ||
       !IsAligned(occupancy->packed, sizeof(uint32_t)))) {
    return cudaErrorInvalidValue;
  }
  return cudaSuccess;
}

cudaError_t LaunchNeuron(const NeuronParams& p, DataType type, const void* x, void* s,
                         cudaStream_t stream, const SpikeOccupancy* occupancy) {
  return LaunchNeuronAdd(p, NeuronAdd::kNone, type, x, nullptr, s, stream, occupancy);
}

cudaError_t LaunchNeuronAdd(const NeuronParams& p, NeuronAdd add, DataType type, const void* x,
                            const void* b, void* s, cudaStream_t stream,
                            const SpikeOccupancy* occupancy) {
  if (add != NeuronAdd::kNone && b == nullptr) return cudaErrorInvalidValue;
  if (const cudaError_t err =
          PrepareSpikeOccupancy(occupancy, type, p.steps, p.step_elements, stream);
      err != cudaSuccess) {
    return err;
  }
  if (p.step_elements == 0 || p.steps == 0) return cudaSuccess;
  switch (add) {
    case NeuronAdd::kNone:
      return LaunchNeuronKernel<NeuronAdd::kNone>(p, type, x, b, s, stream, occupancy);
    case NeuronAdd::kBefore:
      return LaunchNeuronKernel<NeuronAdd::kBefore>(p, type, x, b, s, stream, occupancy);
    case NeuronAdd::kAfter:
      return LaunchNeuronKernel<NeuronAdd::kAfter>(p, type, x, b, s, stream, occupancy);
  }
  return cudaErrorInvalidValue;
}

cudaError_t LaunchNeuronStateReset(const NeuronParams& p, cudaStream_t stream) {
  if (p.state == nullptr || p.step_elements == 0) return cudaSuccess;
  FillKernel<<<BlocksFor(p.step_elements), kThreadsPerBlock, 0, stream>>>(
      p.step_elements, p.soft_reset ? 0.0f : p.v_reset, p.state);
  return cudaGetLastError();
}

}  // namespace sf::cuda
