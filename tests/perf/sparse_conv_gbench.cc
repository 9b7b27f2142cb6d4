// sparse_conv_gbench: issue 7's micro-benchmark in Google Benchmark form. The
// float16 block-sparse conv as the runtime runs it (the sparse conv GpuKernel
// in sparse mode on: counter reset, prescan and conv, tile from the plan's
// default block for the input's H) against cuDNN as the runtime runs it (the
// same GpuKernel in mode off: cuDNN FP16 NHWC, the algorithm of its timed
// search), same precision, layout, weights, stream and process, over tile
// densities 0..100%, on Spiking-ResNet18 CIFAR shapes (batch T*N = 64) and
// ImageNet ResNet18's 3x3 shapes. After the runs it prints the crossover
// tile density per shape: where the sparse path stops being faster.
//
//   sparse_conv_gbench [--reps=K] [Google Benchmark flags, e.g.
//                      --benchmark_filter=cifar --benchmark_out=FILE.json]
//
// Input: at tile density d, round(d * tiles) output tiles chosen at random
// (fixed seed) each get one input pixel, all channels 1.0, at their centre,
// where no window of a neighbouring tile reads it: exactly that share of
// tiles is active, every 16-channel group of them. The CUDA graph of K
// (default 20) back-to-back runs is captured once and launched once untimed;
// each iteration is one launch of it, timed with CUDA events (manual time, per run: the launch's
// time / K; how a layer costs inside a model's graph). Per shape, `output_write`
// times the output written alone the same way (a memset per run): the floor
// of any conv that writes that output, printed at the end as the most any
// kernel can beat cuDNN by on the layer. Without a GPU it says so and exits 0.
#include <benchmark/benchmark.h>
#include <cuda_runtime_api.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <numeric>
#include <optional>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cuda/device.h"
#include "cuda/kernels/sparse_conv_f16.h"
#include "graph/passes/block_selection.h"
#include "graph/status.h"
#include "tests/cuda/sparse_kernel_rig.h"

namespace sf {
namespace {

using testing::HalfConv;
using testing::HalfConvSpec;
using testing::SparseKernelRig;

constexpr int64_t kBatch = 64;  // T * N
constexpr int kIterations = 30;
constexpr double kDensities[] = {0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0};

struct BenchShape {
  const char* name;
  HalfConvSpec spec;
};

const BenchShape kShapes[] = {
    {"cifar_l1_3x3_64@32", {kBatch, 64, 64, 32, 32, 3, 1}},
    {"cifar_l2_3x3_128@16", {kBatch, 128, 128, 16, 16, 3, 1}},
    {"cifar_l3_3x3_256@8", {kBatch, 256, 256, 8, 8, 3, 1}},
    {"cifar_l2_down_3x3s2_64@32", {kBatch, 64, 128, 32, 32, 3, 2}},
    {"cifar_l3_down_3x3s2_128@16", {kBatch, 128, 256, 16, 16, 3, 2}},
    {"cifar_l4_down_3x3s2_256@8", {kBatch, 256, 512, 8, 8, 3, 2}},
    {"cifar_l2_short_1x1s2_64@32", {kBatch, 64, 128, 32, 32, 1, 2}},
    {"cifar_l3_short_1x1s2_128@16", {kBatch, 128, 256, 16, 16, 1, 2}},
    {"imagenet_l1_3x3_64@56", {kBatch, 64, 64, 56, 56, 3, 1}},
    {"imagenet_l2_3x3_128@28", {kBatch, 128, 128, 28, 28, 3, 1}},
    {"imagenet_l3_3x3_256@14", {kBatch, 256, 256, 14, 14, 3, 1}},
};

int g_reps = 20;

// The two kernels of a shape, made once (cuDNN's algorithm search is slow).
struct ShapeRigs {
  HalfConv conv;
  int block = 0, tile = 0;
  std::unique_ptr<SparseKernelRig> sparse, cudnn;
};

absl::StatusOr<ShapeRigs*> RigsFor(const BenchShape& shape) {
  static std::map<std::string, std::unique_ptr<ShapeRigs>> made;
  auto it = made.find(shape.name);
  if (it != made.end()) return it->second.get();
  auto r = std::make_unique<ShapeRigs>();
  std::mt19937 rng(5);
  SF_ASSIGN_OR_RETURN(r->conv, testing::MakeHalfConv(shape.spec, rng));
  r->block = BlockRule{}.BlockFor(shape.spec.h);
  r->tile = cuda::SparseConvF16TileFor(r->block);
  SF_ASSIGN_OR_RETURN(SparseKernelRig sparse,
                      SparseKernelRig::Create(r->conv, SparseMode::kOn, r->block, false));
  SF_ASSIGN_OR_RETURN(SparseKernelRig cudnn,
                      SparseKernelRig::Create(r->conv, SparseMode::kOff, r->block, false));
  r->sparse = std::make_unique<SparseKernelRig>(std::move(sparse));
  r->cudnn = std::make_unique<SparseKernelRig>(std::move(cudnn));
  ShapeRigs* raw = r.get();
  made.emplace(shape.name, std::move(r));
  return raw;
}

// NHWC FP16 input with round(density * tiles) active output tiles (see the
// top of the file); `active` gets that count.
absl::StatusOr<cuda::DeviceBuffer> TileInput(const ShapeRigs& r, double density, int* active) {
  const HalfConvSpec& c = r.conv.spec;
  const int64_t ty = (r.conv.out_h + r.tile - 1) / r.tile,
                tx = (r.conv.out_w + r.tile - 1) / r.tile;
  const int64_t tiles = c.n * ty * tx;
  std::vector<int64_t> order(static_cast<size_t>(tiles));
  std::iota(order.begin(), order.end(), 0);
  std::mt19937 rng(11);
  std::shuffle(order.begin(), order.end(), rng);
  *active = static_cast<int>(density * static_cast<double>(tiles) + 0.5);
  std::vector<uint16_t> x(static_cast<size_t>(c.n * c.h * c.w * c.c_in), 0);
  const int64_t pad = c.k / 2;
  for (int i = 0; i < *active; ++i) {
    const int64_t t = order[static_cast<size_t>(i)];
    const int64_t n = t / (ty * tx), y = t / tx % ty, xx = t % tx;
    // The tile's centre output pixel and the input pixel its centre tap reads.
    const int64_t oy = y * r.tile + std::min<int64_t>(r.tile, r.conv.out_h - y * r.tile) / 2;
    const int64_t ox = xx * r.tile + std::min<int64_t>(r.tile, r.conv.out_w - xx * r.tile) / 2;
    const int64_t iy = oy * c.stride - pad + c.k / 2, ix = ox * c.stride - pad + c.k / 2;
    uint16_t* px = x.data() + ((n * c.h + iy) * c.w + ix) * c.c_in;
    std::fill(px, px + c.c_in, testing::kHalfOne);
  }
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer d, cuda::DeviceBuffer::Create(0, x.size() * 2));
  SF_CUDA_RETURN_IF_ERROR(cudaMemcpy(d.data(), x.data(), x.size() * 2, cudaMemcpyHostToDevice));
  return d;
}

// Microseconds per run, by shape, density and path, for the crossover table.
std::map<std::string, std::map<double, std::pair<double, double>>>& Results() {
  static std::map<std::string, std::map<double, std::pair<double, double>>> results;
  return results;
}

// Times `runs` (a graph of g_reps runs on `rig`: one untimed launch, then one
// per iteration as the iteration's manual time); the mean microseconds per
// run, or nullopt after SkipWithError.
std::optional<double> TimeIterations(benchmark::State& state, SparseKernelRig& rig,
                                     const absl::StatusOr<GraphExec>& runs) {
  absl::StatusOr<double> warm = runs.ok() ? rig.TimeLaunch(*runs, g_reps) : runs.status();
  if (!warm.ok()) {
    state.SkipWithError(std::string(warm.status().message()).c_str());
    return std::nullopt;
  }
  double total_us = 0;
  for (auto _ : state) {
    absl::StatusOr<double> us = rig.TimeLaunch(*runs, g_reps);
    if (!us.ok()) {
      state.SkipWithError(std::string(us.status().message()).c_str());
      return std::nullopt;
    }
    state.SetIterationTime(*us * 1e-6);
    total_us += *us;
  }
  return total_us / static_cast<double>(state.iterations());
}

void BM_Conv(benchmark::State& state, const BenchShape* shape, double density, bool sparse) {
  absl::StatusOr<ShapeRigs*> rigs = RigsFor(*shape);
  if (!rigs.ok()) {
    state.SkipWithError(std::string(rigs.status().message()).c_str());
    return;
  }
  int active = 0;
  absl::StatusOr<cuda::DeviceBuffer> x = TileInput(**rigs, density, &active);
  if (!x.ok()) {
    state.SkipWithError(std::string(x.status().message()).c_str());
    return;
  }
  SparseKernelRig& rig = sparse ? *(*rigs)->sparse : *(*rigs)->cudnn;
  const std::optional<double> us = TimeIterations(state, rig, rig.CaptureRuns(*x, g_reps));
  if (!us) return;
  state.counters["active_tiles"] = active;
  state.counters["tile"] = (*rigs)->tile;
  auto& cell = Results()[shape->name][density];
  (sparse ? cell.first : cell.second) = *us;
}

// Microseconds per run of writing the shape's output alone, by shape.
std::map<std::string, double>& Floors() {
  static std::map<std::string, double> floors;
  return floors;
}

// The output written once per run and nothing else (a memset node per run in
// the same graph form): no conv that writes this output, sparse or dense, can
// take less, so cuDNN's time over it bounds any kernel's speedup on the layer.
void BM_OutputWrite(benchmark::State& state, const BenchShape* shape) {
  absl::StatusOr<ShapeRigs*> rigs = RigsFor(*shape);
  if (!rigs.ok()) {
    state.SkipWithError(std::string(rigs.status().message()).c_str());
    return;
  }
  SparseKernelRig& rig = *(*rigs)->sparse;
  const std::optional<double> us = TimeIterations(state, rig, rig.CaptureOutputWrites(g_reps));
  if (us) Floors()[shape->name] = *us;
}

// Where sparse stops being faster: linear between the last density at which
// it won and the next.
void PrintCrossovers() {
  std::printf(
      "\ncrossover tile density per shape (sparse prescan included vs cuDNN, FP16 NHWC, "
      "%d runs per graph):\n",
      g_reps);
  for (const auto& [name, by_density] : Results()) {
    double last_d = -1, last_gap = 0, crossover = -1;
    bool complete = true;
    for (const auto& [d, t] : by_density) {
      if (t.first <= 0 || t.second <= 0) {
        complete = false;
        break;
      }
      const double gap = t.second - t.first;  // > 0: sparse faster
      if (gap <= 0) {
        crossover = last_d < 0 ? 0 : last_d + (d - last_d) * last_gap / (last_gap - gap);
        break;
      }
      last_d = d;
      last_gap = gap;
    }
    if (!complete) {
      std::printf("  %-30s  (not every density ran both paths)\n", name.c_str());
    } else if (crossover < 0) {
      std::printf("  %-30s  sparse faster at every density\n", name.c_str());
    } else if (last_d < 0) {
      std::printf("  %-30s  cuDNN faster even at 0%% active tiles (%.1f vs %.1f us)\n",
                  name.c_str(), by_density.begin()->second.first,
                  by_density.begin()->second.second);
    } else {
      std::printf("  %-30s  %.1f%% active tiles (sparse %.1f / cuDNN %.1f us at 0%%)\n",
                  name.c_str(), 100 * crossover, by_density.begin()->second.first,
                  by_density.begin()->second.second);
    }
  }
  if (Floors().empty()) return;
  std::printf(
      "\nthe output written alone (a memset per run) against cuDNN: no kernel that writes the "
      "output can beat cuDNN by more than this\n");
  for (const auto& [name, floor_us] : Floors()) {
    const auto it = Results().find(name);
    if (it == Results().end() || it->second.empty() || it->second.begin()->second.second <= 0) {
      std::printf("  %-30s  write %.2f us (cuDNN not run)\n", name.c_str(), floor_us);
      continue;
    }
    const double cudnn_us = it->second.begin()->second.second;
    std::printf("  %-30s  write %.2f us, cuDNN %.1f us: at most %.1fx\n", name.c_str(), floor_us,
                cudnn_us, cudnn_us / floor_us);
  }
}

}  // namespace
}  // namespace sf

int main(int argc, char** argv) {
  // --reps=K is ours; everything else goes to Google Benchmark.
  std::vector<char*> args;
  for (int i = 0; i < argc; ++i) {
    if (std::strncmp(argv[i], "--reps=", 7) == 0) {
      if (!absl::SimpleAtoi(argv[i] + 7, &sf::g_reps) || sf::g_reps < 1) {
        std::fprintf(stderr, "error: --reps needs a whole number >= 1, got '%s'\n", argv[i] + 7);
        return 2;
      }
      continue;
    }
    args.push_back(argv[i]);
  }
  int count = static_cast<int>(args.size());
  benchmark::Initialize(&count, args.data());
  if (benchmark::ReportUnrecognizedArguments(count, args.data())) return 2;
  if (sf::cuda::ListDevices().empty()) {
    std::printf("no CUDA GPU present: nothing to bench\n");
    return 0;
  }
  for (const sf::BenchShape& shape : sf::kShapes) {
    benchmark::RegisterBenchmark(absl::StrCat(shape.name, "/output_write").c_str(),
                                 sf::BM_OutputWrite, &shape)
        ->UseManualTime()
        ->Unit(benchmark::kMicrosecond)
        ->Iterations(sf::kIterations);
    for (double d : sf::kDensities) {
      for (bool sparse : {true, false}) {
        benchmark::RegisterBenchmark(
            absl::StrCat(shape.name, "/tiles_", static_cast<int>(d * 100 + 0.5), "%/",
                         sparse ? "sparse" : "cudnn")
                .c_str(),
            sf::BM_Conv, &shape, d, sparse)
            ->UseManualTime()
            ->Unit(benchmark::kMicrosecond)
            ->Iterations(sf::kIterations);
      }
    }
  }
  benchmark::RunSpecifiedBenchmarks();
  sf::PrintCrossovers();
  benchmark::Shutdown();
  return 0;
}
