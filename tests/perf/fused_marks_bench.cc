// fused_marks_bench: what the fused conv + neuron kernel's spike marks (issue
// 12) cost it and buy the block-sparse conv that reads its spikes. Per layer
// (the stride-1 3x3 ones of testing::kBenchLayers, FP16 NHWC, batch T x N =
// 4 x 16), a fused conv + LIF (cuda::LaunchConvNeuronF16, tile by the plan's
// block) writes the spikes that the same conv shape then reads, as in a
// Spiking-ResNet block. Timed alone, us per run:
//   fused:         the fused kernel, no marks;
//   +masks:        marking the consumer's occupancy masks as it stores;
//   +masks+bits:   and writing the bit-packed spikes;
// and the consumer on those spikes:
//   prescan:       the tensor-core sparse conv with its prescan;
//   occupied:      the same on the fused kernel's masks, no prescan;
//   cudnn:         cuDNN (the algorithm of its timed search).
// Inputs of the fused conv: the first k of the 64 images all spikes, the rest
// zero, so the spikes it writes are confined to k images (a share of the
// consumer's tiles active). The occupied and prescan outputs are compared bit
// for bit, and the masks with the prescan's.
//
//   fused_marks_bench [--reps K] [--only SUBSTR]
//
// --reps K (default 20): K runs per CUDA graph, a launch's time / K. Each
// timing is the median of 50 launches after 10. Exits 0 without a GPU, 1 on
// a failure or differing bits, 2 on a usage error.
#include <cuda_runtime_api.h>

#include <cmath>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cuda/kernels/neuron.h"
#include "cuda/kernels/sparse_conv_f16.h"
#include "graph/float16.h"
#include "graph/status.h"
#include "runtime/gpu/cuda_graph.h"
#include "tests/cuda/sparse_conv_cases.h"
#include "tests/cuda/sparse_kernel_rig.h"

namespace sf {
namespace {

using testing::BenchLayer;
using testing::HalfConv;
using testing::SparseKernelRig;

constexpr int64_t kSteps = 4;

template <typename T>
std::vector<T> Download(const cuda::DeviceBuffer& d) {
  std::vector<T> host(d.bytes() / sizeof(T));
  if (cudaMemcpy(host.data(), d.data(), d.bytes(), cudaMemcpyDeviceToHost) != cudaSuccess) {
    host.clear();
  }
  return host;
}
const int64_t kFullImages[] = {0, 1, 4, 16, 64};

// Microseconds per run of `enqueue` (queued `reps` times into one CUDA graph
// after `prologue`, once), the median of kBenchIters graph launches.
absl::StatusOr<double> TimeRuns(const std::function<cudaError_t(cudaStream_t)>& prologue,
                                const std::function<cudaError_t(cudaStream_t)>& enqueue, int reps) {
  SF_ASSIGN_OR_RETURN(cuda::Stream stream, cuda::Stream::Create(0));
  SF_ASSIGN_OR_RETURN(cuda::Event start, cuda::Event::Create(0));
  SF_ASSIGN_OR_RETURN(cuda::Event end, cuda::Event::Create(0));
  SF_ASSIGN_OR_RETURN(GraphExec runs, CaptureGraph(stream.get(), [&]() -> absl::Status {
                        SF_CUDA_RETURN_IF_ERROR(prologue(stream.get()));
                        for (int i = 0; i < reps; ++i)
                          SF_CUDA_RETURN_IF_ERROR(enqueue(stream.get()));
                        return absl::OkStatus();
                      }));
  return testing::MedianGraphLaunchUs(stream.get(), start, end, runs, reps, testing::kBenchWarmup,
                                      testing::kBenchIters);
}

absl::Status BenchLayer1(const BenchLayer& layer, int reps) {
  const testing::HalfConvSpec& c = layer.spec;
  std::mt19937 rng(9);
  SF_ASSIGN_OR_RETURN(HalfConv h, testing::MakeHalfConv(c, rng));
  SF_ASSIGN_OR_RETURN(SparseKernelRig cudnn,
                      SparseKernelRig::Create(h, SparseMode::kOff, layer.block, false));
  cuda::SparseConvShape s{c.n,
                          c.c_in,
                          c.h,
                          c.w,
                          c.c_out,
                          h.out_h,
                          h.out_w,
                          static_cast<int>(c.k),
                          static_cast<int>(c.stride),
                          c.k / 2,
                          c.k / 2,
                          cuda::SparseConvF16TileFor(layer.block),
                          true};
  s.cout_chunk = cuda::SparseConvF16ChunkFor(s.tile);
  // Weights and bias, shared by the fused conv and its consumer: on an
  // all-spike image a conv output is about N(0, 2), and about a third fire.
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  const float scale = 2.0f * std::sqrt(3.0f / static_cast<float>(c.k * c.k * c.c_in));
  std::vector<uint16_t> w(static_cast<size_t>(c.c_out * c.k * c.k * c.c_in));
  for (uint16_t& v : w) v = FloatToHalf(scale * u(rng));
  std::vector<uint16_t> packed(
      static_cast<size_t>(cuda::SparseConvF16PackedWeightElems(c.c_out, c.c_in, c.k)));
  cuda::RepackSparseConvF16Weights(w.data(), c.c_out, c.c_in, c.k, /*krsc=*/true, packed.data());
  std::vector<uint16_t> bias(static_cast<size_t>(c.c_out));
  for (uint16_t& v : bias) v = FloatToHalf(0.05f * u(rng));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dw, testing::Upload(packed));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer db, testing::Upload(bias));
  const size_t out = static_cast<size_t>(c.n * h.out_h * h.out_w * c.c_out);
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer spikes, cuda::DeviceBuffer::Create(0, 2 * out));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer y1, cuda::DeviceBuffer::Create(0, 2 * out));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer y2, cuda::DeviceBuffer::Create(0, 2 * out));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer masks,
                      cuda::DeviceBuffer::Create(0, cuda::SparseConvF16MaskBytes(s)));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer masks2,
                      cuda::DeviceBuffer::Create(0, cuda::SparseConvF16MaskBytes(s)));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer bits, cuda::DeviceBuffer::Create(0, out / 8));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer ws,
                      cuda::DeviceBuffer::Create(0, cuda::SparseConvF16WorkspaceBytes(s)));
  cuda::NeuronParams p;
  p.charge = cuda::NeuronCharge::kDecayDiv;
  p.tau = 2.0f;
  p.v_threshold = 0.5f;
  p.steps = kSteps;
  cuda::SpikeOccupancy marks;
  marks.count = 1;
  marks.targets[0] = cuda::SparseConvF16OccupancyTarget(s, static_cast<uint32_t*>(masks.data()));
  marks.cleared = true;  // by the prologue, as the executor clears them with its flags
  cuda::SpikeOccupancy with_bits = marks;
  with_bits.packed = static_cast<uint32_t*>(bits.data());
  const auto* wp = static_cast<const uint16_t*>(dw.data());
  const auto* bp = static_cast<const __half*>(db.data());
  auto* sp = static_cast<__half*>(spikes.data());
  auto clear = [&](cudaStream_t st) { return cudaMemsetAsync(masks.data(), 0, masks.bytes(), st); };
  auto none = [](cudaStream_t) { return cudaSuccess; };

  std::printf("\n%s (tile %d, %lld output channels per item): us per run\n", layer.name, s.tile,
              static_cast<long long>(s.cout_chunk));
  std::printf("%-8s %-7s %-8s %-8s %-11s %-9s %-9s %-8s\n", "images", "tiles", "fused", "+masks",
              "+masks+bits", "prescan", "occupied", "cudnn");
  for (int64_t full : kFullImages) {
    SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer x, testing::SwitchSpikes(c, full, 0.0, rng));
    const auto* xp = static_cast<const __half*>(x.data());
    auto fused = [&](const cuda::SpikeOccupancy* occ) {
      return [&, occ](cudaStream_t st) {
        return cuda::LaunchConvNeuronF16(s, true, xp, wp, bp, p, sp, st, occ);
      };
    };
    SF_ASSIGN_OR_RETURN(double t_fused, TimeRuns(none, fused(nullptr), reps));
    SF_ASSIGN_OR_RETURN(double t_masks, TimeRuns(clear, fused(&marks), reps));
    SF_ASSIGN_OR_RETURN(double t_bits, TimeRuns(clear, fused(&with_bits), reps));
    // The spikes and masks of one marked run, then the consumer on them.
    SF_CUDA_RETURN_IF_ERROR(clear(nullptr));
    SF_CUDA_RETURN_IF_ERROR(fused(&marks)(nullptr));
    auto prescan = [&](cudaStream_t st) {
      return cuda::LaunchSparseConvF16(s, true, sp, wp, bp, static_cast<__half*>(y1.data()),
                                       ws.data(), st);
    };
    auto occupied = [&](cudaStream_t st) {
      return cuda::LaunchSparseConvF16Occupied(s, sp, wp, bp, static_cast<__half*>(y2.data()),
                                               static_cast<const uint32_t*>(masks.data()), nullptr,
                                               /*count_tiles=*/false, st);
    };
    SF_ASSIGN_OR_RETURN(double t_prescan, TimeRuns(none, prescan, reps));
    SF_ASSIGN_OR_RETURN(double t_occupied, TimeRuns(none, occupied, reps));
    SF_ASSIGN_OR_RETURN(double t_cudnn,
                        cudnn.Time(spikes, reps, testing::kBenchWarmup, testing::kBenchIters));
    // Exactness: the prescan's masks and outputs.
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConvF16Prescan(
        s, true, sp, ws.data(), nullptr, static_cast<uint32_t*>(masks2.data())));
    SF_CUDA_RETURN_IF_ERROR(prescan(nullptr));
    SF_CUDA_RETURN_IF_ERROR(occupied(nullptr));
    SF_CUDA_RETURN_IF_ERROR(cudaDeviceSynchronize());
    cuda::SparseConvCounters counters;
    SF_CUDA_RETURN_IF_ERROR(cuda::ReadSparseConvCounters(ws.data(), &counters));
    const std::vector<uint32_t> m1 = Download<uint32_t>(masks);
    if (m1.empty() || m1 != Download<uint32_t>(masks2) ||
        Download<uint16_t>(y1) != Download<uint16_t>(y2)) {
      return absl::InternalError(absl::StrCat(full, " images: the fused kernel's masks or the ",
                                              "occupied conv differ from the prescan's"));
    }
    const int64_t tiles = counters.active_tiles + counters.empty_tiles;
    std::printf("%-8lld %-7s %-8.1f %-8.1f %-11.1f %-9.1f %-9.1f %-8.1f\n",
                static_cast<long long>(full),
                absl::StrCat(tiles > 0 ? 100 * counters.active_tiles / tiles : 0, "%").c_str(),
                t_fused, t_masks, t_bits, t_prescan, t_occupied, t_cudnn);
  }
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  std::vector<BenchLayer> layers;
  for (const BenchLayer& l : testing::kBenchLayers) {
    if (l.spec.k == 3 && l.spec.stride == 1) layers.push_back(l);
  }
  return testing::RunLayerBench(argc, argv, "fused_marks_bench", layers, BenchLayer1,
                                "each kernel alone");
}

}  // namespace
}  // namespace sf

int main(int argc, char** argv) { return sf::Main(argc, argv); }
