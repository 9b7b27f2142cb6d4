// sf::ReplicaSet: the T-major split/gather functions, and replica sets that
// must give exactly what one Runtime gives (two or three "cpu" replicas here;
// two GPUs when the machine has them).

#include <cstring>
#include <fstream>
#include <numeric>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/batch_split.h"
#include "runtime/npy.h"
#include "sf/replicas.h"
#include "sf/runtime.h"
#include "tests/testing/cli_test_util.h"
#include "tests/testing/onnx_model_builder.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pointwise;
using testing::OnnxModelBuilder;
using testing::StatusIs;

// [rows, 2] float32 whose row r holds {r, r + 0.5}.
Tensor Rows(int64_t rows) {
  Tensor t = Tensor::Create(DataType::kFloat32, {rows, 2}).value();
  for (int64_t r = 0; r < rows; ++r) {
    t.data<float>()[2 * r] = static_cast<float>(r);
    t.data<float>()[2 * r + 1] = r + 0.5f;
  }
  return t;
}

std::vector<float> FirstColumn(const Tensor& t) {
  std::vector<float> out;
  for (int64_t r = 0; r < t.dim(0); ++r) out.push_back(t.data<float>()[2 * r]);
  return out;
}

bool SameBytes(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.dims() == b.dims() &&
         std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()) == 0;
}

// ---- split / gather ----

TEST(BatchSplitTest, SplitSamplesGivesFirstRangesTheRemainder) {
  auto ranges = SplitSamples(7, 2);
  ASSERT_EQ(ranges.size(), 2u);
  EXPECT_EQ(ranges[0].begin, 0);
  EXPECT_EQ(ranges[0].count, 4);
  EXPECT_EQ(ranges[1].begin, 4);
  EXPECT_EQ(ranges[1].count, 3);
  EXPECT_EQ(SplitSamples(2, 5).size(), 2u);  // fewer samples than parts
  EXPECT_TRUE(SplitSamples(0, 2).empty());
  EXPECT_TRUE(SplitSamples(3, 0).empty());
}

TEST(BatchSplitTest, TakeSamplesTakesTheSampleOfEveryStep) {
  // T=2, N=3: rows 0..2 are step 0 of samples 0..2, rows 3..5 step 1.
  ASSERT_OK_AND_ASSIGN(Tensor part, TakeSamples(Rows(6), 2, {1, 2}));
  EXPECT_THAT(part.dims(), ElementsAre(4, 2));
  EXPECT_THAT(FirstColumn(part), ElementsAre(1, 2, 4, 5));
  EXPECT_EQ(part.data<float>()[1], 1.5f);
  ASSERT_OK_AND_ASSIGN(Tensor plain, TakeSamples(Rows(5), 1, {3, 2}));
  EXPECT_THAT(FirstColumn(plain), ElementsAre(3, 4));
  EXPECT_THAT(TakeSamples(Rows(6), 2, {2, 2}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("out of 3")));
}

TEST(BatchSplitTest, RepeatSamplesCutsAndRepeatsWholeSamplesInOrder) {
  // T=2, Nin=3: rows 0..2 are step 0 of samples 0..2, rows 3..5 step 1.
  ASSERT_OK_AND_ASSIGN(Tensor cut, RepeatSamples(Rows(6), 2, 2, "x"));
  EXPECT_THAT(cut.dims(), ElementsAre(4, 2));
  EXPECT_THAT(FirstColumn(cut), ElementsAre(0, 1, 3, 4));
  EXPECT_EQ(cut.data<float>()[1], 0.5f);  // whole rows move
  ASSERT_OK_AND_ASSIGN(Tensor more, RepeatSamples(Rows(6), 2, 5, "x"));
  EXPECT_THAT(FirstColumn(more), ElementsAre(0, 1, 2, 0, 1, 3, 4, 5, 3, 4));
  ASSERT_OK_AND_ASSIGN(Tensor plain, RepeatSamples(Rows(3), 1, 4, "x"));
  EXPECT_THAT(FirstColumn(plain), ElementsAre(0, 1, 2, 0));
  EXPECT_THAT(RepeatSamples(Rows(5), 2, 1, "input x").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'input x' has 5 rows")));
  EXPECT_THAT(RepeatSamples(Rows(4), 2, 0, "input x").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("batch must be >= 1")));
  EXPECT_THAT(RepeatSamples(Rows(0), 2, 1, "input x").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no sample")));
}

TEST(BatchSplitTest, SampleCountNeedsWholeSamples) {
  EXPECT_THAT(SampleCount(Rows(6), 4, "input x").status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("'input x' has 6 rows, not a multiple of T=4")));
  EXPECT_THAT(SampleCount(Tensor::Scalar(1), 1, "input s").status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'input s' is a scalar")));
  ASSERT_OK_AND_ASSIGN(int64_t n, SampleCount(Rows(6), 3, "x"));
  EXPECT_EQ(n, 2);
}

TEST(BatchSplitTest, GatherUndoesTheSplitForTMajorAndPerSampleParts) {
  for (int64_t steps : {1, 2, 3}) {
    for (int parts_wanted : {1, 2, 3, 4}) {
      const int64_t samples = 7;
      const Tensor whole = Rows(steps * samples);
      const std::vector<SampleRange> ranges = SplitSamples(samples, parts_wanted);
      std::vector<Tensor> tmajor, per_sample;
      for (const SampleRange& r : ranges) {
        ASSERT_OK_AND_ASSIGN(Tensor p, TakeSamples(whole, steps, r));
        tmajor.push_back(p);
        ASSERT_OK_AND_ASSIGN(Tensor q, TakeSamples(Rows(samples), 1, r));
        per_sample.push_back(q);
      }
      ASSERT_OK_AND_ASSIGN(Tensor back, GatherSamples(tmajor, ranges, steps, "y"));
      EXPECT_TRUE(SameBytes(back, whole)) << "T=" << steps << " parts=" << parts_wanted;
      ASSERT_OK_AND_ASSIGN(Tensor back1, GatherSamples(per_sample, ranges, steps, "y"));
      EXPECT_TRUE(SameBytes(back1, Rows(samples))) << "T=" << steps << " parts=" << parts_wanted;
    }
  }
}

TEST(BatchSplitTest, GatherRejectsOutputsWithoutABatchDimension) {
  const std::vector<SampleRange> ranges = SplitSamples(4, 2);
  const std::vector<Tensor> odd = {Rows(5), Rows(5)};  // neither 2 nor 2*T rows
  EXPECT_THAT(GatherSamples(odd, ranges, 2, "logits"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("output 'logits' can't be gathered by sample")));
  const std::vector<Tensor> mixed = {Rows(2), Tensor::Create(DataType::kFloat32, {2, 3}).value()};
  EXPECT_THAT(GatherSamples(mixed, ranges, 2, "logits"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("differs between replicas")));
}

// ---- ReplicaSet ----

// conv -> IF (T=2) -> conv: T-major input [2N, 1, 8, 8], T-major output.
// Weights and inputs are multiples of 1/8 and 1/4, so every sum is exact in
// float32 (and TF32) whatever the order: all devices agree bit for bit.
std::string TMajorModel() {
  OnnxModelBuilder b;
  b.Input("x", {-1, 1, 8, 8}).Output("y");
  std::vector<float> w0(4 * 9), w1(4 * 4 * 9);
  for (size_t i = 0; i < w0.size(); ++i) w0[i] = (i % 5) * 0.25f - 0.5f;
  for (size_t i = 0; i < w1.size(); ++i) w1[i] = (i % 7) * 0.125f - 0.375f;
  b.Initializer("w0", {4, 1, 3, 3}, w0).Initializer("w1", {4, 4, 3, 3}, w1);
  b.Node("Conv", {"x", "w0"}, {"c0"}, "conv_0").Ints("pads", {1, 1, 1, 1});
  b.Node("IF", {"c0"}, {"s0"}, "if_0", "sparseflow").Int("steps", 2);
  b.Node("Conv", {"s0", "w1"}, {"y"}, "conv_1").Ints("pads", {1, 1, 1, 1});
  return b.Serialize();
}

Tensor Noise(std::vector<int64_t> dims) {
  Tensor t = Tensor::Create(DataType::kFloat32, std::move(dims)).value();
  auto v = t.span<float>();
  for (size_t i = 0; i < v.size(); ++i) v[i] = static_cast<float>((i * 7919) % 9) * 0.25f;
  return t;
}

class ReplicaSetTest : public ::testing::Test {
 protected:
  ReplicaSetTest() : scratch_("replicas_test") {
    std::ofstream(ModelPath(), std::ios::binary) << TMajorModel();
  }
  std::string ModelPath() const { return scratch_.Path("tmajor.onnx"); }
  static std::string Fmnist() { return std::string(SF_SOURCE_DIR) + "/models/fmnist_snn/model.onnx"; }

  // Runs `inputs` on one runtime on `single` and on a set over `devices`;
  // expects every output equal bit for bit (or within `tolerance`).
  static void ExpectSameAsOne(const std::string& model, const std::string& single,
                              const std::vector<std::string>& devices,
                              const std::map<std::string, Tensor>& inputs, float tolerance) {
    Options options;
    options.device = single;
    ASSERT_OK_AND_ASSIGN(auto rt, Runtime::Load(model, options));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> expected, rt->Run(inputs));
    ASSERT_OK_AND_ASSIGN(auto set, ReplicaSet::Load(model, Options{}, devices));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, set->Run(inputs));
    ASSERT_EQ(got.size(), expected.size());
    for (size_t i = 0; i < got.size(); ++i) {
      if (tolerance == 0) {
        EXPECT_TRUE(SameBytes(got[i], expected[i])) << "output " << i;
      } else {
        ASSERT_EQ(got[i].dims(), expected[i].dims());
        EXPECT_THAT(got[i].span<const float>(),
                    Pointwise(FloatNear(tolerance), expected[i].span<const float>()));
      }
    }
  }

  testing::ScratchDir scratch_;
};

TEST_F(ReplicaSetTest, TMajorModelOnTwoCpuReplicasEqualsOneRuntime) {
  ASSERT_OK_AND_ASSIGN(auto set, ReplicaSet::Load(ModelPath(), Options{}, {"cpu", "cpu"}));
  EXPECT_EQ(set->steps(), 2);
  EXPECT_THAT(set->devices(), ElementsAre("cpu", "cpu"));
  for (int64_t samples : {1, 2, 3, 7}) {  // 1: fewer samples than replicas; 7: uneven
    ExpectSameAsOne(ModelPath(), "cpu", {"cpu", "cpu"}, {{"x", Noise({2 * samples, 1, 8, 8})}}, 0);
  }
}

TEST_F(ReplicaSetTest, ShardGivesEachReplicaItsSamplesOfEveryStep) {
  ASSERT_OK_AND_ASSIGN(auto set, ReplicaSet::Load(ModelPath(), Options{}, {"cpu", "cpu"}));
  ASSERT_OK_AND_ASSIGN(auto shards, set->Shard({{"x", Noise({6, 1, 8, 8})}}));  // N=3
  ASSERT_EQ(shards.size(), 2u);
  EXPECT_THAT(shards[0].at("x").dims(), ElementsAre(4, 1, 8, 8));
  EXPECT_THAT(shards[1].at("x").dims(), ElementsAre(2, 1, 8, 8));
  EXPECT_THAT(set->Run({{"x", Noise({5, 1, 8, 8})}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("not a multiple of T=2")));
  EXPECT_THAT(set->Run({{"x", Noise({0, 1, 8, 8})}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("empty")));
}

TEST_F(ReplicaSetTest, ModelThatRepeatsItsInputSplitsRowsAsSamples) {
  ASSERT_OK_AND_ASSIGN(Tensor images,
                       ReadNpy(std::string(SF_SOURCE_DIR) + "/models/fmnist_snn/test_input.npy"));
  ASSERT_OK_AND_ASSIGN(auto set, ReplicaSet::Load(Fmnist(), Options{}, {"cpu", "cpu", "cpu"}));
  EXPECT_EQ(set->steps(), 1);  // [N, 1, 28, 28], repeated over T=4 inside the graph
  ExpectSameAsOne(Fmnist(), "cpu", {"cpu", "cpu", "cpu"}, {{"input", images}}, 0);
}

TEST_F(ReplicaSetTest, ErrorsNameTheDevice) {
  EXPECT_THAT(ReplicaSet::Load(ModelPath(), Options{}, {}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("at least one device")));
  EXPECT_THAT(ReplicaSet::Load(ModelPath(), Options{}, {"cpu", "tpu:3"}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("device tpu:3")));
  ASSERT_OK_AND_ASSIGN(auto set, ReplicaSet::Load(ModelPath(), Options{}, {"cpu", "cpu"}));
  EXPECT_THAT(set->Run({{"x", Noise({4, 2, 8, 8})}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("device cpu: ")));
}

// ---- two GPUs ----

TEST_F(ReplicaSetTest, TwoGpusEqualOne) {
  const std::vector<std::string> gpus = AvailableGpus();
  if (gpus.size() < 2) GTEST_SKIP() << "needs 2 GPUs, found " << gpus.size();
  const std::vector<std::string> two = {gpus[0], gpus[1]};
  ASSERT_OK_AND_ASSIGN(auto set, ReplicaSet::Load(ModelPath(), Options{}, two));
  EXPECT_THAT(set->devices(), ElementsAre("cuda:0", "cuda:1"));
  // Each GPU against the CPU reference, and the pair against one GPU.
  ExpectSameAsOne(ModelPath(), "cpu", two, {{"x", Noise({14, 1, 8, 8})}}, 0);
  ExpectSameAsOne(ModelPath(), gpus[1], two, {{"x", Noise({14, 1, 8, 8})}}, 0);
  ASSERT_OK_AND_ASSIGN(Tensor images,
                       ReadNpy(std::string(SF_SOURCE_DIR) + "/models/fmnist_snn/test_input.npy"));
  ExpectSameAsOne(Fmnist(), gpus[0], two, {{"input", images}}, 1e-4f);
}

}  // namespace
}  // namespace sf
