#include "graph/passes/fold_batchnorm.h"

#include <cmath>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "graph/passes/compose_transposes.h"
#include "sf/runtime.h"
#include "tests/passes/evaluate_graph.h"
#include "tests/passes/test_graphs.h"
#include "tests/testing/onnx_model_builder.h"
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

// The LIF's input (the BN output value in both graphs) after running the rest.
std::vector<float> Evaluate(const Graph& g, const Tensor& x) {
  const std::vector<std::optional<Tensor>> vals = testing::EvaluateGraph(g, x);
  const Tensor& y = *vals[g.node(g.num_nodes() - 1).inputs[0]];
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

// ------------------------------------------------- BatchNorm after MatMul / Gemm

// The first graph output.
Tensor EvaluateAll(const Graph& g, const Tensor& x) { return testing::EvaluateOutputs(g, x)[0]; }

void ExpectClose(const Tensor& got, const Tensor& want) {
  ASSERT_EQ(got.dims(), want.dims());
  for (int64_t i = 0; i < want.num_elements(); ++i) {
    const float w = want.data<float>()[i];
    EXPECT_NEAR(got.data<float>()[i], w, 1e-5 * (1 + std::abs(w))) << i;
  }
}

Attrs Perm(std::vector<int64_t> perm) { return testing::IntsAttr("perm", std::move(perm)); }

// A BN with varied parameters on `x` (channels on axis 1).
ValueId VariedBatchNorm(GraphBuilder& b, const std::string& name, ValueId x) {
  const ValueId y = b.BatchNorm(name, x);
  const std::vector<ValueId> params(b.graph().node(b.last_node()).inputs.begin() + 1,
                                    b.graph().node(b.last_node()).inputs.end());
  Randomize(b.graph(), params[0], 0.5f, 2.0f, 3);
  Randomize(b.graph(), params[1], -1.0f, 1.0f, 4);
  Randomize(b.graph(), params[2], -0.3f, 0.3f, 5);
  Randomize(b.graph(), params[3], 0.1f, 3.0f, 6);
  return y;
}

ValueId VariedConst(GraphBuilder& b, const std::string& name, std::vector<int64_t> dims, int seed) {
  const ValueId c = b.Const(name, std::move(dims), 0.0f);
  Randomize(b.graph(), c, -1.0f, 1.0f, seed);
  return c;
}

// Folds, composes the Transposes, and checks the outputs against the graph
// as built (the BN run as a node).
void ExpectFoldKeepsOutputs(Graph& g, int want_folded, std::vector<int64_t> x_dims) {
  const Graph original = g;
  ASSERT_OK_AND_ASSIGN(int folded, FoldBatchNormIntoLinear(g));
  EXPECT_EQ(folded, want_folded);
  ASSERT_OK_AND_ASSIGN(int composed, ComposeTransposes(g));
  (void)composed;
  Tensor x = Tensor::Create(DataType::kFloat32, x_dims).value();
  FillRamp(x, -2.0f, 2.0f, 7);
  ExpectClose(EvaluateAll(g, x), EvaluateAll(original, x));
}

// What PyTorch exports for Linear + BatchNorm1d on tokens [B, L, C]:
// MatMul -> Add -> Transpose -> BN -> Transpose. After the fold and
// ComposeTransposes only the MatMul and the Add are left.
TEST(FoldBatchNormLinearTest, TokensLinearBatchNorm1dBecomesMatMulAdd) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {2, 5, 3});
  const ValueId w = VariedConst(b, "w", {3, 4}, 1);
  const ValueId y = b.Op(OpType::kMatMul, "mm", {x, w}, {2, 5, 4});
  const ValueId z = b.Op(OpType::kAdd, "add", {VariedConst(b, "bias", {4}, 2), y}, {2, 5, 4});
  const ValueId t = b.Op(OpType::kTranspose, "t1", {z}, {2, 4, 5}, Perm({0, 2, 1}));
  const ValueId n = VariedBatchNorm(b, "bn", t);
  const ValueId u = b.Op(OpType::kTranspose, "t2", {n}, {2, 5, 4}, Perm({0, 2, 1}));
  b.graph().AddOutput(b.Same(OpType::kRelu, "relu", {u}));
  Graph& g = b.graph();
  ExpectFoldKeepsOutputs(g, 1, {2, 5, 3});
  ASSERT_EQ(g.num_nodes(), 3);
  EXPECT_EQ(g.node(0).op, OpType::kMatMul);
  EXPECT_EQ(g.node(1).op, OpType::kAdd);
  EXPECT_EQ(g.node(2).op, OpType::kRelu);
  EXPECT_EQ(g.node(2).inputs[0], g.node(1).outputs[0]);
}

TEST(FoldBatchNormLinearTest, MatMulWithoutBiasGetsAnAdd) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {6, 3});
  const ValueId y = b.Op(OpType::kMatMul, "mm", {x, VariedConst(b, "w", {3, 4}, 1)}, {6, 4});
  b.graph().AddOutput(b.Same(OpType::kRelu, "relu", {VariedBatchNorm(b, "bn", y)}));
  Graph& g = b.graph();
  ExpectFoldKeepsOutputs(g, 1, {6, 3});
  ASSERT_EQ(g.num_nodes(), 3);
  EXPECT_EQ(g.node(0).op, OpType::kMatMul);
  EXPECT_EQ(g.node(1).op, OpType::kAdd);  // sorted before its reader
  EXPECT_EQ(g.node(2).op, OpType::kRelu);
}

TEST(FoldBatchNormLinearTest, GemmForms) {
  struct Case {
    bool trans_b;
    std::vector<int64_t> c_dims;  // empty: no C
    float alpha, beta;
  };
  for (const Case& c : {Case{false, {}, 1.0f, 1.0f}, Case{true, {4}, 0.5f, 2.0f},
                        Case{true, {1, 4}, 1.0f, -1.0f}, Case{false, {1}, 2.0f, 0.25f}}) {
    SCOPED_TRACE(::testing::Message() << "transB " << c.trans_b << " C rank " << c.c_dims.size());
    GraphBuilder b;
    const ValueId x = b.Input("x", {3, 5});
    std::vector<ValueId> in = {
        x, VariedConst(b, "B", c.trans_b ? std::vector<int64_t>{4, 5} : std::vector<int64_t>{5, 4},
                       1)};
    if (!c.c_dims.empty()) in.push_back(VariedConst(b, "C", c.c_dims, 2));
    Attrs a;
    a.Set("transB", int64_t{c.trans_b ? 1 : 0});
    a.Set("alpha", c.alpha);
    a.Set("beta", c.beta);
    const ValueId y = b.Op(OpType::kGemm, "gemm", in, {3, 4}, a);
    b.graph().AddOutput(b.Same(OpType::kRelu, "relu", {VariedBatchNorm(b, "bn", y)}));
    Graph& g = b.graph();
    ExpectFoldKeepsOutputs(g, 1, {3, 5});
    ASSERT_EQ(g.num_nodes(), 2);
    EXPECT_EQ(g.node(0).op, OpType::kGemm);
    EXPECT_EQ(g.node(0).attrs.GetFloatOr("beta", 0.0f).value(), 1.0f);
  }
}

TEST(FoldBatchNormLinearTest, ChannelsNotTheColumnsAreNotFolded) {
  // Rank 3 without a Transpose: the BN's channels are the rows (L), not the columns.
  GraphBuilder b1;
  ValueId x = b1.Input("x", {2, 5, 3});
  ValueId y = b1.Op(OpType::kMatMul, "mm", {x, b1.Const("w", {3, 4}, 0.5f)}, {2, 5, 4});
  b1.graph().AddOutput(b1.BatchNorm("bn", y));
  EXPECT_EQ(FoldBatchNormIntoLinear(b1.graph()).value(), 0);
  // A Transpose that does not bring the columns to axis 1.
  GraphBuilder b2;
  x = b2.Input("x", {2, 5, 3});
  y = b2.Op(OpType::kMatMul, "mm", {x, b2.Const("w", {3, 4}, 0.5f)}, {2, 5, 4});
  y = b2.Op(OpType::kTranspose, "t", {y}, {5, 2, 4}, Perm({1, 0, 2}));
  b2.graph().AddOutput(b2.BatchNorm("bn", y));
  EXPECT_EQ(FoldBatchNormIntoLinear(b2.graph()).value(), 0);
  // A weight that is not a constant.
  GraphBuilder b3;
  x = b3.Input("x", {6, 3});
  y = b3.Op(OpType::kMatMul, "mm", {x, b3.Input("w", {3, 4})}, {6, 4});
  b3.graph().AddOutput(b3.BatchNorm("bn", y));
  EXPECT_EQ(FoldBatchNormIntoLinear(b3.graph()).value(), 0);
}

TEST(FoldBatchNormLinearTest, ChainValueReadElsewhereIsNotFolded) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {2, 5, 3});
  const ValueId y = b.Op(OpType::kMatMul, "mm", {x, b.Const("w", {3, 4}, 0.5f)}, {2, 5, 4});
  const ValueId z = b.Op(OpType::kAdd, "add", {y, b.Const("bias", {4}, 0.5f)}, {2, 5, 4});
  const ValueId t = b.Op(OpType::kTranspose, "t1", {z}, {2, 4, 5}, Perm({0, 2, 1}));
  b.graph().AddOutput(b.BatchNorm("bn", t));
  b.graph().AddOutput(b.Same(OpType::kRelu, "relu", {z}));  // the Add's output read twice
  EXPECT_EQ(FoldBatchNormIntoLinear(b.graph()).value(), 0);
  EXPECT_EQ(b.graph().num_nodes(), 5);
}

}  // namespace
}  // namespace sf
