#include "graph/passes/float16.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "graph/float16.h"
#include "graph/passes/spike_analysis.h"
#include "graph/verifier.h"
#include "tests/passes/test_graphs.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::GraphBuilder;

// Conv, neurons, Add and Gemm have float16 kernels here; Softmax does not.
bool TestSupport(const Graph&, const Node& node) {
  return node.op == OpType::kConv || node.op == OpType::kLIF || node.op == OpType::kAdd ||
         node.op == OpType::kGemm || node.op == OpType::kCast || node.op == OpType::kReshape;
}

int CountCasts(const Graph& g, DataType to) {
  int n = 0;
  for (const Node& node : g.nodes()) {
    n += node.op == OpType::kCast && g.value(node.outputs[0]).dtype == to ? 1 : 0;
  }
  return n;
}

// The only node reading `v`.
const Node& ReaderOf(const Graph& g, ValueId v) {
  const std::vector<std::vector<int>> consumers = g.Consumers();
  EXPECT_EQ(consumers[v].size(), 1u) << g.value(v).name;
  return g.node(consumers[v].at(0));
}

TEST(Float16Test, CastsOnlyAtTheBoundaries) {
  GraphBuilder b;
  ValueId x = b.Input("x", {1, 2, 4, 4});
  ValueId c1 = b.Conv("conv1", x, 2, 3);
  ValueId s1 = b.Lif("lif1", c1);
  ValueId c2 = b.Conv("conv2", s1, 2, 3);
  ValueId sum = b.Same(OpType::kAdd, "add", {c2, s1});
  ValueId sm = b.Same(OpType::kSoftmax, "softmax", {sum});
  Graph& g = b.graph();
  g.AddOutput(sm);
  g.AddOutput(s1);
  const ValueId w1 = g.node(0).inputs[1];

  ASSERT_OK_AND_ASSIGN(int converted, ConvertToFloat16(g, TestSupport));
  EXPECT_EQ(converted, 4);  // conv1, lif1, conv2, add
  ASSERT_OK(VerifyGraph(g));
  // One Cast in (x), two out: the softmax input and the output lif1.
  EXPECT_EQ(CountCasts(g, DataType::kFloat16), 1);
  EXPECT_EQ(CountCasts(g, DataType::kFloat32), 2);
  EXPECT_EQ(g.num_nodes(), 8);

  // The user-facing values keep their ids, names and float32.
  EXPECT_EQ(g.value(x).dtype, DataType::kFloat32);
  EXPECT_EQ(g.value(sm).dtype, DataType::kFloat32);
  EXPECT_EQ(g.value(s1).dtype, DataType::kFloat32);
  EXPECT_EQ(g.value(s1).name, "lif1:0");
  EXPECT_EQ(g.outputs(), (std::vector<ValueId>{sm, s1}));
  // Inside, everything is float16; the conv reads x through the Cast.
  const Node& cast_in = ReaderOf(g, x);
  EXPECT_EQ(cast_in.op, OpType::kCast);
  EXPECT_EQ(cast_in.attrs.GetInt("to").value(), 10);
  EXPECT_EQ(g.value(cast_in.outputs[0]).name, "x.fp16");
  EXPECT_EQ(ReaderOf(g, cast_in.outputs[0]).name, "conv1");
  EXPECT_EQ(g.value(c1).dtype, DataType::kFloat16);  // only float16 nodes read it
  EXPECT_EQ(g.value(c2).dtype, DataType::kFloat16);
  EXPECT_EQ(g.value(sum).dtype, DataType::kFloat32);  // Softmax reads it: recreated by a Cast
  const Node& sum_cast = g.node(g.value(sum).producer);
  EXPECT_EQ(sum_cast.op, OpType::kCast);
  EXPECT_EQ(sum_cast.attrs.GetInt("to").value(), 1);
  const Value& sum16 = g.value(sum_cast.inputs[0]);
  EXPECT_EQ(sum16.dtype, DataType::kFloat16);
  EXPECT_EQ(g.node(sum16.producer).name, "add");
  EXPECT_EQ(g.node(g.value(sm).producer).inputs[0], sum);
  // lif1 writes a float16 value read by conv2 and add; the output is its Cast.
  const Node& lif = g.node(g.value(g.node(g.value(s1).producer).inputs[0]).producer);
  EXPECT_EQ(lif.name, "lif1");
  EXPECT_EQ(g.value(lif.outputs[0]).dtype, DataType::kFloat16);
  // Weights rounded in place (0.5 is exact in float16).
  EXPECT_EQ(g.value(w1).dtype, DataType::kFloat16);
  EXPECT_EQ(g.value(w1).constant->dtype(), DataType::kFloat16);
  EXPECT_EQ(HalfToFloat(g.value(w1).constant->data<uint16_t>()[0]), 0.5f);
}

TEST(Float16Test, NodeWithoutFloat16KernelIsWrapped) {
  GraphBuilder b;
  ValueId x = b.Input("x", {2, 3});
  ValueId sm = b.Same(OpType::kSoftmax, "softmax", {x});
  ValueId y = b.Same(OpType::kAdd, "add", {sm, b.Const("k", {2, 3}, 0.1f)});
  ValueId z = b.Same(OpType::kSoftmax, "softmax2", {y});
  Graph& g = b.graph();
  g.AddOutput(z);
  ASSERT_OK_AND_ASSIGN(int converted, ConvertToFloat16(g, TestSupport));
  EXPECT_EQ(converted, 1);
  ASSERT_OK(VerifyGraph(g));
  ASSERT_EQ(g.num_nodes(), 5);
  // softmax (f32) -> Cast f16 -> add (f16) -> Cast f32 -> softmax2 (f32).
  std::vector<OpType> ops;
  for (const Node& n : g.nodes()) ops.push_back(n.op);
  EXPECT_EQ(ops, (std::vector<OpType>{OpType::kSoftmax, OpType::kCast, OpType::kAdd, OpType::kCast,
                                      OpType::kSoftmax}));
  const Node& add = g.node(2);
  EXPECT_EQ(g.value(add.inputs[0]).dtype, DataType::kFloat16);
  EXPECT_EQ(g.value(add.inputs[1]).dtype, DataType::kFloat16);
  EXPECT_EQ(HalfToFloat(g.value(add.inputs[1]).constant->data<uint16_t>()[0]),
            HalfToFloat(FloatToHalf(0.1f)));
  EXPECT_EQ(g.value(g.node(4).inputs[0]).dtype, DataType::kFloat32);
  EXPECT_EQ(g.value(z).dtype, DataType::kFloat32);
}

TEST(Float16Test, SharedConstantIsCopiedAndIntegersUntouched) {
  GraphBuilder b;
  ValueId x = b.Input("x", {2, 3});
  ValueId k = b.Const("k", {2, 3}, 1.5f);
  ValueId sum = b.Same(OpType::kAdd, "add", {x, k});
  ValueId shape = b.graph().AddConstant("shape", Tensor::FromVector<int64_t>({2}, {3, 2}));
  ValueId r = b.Op(OpType::kReshape, "reshape", {sum, shape}, {3, 2});
  ValueId sm = b.Same(OpType::kSoftmax, "softmax", {k});
  Graph& g = b.graph();
  g.AddOutput(r);
  g.AddOutput(sm);
  ASSERT_OK_AND_ASSIGN(int converted, ConvertToFloat16(g, TestSupport));
  EXPECT_EQ(converted, 2);
  ASSERT_OK(VerifyGraph(g));
  EXPECT_EQ(g.value(k).dtype, DataType::kFloat32);  // Softmax still reads the original
  EXPECT_EQ(g.value(shape).dtype, DataType::kInt64);
  const Node& reshape = g.node(g.value(g.node(g.value(r).producer).inputs[0]).producer);
  ASSERT_EQ(reshape.op, OpType::kReshape);
  const Node& add_node = g.node(g.value(reshape.inputs[0]).producer);
  EXPECT_EQ(add_node.name, "add");
  const Value& k16 = g.value(add_node.inputs[1]);
  EXPECT_EQ(k16.name, "k.fp16");
  EXPECT_EQ(k16.dtype, DataType::kFloat16);
  ASSERT_TRUE(k16.constant.has_value());
  EXPECT_EQ(HalfToFloat(k16.constant->data<uint16_t>()[5]), 1.5f);
  EXPECT_EQ(reshape.inputs[1], shape);
}

// x (`from`) -> the model's Cast to float32 -> LIF -> an output; with
// `float32_reader` a Softmax reads the Cast's output too (another output).
// Returns the Cast's output.
ValueId CastThenLif(GraphBuilder& b, DataType from, bool float32_reader) {
  ValueId x = b.Input("x", {4}, from);
  Attrs to;
  to.Set("to", int64_t{1});
  ValueId f = b.Same(OpType::kCast, "cast", {x}, to);
  Attrs steps;
  steps.Set("steps", int64_t{1});
  b.graph().AddOutput(b.Same(OpType::kLIF, "lif", {f}, steps));
  if (float32_reader) b.graph().AddOutput(b.Same(OpType::kSoftmax, "softmax", {f}));
  return f;
}

// A model's Cast keeps its 'to': from int32, and from bool where a float32
// node (Softmax here) also reads its output.
TEST(Float16Test, ModelCastsKeepTheirTypes) {
  for (const DataType from : {DataType::kInt32, DataType::kBool}) {
    GraphBuilder b;
    const ValueId f = CastThenLif(b, from, from == DataType::kBool);
    Graph& g = b.graph();
    ASSERT_OK_AND_ASSIGN(int converted, ConvertToFloat16(g, TestSupport));
    EXPECT_EQ(converted, 1);
    ASSERT_OK(VerifyGraph(g));
    EXPECT_EQ(g.node(0).name, "cast");
    EXPECT_EQ(g.value(f).dtype, DataType::kFloat32);
    EXPECT_EQ(CountCasts(g, DataType::kFloat16), 1);
    EXPECT_EQ(CountCasts(g, DataType::kFloat32), 2);  // the model's and the output's
  }
}

// A model's Cast of a bool (a spike) that only float16 nodes read writes
// float16 itself: no Cast after it.
TEST(Float16Test, BoolCastReadOnlyInFloat16WritesFloat16) {
  GraphBuilder b;
  const ValueId f = CastThenLif(b, DataType::kBool, false);
  Graph& g = b.graph();
  ASSERT_OK_AND_ASSIGN(int converted, ConvertToFloat16(g, TestSupport));
  EXPECT_EQ(converted, 1);
  ASSERT_OK(VerifyGraph(g));
  EXPECT_EQ(g.node(0).name, "cast");
  EXPECT_EQ(*g.node(0).attrs.GetIntOr("to", 0), int64_t{ToOnnx(DataType::kFloat16)});
  EXPECT_EQ(g.value(f).dtype, DataType::kFloat16);
  EXPECT_EQ(&ReaderOf(g, f), &g.node(1));           // the LIF reads it directly
  EXPECT_EQ(CountCasts(g, DataType::kFloat16), 1);  // the model's own
  EXPECT_EQ(CountCasts(g, DataType::kFloat32), 1);  // the output's
}

TEST(Float16Test, NothingSupportedLeavesTheGraph) {
  GraphBuilder b;
  ValueId x = b.Input("x", {2, 3});
  b.graph().AddOutput(b.Same(OpType::kSoftmax, "softmax", {x}));
  ASSERT_OK_AND_ASSIGN(int converted, ConvertToFloat16(b.graph(), TestSupport));
  EXPECT_EQ(converted, 0);
  EXPECT_EQ(b.graph().num_nodes(), 1);
  EXPECT_EQ(b.graph().num_values(), 2);
}

TEST(Float16Test, SpikeClassesSurviveTheConversion) {
  GraphBuilder b;
  ValueId x = b.Input("x", {1, 2, 4, 4});
  ValueId s = b.Lif("lif", b.Conv("conv1", x, 2, 3));
  ValueId c2 = b.Conv("conv2", s, 2, 3);
  Graph& g = b.graph();
  g.AddOutput(c2);
  ASSERT_OK(ConvertToFloat16(g, TestSupport).status());
  const SpikeAnalysis a = AnalyzeSpikes(g);
  const Node* conv2 = nullptr;
  for (const Node& n : g.nodes()) conv2 = n.name == "conv2" ? &n : conv2;
  ASSERT_NE(conv2, nullptr);
  EXPECT_EQ(a.value_class[conv2->inputs[0]], ValueClass::kBinary);
}

}  // namespace
}  // namespace sf
