// sfrun / sfbench --device all: one replica per GPU. Without a GPU both fail
// with a clear error; with two, sfrun's outputs match a one-GPU run and sfbench
// reports the scaling fields.

#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/npy.h"
#include "sf/replicas.h"
#include "tests/testing/cli_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

namespace fs = std::filesystem;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pointwise;

std::string Tool(const char* name) { return (fs::path(SF_SFRUN_PATH).parent_path() / name).string(); }
std::string Fmnist(const char* file) {
  return std::string(SF_SOURCE_DIR) + "/models/fmnist_snn/" + file;
}

class DeviceAllTest : public ::testing::Test {
 protected:
  DeviceAllTest() : scratch_("device_all_test") {}
  testing::CommandResult Run(const char* tool, const std::string& args) {
    return testing::RunCommand(Tool(tool), args, scratch_);
  }
  testing::ScratchDir scratch_;
};

TEST_F(DeviceAllTest, NoGpuIsAClearError) {
  if (!AvailableGpus().empty()) GTEST_SKIP() << "a GPU is present";
  const std::string model = Fmnist("model.onnx");
  testing::CommandResult r = Run("sfrun", model + " --input " + Fmnist("test_input.npy") + " --device all");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("error: device 'all' requested but no CUDA GPU is present"));
  r = Run("sfbench", model + " --device all --iters 2");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no CUDA GPU is present"));
}

TEST_F(DeviceAllTest, SfbenchAllRefusesPerLayerFiles) {
  testing::CommandResult r = Run("sfbench", Fmnist("model.onnx") + " --device all --csv x.csv");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("need one device, not 'all'"));
}

TEST_F(DeviceAllTest, TwoGpusMatchOne) {
  if (AvailableGpus().size() < 2) GTEST_SKIP() << "needs 2 GPUs";
  const std::string common = Fmnist("model.onnx") + " --input " + Fmnist("test_input.npy");
  ASSERT_EQ(Run("sfrun", common + " --device cuda:0 --output " + scratch_.Path("one.npy")).exit_code, 0);
  ASSERT_EQ(Run("sfrun", common + " --device all --output " + scratch_.Path("all.npy")).exit_code, 0);
  ASSERT_OK_AND_ASSIGN(Tensor one, ReadNpy(scratch_.Path("one.npy")));
  ASSERT_OK_AND_ASSIGN(Tensor all, ReadNpy(scratch_.Path("all.npy")));
  ASSERT_EQ(one.dims(), all.dims());
  EXPECT_THAT(all.span<const float>(), Pointwise(FloatNear(1e-4f), one.span<const float>()));

  testing::CommandResult r = Run("sfbench", Fmnist("model.onnx") + " --device all --batch 64 " +
                                                "--warmup 2 --iters 5 --json " + scratch_.Path("s.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("scaling:"));
  const std::string json = testing::ReadTextFile(scratch_.Path("s.json"));
  for (const char* field : {"\"single_gpu_samples_per_s\"", "\"aggregate_samples_per_s\"",
                            "\"scaling_efficiency\"", "\"per_gpu\"", "\"samples\": 64"}) {
    EXPECT_THAT(json, HasSubstr(field));
  }
}

}  // namespace
}  // namespace sf
