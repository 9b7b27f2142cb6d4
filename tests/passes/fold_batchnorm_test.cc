#include "graph/passes/fold_batchnorm.h"

#include <cmath>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/cpu_evaluator.h"
#include "sf/runtime.h"
#include "tests/testing/onnx_model_builder.h"
#include "tests/passes/test_graphs.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::GraphBuilder;
using ::sf::testing::StatusIs;
using ::testing::HasSubstr;

// Deterministic, varied values in [lo, hi).
void FillRamp(Tensor& t, float lo, float hi, int seed) {
  std::span<float> v = t.span<float>();
  for (size_t i = 0; i < v.size(); ++i) {
    const float u = static_cast<float>((i * 7919 + seed * 104729) % 1000) / 1000.0f;
    v[i] = lo + (hi - lo) * u;
  }
}

void Randomize(Graph& g, ValueId v, float lo, float hi, int seed) {
  Tensor t = g.value(v).constant->Clone();
  FillRamp(t, lo, hi, seed);
  g.value(v).constant = t;
}

// x[1,3,6,6] -> conv (3->4, 3x3, optional bias) -> bn -> lif, parameters varied.
struct ConvBn {
  GraphBuilder b;
  ValueId x, conv_out, bn_out, weight, bias = kNoValue;
  std::vector<ValueId> bn_params;  // scale, B, mean, var
};

void Build(ConvBn& m, bool with_bias) {
  m.x = m.b.Input("x", {1, 3, 6, 6});
  m.conv_out = m.b.Conv("conv", m.x, 4, 3);
  Graph& g = m.b.graph();
  Node& conv = g.node(m.b.last_node());
  m.weight = conv.inputs[1];
  Randomize(g, m.weight, -1.0f, 1.0f, 1);
  if (with_bias) {
    m.bias = m.b.Const("conv.bias", {4}, 0.0f);
    Randomize(g, m.bias, -0.5f, 0.5f, 2);
    g.node(m.b.last_node()).inputs.push_back(m.bias);
  }
  m.bn_out = m.b.BatchNorm("bn", m.conv_out);
  m.bn_params.assign(g.node(m.b.last_node()).inputs.begin() + 1,
                     g.node(m.b.last_node()).inputs.end());
  Randomize(g, m.bn_params[0], 0.5f, 2.0f, 3);
  Randomize(g, m.bn_params[1], -1.0f, 1.0f, 4);
  Randomize(g, m.bn_params[2], -0.3f, 0.3f, 5);
  Randomize(g, m.bn_params[3], 0.1f, 3.0f, 6);
  g.AddOutput(m.b.Lif("lif", m.bn_out));
}

// Runs the graph's nodes in order with the CPU reference kernels.
std::vector<float> Evaluate(const Graph& g, const Tensor& x) {
  std::vector<std::optional<Tensor>> vals(g.num_values());
  for (ValueId v = 0; v < g.num_values(); ++v) vals[v] = g.value(v).constant;
  vals[g.inputs()[0]] = x;
  const NodeEvaluator eval = CpuNodeEvaluator();
  for (int i = 0; i < g.num_nodes(); ++i) {
    const Node& node = g.node(i);
    if (node.op == OpType::kLIF) continue;
    std::vector<Tensor> in;
    for (ValueId v : node.inputs) in.push_back(v == kNoValue ? Tensor() : *vals[v]);
    std::vector<Tensor> out = eval(g, i, in).value();
    vals[node.outputs[0]] = out[0];
  }
  // The LIF input (the BN output value in both graphs).
  const Node& lif = g.node(g.num_nodes() - 1);
  const Tensor& y = *vals[lif.inputs[0]];
  return std::vector<float>(y.data<float>(), y.data<float>() + y.num_elements());
}

TEST(FoldBatchNormTest, FoldsIntoConvWithoutBias) {
  ConvBn m;
  Build(m, /*with_bias=*/false);
  Graph& g = m.b.graph();
  const Tensor old_w = *g.value(m.weight).constant;
  ASSERT_OK_AND_ASSIGN(int folded, FoldBatchNormIntoConv(g));
  EXPECT_EQ(folded, 1);
  ASSERT_EQ(g.num_nodes(), 2);
  const Node& conv = g.node(0);
  EXPECT_EQ(conv.op, OpType::kConv);
  EXPECT_EQ(conv.outputs[0], m.bn_out);
  EXPECT_EQ(g.value(m.bn_out).producer, 0);
  EXPECT_EQ(g.node(1).inputs[0], m.bn_out);
  ASSERT_EQ(conv.inputs.size(), 3u);
  EXPECT_EQ(conv.inputs[1], m.weight);  // only this conv read it: replaced in place

  auto p = [&](int i, int c) { return static_cast<double>(
      g.value(m.bn_params[i]).constant->data<float>()[c]); };
  const Tensor& w = *g.value(conv.inputs[1]).constant;
  const Tensor& b = *g.value(conv.inputs[2]).constant;
  ASSERT_EQ(b.dims(), std::vector<int64_t>{4});
  for (int c = 0; c < 4; ++c) {
    const double k = p(0, c) / std::sqrt(p(3, c) + static_cast<double>(1e-5f));
    EXPECT_EQ(b.data<float>()[c], static_cast<float>(-p(2, c) * k + p(1, c))) << c;
    for (int i = 0; i < 27; ++i) {
      EXPECT_EQ(w.data<float>()[c * 27 + i],
                static_cast<float>(old_w.data<float>()[c * 27 + i] * k));
    }
  }
}

TEST(FoldBatchNormTest, FoldedConvMatchesConvThenBatchNorm) {
  for (bool with_bias : {false, true}) {
    ConvBn m;
    Build(m, with_bias);
    const Graph original = m.b.graph();
    Graph folded = original;
    ASSERT_OK_AND_ASSIGN(int n, FoldBatchNormIntoConv(folded));
    ASSERT_EQ(n, 1);
    Tensor x = Tensor::Create(DataType::kFloat32, {1, 3, 6, 6}).value();
    FillRamp(x, -2.0f, 2.0f, 7);
    const std::vector<float> want = Evaluate(original, x);
    const std::vector<float> got = Evaluate(folded, x);
    ASSERT_EQ(want.size(), got.size());
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_NEAR(got[i], want[i], 1e-5 * (1 + std::abs(want[i]))) << "bias " << with_bias;
    }
  }
}

TEST(FoldBatchNormTest, LeavesTheOriginalGraphsTensorsAlone) {
  ConvBn m;
  Build(m, /*with_bias=*/true);
  const Graph original = m.b.graph();  // shares the constant buffers
  const std::vector<float> w_before(original.value(m.weight).constant->span<float>().begin(),
                                    original.value(m.weight).constant->span<float>().end());
  Graph g = original;
  ASSERT_OK_AND_ASSIGN(int n, FoldBatchNormIntoConv(g));
  ASSERT_EQ(n, 1);
  const std::span<const float> w_after = original.value(m.weight).constant->span<float>();
  EXPECT_TRUE(std::equal(w_after.begin(), w_after.end(), w_before.begin()));
  EXPECT_EQ(original.num_nodes(), 3);
}

TEST(FoldBatchNormTest, SharedWeightGetsANewConstant) {
  GraphBuilder b;
  ValueId x = b.Input("x", {1, 2, 4, 4});
  ValueId c1 = b.Conv("conv1", x, 2, 1);
  const ValueId w = b.graph().node(b.last_node()).inputs[1];
  ValueId c2 = b.Op(OpType::kConv, "conv2", {x, w}, {1, 2, 4, 4},
                    b.graph().node(b.last_node()).attrs);
  b.graph().AddOutput(b.BatchNorm("bn1", c1));
  b.graph().AddOutput(b.BatchNorm("bn2", c2));
  Graph& g = b.graph();
  ASSERT_OK_AND_ASSIGN(int n, FoldBatchNormIntoConv(g));
  EXPECT_EQ(n, 2);
  ASSERT_EQ(g.num_nodes(), 2);
  EXPECT_NE(g.node(0).inputs[1], w);
  EXPECT_NE(g.node(1).inputs[1], w);
  EXPECT_NE(g.node(0).inputs[1], g.node(1).inputs[1]);
  EXPECT_EQ(g.value(g.node(0).inputs[1]).name, "conv1.folded_weight");
}

TEST(FoldBatchNormTest, ConvOutputReadElsewhereIsNotFolded) {
  GraphBuilder b;
  ValueId x = b.Input("x", {1, 2, 4, 4});
  ValueId c = b.Conv("conv", x, 2, 1);
  ValueId bn = b.BatchNorm("bn", c);
  b.graph().AddOutput(b.Same(OpType::kAdd, "add", {bn, c}));
  ASSERT_OK_AND_ASSIGN(int n, FoldBatchNormIntoConv(b.graph()));
  EXPECT_EQ(n, 0);
  EXPECT_EQ(b.graph().num_nodes(), 3);
}

TEST(FoldBatchNormTest, ConvOutputThatIsAGraphOutputIsNotFolded) {
  GraphBuilder b;
  ValueId x = b.Input("x", {1, 2, 4, 4});
  ValueId c = b.Conv("conv", x, 2, 1);
  b.graph().AddOutput(c);
  b.graph().AddOutput(b.BatchNorm("bn", c));
  ASSERT_OK_AND_ASSIGN(int n, FoldBatchNormIntoConv(b.graph()));
  EXPECT_EQ(n, 0);
}

TEST(FoldBatchNormTest, NonConstantParameterIsNotFolded) {
  GraphBuilder b;
  ValueId x = b.Input("x", {1, 2, 4, 4});
  ValueId mean = b.Input("mean", {2});
  ValueId c = b.Conv("conv", x, 2, 1);
  b.graph().AddOutput(b.BatchNorm("bn", c));
  b.graph().node(b.last_node()).inputs[3] = mean;
  ASSERT_OK_AND_ASSIGN(int n, FoldBatchNormIntoConv(b.graph()));
  EXPECT_EQ(n, 0);
}

TEST(FoldBatchNormTest, BatchNormAfterOtherOpIsNotFolded) {
  GraphBuilder b;
  ValueId x = b.Input("x", {1, 2, 4, 4});
  ValueId r = b.Same(OpType::kRelu, "relu", {x});
  b.graph().AddOutput(b.BatchNorm("bn", r));
  ASSERT_OK_AND_ASSIGN(int n, FoldBatchNormIntoConv(b.graph()));
  EXPECT_EQ(n, 0);
}

TEST(FoldBatchNormTest, BadEpsilonNamesTheNode) {
  GraphBuilder b;
  ValueId x = b.Input("x", {1, 2, 4, 4});
  ValueId c = b.Conv("conv", x, 2, 1);
  b.graph().AddOutput(b.BatchNorm("bn_7", c));
  b.graph().node(b.last_node()).attrs.Set("epsilon", std::string("tiny"));
  EXPECT_THAT(FoldBatchNormIntoConv(b.graph()).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("bn_7")));
}

// The runtime folds at load: no BatchNormalization step in the plan, and the
// output is conv(x) * k + (b - mean) * k + B with k = scale / sqrt(var + eps).
TEST(FoldBatchNormTest, RuntimePlanHasNoBatchNorm) {
  ::sf::testing::OnnxModelBuilder mb;
  mb.Input("x", {1, 1, 3, 3}).Output("y");
  mb.Initializer("w", {2, 1, 1, 1}, {1.0f, 2.0f});
  mb.Initializer("b", {2}, {0.5f, -0.5f});
  mb.Initializer("scale", {2}, {2.0f, 3.0f});
  mb.Initializer("shift", {2}, {1.0f, -1.0f});
  mb.Initializer("mean", {2}, {0.25f, 0.75f});
  mb.Initializer("var", {2}, {4.0f, 9.0f});
  mb.Node("Conv", {"x", "w", "b"}, {"c"}, "conv_0");
  mb.Node("BatchNormalization", {"c", "scale", "shift", "mean", "var"}, {"y"}, "bn_0")
      .Float("epsilon", 0.0f);
  Options options;
  options.device = "cpu";
  ASSERT_OK_AND_ASSIGN(auto rt, Runtime::LoadFromBytes(mb.Serialize(), options));
  ASSERT_OK_AND_ASSIGN(Plan plan, rt->GetPlan());
  ASSERT_EQ(plan.steps.size(), 1u);
  EXPECT_EQ(plan.steps[0].op, OpType::kConv);
  Tensor x = Tensor::FromVector<float>({1, 1, 3, 3}, {0, 1, 2, 3, 4, 5, 6, 7, 8});
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> y, rt->Run({{"x", x}}));
  ASSERT_EQ(y[0].dims(), (std::vector<int64_t>{1, 2, 3, 3}));
  for (int i = 0; i < 9; ++i) {
    EXPECT_FLOAT_EQ(y[0].data<float>()[i], (i * 1.0f + 0.5f - 0.25f) * 1.0f + 1.0f);
    EXPECT_FLOAT_EQ(y[0].data<float>()[9 + i], (i * 2.0f - 0.5f - 0.75f) * 1.0f - 1.0f);
  }
}

}  // namespace
}  // namespace sf
