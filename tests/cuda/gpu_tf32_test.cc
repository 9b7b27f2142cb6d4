// ExecutorOptions::allow_tf32: cuDNN convolutions and cuBLAS GEMMs may use
// TF32 tensor cores; results stay within 1e-2 (relative to the largest
// magnitude) of the FP32 run.
#include <algorithm>
#include <cmath>
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

// max |got - want| <= 1e-2 * max |want|.
void ExpectWithinOnePercent(const Tensor& got, const Tensor& want, const char* what) {
  ASSERT_EQ(got.dims(), want.dims()) << what;
  double max_abs = 0, max_diff = 0;
  for (int64_t i = 0; i < want.num_elements(); ++i) {
    const double w = want.data<float>()[i];
    max_abs = std::max(max_abs, std::abs(w));
    max_diff = std::max(max_diff, std::abs(got.data<float>()[i] - w));
  }
  EXPECT_GT(max_abs, 0.0) << what;
  EXPECT_LE(max_diff, 1e-2 * max_abs) << what;
}

TEST(GpuTf32Test, ConvAndGemmWithinOnePercentOfFp32) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(21);
  Graph g = ConvLifGemmGraph(64, 32, 8, 8, rng);
  g.AddOutput(*g.FindValue("conv_0_out"));  // outputs: spikes, logits, conv
  ASSERT_OK_AND_ASSIGN(auto fp32, GpuExecutor::Create(g, PlanFor(g), 0));
  ASSERT_OK_AND_ASSIGN(auto tf32, GpuExecutor::Create(g, PlanFor(g), 0,
                                                       ExecutorOptions{.allow_tf32 = true}));
  EXPECT_THAT(tf32->KernelDescriptions()[0], ::testing::HasSubstr("TF32"));
  const std::vector<Tensor> in = {RandomTensor(DataType::kFloat32, {4, 64, 8, 8}, rng, 0.0, 1.0)};
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> want, fp32->Run(in));
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, tf32->Run(in));
  ExpectWithinOnePercent(got[2], want[2], "conv");
  // The GEMM reads spikes; compare logits when no spike flipped at threshold.
  if (std::memcmp(got[0].raw_data(), want[0].raw_data(), want[0].nbytes()) == 0) {
    ExpectWithinOnePercent(got[1], want[1], "logits");
  }
}

TEST(GpuTf32Test, Fp32ConvIsNotMarkedTf32) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(22);
  const Graph g = ConvLifGemmGraph(4, 4, 4, 4, rng);
  ASSERT_OK_AND_ASSIGN(auto exec, GpuExecutor::Create(g, PlanFor(g), 0));
  EXPECT_THAT(exec->KernelDescriptions()[0], ::testing::Not(::testing::HasSubstr("TF32")));
}

}  // namespace
}  // namespace sf
