// The sparseflow neurons: strict validation and defaults (../shared/spec/neuron-ops.md).
#include <cmath>
#include <functional>
#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/importers/onnx_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::ModelBuilder;
using ::sf::testing::SetFloat;
using ::sf::testing::SetInt;
using ::sf::testing::StatusIs;
using ::testing::HasSubstr;
constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

struct NeuronModel {
  ModelBuilder b{13, /*neurons=*/true};
  onnx::NodeProto* n;
  explicit NeuronModel(const std::string& op) {
    b.Input("x", {8, 4}).Output("s");
    n = &b.Node(op, {"x"}, {"s"}, "neuron1", "sparseflow");
  }
  absl::StatusOr<Attrs> Import() {
    auto g = b.Import();
    if (!g.ok()) return g.status();
    return g->node(0).attrs;
  }
};

float F(const Attrs& a, const char* name) { return a.GetFloat(name).value(); }
int64_t I(const Attrs& a, const char* name) { return a.GetInt(name).value(); }

TEST(OnnxNeuronTest, IfFillsDefaults) {
  NeuronModel m("IF");
  SetInt(*m.n, "steps", 4);
  ASSERT_OK_AND_ASSIGN(Attrs a, m.Import());
  EXPECT_EQ(I(a, "steps"), 4);
  EXPECT_EQ(F(a, "v_threshold"), 1.0f);
  EXPECT_EQ(F(a, "v_reset"), 0.0f);
  EXPECT_EQ(I(a, "soft_reset"), 0);
  EXPECT_EQ(a.map().size(), 4u);
}

TEST(OnnxNeuronTest, LifKeepsGivenValuesAndFillsDefaults) {
  NeuronModel m("LIF");
  SetInt(*m.n, "steps", 2);
  SetInt(*m.n, "tau", 2);  // an int where a float is expected is accepted
  SetFloat(*m.n, "v_threshold", 0.5f);
  SetInt(*m.n, "soft_reset", 1);
  ASSERT_OK_AND_ASSIGN(Attrs a, m.Import());
  ASSERT_TRUE(std::holds_alternative<float>(a.map().at("tau")));
  EXPECT_EQ(F(a, "tau"), 2.0f);
  EXPECT_EQ(F(a, "v_threshold"), 0.5f);
  EXPECT_EQ(F(a, "v_reset"), 0.0f);
  EXPECT_EQ(I(a, "soft_reset"), 1);
  EXPECT_EQ(I(a, "decay_input"), 1);
  EXPECT_EQ(a.map().size(), 6u);
}

TEST(OnnxNeuronTest, PlifNeedsW) {
  NeuronModel m("PLIF");
  SetInt(*m.n, "steps", 2);
  SetFloat(*m.n, "w", -0.5f);
  SetInt(*m.n, "decay_input", 0);
  ASSERT_OK_AND_ASSIGN(Attrs a, m.Import());
  EXPECT_EQ(F(a, "w"), -0.5f);
  EXPECT_EQ(I(a, "decay_input"), 0);
  EXPECT_FALSE(a.Has("tau"));
}

struct Refusal {
  std::string op;
  std::function<void(onnx::NodeProto&)> edit;
  std::string message;
};

TEST(OnnxNeuronTest, Refusals) {
  constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();
  constexpr float kInf = std::numeric_limits<float>::infinity();
  const std::vector<Refusal> cases = {
      {"IF", [](auto&) {}, "missing required attribute 'steps'"},
      {"IF", [](auto& n) { SetInt(n, "steps", 0); }, "steps must be >= 1, got 0"},
      {"IF", [](auto& n) { SetFloat(n, "steps", 2.0f); }, "attribute 'steps' has the wrong type"},
      {"IF", [](auto& n) { SetInt(n, "steps", 2), SetInt(n, "bogus", 1); },
       "unknown attribute 'bogus' for IF"},
      {"IF", [](auto& n) { SetInt(n, "steps", 2), SetFloat(n, "tau", 2.0f); },
       "unknown attribute 'tau' for IF"},
      {"IF", [](auto& n) { SetInt(n, "steps", 2), SetFloat(n, "v_threshold", kNaN); },
       "attribute 'v_threshold' must be finite"},
      {"IF", [](auto& n) { SetInt(n, "steps", 2), SetFloat(n, "v_reset", -kInf); },
       "attribute 'v_reset' must be finite"},
      {"IF", [](auto& n) { SetInt(n, "steps", 2), SetInt(n, "soft_reset", 2); },
       "attribute 'soft_reset' must be 0 or 1"},
      {"LIF", [](auto& n) { SetInt(n, "steps", 2); }, "missing required attribute 'tau'"},
      {"LIF", [](auto& n) { SetInt(n, "steps", 2), SetFloat(n, "tau", 0.0f); },
       "tau must be > 0"},
      {"LIF", [](auto& n) { SetInt(n, "steps", 2), SetFloat(n, "tau", -1.0f); },
       "tau must be > 0"},
      {"LIF", [](auto& n) { SetInt(n, "steps", 2), SetFloat(n, "tau", kInf); },
       "attribute 'tau' must be finite"},
      {"LIF", [](auto& n) { SetInt(n, "steps", 2), SetFloat(n, "tau", 2), SetFloat(n, "w", 1); },
       "unknown attribute 'w' for LIF"},
      {"LIF",
       [](auto& n) { SetInt(n, "steps", 2), SetFloat(n, "tau", 2), SetInt(n, "decay_input", 3); },
       "attribute 'decay_input' must be 0 or 1"},
      {"PLIF", [](auto& n) { SetInt(n, "steps", 2); }, "missing required attribute 'w'"},
      {"PLIF", [](auto& n) { SetInt(n, "steps", 2), SetFloat(n, "w", kNaN); },
       "attribute 'w' must be finite"},
      {"PLIF", [](auto& n) { SetInt(n, "steps", 2), SetFloat(n, "w", 0), SetFloat(n, "tau", 2); },
       "unknown attribute 'tau' for PLIF"},
      {"PLIF", [](auto& n) { SetInt(n, "steps", 2), SetFloat(n, "w", 0), n.add_input("x"); },
       "PLIF takes 1 inputs, got 2"},
  };
  for (const Refusal& c : cases) {
    NeuronModel m(c.op);
    c.edit(*m.n);
    EXPECT_THAT(m.Import(), StatusIs(kInvalid, HasSubstr("node 'neuron1': " + c.message)))
        << c.op << ": " << c.message;
  }
}

}  // namespace
}  // namespace sf
