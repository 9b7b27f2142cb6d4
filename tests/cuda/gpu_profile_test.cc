// The CUDA backend's per-node profile (ExecutorOptions::profile_nodes), its
// timed cuDNN algorithm choice and the process-wide cache of it, separate
// allocations for compute-sanitizer (debug_separate_allocations /
// SF_CUDA_ARENA_BYPASS), ConstantOfShape, and the same through sf::Runtime.
// Every GPU test skips without a GPU.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cuda/conv_algo_cache.h"
#include "runtime/npy.h"
#include "runtime/gpu/gpu_executor.h"
#include "sf/runtime.h"
#include "tests/cuda/conv_gemm_graph.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::ConvLifGemmGraph;
using ::sf::testing::ExpectClose;
using ::sf::testing::OneNodeGraphBuilder;
using ::sf::testing::PlanFor;
using ::sf::testing::RandomTensor;
using ::testing::HasSubstr;
using Dims = std::vector<int64_t>;

// x [4, c_in, h, w] random in [-1, 1].
std::vector<Tensor> Inputs(int64_t c_in, int64_t h, int64_t w, std::mt19937& rng) {
  return {RandomTensor(DataType::kFloat32, {4, c_in, h, w}, rng)};
}

TEST(GpuProfileTest, ProfileNodesTimesEveryStepWithinTheRun) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(61);
  const Graph g = ConvLifGemmGraph(3, 8, 16, 16, rng);
  ASSERT_OK_AND_ASSIGN(auto exec, GpuExecutor::Create(g, PlanFor(g), 0,
                                                      ExecutorOptions{.profile_nodes = true}));
  const std::vector<Tensor> inputs = Inputs(3, 16, 16, rng);
  for (int run = 0; run < 3; ++run) {  // later runs too: no graph replay hides the steps
    const auto start = std::chrono::steady_clock::now();
    ASSERT_OK(exec->Run(inputs).status());
    const double wall_us =
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
            .count();
    const std::vector<StepStats> stats = exec->LastStepStats();
    ASSERT_EQ(stats.size(), static_cast<size_t>(g.num_nodes()));
    double sum = 0;
    for (size_t i = 0; i < stats.size(); ++i) {
      EXPECT_GT(stats[i].microseconds, 0) << "run " << run << " step " << i;
      EXPECT_FALSE(stats[i].kernel_detail.empty()) << i;
      EXPECT_EQ(stats[i].tile_density, -1) << i;
      sum += stats[i].microseconds;
    }
    EXPECT_LE(sum, wall_us) << "run " << run;
  }
  EXPECT_THAT(exec->LastStepStats()[0].kernel_detail, HasSubstr("cudnn"));
}

TEST(GpuProfileTest, WithoutProfileNodesTimesAreZero) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(62);
  const Graph g = ConvLifGemmGraph(3, 8, 16, 16, rng);
  ASSERT_OK_AND_ASSIGN(auto exec, GpuExecutor::Create(g, PlanFor(g), 0));
  ASSERT_OK(exec->Run(Inputs(3, 16, 16, rng)).status());
  for (const StepStats& s : exec->LastStepStats()) {
    EXPECT_EQ(s.microseconds, 0);
    EXPECT_FALSE(s.kernel_detail.empty());
    EXPECT_EQ(s.tile_density, -1);
  }
}

// One sparse conv (sparse mode on, 8x8 tiles) on x [2, 8, 16, 16] whose only
// non-zeros lie in the bottom-right 4x4 corner: of each image's four tiles,
// only the bottom-right one reads them, so the tile density is 1/4.
TEST(GpuProfileTest, SparseConvReportsItsTileDensity) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(63);
  auto built = OneNodeGraphBuilder(OpType::kConv, "conv_sparse")
                   .Input(DataType::kFloat32, {2, 8, 16, 16})
                   .ConstantInput(RandomTensor(DataType::kFloat32, {8, 8, 3, 3}, rng))
                   .Output(DataType::kFloat32, {2, 8, 16, 16})
                   .Attr("kernel_shape", Dims{3, 3})
                   .Attr("pads", Dims{1, 1, 1, 1})
                   .Build();
  Plan plan = PlanFor(built.graph);
  plan.sparse_mode = SparseMode::kOn;
  plan.steps[0].kernel = "sparse";
  plan.steps[0].block = 8;
  plan.steps[0].input_class = ValueClass::kBinary;
  Tensor x = Tensor::Create(DataType::kFloat32, {2, 8, 16, 16}).value();
  for (int64_t i = 0; i < x.num_elements(); ++i) {
    const int64_t row = (i / 16) % 16, col = i % 16;
    x.data<float>()[i] = row >= 12 && col >= 12 && (i % 3 == 0) ? 1.0f : 0.0f;
  }
  const std::vector<Tensor> inputs = {x};
  ASSERT_OK_AND_ASSIGN(auto exec, GpuExecutor::Create(built.graph, plan, 0,
                                                      ExecutorOptions{.profile_nodes = true}));
  for (int run = 0; run < 2; ++run) {
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, exec->Run(inputs));
    const StepStats s = exec->LastStepStats()[0];
    EXPECT_DOUBLE_EQ(s.tile_density, 0.25) << "run " << run;
    EXPECT_GT(s.microseconds, 0);
    EXPECT_THAT(s.kernel_detail, HasSubstr("sparse"));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> want, testing::RunCpu(built.graph, inputs));
    ExpectClose(got[0], want[0], 1e-5, 1e-4, "sparse conv");
  }
}

TEST(GpuArenaBypassTest, SeparateAllocationsGiveTheArenaResults) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(64);
  const Graph g = ConvLifGemmGraph(4, 8, 12, 12, rng);
  const std::vector<Tensor> inputs = Inputs(4, 12, 12, rng);
  if (std::getenv("SF_CUDA_ARENA_BYPASS") != nullptr) {
    GTEST_SKIP() << "SF_CUDA_ARENA_BYPASS is set (a sanitizer run): no arena to compare with";
  }
  ASSERT_OK_AND_ASSIGN(auto arena, GpuExecutor::Create(g, PlanFor(g), 0));
  ASSERT_OK_AND_ASSIGN(auto separate, GpuExecutor::Create(g, PlanFor(g), 0,
                                                          {.debug_separate_allocations = true}));
  EXPECT_FALSE(arena->separate_allocations());
  EXPECT_TRUE(separate->separate_allocations());
  // The plan printout keeps the normal mode's arena figures.
  EXPECT_EQ(separate->memory_plan().arena_bytes, arena->memory_plan().arena_bytes);
  EXPECT_EQ(separate->memory_plan().total_bytes, arena->memory_plan().total_bytes);
  for (int run = 0; run < 3; ++run) {  // the arena executor replays a CUDA graph from run 2
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> want, arena->Run(inputs));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, separate->Run(inputs));
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      ExpectClose(got[i], want[i], 0, 0, "output " + std::to_string(i) + " run " +
                                             std::to_string(run));
    }
  }
}

TEST(GpuArenaBypassTest, EnvironmentVariableTurnsItOn) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(65);
  const Graph g = ConvLifGemmGraph(2, 4, 8, 8, rng);
  const char* before = std::getenv("SF_CUDA_ARENA_BYPASS");
  const std::string saved = before != nullptr ? before : "";
  setenv("SF_CUDA_ARENA_BYPASS", "1", 1);
  absl::StatusOr<std::unique_ptr<GpuExecutor>> exec = GpuExecutor::Create(g, PlanFor(g), 0);
  setenv("SF_CUDA_ARENA_BYPASS", "0", 1);
  absl::StatusOr<std::unique_ptr<GpuExecutor>> normal = GpuExecutor::Create(g, PlanFor(g), 0);
  if (before != nullptr) {
    setenv("SF_CUDA_ARENA_BYPASS", saved.c_str(), 1);
  } else {
    unsetenv("SF_CUDA_ARENA_BYPASS");
  }
  ASSERT_OK(exec.status());
  ASSERT_OK(normal.status());
  EXPECT_TRUE((*exec)->separate_allocations());
  EXPECT_FALSE((*normal)->separate_allocations());
  ASSERT_OK(exec->get()->Run(Inputs(2, 8, 8, rng)).status());
}

TEST(ConvAlgoSearchTest, TimedChoiceIsCachedAcrossExecutors) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(66);
  // A geometry no other test in this binary uses, so the first Create searches.
  const Graph g = ConvLifGemmGraph(5, 7, 13, 11, rng);
  const int64_t before = cuda::ConvAlgoSearchCount();
  ASSERT_OK_AND_ASSIGN(auto first, GpuExecutor::Create(g, PlanFor(g), 0,
                                                       {.conv_algo_search = ConvAlgoSearch::kTimed}));
  EXPECT_EQ(cuda::ConvAlgoSearchCount(), before + 1);
  EXPECT_THAT(first->KernelDescriptions()[0], HasSubstr("(timed, ws "));
  ASSERT_OK_AND_ASSIGN(auto second, GpuExecutor::Create(g, PlanFor(g), 0,
                                                        {.conv_algo_search = ConvAlgoSearch::kTimed}));
  EXPECT_EQ(cuda::ConvAlgoSearchCount(), before + 1) << "the second prepare searched again";
  EXPECT_EQ(second->KernelDescriptions()[0], first->KernelDescriptions()[0]);

  ASSERT_OK_AND_ASSIGN(auto heuristic,
                       GpuExecutor::Create(g, PlanFor(g), 0,
                                           {.conv_algo_search = ConvAlgoSearch::kHeuristic}));
  EXPECT_THAT(heuristic->KernelDescriptions()[0], HasSubstr("(heuristic, ws "));
  const std::vector<Tensor> inputs = Inputs(5, 13, 11, rng);
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> timed_out, first->Run(inputs));
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> heuristic_out, heuristic->Run(inputs));
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> cpu, testing::RunCpu(g, inputs));
  ExpectClose(timed_out[1], cpu[1], 1e-4, 1e-4, "timed logits");
  ExpectClose(heuristic_out[1], cpu[1], 1e-4, 1e-4, "heuristic logits");
}

// Dyadic values (small multiples of powers of two) whose every sum of
// products is exact in float32: any order of summation gives the same bits.
Tensor DyadicTensor(std::vector<int64_t> dims, int denominator, int range, std::mt19937& rng) {
  Tensor t = Tensor::Create(DataType::kFloat32, std::move(dims)).value();
  std::uniform_int_distribution<int> pick(-range, range);
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    t.data<float>()[i] = static_cast<float>(pick(rng)) / static_cast<float>(denominator);
  }
  return t;
}

// --conv-algo gemm: only sum-of-products algorithms qualify, so a conv whose
// sums are exact gives the CPU reference's bits (a Winograd or FFT transform,
// which the plain timed search picks for such a float32 3x3 conv on an H200,
// rounds on the way and flips spikes that sit exactly on a threshold).
TEST(ConvAlgoSearchTest, GemmOnlySearchIsExactOnDyadicValues) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(68);
  auto built = OneNodeGraphBuilder(OpType::kConv, "conv_exact")
                   .Input(DataType::kFloat32, {16, 64, 32, 32})
                   .ConstantInput(DyadicTensor({64, 64, 3, 3}, 64, 8, rng))
                   .ConstantInput(DyadicTensor({64}, 64, 8, rng))
                   .Output(DataType::kFloat32, {16, 64, 32, 32})
                   .Attr("kernel_shape", Dims{3, 3})
                   .Attr("pads", Dims{1, 1, 1, 1})
                   .Build();
  const std::vector<Tensor> inputs = {DyadicTensor({16, 64, 32, 32}, 16, 16, rng)};
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> cpu, testing::RunCpu(built.graph, inputs));
  ASSERT_OK_AND_ASSIGN(auto gemm,
                       GpuExecutor::Create(built.graph, PlanFor(built.graph), 0,
                                           {.conv_algo_search = ConvAlgoSearch::kTimedGemm}));
  const std::string what = gemm->KernelDescriptions()[0];
  EXPECT_THAT(what, HasSubstr("gemm only"));
  EXPECT_THAT(what, ::testing::Not(::testing::AnyOf(HasSubstr("WINOGRAD"), HasSubstr("FFT"))));
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, gemm->Run(inputs));
  ASSERT_EQ(got[0].num_elements(), cpu[0].num_elements());
  int64_t different = 0;
  for (int64_t i = 0; i < got[0].num_elements(); ++i) {
    different += got[0].data<float>()[i] != cpu[0].data<float>()[i];
  }
  EXPECT_EQ(different, 0) << what;
  // What the unrestricted timed search picked for the same conv, for the log.
  ASSERT_OK_AND_ASSIGN(auto timed,
                       GpuExecutor::Create(built.graph, PlanFor(built.graph), 0,
                                           {.conv_algo_search = ConvAlgoSearch::kTimed}));
  std::printf("gemm only: %s; timed: %s\n", what.c_str(), timed->KernelDescriptions()[0].c_str());
}

// The sparse conv's cuDNN alternative runs the algorithm the dense path runs.
TEST(ConvAlgoSearchTest, SparseConvTimesTheDenseAlgorithm) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(67);
  const Graph g = ConvLifGemmGraph(16, 16, 16, 16, rng);
  ASSERT_OK_AND_ASSIGN(auto dense, GpuExecutor::Create(g, PlanFor(g), 0));
  Plan plan = PlanFor(g);
  plan.sparse_mode = SparseMode::kOff;  // the sparse kernel's cuDNN path, chosen without timing
  plan.steps[0].kernel = "sparse";
  plan.steps[0].block = 8;
  ASSERT_OK_AND_ASSIGN(auto sparse, GpuExecutor::Create(g, plan, 0));
  EXPECT_THAT(sparse->KernelDescriptions()[0],
              HasSubstr("chosen: " + dense->KernelDescriptions()[0]));
}

TEST(GpuConstantOfShapeTest, FillsLikeTheCpu) {
  SF_SKIP_WITHOUT_GPU();
  for (const Tensor& value : {Tensor::Scalar(2.5f), Tensor::FromVector<int64_t>({1}, {-7})}) {
    auto built = OneNodeGraphBuilder(OpType::kConstantOfShape, "fill_0")
                     .ConstantInput(Tensor::FromVector<int64_t>({3}, {2, 3, 5}))
                     .Output(value.dtype(), {2, 3, 5})
                     .Attr("value", value)
                     .Build();
    sf::testing::ExpectGpuMatchesCpu(built.graph, {}, 0, 0, "ConstantOfShape");
  }
}

// --- Through sf::Runtime ---------------------------------------------------

TEST(GpuRuntimeProfileTest, LastProfileOfFmnistOnCuda) {
  SF_SKIP_WITHOUT_GPU();
  const std::string dir = std::string(SF_SOURCE_DIR) + "/models/fmnist_snn/";
  Options options;
  options.device = "cuda";
  options.sparse = SparseMode::kOn;
  options.profile_nodes = true;
  ASSERT_OK_AND_ASSIGN(auto rt, Runtime::Load(dir + "model.onnx", options));
  ASSERT_OK_AND_ASSIGN(Tensor images, ReadNpy(dir + "test_input.npy"));
  ASSERT_OK(rt->Run({{"input", images}}).status());
  int sparse = 0;
  double sum = 0;
  for (const NodeTiming& t : rt->LastProfile()) {
    EXPECT_GE(t.microseconds, 0) << t.name;
    EXPECT_FALSE(t.kernel_detail.empty()) << t.name;
    sum += t.microseconds;
    if (t.kernel == "sparse") {
      ++sparse;
      EXPECT_GE(t.tile_density, 0) << t.name;
      EXPECT_LE(t.tile_density, 1) << t.name;
    } else {
      EXPECT_EQ(t.tile_density, -1) << t.name;
    }
  }
  EXPECT_GT(sum, 0);
  EXPECT_GT(sparse, 0);
}

}  // namespace
}  // namespace sf
