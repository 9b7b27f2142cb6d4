// spike_packed_bench: what bit-packed spikes (issue 12) buy the spike-gather
// conv. Per layer (Spiking-ResNet18's CIFAR shapes at batch T x N = 4 x 16,
// ImageNet ResNet18's 3x3 ones and the 1x1/2 shortcuts, FP16 NHWC), a neuron
// kernel (IF over T = 4) writes the conv's input, then the conv runs, timed
// as one unit in three ways on the same weights:
//   float16: the neuron, then the spike gather reading its float16 spikes
//            (kOn, SF_SPARSE_F16_KERNEL=gather, no link);
//   packed:  the neuron also writing the spikes bit-packed, then the gather
//            reading those bits (the same with the packed link on);
//   cudnn:   the neuron, then cuDNN (kOff, the algorithm its timed search chose);
// and the neuron alone, plain and packing. Inputs: uniform binary spikes at
// each element density (trained nets fire 3-12% of their conv inputs). The
// float16 and packed outputs are compared bit for bit at every input.
//
//   spike_packed_bench [--reps K] [--only SUBSTR]
//
// --reps K (default 20): K runs per CUDA graph, a launch's time / K. Each
// timing is the median of 50 launches after 10. Exits 0 without a GPU, 1 on a
// failure or differing bits, 2 on a usage error. SF_SPIKE_PACKED=on is set
// here: the runtime links no packed spikes to strided 1x1 convs by default.
#include <cuda_runtime_api.h>

#include <cstdio>
#include <cstdlib>
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
const double kDensities[] = {0.0, 0.01, 0.05, 0.1, 0.2};

// The perf layers and ResNet18's two deeper 1x1/2 shortcuts.
std::vector<testing::BenchLayer> Layers() {
  std::vector<testing::BenchLayer> layers(std::begin(testing::kBenchLayers),
                                          std::end(testing::kBenchLayers));
  layers.push_back({"cifar l3.0 1x1/2 128->256@16", {kBatch, 128, 256, 16, 16, 1, 2}, 8});
  layers.push_back({"cifar l4.0 1x1/2 256->512@8", {kBatch, 256, 512, 8, 8, 1, 2}, 4});
  return layers;
}

absl::Status BenchLayer(const testing::BenchLayer& layer, int reps) {
  std::mt19937 rng(7);
  SF_ASSIGN_OR_RETURN(HalfConv h, testing::MakeHalfConv(layer.spec, rng));
  setenv("SF_SPARSE_F16_KERNEL", "gather", 1);
  setenv("SF_SPIKE_PACKED", "on", 1);
  absl::StatusOr<SparseKernelRig> halves =
      SparseKernelRig::Create(h, SparseMode::kOn, layer.block, false);
  absl::StatusOr<SparseKernelRig> packed =
      SparseKernelRig::Create(h, SparseMode::kOn, layer.block, false);
  unsetenv("SF_SPARSE_F16_KERNEL");
  SF_RETURN_IF_ERROR(halves.status());
  SF_RETURN_IF_ERROR(packed.status());
  SF_ASSIGN_OR_RETURN(SparseKernelRig cudnn,
                      SparseKernelRig::Create(h, SparseMode::kOff, layer.block, false));
  SF_RETURN_IF_ERROR(halves->AddNeuron(h, kSteps, /*link=*/false));
  SF_RETURN_IF_ERROR(packed->AddNeuron(h, kSteps, /*link=*/true));
  SF_RETURN_IF_ERROR(cudnn.AddNeuron(h, kSteps, /*link=*/false));
  if (!packed->link()->packed) return absl::InternalError("the gather offered no packed link");
  const int64_t elements = h.spec.n * h.spec.c_in * h.spec.h * h.spec.w;
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer spikes,
                      cuda::DeviceBuffer::Create(0, sizeof(uint16_t) * elements));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer bits,
                      cuda::DeviceBuffer::Create(0, cuda::SpikePackedBytes(elements)));
  cuda::SpikeOccupancy packs;  // the neuron-alone timing's packed spikes
  packs.packed = static_cast<uint32_t*>(bits.data());

  std::printf("\n%s (batch %lld = T %lld x N %lld; input %.2f MB float16, %.3f MB packed)\n",
              layer.name, static_cast<long long>(kBatch), static_cast<long long>(kSteps),
              static_cast<long long>(kBatch / kSteps), 2.0 * elements / 1e6, elements / 8.0 / 1e6);
  std::printf("  %8s %10s %10s %9s %10s %10s %9s %9s\n", "density", "float16_us", "packed_us",
              "cudnn_us", "vs_float16", "vs_cudnn", "neuron", "+packing");
  bool first = true;
  for (double density : kDensities) {
    SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer x, testing::SwitchSpikes(layer.spec, 0, density, rng));
    SF_ASSIGN_OR_RETURN(std::vector<uint16_t> want, halves->Run(x, false));
    SF_ASSIGN_OR_RETURN(std::vector<uint16_t> got, packed->Run(x, false));   // 1st: link on
    SF_ASSIGN_OR_RETURN(std::vector<uint16_t> again, packed->Run(x, true));  // reads bits
    SF_RETURN_IF_ERROR(cudnn.Run(x, false).status());
    if (got != want || again != want) {
      return absl::InternalError(
          absl::StrCat("packed bits differ from the float16 gather's at density ", density));
    }
    if (first) {
      std::printf("  conv: %s\n", packed->kernel().Describe().c_str());
      first = false;
    }
    SF_ASSIGN_OR_RETURN(const double a, halves->Time(x, reps, kWarmup, kIters));
    SF_ASSIGN_OR_RETURN(const double b, packed->Time(x, reps, kWarmup, kIters));
    SF_ASSIGN_OR_RETURN(const double c, cudnn.Time(x, reps, kWarmup, kIters));
    SF_ASSIGN_OR_RETURN(const double plain,
                        testing::TimeNeuronAlone(h, kSteps, x, spikes, nullptr, reps));
    SF_ASSIGN_OR_RETURN(const double packing,
                        testing::TimeNeuronAlone(h, kSteps, x, spikes, &packs, reps));
    std::printf("  %7.1f%% %10.1f %10.1f %9.1f %9.2fx %9.2fx %9.1f %9.1f\n", 100.0 * density, a, b,
                c, a / b, c / b, plain, packing);
  }
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  return testing::RunLayerBench(argc, argv, "spike_packed_bench", Layers(), BenchLayer);
}

}  // namespace
}  // namespace sf

int main(int argc, char** argv) { return sf::Main(argc, argv); }
