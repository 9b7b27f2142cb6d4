#include "graph/passes/layout.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "graph/passes/block_selection.h"
#include "graph/verifier.h"
#include "tests/passes/test_graphs.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::GraphBuilder;

bool AllSupported(const Graph&, const Node&) { return true; }

std::vector<int64_t> Dims(const Graph& g, ValueId v) { return *ConcreteDims(*g.value(v).shape); }

// The Transpose nodes, as "input -> output perm".
std::vector<std::string> Transposes(const Graph& g) {
  std::vector<std::string> out;
  for (const Node& n : g.nodes()) {
    if (n.op != OpType::kTranspose) continue;
    std::vector<int64_t> perm = n.attrs.GetIntsOr("perm", {}).value();
    std::string p;
    for (int64_t d : perm) p += std::to_string(d);
    out.push_back(g.value(n.inputs[0]).name + " -> " + g.value(n.outputs[0]).name + " " + p);
  }
  return out;
}

const Node& NodeNamed(const Graph& g, const std::string& name) {
  for (const Node& n : g.nodes()) {
    if (n.name == name) return n;
  }
  ADD_FAILURE() << "no node " << name;
  return g.node(0);
}

Attrs PoolAttrs(int64_t k) {
  Attrs a;
  a.Set("kernel_shape", std::vector<int64_t>{k, k});
  a.Set("strides", std::vector<int64_t>{k, k});
  return a;
}

// Conv -> LIF -> MaxPool -> Conv -> GlobalAveragePool -> Flatten -> Gemm.
class LayoutChainTest : public ::testing::Test {
 protected:
  void SetUp() override {
    x_ = b_.Input("x", {2, 3, 8, 8});
    ValueId c1 = b_.Conv("conv1", x_, 4, 3);
    ValueId s1 = b_.Lif("lif1", c1);
    ValueId p = b_.Op(OpType::kMaxPool, "pool", {s1}, {2, 4, 4, 4}, PoolAttrs(2));
    c2_ = b_.Conv("conv2", p, 8, 3);
    gap_ = b_.Op(OpType::kGlobalAveragePool, "gap", {c2_}, {2, 8, 1, 1});
    Attrs flat;
    flat.Set("axis", int64_t{1});
    ValueId f = b_.Op(OpType::kFlatten, "flatten", {gap_}, {2, 8}, flat);
    ValueId w = b_.Const("fc.weight", {10, 8}, 0.25f);
    y_ = b_.Op(OpType::kGemm, "fc", {f, w}, {2, 10});
    b_.graph().AddOutput(y_);
    // conv2's weight [8,4,3,3] with distinct values: element (k,c,r,s) = kcrs.
    w2_ = b_.graph().node(3).inputs[1];
    Tensor& t = *b_.graph().value(w2_).constant;
    for (int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = static_cast<float>(i);
  }

  GraphBuilder b_;
  ValueId x_ = kNoValue, c2_ = kNoValue, gap_ = kNoValue, y_ = kNoValue, w2_ = kNoValue;
};

TEST_F(LayoutChainTest, TransposesOnlyAtTheBoundaries) {
  Graph& g = b_.graph();
  ASSERT_OK_AND_ASSIGN(int converted, ConvertToNhwc(g, AllSupported));
  EXPECT_EQ(converted, 4);  // conv1, pool, conv2, gap
  ASSERT_OK(VerifyGraph(g));
  EXPECT_THAT(Transposes(g), ::testing::UnorderedElementsAre("x -> x.nhwc 0231",
                                                             "gap:0 -> gap:0.nchw 0312"));
  EXPECT_EQ(g.num_nodes(), 9);
  for (const char* name : {"conv1", "pool", "conv2", "gap"}) {
    EXPECT_TRUE(NodeNamed(g, name).channels_last) << name;
  }
  for (const char* name : {"lif1", "flatten", "fc"}) {
    EXPECT_FALSE(NodeNamed(g, name).channels_last) << name;
  }
  // Stored dims are NHWC inside; the user's input and output keep theirs.
  EXPECT_EQ(Dims(g, x_), (std::vector<int64_t>{2, 3, 8, 8}));
  EXPECT_EQ(Dims(g, *g.FindValue("lif1:0")), (std::vector<int64_t>{2, 8, 8, 4}));
  EXPECT_EQ(Dims(g, *g.FindValue("pool:0")), (std::vector<int64_t>{2, 4, 4, 4}));
  EXPECT_EQ(Dims(g, c2_), (std::vector<int64_t>{2, 4, 4, 8}));
  EXPECT_EQ(Dims(g, gap_), (std::vector<int64_t>{2, 1, 1, 8}));
  EXPECT_EQ(Dims(g, *g.FindValue("gap:0.nchw")), (std::vector<int64_t>{2, 8, 1, 1}));
  EXPECT_EQ(g.value(NodeNamed(g, "flatten").inputs[0]).name, "gap:0.nchw");
  EXPECT_EQ(g.outputs(), std::vector<ValueId>{y_});
  EXPECT_EQ(Dims(g, y_), (std::vector<int64_t>{2, 10}));
  EXPECT_EQ(g.value(NodeNamed(g, "conv1").inputs[0]).name, "x.nhwc");
}

TEST_F(LayoutChainTest, ConvWeightBecomesKrsc) {
  Graph& g = b_.graph();
  ASSERT_OK(ConvertToNhwc(g, AllSupported).status());
  // Only conv2 read it: re-laid out in place.
  EXPECT_EQ(NodeNamed(g, "conv2").inputs[1], w2_);
  const Tensor& t = *g.value(w2_).constant;
  ASSERT_EQ(t.dims(), (std::vector<int64_t>{8, 3, 3, 4}));
  EXPECT_EQ(Dims(g, w2_), t.dims());
  for (int64_t k = 0; k < 8; ++k) {
    for (int64_t r = 0; r < 3; ++r) {
      for (int64_t s = 0; s < 3; ++s) {
        for (int64_t c = 0; c < 4; ++c) {
          const float want = static_cast<float>(((k * 4 + c) * 3 + r) * 3 + s);
          ASSERT_EQ(t.data<float>()[((k * 3 + r) * 3 + s) * 4 + c], want);
        }
      }
    }
  }
  // The geometry that selection and the plan report reads the NHWC dims.
  ASSERT_OK_AND_ASSIGN(ConvGeometry geo, ReadConvGeometry(g, NodeNamed(g, "conv2")));
  EXPECT_EQ(geo.h, 4);
  EXPECT_EQ(geo.w, 4);
  EXPECT_EQ(geo.kernel_hw, (std::array<int64_t, 2>{3, 3}));
  EXPECT_EQ(LogicalDims(NodeNamed(g, "conv2"), Dims(g, c2_)),
            (std::vector<int64_t>{2, 8, 4, 4}));
}

TEST_F(LayoutChainTest, NothingSupportedLeavesTheGraph) {
  Graph& g = b_.graph();
  const int nodes = g.num_nodes();
  ASSERT_OK_AND_ASSIGN(int converted,
                       ConvertToNhwc(g, [](const Graph&, const Node&) { return false; }));
  EXPECT_EQ(converted, 0);
  EXPECT_EQ(g.num_nodes(), nodes);
  EXPECT_EQ(Dims(g, c2_), (std::vector<int64_t>{2, 8, 4, 4}));
  EXPECT_TRUE(Transposes(g).empty());
}

TEST(LayoutTest, ResidualAddAndChannelConstantsPassThrough) {
  GraphBuilder b;
  ValueId x = b.Input("x", {1, 4, 6, 6});
  ValueId c1 = b.Conv("conv1", x, 4, 3);
  ValueId s1 = b.Lif("lif1", c1);
  ValueId c2 = b.Conv("conv2", s1, 4, 3);
  ValueId add = b.Same(OpType::kAdd, "add", {c2, s1});
  // A per-channel [C,1,1] constant and a scalar.
  ValueId bias = b.Const("bias", {4, 1, 1}, 0.0f);
  Tensor& bt = *b.graph().value(bias).constant;
  for (int i = 0; i < 4; ++i) bt.data<float>()[i] = static_cast<float>(i);
  ValueId shifted = b.Same(OpType::kSub, "sub", {add, bias});
  ValueId half = b.Const("half", {}, 0.5f);
  ValueId scaled = b.Same(OpType::kMul, "mul", {shifted, half});
  ValueId s2 = b.Lif("lif2", scaled);
  Graph& g = b.graph();
  g.AddOutput(s2);

  ASSERT_OK_AND_ASSIGN(int converted, ConvertToNhwc(g, AllSupported));
  EXPECT_EQ(converted, 2);
  ASSERT_OK(VerifyGraph(g));
  // In at x, out at the graph output lif2, which keeps its id, name and NCHW.
  EXPECT_THAT(Transposes(g), ::testing::UnorderedElementsAre("x -> x.nhwc 0231",
                                                             "lif2:0.nhwc -> lif2:0 0312"));
  EXPECT_EQ(g.outputs(), std::vector<ValueId>{s2});
  EXPECT_EQ(g.value(s2).name, "lif2:0");
  EXPECT_EQ(Dims(g, s2), (std::vector<int64_t>{1, 4, 6, 6}));
  EXPECT_EQ(g.value(NodeNamed(g, "lif2").outputs[0]).name, "lif2:0.nhwc");
  EXPECT_EQ(Dims(g, add), (std::vector<int64_t>{1, 6, 6, 4}));
  EXPECT_EQ(NodeNamed(g, "add").inputs, (std::vector<ValueId>{c2, s1}));
  // The [C,1,1] constant now broadcasts over channels-last: [1,1,1,C], same order.
  const Tensor& nb = *g.value(NodeNamed(g, "sub").inputs[1]).constant;
  EXPECT_EQ(nb.dims(), (std::vector<int64_t>{1, 1, 1, 4}));
  for (int i = 0; i < 4; ++i) EXPECT_EQ(nb.data<float>()[i], static_cast<float>(i));
  EXPECT_EQ(NodeNamed(g, "mul").inputs[1], half);  // the scalar is untouched
  EXPECT_EQ(Dims(g, half), std::vector<int64_t>{});
}

TEST(LayoutTest, ConcatOnChannelsBecomesAxis3) {
  GraphBuilder b;
  ValueId x = b.Input("x", {1, 3, 5, 5});
  ValueId c1 = b.Conv("conv1", x, 2, 1);
  ValueId c2 = b.Conv("conv2", x, 6, 3);
  Attrs axis;
  axis.Set("axis", int64_t{1});
  ValueId cat = b.Op(OpType::kConcat, "cat", {c1, c2}, {1, 8, 5, 5}, axis);
  ValueId c3 = b.Conv("conv3", cat, 4, 3);
  // Softmax reads the conv output twice over two nodes: one Transpose back.
  Attrs ax;
  ax.Set("axis", int64_t{1});
  ValueId sm = b.Same(OpType::kSoftmax, "softmax", {c3}, ax);
  ValueId rs = b.Op(OpType::kReshape, "reshape", {c3, b.Const("shape", {2}, 0.0f)}, {4, 25});
  Graph& g = b.graph();
  g.AddOutput(sm);
  g.AddOutput(rs);

  ASSERT_OK_AND_ASSIGN(int converted, ConvertToNhwc(g, AllSupported));
  EXPECT_EQ(converted, 3);
  ASSERT_OK(VerifyGraph(g));
  // x is read channels-last by two convs through one Transpose.
  EXPECT_THAT(Transposes(g), ::testing::UnorderedElementsAre("x -> x.nhwc 0231",
                                                             "conv3:0 -> conv3:0.nchw 0312"));
  const Node& concat = NodeNamed(g, "cat");
  EXPECT_EQ(concat.attrs.GetInt("axis").value(), 3);
  EXPECT_FALSE(concat.channels_last);
  EXPECT_EQ(Dims(g, cat), (std::vector<int64_t>{1, 5, 5, 8}));
  EXPECT_EQ(NodeNamed(g, "softmax").inputs[0], NodeNamed(g, "reshape").inputs[0]);
  EXPECT_EQ(Dims(g, sm), (std::vector<int64_t>{1, 4, 5, 5}));
}

TEST(LayoutTest, SharedWeightGetsOneCopy) {
  GraphBuilder b;
  ValueId x = b.Input("x", {1, 2, 4, 4});
  ValueId c1 = b.Conv("conv1", x, 2, 3);
  Graph& g = b.graph();
  const ValueId w = g.node(0).inputs[1];
  ValueId c2 = b.Op(OpType::kConv, "conv2", {c1, w}, {1, 2, 4, 4}, g.node(0).attrs);
  g.AddOutput(c2);
  g.AddOutput(w);  // the user also reads the NCHW weight

  ASSERT_OK(ConvertToNhwc(g, AllSupported).status());
  ASSERT_OK(VerifyGraph(g));
  const ValueId w_nhwc = NodeNamed(g, "conv1").inputs[1];
  EXPECT_NE(w_nhwc, w);
  EXPECT_EQ(NodeNamed(g, "conv2").inputs[1], w_nhwc);
  EXPECT_EQ(g.value(w_nhwc).name, "conv1.weight.nhwc");
  EXPECT_EQ(Dims(g, w), (std::vector<int64_t>{2, 2, 3, 3}));
}

TEST(LayoutTest, NonConstantWeightStaysNchw) {
  GraphBuilder b;
  ValueId x = b.Input("x", {1, 2, 4, 4});
  ValueId w = b.Input("w", {2, 2, 3, 3});
  Attrs a;
  a.Set("kernel_shape", std::vector<int64_t>{3, 3});
  a.Set("pads", std::vector<int64_t>{1, 1, 1, 1});
  ValueId y = b.Op(OpType::kConv, "conv", {x, w}, {1, 2, 4, 4}, a);
  b.graph().AddOutput(y);
  ASSERT_OK_AND_ASSIGN(int converted, ConvertToNhwc(b.graph(), AllSupported));
  EXPECT_EQ(converted, 0);
  EXPECT_FALSE(b.graph().node(0).channels_last);
}

}  // namespace
}  // namespace sf
