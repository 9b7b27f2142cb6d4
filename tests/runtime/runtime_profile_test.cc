// sf::Options defaults of the CUDA profiling/debugging fields, and
// Runtime::LastProfile on the CPU: per node a time, what ran, and the tile
// density of the planned sparse convs.
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/npy.h"
#include "sf/runtime.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

std::string Fmnist(const std::string& file) {
  return std::string(SF_SOURCE_DIR) + "/models/fmnist_snn/" + file;
}

TEST(RuntimeOptionsTest, CudaProfilingAndDebugFieldsDefaultOff) {
  const Options options;
  EXPECT_EQ(options.conv_algo_search, ConvAlgoSearch::kTimed);
  EXPECT_FALSE(options.profile_nodes);
  EXPECT_FALSE(options.debug_separate_allocations);
  EXPECT_EQ(ToString(ConvAlgoSearch::kTimed), "timed");
  EXPECT_EQ(ToString(ConvAlgoSearch::kHeuristic), "heuristic");
  EXPECT_EQ(ToString(ConvAlgoSearch::kTimedGemm), "gemm");
  const NodeTiming timing;
  EXPECT_EQ(timing.tile_density, -1);
  EXPECT_TRUE(timing.kernel_detail.empty());
}

TEST(RuntimeProfileTest, CpuLastProfileHasTimeDetailAndTileDensity) {
  Options options;
  options.device = "cpu";
  ASSERT_OK_AND_ASSIGN(auto rt, Runtime::Load(Fmnist("model.onnx"), options));
  EXPECT_TRUE(rt->LastProfile().empty());
  ASSERT_OK_AND_ASSIGN(Tensor images, ReadNpy(Fmnist("test_input.npy")));
  ASSERT_OK(rt->Run({{"input", images}}).status());
  const std::vector<NodeTiming> profile = rt->LastProfile();
  ASSERT_FALSE(profile.empty());
  int sparse = 0;
  for (const NodeTiming& t : profile) {
    EXPECT_GE(t.microseconds, 0) << t.name;
    EXPECT_THAT(t.kernel_detail, StartsWith("cpu " + t.kernel)) << t.name;
    if (t.kernel == "sparse") {
      ++sparse;
      EXPECT_THAT(t.kernel_detail, HasSubstr("block " + std::to_string(t.block)));
      EXPECT_GE(t.tile_density, 0) << t.name;
      EXPECT_LE(t.tile_density, 1) << t.name;
    } else {
      EXPECT_EQ(t.tile_density, -1) << t.name;
    }
  }
  EXPECT_GT(sparse, 0) << "fmnist_snn has spike-fed convs the plan makes sparse";
}

}  // namespace
}  // namespace sf
