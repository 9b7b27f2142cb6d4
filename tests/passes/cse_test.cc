#include "graph/passes/cse.h"

#include <vector>

#include <gtest/gtest.h>

#include "tests/passes/test_graphs.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::GraphBuilder;

Attrs Axes(std::vector<int64_t> axes) { return testing::IntsAttr("axes", std::move(axes)); }

// Three lifted 1-D convs reading one value through Unsqueezes of their own.
TEST(CseTest, TwinUnsqueezesBecomeOne) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {2, 4, 8});
  std::vector<ValueId> outs;
  for (const char* name : {"q", "k", "v"}) {
    const ValueId u =
        b.Op(OpType::kUnsqueeze, std::string(name) + "/unsqueeze", {x}, {2, 4, 1, 8}, Axes({2}));
    outs.push_back(b.Conv(std::string(name) + "/conv", u, 4, 1));
  }
  for (ValueId o : outs) b.graph().AddOutput(o);
  Graph& g = b.graph();
  ASSERT_OK_AND_ASSIGN(int removed, EliminateCommonSubexpressions(g));
  EXPECT_EQ(removed, 2);
  ASSERT_EQ(g.num_nodes(), 4);
  EXPECT_EQ(g.node(0).op, OpType::kUnsqueeze);
  for (int i = 1; i < 4; ++i) {
    EXPECT_EQ(g.node(i).op, OpType::kConv);  // every Conv stays, even twins
    EXPECT_EQ(g.node(i).inputs[0], g.node(0).outputs[0]);
  }
}

TEST(CseTest, TwinsOfTwinsAndNotOthers) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {2, 4, 8});
  const ValueId u1 = b.Op(OpType::kUnsqueeze, "u1", {x}, {2, 4, 1, 8}, Axes({2}));
  const ValueId u2 = b.Op(OpType::kUnsqueeze, "u2", {x}, {2, 4, 1, 8}, Axes({2}));
  const ValueId u3 = b.Op(OpType::kUnsqueeze, "u3", {x}, {2, 4, 8, 1}, Axes({3}));  // other axes
  const ValueId r1 = b.Same(OpType::kRelu, "r1", {u1});
  const ValueId r2 = b.Same(OpType::kRelu, "r2", {u2});   // a twin once u2 is u1
  const ValueId s = b.Same(OpType::kSigmoid, "s", {u1});  // another op
  b.graph().AddOutput(b.Same(OpType::kAdd, "add", {r1, r2}));
  b.graph().AddOutput(s);
  b.graph().AddOutput(u3);
  Graph& g = b.graph();
  ASSERT_OK_AND_ASSIGN(int removed, EliminateCommonSubexpressions(g));
  EXPECT_EQ(removed, 2);  // u2, r2
  ASSERT_EQ(g.num_nodes(), 5);
  const Node& add = g.node(4);
  EXPECT_EQ(add.op, OpType::kAdd);
  EXPECT_EQ(add.inputs[0], r1);
  EXPECT_EQ(add.inputs[1], r1);
}

TEST(CseTest, GraphOutputsKeepTheirNodes) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {2, 3});
  b.graph().AddOutput(b.Same(OpType::kRelu, "r1", {x}));
  b.graph().AddOutput(b.Same(OpType::kRelu, "r2", {x}));
  ASSERT_OK_AND_ASSIGN(int removed, EliminateCommonSubexpressions(b.graph()));
  EXPECT_EQ(removed, 0);
}

TEST(CseTest, AttributesCompareByValue) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {2, 3});
  Attrs a1, a2, a3;
  a1.Set("value", Tensor::FromVector<float>({2}, {1.0f, 2.0f}));
  a2.Set("value", Tensor::FromVector<float>({2}, {1.0f, 2.0f}));
  a3.Set("value", Tensor::FromVector<float>({2}, {1.0f, 3.0f}));
  Attrs f1, f2;
  f1.Set("alpha", 0.0f);
  f2.Set("alpha", -0.0f);
  const ValueId y1 = b.Same(OpType::kRelu, "y1", {x}, a1);
  const ValueId y2 = b.Same(OpType::kRelu, "y2", {x}, a2);  // the same bytes: merged
  const ValueId y3 = b.Same(OpType::kRelu, "y3", {x}, a3);
  const ValueId z1 = b.Same(OpType::kRelu, "z1", {x}, f1);
  const ValueId z2 = b.Same(OpType::kRelu, "z2", {x}, f2);  // other bits: kept
  b.graph().AddOutput(b.Op(OpType::kSum, "sum", {y1, y2, y3, z1, z2}, {2, 3}));
  Graph& g = b.graph();
  ASSERT_OK_AND_ASSIGN(int removed, EliminateCommonSubexpressions(g));
  EXPECT_EQ(removed, 1);
  EXPECT_EQ(g.node(g.num_nodes() - 1).inputs[1], y1);
  EXPECT_EQ(g.node(g.num_nodes() - 1).inputs[2], y3);
}

}  // namespace
}  // namespace sf
