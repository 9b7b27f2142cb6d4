#include <cmath>
#include <random>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/cpu/kernel_runner.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::OneNodeGraph;
using ::sf::testing::OneNodeGraphBuilder;
using ::sf::testing::RunKernel;
using ::sf::testing::StatusIs;
using ::testing::HasSubstr;

struct NeuronCase {
  OpType op;
  bool soft_reset;
  bool decay_input;
  float v_reset;
};

// A literal transcription of the loop in /work/shared/spec/neuron-ops.md.
std::vector<float> SpecNeuron(const NeuronCase& c, float tau, float w, float v_threshold,
                              int64_t steps, const std::vector<float>& x) {
  const int64_t m = static_cast<int64_t>(x.size()) / steps;
  std::vector<float> s(x.size());
  const float k = 1.0f / (1.0f + expf(-w));
  for (int64_t i = 0; i < m; ++i) {
    float v = c.soft_reset ? 0.0f : c.v_reset;
    const float vr = c.soft_reset ? 0.0f : c.v_reset;
    for (int64_t t = 0; t < steps; ++t) {
      const float xt = x[t * m + i];
      float h;
      if (c.op == OpType::kIF) {
        h = v + xt;
      } else if (c.op == OpType::kLIF) {
        if (c.decay_input) {
          h = v + (xt - (v - vr)) / tau;
        } else if (vr == 0.0f) {
          const float cc = static_cast<float>(1.0 - 1.0 / static_cast<double>(tau));
          h = v * cc + xt;
        } else {
          h = v - (v - vr) / tau + xt;
        }
      } else {
        if (c.decay_input) {
          h = v + (xt - (v - vr)) * k;
        } else if (vr == 0.0f) {
          h = v * (1.0f - k) + xt;
        } else {
          h = v - (v - vr) * k + xt;
        }
      }
      const float st = h >= v_threshold ? 1.0f : 0.0f;
      s[t * m + i] = st;
      v = c.soft_reset ? h - v_threshold * st : h * (1.0f - st) + c.v_reset * st;
    }
  }
  return s;
}

class NeuronVsSpec : public ::testing::TestWithParam<NeuronCase> {};

TEST_P(NeuronVsSpec, MatchesSpecLoopExactly) {
  const NeuronCase& c = GetParam();
  const int64_t steps = 4, n = 3, ch = 5, hw = 7;
  const float tau = 2.0f, w = -0.7f, v_threshold = 0.9f;
  OneNodeGraphBuilder b(c.op, "lif_1");
  b.Input(DataType::kFloat32, {steps * n, ch, hw})
      .Output(DataType::kFloat32, {steps * n, ch, hw})
      .Attr("steps", steps)
      .Attr("v_threshold", v_threshold)
      .Attr("v_reset", c.v_reset)
      .Attr("soft_reset", int64_t{c.soft_reset});
  if (c.op != OpType::kIF) b.Attr("decay_input", int64_t{c.decay_input});
  if (c.op == OpType::kLIF) b.Attr("tau", tau);
  if (c.op == OpType::kPLIF) b.Attr("w", w);
  const OneNodeGraph g = b.Build();
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> dist(-1.0f, 2.0f);
  std::vector<float> x(steps * n * ch * hw);
  for (float& v : x) v = dist(rng);
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> out,
                       RunKernel(g, {Tensor::FromVector({steps * n, ch, hw}, x)}));
  const std::vector<float> s = testing::Values<float>(out[0]);
  const std::vector<float> ref = SpecNeuron(c, tau, w, v_threshold, steps, x);
  int spikes = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    ASSERT_EQ(s[i], ref[i]) << "at " << i;
    ASSERT_TRUE(s[i] == 0.0f || s[i] == 1.0f);
    spikes += s[i] == 1.0f;
  }
  EXPECT_GT(spikes, 0);
  EXPECT_LT(spikes, static_cast<int>(s.size()));
}

std::vector<NeuronCase> AllCases() {
  std::vector<NeuronCase> cases;
  for (OpType op : {OpType::kIF, OpType::kLIF, OpType::kPLIF})
    for (bool soft : {false, true})
      for (bool decay : {false, true})
        for (float v_reset : {0.0f, -0.3f}) cases.push_back({op, soft, decay, v_reset});
  return cases;
}

INSTANTIATE_TEST_SUITE_P(All, NeuronVsSpec, ::testing::ValuesIn(AllCases()));

TEST(NeuronTest, IfHandComputed) {
  // T=3, N=1, one element: x = 0.6, 0.6, 0.6; threshold 1, hard reset to 0.
  const OneNodeGraph g = OneNodeGraphBuilder(OpType::kIF)
                             .Input(DataType::kFloat32, {3, 1})
                             .Output(DataType::kFloat32, {3, 1})
                             .Attr("steps", int64_t{3})
                             .Attr("v_threshold", 1.0f)
                             .Attr("v_reset", 0.0f)
                             .Attr("soft_reset", int64_t{0})
                             .Build();
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> out,
                       RunKernel(g, {Tensor::FromVector<float>({3, 1}, {0.6f, 0.6f, 0.6f})}));
  EXPECT_THAT(testing::Values<float>(out[0]), ::testing::ElementsAre(0.0f, 1.0f, 0.0f));
}

TEST(NeuronTest, LifDecayInputHandComputed) {
  // tau 2, x = 1.5 twice: H1 = 0 + 1.5/2 = 0.75 (no spike); H2 = 0.75 + (1.5-0.75)/2 = 1.125.
  const OneNodeGraph g = OneNodeGraphBuilder(OpType::kLIF)
                             .Input(DataType::kFloat32, {2, 1})
                             .Output(DataType::kFloat32, {2, 1})
                             .Attr("steps", int64_t{2})
                             .Attr("v_threshold", 1.0f)
                             .Attr("v_reset", 0.0f)
                             .Attr("soft_reset", int64_t{0})
                             .Attr("tau", 2.0f)
                             .Attr("decay_input", int64_t{1})
                             .Build();
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> out,
                       RunKernel(g, {Tensor::FromVector<float>({2, 1}, {1.5f, 1.5f})}));
  EXPECT_THAT(testing::Values<float>(out[0]), ::testing::ElementsAre(0.0f, 1.0f));
}

TEST(NeuronTest, StepsMustDivideFirstDim) {
  const OneNodeGraph g = OneNodeGraphBuilder(OpType::kIF, "if_9")
                             .Input(DataType::kFloat32, {5, 2})
                             .Output(DataType::kFloat32, {5, 2})
                             .Attr("steps", int64_t{2})
                             .Build();
  EXPECT_THAT(RunKernel(g, {}), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("if_9")));
}

}  // namespace
}  // namespace sf
