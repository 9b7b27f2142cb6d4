// GpuExecutor::Run replays a CUDA graph captured after its first run
// (ExecutorOptions::cuda_graphs): outputs must equal those of plain launches,
// run after run, with different inputs each time.
#include <cstring>
#include <random>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/cuda/conv_gemm_graph.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::ConvLifGemmGraph;
using ::sf::testing::PlanFor;
using ::sf::testing::RandomTensor;

bool SameBytes(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.dims() == b.dims() &&
         std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

TEST(GpuGraphReplayTest, ReplayMatchesPlainLaunchesOverManyRuns) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(11);
  const Graph g = ConvLifGemmGraph(8, 16, 8, 8, rng);
  ASSERT_OK_AND_ASSIGN(auto graphs, GpuExecutor::Create(g, PlanFor(g), 0));
  ASSERT_OK_AND_ASSIGN(auto plain, GpuExecutor::Create(g, PlanFor(g), 0,
                                                        ExecutorOptions{.cuda_graphs = false}));
  for (int run = 0; run < 5; ++run) {
    const std::vector<Tensor> in = {
        RandomTensor(DataType::kFloat32, {4, 8, 8, 8}, rng, -1.0, 3.0)};
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> want, plain->Run(in));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, graphs->Run(in));
    ASSERT_EQ(got.size(), want.size());
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_TRUE(SameBytes(got[i], want[i])) << "run " << run << " output " << i;
    }
  }
}

TEST(GpuGraphReplayTest, ReplaySeesEachRunsNewInput) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(12);
  const Graph g = ConvLifGemmGraph(4, 8, 6, 6, rng);
  ASSERT_OK_AND_ASSIGN(auto exec, GpuExecutor::Create(g, PlanFor(g), 0));
  const std::vector<Tensor> a = {RandomTensor(DataType::kFloat32, {4, 4, 6, 6}, rng, -1.0, 3.0)};
  const std::vector<Tensor> b = {RandomTensor(DataType::kFloat32, {4, 4, 6, 6}, rng, -1.0, 3.0)};
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> a1, exec->Run(a));  // plain, then captured
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> b1, exec->Run(b));  // replayed
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> a2, exec->Run(a));  // replayed
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> b2, exec->Run(b));  // replayed
  EXPECT_TRUE(SameBytes(a1[1], a2[1]));
  EXPECT_TRUE(SameBytes(b1[1], b2[1]));
  EXPECT_FALSE(SameBytes(a2[1], b2[1]));
}

}  // namespace
}  // namespace sf
