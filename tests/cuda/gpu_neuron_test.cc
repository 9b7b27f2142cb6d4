// IF / LIF / PLIF on the GPU must give bit-identical spikes to the CPU
// reference across every variant, with inputs that put membranes within an
// ulp of the threshold.
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "runtime/gpu/neuron_params.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::ExpectGpuMatchesCpu;
using ::sf::testing::OneNodeGraphBuilder;
using ::sf::testing::StatusIs;
using ::testing::HasSubstr;

struct Variant {
  OpType op;
  bool soft_reset;
  bool decay_input;
  float v_reset;
};

std::vector<Variant> AllVariants() {
  std::vector<Variant> out;
  for (OpType op : {OpType::kIF, OpType::kLIF, OpType::kPLIF}) {
    for (bool soft : {false, true}) {
      for (bool decay : {false, true}) {
        if (op == OpType::kIF && decay) continue;
        for (float v_reset : {0.0f, -0.25f, 0.5f}) out.push_back({op, soft, decay, v_reset});
      }
    }
  }
  return out;
}

// Inputs near the threshold: random values, the threshold itself and its
// float neighbours, and values that make the charge land close to it.
Tensor NearThresholdInput(std::vector<int64_t> dims, float v_threshold, std::mt19937& rng) {
  Tensor t = Tensor::Create(DataType::kFloat32, std::move(dims)).value();
  std::uniform_real_distribution<float> u(-0.5f * v_threshold, 2.0f * v_threshold);
  std::uniform_int_distribution<int> pick(0, 5);
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    float v = u(rng);
    switch (pick(rng)) {
      case 0: v = v_threshold; break;
      case 1: v = std::nextafter(v_threshold, 0.0f); break;
      case 2: v = std::nextafter(v_threshold, 2.0f * v_threshold); break;
      case 3: v = v_threshold / 3.0f; break;
      default: break;
    }
    t.data<float>()[i] = v;
  }
  return t;
}

TEST(GpuNeuronTest, BitExactSpikesAcrossVariants) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(7);
  const std::vector<std::vector<int64_t>> shapes = {
      {1, 1}, {4, 3}, {8, 2, 5, 5}, {16, 4, 7, 3}, {6, 1000}};
  for (const Variant& v : AllVariants()) {
    for (int64_t steps : {1, 2, 4}) {
      for (const std::vector<int64_t>& base : shapes) {
        std::vector<int64_t> dims = base;
        dims[0] *= steps;
        for (float v_threshold : {1.0f, 0.3f}) {
          OneNodeGraphBuilder b(v.op, "neuron_0");
          b.Input(DataType::kFloat32, dims)
              .Output(DataType::kFloat32, dims)
              .Attr("steps", steps)
              .Attr("v_threshold", v_threshold)
              .Attr("v_reset", v.v_reset)
              .Attr("soft_reset", int64_t{v.soft_reset});
          if (v.op == OpType::kLIF) {
            b.Attr("tau", 2.0f).Attr("decay_input", int64_t{v.decay_input});
          }
          if (v.op == OpType::kPLIF) {
            b.Attr("w", -0.3f).Attr("decay_input", int64_t{v.decay_input});
          }
          auto g = b.Build();
          const std::string what =
              absl::StrCat(ToString(v.op), " soft=", v.soft_reset, " decay=", v.decay_input,
                           " v_reset=", v.v_reset, " T=", steps, " vth=", v_threshold, " ",
                           ShapeToString(dims));
          ExpectGpuMatchesCpu(g.graph, {NearThresholdInput(dims, v_threshold, rng)}, 0, 0, what);
        }
      }
    }
  }
}

TEST(GpuNeuronTest, LifTauValuesBitExact) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(11);
  for (float tau : {1.5f, 2.0f, 3.0f, 10.0f, 100.0f}) {
    for (bool decay : {false, true}) {
      const std::vector<int64_t> dims = {8, 257};
      auto g = OneNodeGraphBuilder(OpType::kLIF, "lif")
                   .Input(DataType::kFloat32, dims)
                   .Output(DataType::kFloat32, dims)
                   .Attr("steps", int64_t{4})
                   .Attr("v_threshold", 1.0f)
                   .Attr("v_reset", 0.0f)
                   .Attr("soft_reset", int64_t{0})
                   .Attr("tau", tau)
                   .Attr("decay_input", int64_t{decay})
                   .Build();
      ExpectGpuMatchesCpu(g.graph, {NearThresholdInput(dims, 1.0f, rng)}, 0, 0,
                          absl::StrCat("tau=", tau, " decay=", decay));
    }
  }
}

// Host-side parameter preparation runs without a GPU.
TEST(GpuNeuronParamsTest, PicksChargeEquationAndConstants) {
  Node lif{"lif_1", OpType::kLIF, {}, {}, {}};
  lif.attrs.Set("steps", int64_t{4});
  lif.attrs.Set("tau", 2.0f);
  lif.attrs.Set("decay_input", int64_t{0});
  ASSERT_OK_AND_ASSIGN(cuda::NeuronParams p, GetNeuronParams(lif));
  EXPECT_EQ(p.charge, cuda::NeuronCharge::kScaled);
  EXPECT_EQ(p.c, 0.5f);
  lif.attrs.Set("v_reset", -0.5f);
  ASSERT_OK_AND_ASSIGN(p, GetNeuronParams(lif));
  // tau 2, a power of two: multiply by 1/2 (bit-identical to dividing by 2).
  EXPECT_EQ(p.charge, cuda::NeuronCharge::kLeakMul);
  EXPECT_EQ(p.k, 0.5f);
  lif.attrs.Set("tau", 3.0f);
  ASSERT_OK_AND_ASSIGN(p, GetNeuronParams(lif));
  EXPECT_EQ(p.charge, cuda::NeuronCharge::kLeakDiv);
  lif.attrs.Set("soft_reset", int64_t{1});
  ASSERT_OK_AND_ASSIGN(p, GetNeuronParams(lif));
  EXPECT_EQ(p.charge, cuda::NeuronCharge::kScaled);  // soft reset: vr = 0

  Node plif{"plif_2", OpType::kPLIF, {}, {}, {}};
  plif.attrs.Set("steps", int64_t{2});
  plif.attrs.Set("w", 0.0f);
  ASSERT_OK_AND_ASSIGN(p, GetNeuronParams(plif));
  EXPECT_EQ(p.charge, cuda::NeuronCharge::kDecayMul);
  EXPECT_EQ(p.k, 0.5f);
}

TEST(GpuNeuronParamsTest, StepElementsForATensorAndStepsThatDoNotDivideIt) {
  Node lif{"lif_3", OpType::kLIF, {}, {}, {}};
  lif.attrs.Set("steps", int64_t{4});
  lif.attrs.Set("tau", 2.0f);
  ASSERT_OK_AND_ASSIGN(cuda::NeuronParams p, GetNeuronParams(lif, {8, 3, 5}));
  EXPECT_EQ(p.steps, 4);
  EXPECT_EQ(p.step_elements, 30);
  EXPECT_THAT(GetNeuronParams(lif, {6, 3}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("first dim 6 is not divisible by steps 4")));
  EXPECT_THAT(GetNeuronParams(lif, std::vector<int64_t>{}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("lif_3")));
}

TEST(GpuNeuronParamsTest, PowerOfTwoTauMultipliesInsteadOfDividing) {
  Node lif;
  lif.name = "lif";
  lif.op = OpType::kLIF;
  lif.attrs.Set("steps", int64_t{4});
  for (float tau : {2.0f, 0.5f, 4.0f, 3.0f, 1.5f}) {
    for (int64_t decay_input : {1, 0}) {
      lif.attrs.Set("tau", tau);
      lif.attrs.Set("decay_input", decay_input);
      lif.attrs.Set("v_reset", -0.25f);
      ASSERT_OK_AND_ASSIGN(cuda::NeuronParams p, GetNeuronParams(lif));
      const bool pow2 = tau != 3.0f && tau != 1.5f;
      const cuda::NeuronCharge div =
          decay_input != 0 ? cuda::NeuronCharge::kDecayDiv : cuda::NeuronCharge::kLeakDiv;
      const cuda::NeuronCharge mul =
          decay_input != 0 ? cuda::NeuronCharge::kDecayMul : cuda::NeuronCharge::kLeakMul;
      EXPECT_EQ(p.charge, pow2 ? mul : div) << tau;
      if (pow2) {
        EXPECT_EQ(p.k, 1.0f / tau) << tau;
      }
    }
  }
}

TEST(GpuNeuronParamsTest, BadAttributesNameTheNode) {
  Node lif{"lif_7", OpType::kLIF, {}, {}, {}};
  lif.attrs.Set("steps", int64_t{0});
  lif.attrs.Set("tau", 2.0f);
  EXPECT_THAT(GetNeuronParams(lif),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("lif_7")));
  lif.attrs.Set("steps", int64_t{2});
  lif.attrs.Set("tau", -1.0f);
  EXPECT_THAT(GetNeuronParams(lif),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("tau")));
}

}  // namespace
}  // namespace sf
