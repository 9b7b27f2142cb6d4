// The CPU convs over input densities (Google Benchmark): the dense reference
// conv (runtime/cpu/conv.h) against the sparse conv's two paths, the scatter
// from the non-zeros and the tiles (runtime/cpu/sparse_conv.h), each path
// forced (but an input with no non-zero always runs the tiles). Uniform random
// binary spikes; all CPU threads (SF_CPU_THREADS).
//
//   build-*/tests/perf/cpu_conv_gbench [--benchmark_filter=...]
//
// Counters: density (the input's non-zeros), tile_density (tiles not skipped).
// docs/benchmarks.md (twenty-ninth run) has the measured crossover that sets
// SparseConvKernel::kScatterDensity.
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <benchmark/benchmark.h>

#include "runtime/cpu/kernel_factories.h"
#include "runtime/cpu/sparse_conv.h"
#include "tests/passes/test_graphs.h"

namespace sf {
namespace {

struct Layer {
  const char* name;
  int64_t n, c_in, h, w, c_out, k, stride, block;
};

constexpr Layer kLayers[] = {
    {"cifar_3x3_64@32", 16, 64, 32, 32, 64, 3, 1, 16},
    {"cifar_3x3_128@16", 16, 128, 16, 16, 128, 3, 1, 8},
    {"cifar_3x3_256@8", 16, 256, 8, 8, 256, 3, 1, 4},
    {"cifar_3x3/2_128->256@16", 16, 128, 16, 16, 256, 3, 2, 8},
    {"tokens_1x1_384@1x64", 64, 384, 1, 64, 384, 1, 1, 0},
};
constexpr double kDensities[] = {0.0, 0.01, 0.05, 0.1, 0.2, 0.35, 0.5, 0.75, 1.0};
enum class Path { kDense, kScatter, kTiles };

void Run(benchmark::State& state, const Layer& l, double density, Path path) {
  testing::GraphBuilder b;
  const ValueId x = b.Input("x", {l.n, l.c_in, l.h, l.w});
  b.Conv("conv", x, l.c_out, l.k, l.stride, l.k / 2);
  const Graph& g = b.graph();
  const Node& node = g.node(b.last_node());
  std::mt19937 rng(1);
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  Tensor xt = Tensor::Create(DataType::kFloat32, {l.n, l.c_in, l.h, l.w}).value();
  for (float& v : xt.span<float>()) v = u(rng) < density ? 1.0f : 0.0f;
  Tensor wt = Tensor::Create(DataType::kFloat32, {l.c_out, l.c_in, l.k, l.k}).value();
  for (float& v : wt.span<float>()) v = u(rng) - 0.5f;
  Tensor yt =
      Tensor::Create(DataType::kFloat32, *ConcreteDims(*g.value(node.outputs[0]).shape)).value();
  std::unique_ptr<CpuKernel> kernel;
  SparseConvKernel* sparse = nullptr;
  if (path == Path::kDense) {
    kernel = MakeConvKernel(OpType::kConv);
  } else {
    auto k = std::make_unique<SparseConvKernel>(l.block > 0 ? l.block : 4);
    k->set_scatter_density(path == Path::kScatter ? 2.0 : -1.0);
    sparse = k.get();
    kernel = std::move(k);
  }
  if (!kernel->Prepare(g, node).ok()) {
    state.SkipWithError("prepare failed");
    return;
  }
  const Tensor* in[] = {&xt, &wt};
  Tensor* out[] = {&yt};
  for (auto _ : state) {
    if (!kernel->Compute(in, out).ok()) {
      state.SkipWithError("compute failed");
      return;
    }
    benchmark::DoNotOptimize(yt.raw_data());
  }
  if (sparse != nullptr) {
    state.counters["density"] = sparse->last_density();
    state.counters["tile_density"] = sparse->LastTileDensity();
  }
}

int Register() {
  for (const Layer& l : kLayers) {
    for (double d : kDensities) {
      for (auto [path, label] :
           {std::pair{Path::kDense, "dense"}, std::pair{Path::kScatter, "scatter"},
            std::pair{Path::kTiles, "tiles"}}) {
        const std::string name = std::string(l.name) + "/" + label + "/" + std::to_string(d);
        benchmark::RegisterBenchmark(
            name.c_str(), [l, d, path = path](benchmark::State& s) { Run(s, l, d, path); })
            ->Unit(benchmark::kMillisecond)
            ->UseRealTime();
      }
    }
  }
  return 0;
}

const int kRegistered = Register();

}  // namespace
}  // namespace sf

BENCHMARK_MAIN();
