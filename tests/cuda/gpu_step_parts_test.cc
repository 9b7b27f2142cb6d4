// The per-step profiler's parts (GpuKernel::EnqueuePart, sfbench's prescan_us
// and sparse_us): a block-sparse conv's prescan and sparse path are timed alone
// whichever path the step runs, the step says which path it ran, the parts
// change nothing a run computes, and other steps have no
// parts. Every test skips without a GPU.
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/gpu/gpu_executor.h"
#include "runtime/npy.h"
#include "sf/runtime.h"
#include "tests/cuda/conv_gemm_graph.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::ConvLifGemmGraph;
using ::sf::testing::ExpectClose;
using ::sf::testing::PlanFor;
using ::sf::testing::RandomTensor;
using ::testing::AnyOf;
using ::testing::Eq;

// ConvLifGemmGraph with its first conv planned sparse (block 8) in `mode`.
Plan SparsePlan(const Graph& g, SparseMode mode) {
  Plan plan = PlanFor(g);
  plan.sparse_mode = mode;
  plan.steps[0].kernel = "sparse";
  plan.steps[0].block = 8;
  return plan;
}

TEST(GpuStepPartsTest, SparseConvPartsAreTimedWhicheverPathRuns) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(71);
  const Graph g = ConvLifGemmGraph(16, 16, 16, 16, rng);
  const std::vector<Tensor> inputs = {RandomTensor(DataType::kFloat32, {4, 16, 16, 16}, rng)};
  // kOn runs the sparse kernel; kOff its cuDNN path (without timing the choice).
  for (const auto& [mode, path] : {std::pair{SparseMode::kOn, "sparse"},
                                   std::pair{SparseMode::kOff, "cudnn"}}) {
    ASSERT_OK_AND_ASSIGN(auto exec, GpuExecutor::Create(g, SparsePlan(g, mode), 0,
                                                        ExecutorOptions{.profiling = true}));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> before, exec->Run(inputs));
    ASSERT_OK_AND_ASSIGN(std::vector<StepProfile> steps, exec->ProfileSteps(inputs, 10));
    ASSERT_EQ(steps.size(), static_cast<size_t>(g.num_nodes()));
    const StepProfile& conv = steps[0];
    EXPECT_EQ(conv.path, path);
    EXPECT_GT(conv.prescan_us, 0) << path;
    EXPECT_GT(conv.sparse_us, 0) << path;
    EXPECT_GT(conv.median_us, 0) << path;
    EXPECT_EQ(conv.iters, 10);
    for (size_t i = 1; i < steps.size(); ++i) {
      EXPECT_EQ(steps[i].prescan_us, -1) << i;
      EXPECT_EQ(steps[i].sparse_us, -1) << i;
      EXPECT_EQ(steps[i].path, "") << i;
    }
    // Timing the parts changed nothing a run computes (both paths are deterministic).
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> after, exec->Run(inputs));
    ASSERT_EQ(after.size(), before.size());
    for (size_t i = 0; i < after.size(); ++i) {
      ExpectClose(after[i], before[i], 0, 0, std::string("output after profiling, ") + path);
    }
  }
}

TEST(GpuStepPartsTest, ProfileLayersOfFmnistReportsPrescanAndPath) {
  SF_SKIP_WITHOUT_GPU();
  const std::string dir = std::string(SF_SOURCE_DIR) + "/models/fmnist_snn/";
  Options options;
  options.device = "cuda";  // --sparse auto: each sparse conv times itself against cuDNN
  ASSERT_OK_AND_ASSIGN(auto rt, Runtime::Load(dir + "model.onnx", options));
  ASSERT_OK_AND_ASSIGN(Tensor images, ReadNpy(dir + "test_input.npy"));
  ASSERT_OK_AND_ASSIGN(std::vector<LayerProfile> layers,
                       rt->ProfileLayers({{"input", images}}, 10));
  int sparse = 0;
  for (const LayerProfile& l : layers) {
    if (l.kernel != "sparse") {
      EXPECT_EQ(l.prescan_us, -1) << l.name;
      EXPECT_EQ(l.sparse_us, -1) << l.name;
      continue;
    }
    ++sparse;
    EXPECT_THAT(l.path, AnyOf(Eq("sparse"), Eq("cudnn"))) << l.name;
    EXPECT_GT(l.prescan_us, 0) << l.name;
    EXPECT_GT(l.sparse_us, 0) << l.name;
    // The prescan is part of the sparse path (loose: both are medians of short kernels).
    EXPECT_LT(l.prescan_us, 2 * l.sparse_us) << l.name;
  }
  EXPECT_GT(sparse, 0);
}

}  // namespace
}  // namespace sf
