// Runtime::Step / ResetState: streaming one time step at a time equals the
// all-T Run bit for bit (CPU here; tests/cuda/gpu_step_test.cc on a GPU).
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/npy.h"
#include "sf/runtime.h"
#include "tests/testing/runtime_test_util.h"
#include "tests/testing/onnx_model_builder.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/step_test_util.h"

namespace sf {
namespace {

using ::sf::testing::OnnxModelBuilder;
using ::sf::testing::StatusIs;
using ::testing::HasSubstr;

std::unique_ptr<Runtime> LoadCpu(const std::string& bytes) {
  return testing::LoadModelBytes(bytes, "cpu");
}

TEST(StepTest, RowsAndTimeReductionMatchRunBitForBit) {
  const int64_t t = 4, n = 3;
  std::unique_ptr<Runtime> rt = LoadCpu(testing::RowsModel(t));
  ASSERT_NE(rt, nullptr);
  const Tensor x = testing::RandomRows(t * n, 5, 7);
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> all, rt->Run({{"x", x}}));
  ASSERT_EQ(all.size(), 4u);  // spikes [T*N,6], sum [N,6], means [N,6] and [N,5]
  for (int round = 0; round < 2; ++round) {  // a second stream after ResetState
    for (int64_t s = 0; s < t; ++s) {
      ASSERT_OK_AND_ASSIGN(std::vector<Tensor> out, rt->Step({{"x", testing::Rows(x, s, n)}}));
      ASSERT_EQ(out.size(), 4u);
      EXPECT_EQ(out[0].dims(), (std::vector<int64_t>{n, 6}));
      EXPECT_TRUE(testing::BitEqual(out[0], testing::Rows(all[0], s, n))) << "step " << s;
      if (s == t - 1) {
        EXPECT_TRUE(testing::BitEqual(out[1], all[1]));
        EXPECT_TRUE(testing::BitEqual(out[2], all[2]));
        EXPECT_TRUE(testing::BitEqual(out[3], all[3]));
      }
    }
    EXPECT_EQ(rt->StepsTaken(), t);
    ASSERT_OK(rt->ResetState());
    EXPECT_EQ(rt->StepsTaken(), 0);
  }
}

TEST(StepTest, RunningMeanBeforeTSteps) {
  std::unique_ptr<Runtime> rt = LoadCpu(testing::RowsModel(4));
  ASSERT_NE(rt, nullptr);
  const Tensor x = testing::RandomRows(8, 5, 3);  // T=4, N=2
  // The running mean after 2 steps is the mean of a 2-step run of the same rows.
  std::unique_ptr<Runtime> two = LoadCpu(testing::RowsModel(2));
  ASSERT_NE(two, nullptr);
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> ref, two->Run({{"x", testing::Rows(x, 0, 4)}}));
  ASSERT_OK(rt->Step({{"x", testing::Rows(x, 0, 2)}}).status());
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> out, rt->Step({{"x", testing::Rows(x, 1, 2)}}));
  EXPECT_TRUE(testing::BitEqual(out[1], ref[1]));
  EXPECT_TRUE(testing::BitEqual(out[2], ref[2]));
}

TEST(StepTest, ShippedModelsMatchRun) {
  // fmnist_snn repeats a static image over T inside the model; events takes
  // T-major event frames.
  for (const char* name : {"fmnist_snn", "events"}) {
    SCOPED_TRACE(name);
    ASSERT_OK_AND_ASSIGN(testing::StreamedModel m, testing::StreamShippedModel(name, "cpu", 1));
    ASSERT_EQ(m.streamed[0].size(), 1u);
    EXPECT_TRUE(testing::BitEqual(m.streamed[0][0], m.all[0]));
  }
}

TEST(StepTest, ShapeChangeMidStreamNeedsReset) {
  std::unique_ptr<Runtime> rt = LoadCpu(testing::RowsModel(4));
  ASSERT_NE(rt, nullptr);
  ASSERT_OK(rt->Step({{"x", testing::RandomRows(2, 5, 1)}}).status());
  EXPECT_THAT(rt->Step({{"x", testing::RandomRows(3, 5, 1)}}).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("ResetState")));
  ASSERT_OK(rt->ResetState());
  EXPECT_OK(rt->Step({{"x", testing::RandomRows(3, 5, 1)}}).status());
}

TEST(StepTest, BadInputsAreRefused) {
  std::unique_ptr<Runtime> rt = LoadCpu(testing::RowsModel(4));
  ASSERT_NE(rt, nullptr);
  EXPECT_THAT(rt->Step({{"x", testing::RandomRows(2, 7, 1)}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("Step() takes one of T = 4")));
  EXPECT_THAT(rt->Step({{"y", testing::RandomRows(2, 5, 1)}}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("no input named 'y'")));
  EXPECT_THAT(rt->Step({}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("missing input 'x'")));
}

TEST(StepTest, ModelWithoutNeuronsIsRefused) {
  OnnxModelBuilder b;
  b.Input("x", {-1, 4}).Output("y");
  b.Node("Relu", {"x"}, {"y"}, "relu");
  std::unique_ptr<Runtime> rt = LoadCpu(b.Serialize());
  ASSERT_NE(rt, nullptr);
  EXPECT_THAT(rt->Step({{"x", testing::RandomRows(2, 4, 1)}}).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("no IF/LIF/PLIF")));
}

TEST(StepTest, OpsThatMixTimeStepsAreRefusedByName) {
  // A neuron then a Slice over axis 0 (what an unrolled loop does).
  OnnxModelBuilder b;
  b.Input("x", {-1, 4}).Output("y");
  b.InitializerInt64("starts", {1}, {0}).InitializerInt64("ends", {1}, {2});
  b.InitializerInt64("axes", {1}, {0});
  b.Node("IF", {"x"}, {"s"}, "if_1", "sparseflow").Int("steps", 2);
  b.Node("Slice", {"s", "starts", "ends", "axes"}, {"y"}, "first_rows");
  std::unique_ptr<Runtime> rt = LoadCpu(b.Serialize());
  ASSERT_NE(rt, nullptr);
  EXPECT_THAT(rt->Step({{"x", testing::RandomRows(2, 4, 1)}}).status(),
              StatusIs(absl::StatusCode::kUnimplemented,
                       HasSubstr("node 'first_rows' (Slice) reads across axis 0")));
}

TEST(StepTest, NeuronsThatDisagreeOnStepsAreRefused) {
  OnnxModelBuilder b;
  b.Input("x", {-1, 4}).Output("y");
  b.Node("IF", {"x"}, {"s"}, "if_1", "sparseflow").Int("steps", 2);
  b.Node("IF", {"s"}, {"y"}, "if_2", "sparseflow").Int("steps", 4);
  std::unique_ptr<Runtime> rt = LoadCpu(b.Serialize());
  ASSERT_NE(rt, nullptr);
  EXPECT_THAT(rt->Step({{"x", testing::RandomRows(2, 4, 1)}}).status(),
              StatusIs(absl::StatusCode::kFailedPrecondition, HasSubstr("disagree on steps")));
}

}  // namespace
}  // namespace sf
