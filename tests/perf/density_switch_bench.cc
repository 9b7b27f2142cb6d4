// density_switch_bench: what the run-time density switch of the float16
// sparse conv buys and costs (runtime/gpu/sparse_conv_kernel.cc, --sparse
// auto). Per layer (testing::kBenchLayers: Spiking-ResNet18's CIFAR shapes at
// batch T*N = 64 and ImageNet ResNet18's 3x3 ones, FP16 NHWC; before
// 2026-11-27's thirteenth run it timed five of them, without the 1x1/2
// shortcut and ImageNet's 28x28 and 14x14), three GpuKernels on the same
// weights: kOn (always the sparse conv, prescan included), kOff (always
// cuDNN, the algorithm its timed search chose) and kAuto with
// SF_SPARSE_SWITCH=on (set here unless given), whose crossover is calibrated
// when it is prepared and whose first run, on an all-zero input, chooses
// sparse and turns the switch on where sparse wins there. Then each input of a growing share
// of active tiles (the first k images all ones) is timed on all three: the
// switched kernel should track the faster of the other two, plus the cost of
// its switch (a kernel setting a CUDA graph conditional, and the IF/ELSE
// node).
//
//   density_switch_bench [--reps K] [--only SUBSTR] [JSON]
//
// --reps K (default 20): K runs per CUDA graph, a launch's time / K, as a layer
// costs inside a model's graph. Each timing is the median of 50 launches
// after 10. Writes JSON (default density_switch_bench.json). Exits 0 without
// a GPU, 2 on a usage error.
#include <cuda_runtime_api.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "cuda/device.h"
#include "graph/status.h"
#include "tests/cuda/sparse_kernel_rig.h"

namespace sf {
namespace {

using testing::HalfConv;
using testing::SparseKernelRig;

constexpr int kWarmup = testing::kBenchWarmup;
constexpr int kIters = testing::kBenchIters;
constexpr int64_t kBatch = testing::kBenchBatch;

// Images of the batch made all ones, for about these shares of active tiles.
const double kShares[] = {0.0, 0.016, 0.03, 0.06, 0.1, 0.2, 0.5, 1.0};

struct Row {
  std::string layer;
  double tile_density = 0;
  double sparse_us = 0, cudnn_us = 0, switched_us = 0;
  std::string branch;  // what the switched kernel ran
};

absl::Status BenchLayer(const testing::BenchLayer& layer, int reps, std::vector<Row>& rows,
                        std::string& described) {
  std::mt19937 rng(7);
  SF_ASSIGN_OR_RETURN(HalfConv h, testing::MakeHalfConv(layer.spec, rng));
  // Not profiled: a profiled kernel copies its counters to the host in
  // every run, which the executor's runs do not.
  SF_ASSIGN_OR_RETURN(SparseKernelRig on,
                      SparseKernelRig::Create(h, SparseMode::kOn, layer.block, false));
  SF_ASSIGN_OR_RETURN(SparseKernelRig off,
                      SparseKernelRig::Create(h, SparseMode::kOff, layer.block, false));
  SF_ASSIGN_OR_RETURN(SparseKernelRig autos,
                      SparseKernelRig::Create(h, SparseMode::kAuto, layer.block, false));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer zeros, testing::SwitchSpikes(layer.spec, 0, 0.0, rng));
  SF_RETURN_IF_ERROR(autos.Run(zeros, false).status());  // the first run chooses
  described = autos.kernel().Describe();
  int64_t last_images = -1;
  for (double share : kShares) {
    const auto images = static_cast<int64_t>(share * layer.spec.n + 0.5);
    if (images == last_images) continue;
    last_images = images;
    SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer x, testing::SwitchSpikes(layer.spec, images, 0.0, rng));
    Row r;
    r.layer = layer.name;
    r.tile_density = static_cast<double>(images) / layer.spec.n;
    SF_ASSIGN_OR_RETURN(r.sparse_us, on.Time(x, reps, kWarmup, kIters));
    SF_ASSIGN_OR_RETURN(r.cudnn_us, off.Time(x, reps, kWarmup, kIters));
    SF_ASSIGN_OR_RETURN(r.switched_us, autos.Time(x, reps, kWarmup, kIters));
    // The branch this input takes: k full images make k * tiles_per_image
    // active tiles.
    const auto [sparse_tiles, tiles] = autos.kernel().DensitySwitchTiles();
    if (autos.kernel().LastPath() != "switch") {
      r.branch = autos.kernel().LastPath();
    } else {
      r.branch = images * (tiles / layer.spec.n) > sparse_tiles ? "cudnn" : "sparse";
    }
    rows.push_back(r);
  }
  return absl::OkStatus();
}

int Main(int argc, char** argv) {
  int reps = 20;
  std::string only, json_path = "density_switch_bench.json";
  bool json_given = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if ((a == "--reps" || a == "--only") && i + 1 >= argc) {
      std::fprintf(stderr, "error: %s needs a value\n", a.c_str());
      return 2;
    }
    if (a == "--reps") {
      if (!absl::SimpleAtoi(argv[++i], &reps) || reps < 1) {
        std::fprintf(stderr, "error: --reps needs a whole number >= 1, got '%s'\n", argv[i]);
        return 2;
      }
    } else if (a == "--only") {
      only = argv[++i];
    } else if (!json_given && !a.empty() && a[0] != '-') {
      json_path = a;
      json_given = true;
    } else {
      std::fprintf(stderr, "error: unexpected argument '%s'\n", a.c_str());
      return 2;
    }
  }
  setenv("SF_SPARSE_SWITCH", "on", /*overwrite=*/0);  // the switch is opt-in
  if (cuda::ListDevices().empty()) {
    std::printf("no CUDA GPU present: nothing to bench\n");
    return 0;
  }
  std::vector<Row> rows;
  std::vector<std::string> layers_json;
  int benched = 0;
  for (const testing::BenchLayer& layer : testing::kBenchLayers) {
    if (!only.empty() && std::string(layer.name).find(only) == std::string::npos) continue;
    ++benched;
    std::string described;
    const size_t first = rows.size();
    if (absl::Status s = BenchLayer(layer, reps, rows, described); !s.ok()) {
      std::fprintf(stderr, "error: %s: %s\n", layer.name, std::string(s.message()).c_str());
      return 1;
    }
    std::printf("\n%s: %s\n", layer.name, described.c_str());
    std::printf("  %-8s %10s %10s %11s %8s  %s\n", "tiles", "sparse_us", "cudnn_us", "switched_us",
                "vs_best", "branch");
    std::vector<std::string> row_json;
    for (size_t i = first; i < rows.size(); ++i) {
      const Row& r = rows[i];
      const double best = std::min(r.sparse_us, r.cudnn_us);
      std::printf("  %7.1f%% %10.1f %10.1f %11.1f %7.2fx  %s\n", 100 * r.tile_density, r.sparse_us,
                  r.cudnn_us, r.switched_us, r.switched_us / best, r.branch.c_str());
      row_json.push_back(absl::StrFormat(
          "{\"tile_density\": %.4f, \"sparse_us\": %.2f, \"cudnn_us\": %.2f, \"switched_us\": "
          "%.2f, \"branch\": \"%s\"}",
          r.tile_density, r.sparse_us, r.cudnn_us, r.switched_us, r.branch));
    }
    layers_json.push_back(absl::StrCat("    {\"layer\": \"", layer.name, "\", \"rows\": [\n      ",
                                       absl::StrJoin(row_json, ",\n      "), "]}"));
  }
  if (benched == 0) {
    std::fprintf(stderr, "error: --only '%s' names no layer\n", only.c_str());
    return 2;
  }
  FILE* f = std::fopen(json_path.c_str(), "w");
  if (f == nullptr) {
    std::fprintf(stderr, "error: cannot write %s\n", json_path.c_str());
    return 1;
  }
  std::fprintf(f, "{\"runs_per_graph\": %d, \"batch\": %lld, \"layers\": [\n%s\n]}\n", reps,
               static_cast<long long>(kBatch), absl::StrJoin(layers_json, ",\n").c_str());
  std::fclose(f);
  return 0;
}

}  // namespace
}  // namespace sf

int main(int argc, char** argv) { return sf::Main(argc, argv); }
