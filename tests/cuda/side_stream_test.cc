// GpuExecutor with ExecutorOptions::overlap_branches: a residual block's
// shortcut conv runs on the side stream. Its outputs must be the very bits of
// the one-stream run (and within float tolerance of the CPU reference) on
// every path: the first plain run, CUDA-graph capture and replays, plain
// launches without graphs, caller-bound device memory, and with every tensor
// in its own allocation (what compute-sanitizer runs see).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "graph/passes/float16.h"
#include "runtime/plan.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::ExpectClose;
using ::sf::testing::PlanFor;
using ::sf::testing::RandomTensor;
using ::sf::testing::ResidualBlock;
using ::testing::HasSubstr;
using ::testing::Not;
using Dims = std::vector<int64_t>;

absl::StatusOr<std::unique_ptr<GpuExecutor>> Make(const Graph& g, bool overlap, bool graphs = true,
                                                  bool separate = false,
                                                  const Plan* plan = nullptr) {
  ExecutorOptions o;
  o.overlap_branches = overlap;
  o.cuda_graphs = graphs;
  o.debug_separate_allocations = separate;
  return GpuExecutor::Create(g, plan != nullptr ? *plan : PlanFor(g), 0, o);
}

void ExpectSame(const std::vector<Tensor>& got, const std::vector<Tensor>& want,
                const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    SCOPED_TRACE(what + ", output " + std::to_string(i));
    ExpectClose(got[i], want[i], 0, 0, what);
  }
}

TEST(SideStreamTest, TheShortcutConvRunsOnTheSideStream) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(7);
  const Graph g = ResidualBlock(2, 8, 12, rng);
  ASSERT_OK_AND_ASSIGN(auto overlapped, Make(g, true));
  ASSERT_OK_AND_ASSIGN(auto single, Make(g, false));
  const std::vector<std::string> d = overlapped->KernelDescriptions();
  for (int i = 0; i < g.num_nodes(); ++i) {
    SCOPED_TRACE(g.node(i).name);
    if (g.node(i).name == "shortcut") {
      // Forked after lif_in (step 0), joined before the add (step 5).
      EXPECT_THAT(d[i], HasSubstr("; side stream, beside steps 1..4"));
    } else {
      EXPECT_THAT(d[i], Not(HasSubstr("side stream")));
    }
  }
  for (const std::string& s : single->KernelDescriptions()) {
    EXPECT_THAT(s, Not(HasSubstr("side stream")));
  }
}

TEST(SideStreamTest, EveryRunPathGivesTheOneStreamBits) {
  SF_SKIP_WITHOUT_GPU();
  for (const int64_t h : {7, 16, 33}) {
    std::mt19937 rng(static_cast<unsigned>(h));
    const Graph g = ResidualBlock(2, 16, h, rng);
    ASSERT_OK_AND_ASSIGN(auto reference, Make(g, false));
    ASSERT_OK_AND_ASSIGN(auto overlapped, Make(g, true));
    ASSERT_OK_AND_ASSIGN(auto plain, Make(g, true, /*graphs=*/false));
    ASSERT_OK_AND_ASSIGN(auto separate, Make(g, true, /*graphs=*/false, /*separate=*/true));
    ASSERT_OK_AND_ASSIGN(auto cpu, CpuExecutor::Create(g, PlanFor(g)));
    for (int round = 0; round < 3; ++round) {
      SCOPED_TRACE("H " + std::to_string(h) + ", round " + std::to_string(round));
      const std::vector<Tensor> in = {
          RandomTensor(DataType::kFloat32, {2, 16, h, h}, rng, -0.5, 1.5)};
      ASSERT_OK_AND_ASSIGN(std::vector<Tensor> want, reference->Run(in));
      ASSERT_OK_AND_ASSIGN(std::vector<Tensor> cpu_out, cpu->Run(in));
      // The shortcut conv's output against the CPU (spikes downstream of a
      // conv may flip where float sums land on the threshold).
      ExpectClose(want[1], cpu_out[1], 1e-4, 1e-4, "cpu");
      // Round 0 is each executor's first (plain, one-stream) run; rounds 1
      // and 2 capture and replay a graph, or launch plainly on two streams.
      ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, overlapped->Run(in));
      ExpectSame(got, want, "graph replay");
      ASSERT_OK_AND_ASSIGN(got, plain->Run(in));
      ExpectSame(got, want, "plain launches");
      ASSERT_OK_AND_ASSIGN(got, separate->Run(in));
      ExpectSame(got, want, "separate allocations");
    }
    // Timed replays go through the same overlapped capture.
    const std::vector<Tensor> in = {
        RandomTensor(DataType::kFloat32, {2, 16, h, h}, rng, -0.5, 1.5)};
    ASSERT_OK_AND_ASSIGN(std::vector<double> us, overlapped->GraphReplayMicroseconds(in, 1, 3));
    EXPECT_EQ(us.size(), 3u);
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> want, reference->Run(in));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, overlapped->Run(in));
    ExpectSame(got, want, "after timed replays");
  }
}

// The plan SparseFlow runs: float16, sparse auto, each spike-fed conv fused
// with the neuron after it (the neuron's step queues nothing) and the Add
// with its neuron. Only the shortcut may branch: a fused conv whose neuron's
// reader follows right after it has nothing beside it.
TEST(SideStreamTest, TheFusedFloat16PlanBranchesOnlyTheShortcut) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(11);
  Graph g = ResidualBlock(4, 16, 16, rng);
  ASSERT_OK(ConvertToFloat16(g, GpuKernelRunsFloat16).status());
  PlanOptions po;
  po.device = "cuda";
  po.precision = Precision::kFloat16;
  ASSERT_OK_AND_ASSIGN(const Plan plan, BuildPlan(g, po));
  ASSERT_OK_AND_ASSIGN(auto reference, Make(g, false, true, false, &plan));
  ASSERT_OK_AND_ASSIGN(auto overlapped, Make(g, true, true, false, &plan));
  const std::vector<std::string> d = overlapped->KernelDescriptions();
  for (int i = 0; i < g.num_nodes(); ++i) {
    SCOPED_TRACE(g.node(i).name + ": " + d[i]);
    EXPECT_EQ(d[i].find("side stream") != std::string::npos, g.node(i).name == "shortcut");
  }
  for (int round = 0; round < 4; ++round) {
    // Graph inputs and outputs stay float32 (Casts at the borders).
    const std::vector<Tensor> in = {
        RandomTensor(DataType::kFloat32, {4, 16, 16, 16}, rng, -0.5, 1.5)};
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> want, reference->Run(in));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, overlapped->Run(in));
    ExpectSame(got, want, "fp16 fused plan, round " + std::to_string(round));
  }
}

}  // namespace
}  // namespace sf
