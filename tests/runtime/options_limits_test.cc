// Options::arena_limit_bytes, Options::log_level and Options::device spelling.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "runtime/device.h"
#include "runtime/npy.h"
#include "sf/runtime.h"
#include "spdlog/spdlog.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::StatusIs;
using ::testing::HasSubstr;

const std::string kModelDir = std::string(SF_SOURCE_DIR) + "/models/fmnist_snn";

// A misspelt device is refused as such, with or without a GPU present.
TEST(OptionsLimitsTest, DeviceSpelling) {
  for (const char* ok : {"auto", "cpu", "cuda", "cuda:0", "cuda:12"}) {
    EXPECT_TRUE(IsDeviceSpelling(ok)) << ok;
  }
  for (const char* bad : {"", "gpu", "CPU", "cuda:", "cuda:x", "cuda:-1", "cuda:+1", "cuda:1 "}) {
    EXPECT_FALSE(IsDeviceSpelling(bad)) << bad;
    EXPECT_THAT(ResolveRuntimeDevice(bad),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bad device")))
        << bad;
  }
}

TEST(OptionsLimitsTest, ArenaLimitRefusesABiggerPlanBeforeAllocating) {
  ASSERT_OK_AND_ASSIGN(Tensor x, ReadNpy(kModelDir + "/test_input.npy"));
  Options options;
  options.device = "cpu";
  ASSERT_OK_AND_ASSIGN(auto unlimited, Runtime::Load(kModelDir + "/model.onnx", options));
  ASSERT_OK_AND_ASSIGN(Plan plan, unlimited->GetPlan({{"input", x.dims()}}));
  ASSERT_GT(plan.arena_bytes, 1024);

  options.arena_limit_bytes = plan.arena_bytes - 1;
  ASSERT_OK_AND_ASSIGN(auto tight, Runtime::Load(kModelDir + "/model.onnx", options));
  EXPECT_THAT(tight->Run({{"input", x}}).status(),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("above Options::arena_limit_bytes = " +
                                 std::to_string(plan.arena_bytes - 1))));

  options.arena_limit_bytes = plan.arena_bytes;  // exactly enough
  ASSERT_OK_AND_ASSIGN(auto enough, Runtime::Load(kModelDir + "/model.onnx", options));
  EXPECT_OK(enough->Run({{"input", x}}).status());

  options.arena_limit_bytes = -1;
  EXPECT_THAT(Runtime::Load(kModelDir + "/model.onnx", options).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("arena_limit_bytes")));
}

TEST(OptionsLimitsTest, LogLevelSetsTheLoggerAtLoad) {
  const spdlog::level::level_enum before = spdlog::get_level();
  Options options;
  options.device = "cpu";
  options.log_level = LogLevel::kError;
  ASSERT_OK(Runtime::Load(kModelDir + "/model.onnx", options).status());
  EXPECT_EQ(spdlog::get_level(), spdlog::level::err);
  options.log_level = LogLevel::kUnchanged;
  ASSERT_OK(Runtime::Load(kModelDir + "/model.onnx", options).status());
  EXPECT_EQ(spdlog::get_level(), spdlog::level::err);
  spdlog::set_level(before);
}

}  // namespace
}  // namespace sf
