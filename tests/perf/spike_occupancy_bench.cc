// spike_occupancy_bench: what the neuron's spike occupancy (issue 12) buys a
// block-sparse conv. Per layer (testing::kBenchLayers: Spiking-ResNet18's CIFAR
// shapes at batch T x N = 4 x 16 and ImageNet ResNet18's 3x3 ones, FP16 NHWC), a neuron
// kernel (IF over T = 4) writes the conv's input, then the conv runs, timed
// as one unit in three ways on the same weights:
//   prescan:  the neuron, then the sparse conv with its prescan (kOn, no link);
//   occupied: the neuron marking the conv's masks as it stores, then the
//             sparse conv on them without a prescan (kOn with the link; the
//             masks cleared before each graph of runs, as the executor clears
//             them with its error flags at the start of a run);
//   cudnn:    the neuron, then cuDNN (kOff, the algorithm its timed search chose);
// and the neuron alone: plain, after a memset of the masks (what clearing them
// apart from the flags would cost) and marking. Inputs: the first k images
// all spikes, the rest zero (k / 64 of the tiles active). The occupied and
// prescan runs' outputs are compared bit for bit at every input.
//
//   spike_occupancy_bench [--reps K] [--only SUBSTR]
//
// --reps K (default 20): K runs per CUDA graph, a launch's time / K (as a
// layer costs inside a model's graph). Each timing is the median of 50
// launches after 10. Prints a table per layer. Exits 0 without a GPU, 1 on a
// failure or differing bits, 2 on a usage error.
#include <cuda_runtime_api.h>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cuda/kernels/neuron.h"
#include "graph/status.h"
#include "tests/cuda/sparse_kernel_rig.h"

namespace sf {
namespace {

using testing::HalfConv;
using testing::SparseKernelRig;

constexpr int kWarmup = testing::kBenchWarmup;
constexpr int kIters = testing::kBenchIters;
constexpr int64_t kBatch = testing::kBenchBatch;
constexpr int64_t kSteps = 4;

// Images of the batch made all spikes: 0, 1, 2, 4, 6, 13, 32, 64 of 64.
const int64_t kFullImages[] = {0, 1, 2, 4, 6, 13, 32, 64};

absl::StatusOr<double> TimeNeuron(const HalfConv& h, const cuda::DeviceBuffer& x,
                                  const cuda::DeviceBuffer& y, const cuda::SpikeOccupancy* occ,
                                  int reps, bool clear_only = false) {
  return testing::TimeNeuronAlone(h, kSteps, x, y, occ, reps, clear_only);
}

absl::Status BenchLayer(const testing::BenchLayer& layer, int reps) {
  std::mt19937 rng(7);
  SF_ASSIGN_OR_RETURN(HalfConv h, testing::MakeHalfConv(layer.spec, rng));
  SF_ASSIGN_OR_RETURN(SparseKernelRig prescan,
                      SparseKernelRig::Create(h, SparseMode::kOn, layer.block, false));
  SF_ASSIGN_OR_RETURN(SparseKernelRig occupied,
                      SparseKernelRig::Create(h, SparseMode::kOn, layer.block, false));
  SF_ASSIGN_OR_RETURN(SparseKernelRig cudnn,
                      SparseKernelRig::Create(h, SparseMode::kOff, layer.block, false));
  SF_RETURN_IF_ERROR(prescan.AddNeuron(h, kSteps, /*link=*/false));
  SF_RETURN_IF_ERROR(occupied.AddNeuron(h, kSteps, /*link=*/true));
  SF_RETURN_IF_ERROR(cudnn.AddNeuron(h, kSteps, /*link=*/false));
  // The neuron-alone timings mark the occupied rig's masks (it clears them
  // before each of its own runs).
  cuda::SpikeOccupancy occ;
  occ.count = 1;
  occ.targets[0] = occupied.link()->target;
  occ.cleared = true;  // as in the executor, which clears the masks with its error flags
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer spikes,
                      cuda::DeviceBuffer::Create(
                          0, sizeof(uint16_t) * h.spec.n * h.spec.c_in * h.spec.h * h.spec.w));

  std::printf("\n%s (tile %d, batch %lld = T %lld x N %lld)\n", layer.name, occ.targets[0].tile,
              static_cast<long long>(kBatch), static_cast<long long>(kSteps),
              static_cast<long long>(kBatch / kSteps));
  std::printf("  %7s %10s %11s %9s %11s %11s %9s %9s %9s\n", "tiles", "prescan_us", "occupied_us",
              "cudnn_us", "vs_prescan", "vs_cudnn", "neuron", "+clear", "marking");
  bool first = true;
  for (int64_t full : kFullImages) {
    SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer x, testing::SwitchSpikes(layer.spec, full, 0.0, rng));
    SF_ASSIGN_OR_RETURN(std::vector<uint16_t> want, prescan.Run(x, false));
    SF_ASSIGN_OR_RETURN(std::vector<uint16_t> got, occupied.Run(x, false));   // 1st: link on
    SF_ASSIGN_OR_RETURN(std::vector<uint16_t> again, occupied.Run(x, true));  // marked
    SF_RETURN_IF_ERROR(cudnn.Run(x, false).status());
    if (got != want || again != want) {
      return absl::InternalError(
          absl::StrCat("occupied bits differ from the prescan's at ", full, " full images"));
    }
    if (first) {
      std::printf("  conv: %s\n", occupied.kernel().Describe().c_str());
      first = false;
    }
    SF_ASSIGN_OR_RETURN(const double a, prescan.Time(x, reps, kWarmup, kIters));
    SF_ASSIGN_OR_RETURN(const double b, occupied.Time(x, reps, kWarmup, kIters));
    SF_ASSIGN_OR_RETURN(const double c, cudnn.Time(x, reps, kWarmup, kIters));
    SF_ASSIGN_OR_RETURN(const double plain, TimeNeuron(h, x, spikes, nullptr, reps));
    SF_ASSIGN_OR_RETURN(const double cleared, TimeNeuron(h, x, spikes, &occ, reps, true));
    SF_ASSIGN_OR_RETURN(const double marking, TimeNeuron(h, x, spikes, &occ, reps));
    std::printf("  %6.1f%% %10.1f %11.1f %9.1f %10.2fx %10.2fx %9.1f %9.1f %9.1f\n",
                100.0 * full / kBatch, a, b, c, a / b, c / b, plain, cleared, marking);
  }
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  return testing::RunLayerBench(argc, argv, "spike_occupancy_bench",
                                std::vector<testing::BenchLayer>(std::begin(testing::kBenchLayers),
                                                                 std::end(testing::kBenchLayers)),
                                BenchLayer);
}

}  // namespace
}  // namespace sf

int main(int argc, char** argv) { return sf::Main(argc, argv); }
