// Runtime::Step on a CUDA device: the membranes and running sums stay on the
// GPU between steps (kernel-owned buffers, also under CUDA-graph replay from
// the third step on) and the stream equals the all-T GPU Run: bit for bit for
// spikes and for time reductions of values computed the same way; values out
// of cuBLAS/cuDNN may differ in the last bits, because those libraries pick
// other kernels (other summation orders) for N rows than for T*N.
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/npy.h"
#include "sf/runtime.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/step_test_util.h"

namespace sf {
namespace {

using ::sf::testing::ExpectClose;

TEST(GpuStepTest, RowsAndTimeReductionMatchRun) {
  SF_SKIP_WITHOUT_GPU();
  const int64_t t = 4, n = 5;
  Options options;
  options.device = "cuda";
  ASSERT_OK_AND_ASSIGN(auto rt, Runtime::LoadFromBytes(testing::RowsModel(t), options));
  const Tensor x = testing::RandomRows(t * n, 5, 11);
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> all, rt->Run({{"x", x}}));
  for (int round = 0; round < 3; ++round) {  // streams after ResetState, graphs replayed
    std::vector<Tensor> out;
    for (int64_t s = 0; s < t; ++s) {
      ASSERT_OK_AND_ASSIGN(out, rt->Step({{"x", testing::Rows(x, s, n)}}));
      EXPECT_TRUE(testing::BitEqual(out[0], testing::Rows(all[0], s, n)))
          << "round " << round << " step " << s;
    }
    EXPECT_TRUE(testing::BitEqual(out[1], all[1])) << "round " << round;
    ExpectClose(out[2], all[2], 1e-6, 1e-6, "h_mean (cuBLAS rows) round " + std::to_string(round));
    EXPECT_TRUE(testing::BitEqual(out[3], all[3])) << "round " << round;
    ASSERT_OK(rt->ResetState());
  }
}

TEST(GpuStepTest, ShippedModelsMatchRun) {
  SF_SKIP_WITHOUT_GPU();
  for (const char* name : {"fmnist_snn", "events"}) {
    SCOPED_TRACE(name);
    ASSERT_OK_AND_ASSIGN(testing::StreamedModel m, testing::StreamShippedModel(name, "cuda", 2));
    for (size_t round = 0; round < m.streamed.size(); ++round) {
      ASSERT_EQ(m.streamed[round].size(), 1u);
      ExpectClose(m.streamed[round][0], m.all[0], 1e-5, 1e-5,
                  std::string(name) + " round " + std::to_string(round));
    }
  }
}

}  // namespace
}  // namespace sf
