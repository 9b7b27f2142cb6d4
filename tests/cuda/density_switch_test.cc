// The run-time density switch of the float16 sparse conv in kAuto
// (runtime/gpu/sparse_conv_kernel.cc, runtime/gpu/density_switch.h): after
// the first run chose sparse, every run's prescan decides on the GPU whether
// the sparse conv or cuDNN computes it. Each run's output must equal, bit for
// bit, that of a kernel fixed to the branch it reports (kOn: sparse, kOff:
// cuDNN, the same cuDNN algorithm), in plain launches and in CUDA-graph
// replays, and the branch must follow the active tile count.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <cstring>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cuda/resources.h"
#include "runtime/npy.h"
#include "runtime/plan.h"
#include "sf/runtime.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/cuda/sparse_kernel_rig.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::HalfConv;
using ::sf::testing::HalfConvSpec;
using ::sf::testing::MakeHalfConv;
using ::sf::testing::ScopedEnv;
using ::sf::testing::SwitchSpikes;
using ::testing::HasSubstr;
using ::testing::Not;
using Rig = ::sf::testing::SparseKernelRig;

// 64 -> 64 3x3 at 32x32, batch 64 (CIFAR Spiking-ResNet18's first stage).
constexpr HalfConvSpec kSpec{64, 64, 64, 32, 32, 3, 1};
constexpr int kTiles = 64 * 16;  // 8x8 tiles (block 16) of 32x32

absl::StatusOr<cuda::DeviceBuffer> Spikes(int64_t full_images, double density, std::mt19937& rng) {
  return SwitchSpikes(kSpec, full_images, density, rng);
}

// The switch with its threshold fixed (SF_SPARSE_SWITCH_TILES) at 40 of the
// 1024 tiles: an all-zero first input makes the first run choose sparse
// (skipping everything beats a dense conv), which turns the switch on; then
// inputs on both sides of the threshold, plain and replayed.
TEST(DensitySwitchTest, BranchFollowsActiveTilesAndMatchesFixedPaths) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(31);
  ASSERT_OK_AND_ASSIGN(const HalfConv h, MakeHalfConv(kSpec, rng));
  ScopedEnv env("SF_SPARSE_SWITCH_TILES", "40");
  // The switch reads the tile kernel's prescan count: kAuto must not pick a
  // kernel without a prescan (the compacted one wins on this all-zero input).
  ScopedEnv kernel("SF_SPARSE_F16_KERNEL", "tensor-core");
  ASSERT_OK_AND_ASSIGN(Rig on, Rig::Create(h, SparseMode::kOn, 16));
  ASSERT_OK_AND_ASSIGN(Rig off, Rig::Create(h, SparseMode::kOff, 16));
  ASSERT_OK_AND_ASSIGN(Rig autos, Rig::Create(h, SparseMode::kAuto, 16));
  EXPECT_THAT(autos.kernel().Describe(),
              HasSubstr("density switch: cudnn above 40 of 1024 active tiles"));
  EXPECT_THAT(autos.kernel().Describe(), HasSubstr("from SF_SPARSE_SWITCH_TILES"));

  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer zeros, Spikes(0, 0.0, rng));
  ASSERT_OK_AND_ASSIGN(std::vector<uint16_t> first, autos.Run(zeros, false));  // measures
  const std::string chosen = autos.kernel().Describe();
  if (chosen.find("chosen: sparse") == std::string::npos) {
    GTEST_SKIP() << "cuDNN beat the sparse kernel on an all-zero input, so the switch stays off: "
                 << chosen;
  }
  ASSERT_THAT(chosen, HasSubstr("; on ("));

  // Image i all ones activates its 16 tiles (8x8 tiles of 32x32).
  struct Input {
    int64_t full_images;
    double density;
    const char* branch;
  };
  const std::vector<Input> inputs = {
      {0, 0.0, "sparse"},       // 0 tiles
      {2, 0.0, "sparse"},       // 32 tiles
      {kSpec.n, 0.0, "cudnn"},  // every tile
      {3, 0.0, "cudnn"},        // 48 tiles
      {0, 0.0005, "cudnn"},     // a tile's 10x10x64 halo: 96% of tiles hold a spike
      {0, 0.000001, "sparse"},  // ~0.6% of tiles
  };
  for (bool graph : {false, true}) {
    for (const Input& input : inputs) {
      const std::string what = absl::StrCat(input.full_images, " full images, density ",
                                            input.density, graph ? ", graph" : ", plain");
      ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer x, Spikes(input.full_images, input.density, rng));
      ASSERT_OK_AND_ASSIGN(std::vector<uint16_t> got, autos.Run(x, graph));
      EXPECT_EQ(autos.kernel().LastPath(), input.branch) << what;
      const double density = autos.kernel().LastTileDensity();
      EXPECT_EQ(input.branch == std::string("cudnn"), density * kTiles > 40.5)
          << what << " " << density;
      Rig& fixed = autos.kernel().LastPath() == "cudnn" ? off : on;
      ASSERT_OK_AND_ASSIGN(std::vector<uint16_t> want, fixed.Run(x, graph));
      EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * 2), 0) << what;
    }
  }
}

// With SF_SPARSE_SWITCH=on the crossover calibrated in Prepare is used;
// whatever it is, every run equals the branch it reports.
TEST(DensitySwitchTest, CalibratedCrossoverIsDescribedAndRunsExactly) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(32);
  ScopedEnv env("SF_SPARSE_SWITCH", "on");
  ScopedEnv kernel("SF_SPARSE_F16_KERNEL", "tensor-core");  // the switch needs the prescan
  ASSERT_OK_AND_ASSIGN(const HalfConv h, MakeHalfConv(kSpec, rng));
  ASSERT_OK_AND_ASSIGN(Rig on, Rig::Create(h, SparseMode::kOn, 16));
  ASSERT_OK_AND_ASSIGN(Rig off, Rig::Create(h, SparseMode::kOff, 16));
  ASSERT_OK_AND_ASSIGN(Rig autos, Rig::Create(h, SparseMode::kAuto, 16));
  EXPECT_THAT(autos.kernel().Describe(), HasSubstr("density switch"));
  EXPECT_THAT(autos.kernel().Describe(), HasSubstr("; calibrated: sparse "));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer zeros, Spikes(0, 0.0, rng));
  ASSERT_OK(autos.Run(zeros, false).status());
  for (int64_t full : {0, 1, 4, 16}) {
    for (bool graph : {false, true}) {
      const std::string what = absl::StrCat(full, " full images", graph ? ", graph" : ", plain");
      ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer x, Spikes(full, 0.0, rng));
      ASSERT_OK_AND_ASSIGN(std::vector<uint16_t> got, autos.Run(x, graph));
      const std::string path = autos.kernel().LastPath();
      ASSERT_TRUE(path == "sparse" || path == "cudnn") << what << ": " << path;
      Rig& fixed = path == "cudnn" ? off : on;
      ASSERT_OK_AND_ASSIGN(std::vector<uint16_t> want, fixed.Run(x, graph));
      EXPECT_EQ(std::memcmp(got.data(), want.data(), got.size() * 2), 0) << what;
    }
  }
  std::cout << "calibrated: " << autos.kernel().Describe() << "\n";
}

// Through the public API: the plan of a model prepared for CUDA float16
// carries each spike-fed conv's calibrated switch (JSON and table).
TEST(DensitySwitchTest, PlanShowsTheCalibratedSwitch) {
  SF_SKIP_WITHOUT_GPU();
  const std::string dir = std::string(SF_SOURCE_DIR) + "/models/fmnist_snn/";
  ASSERT_OK_AND_ASSIGN(Tensor images, ReadNpy(dir + "test_input.npy"));
  Options o;
  o.device = "cuda";
  o.precision = Precision::kFloat16;
  o.layout = Layout::kNHWC;
  o.fuse_neurons = false;
  ASSERT_OK_AND_ASSIGN(auto rt, Runtime::Load(dir + "model.onnx", o));
  const std::string input = rt->InputInfo().at(0).name;
  ASSERT_OK_AND_ASSIGN(Plan plan, rt->GetPlan({{input, images.dims()}}));
  int switches = 0;
  for (const PlanStep& s : plan.steps) {
    if (s.op != OpType::kConv || s.kernel != "sparse") continue;
    EXPECT_THAT(s.kernel_detail, HasSubstr("density switch")) << s.name;
    EXPECT_THAT(s.kernel_detail, HasSubstr("off (SF_SPARSE_SWITCH=on turns it on)")) << s.name;
    if (s.switch_sparse_tiles < -1) continue;
    ++switches;
    EXPECT_GT(s.switch_tiles, 0) << s.name;
    EXPECT_LE(s.switch_sparse_tiles, s.switch_tiles) << s.name;
  }
  EXPECT_GE(switches, 1);
  EXPECT_THAT(PlanToJson(plan), HasSubstr("\"density_switch\": {\"sparse_up_to_tiles\": "));
  EXPECT_THAT(PlanToTable(plan), HasSubstr("kernels as prepared:"));
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> y, rt->Run({{input, images}}));
  EXPECT_EQ(y.size(), 1u);
}

// SF_SPARSE_SWITCH=off: no calibration at all (nothing in the plan).
TEST(DensitySwitchTest, OffSkipsTheCalibration) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(34);
  ASSERT_OK_AND_ASSIGN(const HalfConv h, MakeHalfConv(kSpec, rng));
  ScopedEnv env("SF_SPARSE_SWITCH", "off");
  ASSERT_OK_AND_ASSIGN(Rig autos, Rig::Create(h, SparseMode::kAuto, 16));
  EXPECT_THAT(autos.kernel().Describe(), Not(HasSubstr("density switch")));
  EXPECT_EQ(autos.kernel().DensitySwitchTiles(), (std::pair<int, int>{-2, 0}));
}

TEST(DensitySwitchTest, RejectsABadOverride) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(33);
  ASSERT_OK_AND_ASSIGN(const HalfConv h, MakeHalfConv(kSpec, rng));
  for (const char* bad : {"-3", "many", "12x"}) {
    ScopedEnv env("SF_SPARSE_SWITCH_TILES", bad);
    EXPECT_THAT(Rig::Create(h, SparseMode::kAuto, 16).status(),
                ::sf::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                        HasSubstr("SF_SPARSE_SWITCH_TILES")))
        << bad;
  }
  ScopedEnv env("SF_SPARSE_SWITCH", "maybe");
  EXPECT_THAT(Rig::Create(h, SparseMode::kAuto, 16).status(),
              ::sf::testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr("SF_SPARSE_SWITCH must be 'on' or 'off'")));
}

// The perf programs' rig as the executor: each run of a graph of runs counts
// its tiles in zeroed bytes of its own (one memset clears them all first),
// so the counters after a graph of three runs, launched twice, are one
// run's, and later plain runs on other inputs count theirs.
TEST(DensitySwitchTest, RigRunsCountTheirOwnTiles) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(35);
  ASSERT_OK_AND_ASSIGN(const HalfConv h, MakeHalfConv(kSpec, rng));
  ASSERT_OK_AND_ASSIGN(Rig on, Rig::Create(h, SparseMode::kOn, 16, /*profile=*/true));
  if (on.kernel().zeroed_bytes() == 0) GTEST_SKIP() << "no tensor-core sparse kernel here";
  ASSERT_OK_AND_ASSIGN(const cuda::DeviceBuffer a, Spikes(2, 0.0, rng));  // 2 x 16 tiles
  ASSERT_OK_AND_ASSIGN(const cuda::DeviceBuffer b, Spikes(5, 0.0, rng));  // 5 x 16 tiles
  ASSERT_OK_AND_ASSIGN(const std::vector<uint16_t> want_a, on.Run(a, /*graph=*/false));
  EXPECT_DOUBLE_EQ(on.kernel().LastTileDensity(), 32.0 / kTiles);
  ASSERT_OK_AND_ASSIGN(const std::vector<uint16_t> want_b, on.Run(b, /*graph=*/true));
  EXPECT_DOUBLE_EQ(on.kernel().LastTileDensity(), 80.0 / kTiles);
  ASSERT_OK_AND_ASSIGN(GraphExec runs, on.CaptureRuns(a, 3));
  for (int launch = 0; launch < 2; ++launch) {
    ASSERT_OK(on.TimeLaunch(runs, 3).status());
    EXPECT_DOUBLE_EQ(on.kernel().LastTileDensity(), 32.0 / kTiles) << "launch " << launch;
  }
  for (int run = 0; run < 2; ++run) {
    ASSERT_OK_AND_ASSIGN(const std::vector<uint16_t> got, on.Run(b, /*graph=*/run == 1));
    EXPECT_DOUBLE_EQ(on.kernel().LastTileDensity(), 80.0 / kTiles) << "run " << run;
    EXPECT_TRUE(got == want_b) << "run " << run;
  }
  ASSERT_OK_AND_ASSIGN(const std::vector<uint16_t> got_a, on.Run(a, /*graph=*/false));
  EXPECT_TRUE(got_a == want_a);
}

}  // namespace
}  // namespace sf
