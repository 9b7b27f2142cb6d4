#include "graph/shape_inference.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "tests/graph/test_graphs.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::AddInput;
using ::sf::testing::AddInt64s;
using ::sf::testing::AddOp;
using ::sf::testing::S;
using ::sf::testing::StatusIs;
using ::testing::HasSubstr;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
constexpr int64_t kIntMax = std::numeric_limits<int64_t>::max();

Attrs A(std::initializer_list<std::pair<std::string, AttrValue>> kv) {
  Attrs a;
  for (const auto& [k, v] : kv) a.Set(k, v);
  return a;
}
using Ints = std::vector<int64_t>;

// Infers the single node of a test graph and returns its first output's shape text.
std::string InferOne(Graph& g, ValueId out) {
  absl::Status s = InferShapes(g);
  if (!s.ok()) return std::string(s.message());
  return ShapeToString(g.value(out).shape);
}

ValueId Weight(Graph& g, const std::string& name, std::vector<int64_t> dims) {
  return g.AddConstant(name, Tensor::Create(DataType::kFloat32, std::move(dims)).value());
}

TEST(ShapeInferenceTest, EveryOpButConstantHasAShapeFunction) {
  for (int i = 0; i < kNumOpTypes; ++i) {
    const OpType op = static_cast<OpType>(i);
    EXPECT_EQ(HasShapeInference(op), op != OpType::kConstant) << ToString(op);
  }
}

TEST(ShapeInferenceTest, SymbolicBatchThroughConvNet) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"N", "3", "32", "32"}));
  ValueId c1 = AddOp(g, OpType::kConv, "conv_1", {x, Weight(g, "w1", {16, 3, 3, 3})},
                     A({{"pads", Ints{1, 1, 1, 1}}}));
  ValueId r = AddOp(g, OpType::kRelu, "relu_1", {c1});
  ValueId p = AddOp(g, OpType::kMaxPool, "pool_1", {r},
                    A({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}));
  ValueId c2 = AddOp(g, OpType::kConv, "conv_2",
                     {p, Weight(g, "w2", {32, 16, 3, 3}), Weight(g, "b2", {32})},
                     A({{"strides", Ints{2, 2}}}));
  ValueId gap = AddOp(g, OpType::kGlobalAveragePool, "gap", {c2});
  ValueId f = AddOp(g, OpType::kFlatten, "flatten", {gap});
  ValueId y = AddOp(g, OpType::kGemm, "fc", {f, Weight(g, "wf", {10, 32}), Weight(g, "bf", {10})},
                    A({{"transB", int64_t{1}}}));
  ASSERT_OK(InferShapes(g));
  EXPECT_EQ(ShapeToString(g.value(c1).shape), "[N,16,32,32]");
  EXPECT_EQ(ShapeToString(g.value(p).shape), "[N,16,16,16]");
  EXPECT_EQ(ShapeToString(g.value(c2).shape), "[N,32,7,7]");
  EXPECT_EQ(ShapeToString(g.value(gap).shape), "[N,32,1,1]");
  EXPECT_EQ(ShapeToString(g.value(f).shape), "[N,32]");
  EXPECT_EQ(ShapeToString(g.value(y).shape), "[N,10]");
  EXPECT_EQ(g.value(y).dtype, DataType::kFloat32);
}

TEST(ShapeInferenceTest, ConvChannelMismatchNamesNode) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"N", "4", "8", "8"}));
  AddOp(g, OpType::kConv, "conv_3", {x, Weight(g, "w", {8, 3, 3, 3})});
  EXPECT_THAT(InferShapes(g),
              StatusIs(kInvalid, HasSubstr("node 'conv_3' (Conv): X has 4 channels")));
}

TEST(ShapeInferenceTest, ConvGroupBiasRankAndEmptyOutputErrors) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"1", "4", "8", "8"}));
  ValueId grouped = AddOp(g, OpType::kConv, "dw", {x, Weight(g, "w", {4, 1, 3, 3})},
                          A({{"group", int64_t{4}}}));
  EXPECT_EQ(InferOne(g, grouped), "[1,4,6,6]");
  g.node(0).attrs.Set("group", int64_t{3});
  EXPECT_THAT(InferShapes(g), StatusIs(kInvalid, HasSubstr("'dw'")));

  Graph g2;
  x = AddInput(g2, "x", S({"1", "3", "8", "8"}));
  AddOp(g2, OpType::kConv, "c", {x, Weight(g2, "w", {6, 1, 3, 3})}, A({{"group", int64_t{3}}}));
  EXPECT_OK(InferShapes(g2));
  g2.node(0).attrs.Set("group", int64_t{1});
  EXPECT_THAT(InferShapes(g2), StatusIs(kInvalid, HasSubstr("X has 3 channels")));
  g2.node(0).inputs[1] = Weight(g2, "w5", {5, 1, 3, 3});
  g2.node(0).attrs.Set("group", int64_t{3});
  EXPECT_THAT(InferShapes(g2), StatusIs(kInvalid, HasSubstr("not divisible by group 3")));
  g2.node(0).inputs[1] = Weight(g2, "w6", {6, 1, 3, 3});
  g2.node(0).inputs.push_back(Weight(g2, "b", {5}));
  EXPECT_THAT(InferShapes(g2), StatusIs(kInvalid, HasSubstr("bias size")));
  g2.node(0).inputs.pop_back();
  g2.node(0).inputs[1] = Weight(g2, "big", {6, 1, 9, 9});
  EXPECT_THAT(InferShapes(g2), StatusIs(kInvalid, HasSubstr("output size 0 <= 0")));

  Graph g3;
  x = AddInput(g3, "x", S({"1", "3", "8"}));
  AddOp(g3, OpType::kConv, "conv1d", {x, Weight(g3, "w", {2, 3, 3})});
  EXPECT_THAT(InferShapes(g3),
              StatusIs(kInvalid, HasSubstr("node 'conv1d' (Conv): X must be 4-D")));
}

TEST(ShapeInferenceTest, ConvAutoPadAndDilation) {
  struct Case {
    std::string auto_pad;
    Ints strides, dilations;
    std::string expected;
  };
  const Case cases[] = {
      {"SAME_UPPER", {2, 2}, {1, 1}, "[1,2,5,4]"},
      {"SAME_LOWER", {1, 1}, {1, 1}, "[1,2,10,7]"},
      {"VALID", {1, 1}, {1, 1}, "[1,2,8,5]"},
      {"VALID", {2, 3}, {1, 1}, "[1,2,4,2]"},
      {"NOTSET", {1, 1}, {2, 2}, "[1,2,6,3]"},
  };
  for (const Case& c : cases) {
    Graph g;
    ValueId x = AddInput(g, "x", S({"1", "3", "10", "7"}));
    ValueId y = AddOp(g, OpType::kConv, "conv", {x, Weight(g, "w", {2, 3, 3, 3})},
                      A({{"auto_pad", c.auto_pad}, {"strides", c.strides},
                         {"dilations", c.dilations}}));
    EXPECT_EQ(InferOne(g, y), c.expected) << c.auto_pad;
  }
}

TEST(ShapeInferenceTest, PoolCeilMode) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"N", "3", "7", "6"}));
  ValueId floor = AddOp(g, OpType::kMaxPool, "floor", {x},
                        A({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}}}));
  ValueId ceil = AddOp(g, OpType::kAveragePool, "ceil", {x},
                       A({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}},
                          {"ceil_mode", int64_t{1}}}));
  // PyTorch rule: the last window must start inside the input or left padding.
  ValueId edge = AddOp(g, OpType::kMaxPool, "edge", {x},
                       A({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}},
                          {"pads", Ints{1, 1, 1, 1}}, {"ceil_mode", int64_t{1}}}));
  ValueId same = AddOp(g, OpType::kMaxPool, "same", {x},
                       A({{"kernel_shape", Ints{3, 3}}, {"strides", Ints{2, 2}},
                          {"auto_pad", std::string("SAME_UPPER")}}));
  ValueId x5 = AddInput(g, "x5", S({"1", "1", "5", "5"}));
  ValueId dropped = AddOp(g, OpType::kMaxPool, "dropped", {x5},
                          A({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{2, 2}},
                             {"pads", Ints{1, 1, 1, 1}}, {"ceil_mode", int64_t{1}}}));
  ASSERT_OK(InferShapes(g));
  EXPECT_EQ(ShapeToString(g.value(dropped).shape), "[1,1,3,3]");
  EXPECT_EQ(ShapeToString(g.value(floor).shape), "[N,3,3,3]");
  EXPECT_EQ(ShapeToString(g.value(ceil).shape), "[N,3,4,3]");
  EXPECT_EQ(ShapeToString(g.value(edge).shape), "[N,3,4,4]");
  EXPECT_EQ(ShapeToString(g.value(same).shape), "[N,3,4,3]");
}

TEST(ShapeInferenceTest, PoolErrors) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"1", "3", "4", "4"}));
  AddOp(g, OpType::kMaxPool, "pool_7", {x}, A({{"kernel_shape", Ints{2}}}));
  EXPECT_THAT(InferShapes(g), StatusIs(kInvalid, HasSubstr("'pool_7'")));
  g.node(0).attrs = A({{"kernel_shape", Ints{2, 2}}, {"auto_pad", std::string("BAD")}});
  EXPECT_THAT(InferShapes(g), StatusIs(kInvalid, HasSubstr("unknown auto_pad 'BAD'")));
  g.node(0).attrs = A({{"kernel_shape", Ints{2, 2}}, {"strides", Ints{0, 1}}});
  EXPECT_THAT(InferShapes(g), StatusIs(kInvalid, HasSubstr("'strides' value 0")));
}

TEST(ShapeInferenceTest, Broadcasting) {
  struct Case {
    Shape a, b;
    std::string expected;
  };
  const Case cases[] = {
      {S({"N", "3", "1"}), S({"4"}), "[N,3,4]"},
      {S({"N", "1"}), S({"N", "5"}), "[N,5]"},
      {S({"1", "T"}), S({"N", "1"}), "[N,T]"},
      {S({"N"}), S({"M"}), "[?]"},
      {S({"N"}), S({"7"}), "[7]"},
      {S({}), S({"2", "3"}), "[2,3]"},
  };
  for (const Case& c : cases) {
    Graph g;
    ValueId y = AddOp(g, OpType::kAdd, "add", {AddInput(g, "a", c.a), AddInput(g, "b", c.b)});
    EXPECT_EQ(InferOne(g, y), c.expected);
  }
  Graph g;
  AddOp(g, OpType::kMul, "mul_9", {AddInput(g, "a", S({"2", "3"})), AddInput(g, "b", S({"4"}))});
  EXPECT_THAT(InferShapes(g),
              StatusIs(kInvalid, HasSubstr("node 'mul_9' (Mul): shapes [2,3] and [4] do not")));
}

TEST(ShapeInferenceTest, ComparisonWhereAndDtypeMismatch) {
  Graph g;
  ValueId a = AddInput(g, "a", S({"N", "4"}));
  ValueId b = AddInput(g, "b", S({"4"}));
  ValueId lt = AddOp(g, OpType::kLess, "lt", {a, b});
  ValueId w = AddOp(g, OpType::kWhere, "where", {lt, a, b});
  ValueId n = AddOp(g, OpType::kNot, "not", {lt});
  ASSERT_OK(InferShapes(g));
  EXPECT_EQ(g.value(lt).dtype, DataType::kBool);
  EXPECT_EQ(g.value(n).dtype, DataType::kBool);
  EXPECT_EQ(g.value(w).dtype, DataType::kFloat32);
  EXPECT_EQ(ShapeToString(g.value(w).shape), "[N,4]");

  Graph g2;
  AddOp(g2, OpType::kSub, "sub",
        {AddInput(g2, "a", S({"2"})), AddInput(g2, "i", S({"2"}), DataType::kInt64)});
  EXPECT_THAT(InferShapes(g2), StatusIs(kInvalid, HasSubstr("have different dtypes")));
}

TEST(ShapeInferenceTest, UnaryCastClipDropoutSoftmaxBatchNorm) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"N", "3", "5", "5"}));
  ValueId e = AddOp(g, OpType::kSigmoid, "sig", {x});
  ValueId c = AddOp(g, OpType::kCast, "cast", {e}, A({{"to", int64_t{11}}}));
  ValueId clip = AddOp(g, OpType::kClip, "clip",
                       {x, g.AddConstant("lo", Tensor::Scalar(0)), kNoValue});
  ValueId d = AddOp(g, OpType::kDropout, "drop", {clip}, {}, {"d", "mask"});
  ValueId sm = AddOp(g, OpType::kSoftmax, "sm", {d}, A({{"axis", int64_t{-1}}}));
  ValueId bn = AddOp(g, OpType::kBatchNormalization, "bn",
                     {sm, Weight(g, "s", {3}), Weight(g, "bb", {3}), Weight(g, "m", {3}),
                      Weight(g, "v", {3})});
  ASSERT_OK(InferShapes(g));
  EXPECT_EQ(g.value(c).dtype, DataType::kFloat64);
  EXPECT_EQ(ShapeToString(g.value(c).shape), "[N,3,5,5]");
  EXPECT_EQ(g.value(*g.FindValue("mask")).dtype, DataType::kBool);
  EXPECT_EQ(ShapeToString(g.value(bn).shape), "[N,3,5,5]");
  g.node(4).attrs.Set("axis", int64_t{4});
  EXPECT_THAT(InferShapes(g), StatusIs(kInvalid, HasSubstr("'sm' (Softmax): axis 4 is out")));
  g.node(4).attrs.Set("axis", int64_t{1});
  g.node(5).inputs[1] = Weight(g, "s4", {4});
  EXPECT_THAT(InferShapes(g), StatusIs(kInvalid, HasSubstr("'bn'")));
}

TEST(ShapeInferenceTest, NeuronStepsDivideFirstDim) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"8", "16"}));
  ValueId y = AddOp(g, OpType::kLIF, "lif_2", {x}, A({{"steps", int64_t{4}}}));
  EXPECT_EQ(InferOne(g, y), "[8,16]");
  g.node(0).attrs.Set("steps", int64_t{3});
  EXPECT_THAT(InferShapes(g), StatusIs(kInvalid, HasSubstr("node 'lif_2' (LIF): first dim 8 is "
                                                           "not divisible by steps 3")));
  Graph g2;
  y = AddOp(g2, OpType::kIF, "if", {AddInput(g2, "x", S({"TN", "4"}))}, A({{"steps", int64_t{4}}}));
  EXPECT_EQ(InferOne(g2, y), "[TN,4]");
}

TEST(ShapeInferenceTest, MatMulAndGemm) {
  struct Case {
    Shape a, b;
    std::string expected;
  };
  const Case cases[] = {
      {S({"N", "3", "4"}), S({"4", "5"}), "[N,3,5]"},
      {S({"4"}), S({"4", "5"}), "[5]"},
      {S({"2", "3", "4"}), S({"4"}), "[2,3]"},
      {S({"4"}), S({"4"}), "[]"},
      {S({"2", "1", "3", "4"}), S({"7", "4", "6"}), "[2,7,3,6]"},
  };
  for (const Case& c : cases) {
    Graph g;
    ValueId y = AddOp(g, OpType::kMatMul, "mm", {AddInput(g, "a", c.a), AddInput(g, "b", c.b)});
    EXPECT_EQ(InferOne(g, y), c.expected);
  }
  Graph g;
  AddOp(g, OpType::kMatMul, "mm_4", {AddInput(g, "a", S({"3", "4"})), AddInput(g, "b", S({"5", "6"}))});
  EXPECT_THAT(InferShapes(g), StatusIs(kInvalid, HasSubstr("'mm_4' (MatMul): MatMul K mismatch")));

  Graph g2;
  ValueId y = AddOp(g2, OpType::kGemm, "gemm",
                    {AddInput(g2, "a", S({"4", "N"})), Weight(g2, "b", {4, 6})},
                    A({{"transA", int64_t{1}}}));
  EXPECT_EQ(InferOne(g2, y), "[N,6]");
}

TEST(ShapeInferenceTest, Reduce) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"N", "3", "4"}));
  ValueId keep = AddOp(g, OpType::kReduceMean, "keep", {x}, A({{"axes", Ints{-1}}}));
  ValueId drop = AddOp(g, OpType::kReduceSum, "drop", {x},
                       A({{"axes", Ints{1, 2}}, {"keepdims", int64_t{0}}}));
  ValueId all = AddOp(g, OpType::kReduceSum, "all", {x}, A({{"keepdims", int64_t{0}}}));
  ValueId noop = AddOp(g, OpType::kReduceSum, "noop", {x},
                       A({{"noop_with_empty_axes", int64_t{1}}}));
  ASSERT_OK(InferShapes(g));
  EXPECT_EQ(ShapeToString(g.value(keep).shape), "[N,3,1]");
  EXPECT_EQ(ShapeToString(g.value(drop).shape), "[N]");
  EXPECT_EQ(ShapeToString(g.value(all).shape), "[]");
  EXPECT_EQ(ShapeToString(g.value(noop).shape), "[N,3,4]");
}

TEST(ShapeInferenceTest, ReshapeMinusOneAndZero) {
  struct Case {
    Shape in;
    Ints target;
    std::string expected;
  };
  const Case cases[] = {
      {S({"2", "3", "4"}), {0, -1}, "[2,12]"},
      {S({"N", "3", "4", "4"}), {0, -1}, "[N,48]"},
      {S({"N", "3", "4", "4"}), {-1, 48}, "[N,48]"},
      {S({"N", "3", "4", "4"}), {-1, 16}, "[?,16]"},
      {S({"2", "3", "4"}), {4, 0, -1}, "[4,3,2]"},
      {S({"N", "12"}), {0, 3, 4}, "[N,3,4]"},
  };
  for (const Case& c : cases) {
    Graph g;
    ValueId y = AddOp(g, OpType::kReshape, "reshape",
                      {AddInput(g, "x", c.in), AddInt64s(g, "shape", c.target)});
    EXPECT_EQ(InferOne(g, y), c.expected);
  }
  Graph g;
  ValueId x = AddInput(g, "x", S({"2", "3"}));
  AddOp(g, OpType::kReshape, "reshape_5", {x, AddInt64s(g, "s1", {4, -1})});
  EXPECT_THAT(InferShapes(g), StatusIs(kInvalid, HasSubstr("node 'reshape_5' (Reshape): cannot")));
  g.node(0).inputs[1] = AddInt64s(g, "s2", {-1, -1});
  EXPECT_THAT(InferShapes(g), StatusIs(kInvalid, HasSubstr("more than one -1")));
  g.node(0).inputs[1] = AddInt64s(g, "s3", {5});
  EXPECT_THAT(InferShapes(g), StatusIs(kInvalid, HasSubstr("(6 elements)")));
  // Non-constant shape: rank from the shape input's length.
  g.node(0).inputs[1] = AddInput(g, "dyn", S({"3"}), DataType::kInt64);
  EXPECT_EQ(InferOne(g, g.node(0).outputs[0]), "[?,?,?]");
}

TEST(ShapeInferenceTest, ReshapeAllowZero) {
  Graph g;
  ValueId y = AddOp(g, OpType::kReshape, "r",
                    {AddInput(g, "x", S({"0", "3"})), AddInt64s(g, "s", {3, 0})},
                    A({{"allowzero", int64_t{1}}}));
  EXPECT_EQ(InferOne(g, y), "[3,0]");
}

TEST(ShapeInferenceTest, TransposeSqueezeUnsqueezeFlatten) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"N", "1", "4", "1"}));
  ValueId t = AddOp(g, OpType::kTranspose, "t", {x}, A({{"perm", Ints{2, 0, 3, 1}}}));
  ValueId rev = AddOp(g, OpType::kTranspose, "rev", {x});
  ValueId sq = AddOp(g, OpType::kSqueeze, "sq", {x}, A({{"axes", Ints{1, -1}}}));
  ValueId un = AddOp(g, OpType::kUnsqueeze, "un", {sq}, A({{"axes", Ints{0, -1}}}));
  ValueId fl = AddOp(g, OpType::kFlatten, "fl", {x}, A({{"axis", int64_t{2}}}));
  ValueId fl0 = AddOp(g, OpType::kFlatten, "fl0", {x}, A({{"axis", int64_t{0}}}));
  ASSERT_OK(InferShapes(g));
  EXPECT_EQ(ShapeToString(g.value(t).shape), "[4,N,1,1]");
  EXPECT_EQ(ShapeToString(g.value(rev).shape), "[1,4,1,N]");
  EXPECT_EQ(ShapeToString(g.value(sq).shape), "[N,4]");
  EXPECT_EQ(ShapeToString(g.value(un).shape), "[1,N,4,1]");
  EXPECT_EQ(ShapeToString(g.value(fl).shape), "[N,4]");
  EXPECT_EQ(ShapeToString(g.value(fl0).shape), "[1,?]");
  g.node(2).attrs.Set("axes", Ints{2});
  EXPECT_THAT(InferShapes(g), StatusIs(kInvalid, HasSubstr("'sq' (Squeeze): cannot squeeze axis 2")));
  g.node(2).attrs.Set("axes", Ints{1});
  g.node(0).attrs.Set("perm", Ints{0, 0, 1, 2});
  EXPECT_THAT(InferShapes(g), StatusIs(kInvalid, HasSubstr("'t' (Transpose): perm is not")));
}

TEST(ShapeInferenceTest, Concat) {
  Graph g;
  ValueId a = AddInput(g, "a", S({"N", "2", "5"}));
  ValueId b = AddInput(g, "b", S({"N", "3", "5"}));
  ValueId y = AddOp(g, OpType::kConcat, "cat", {a, b}, A({{"axis", int64_t{-2}}}));
  EXPECT_EQ(InferOne(g, y), "[N,5,5]");
  g.node(0).inputs[1] = AddInput(g, "c", S({"N", "3", "6"}));
  EXPECT_THAT(InferShapes(g), StatusIs(kInvalid, HasSubstr("'cat' (Concat): non-axis dim")));
}

TEST(ShapeInferenceTest, SliceConstantNegativeAndClamped) {
  struct Case {
    Ints starts, ends, axes, steps;
    std::string expected;
  };
  const Case cases[] = {
      {{1}, {kIntMax}, {1}, {1}, "[N,9,8]"},
      {{-3}, {-1}, {2}, {1}, "[N,10,2]"},
      {{-1}, {std::numeric_limits<int64_t>::min()}, {1}, {-1}, "[N,10,8]"},
      {{0, 0}, {kIntMax, 8}, {0, 2}, {1, 3}, "[N,10,3]"},
      {{8}, {2}, {1}, {-2}, "[N,3,8]"},
      {{5}, {2}, {1}, {1}, "[N,0,8]"},
      {{1}, {kIntMax}, {0}, {1}, "[?,10,8]"},
  };
  for (const Case& c : cases) {
    Graph g;
    ValueId y = AddOp(g, OpType::kSlice, "slice",
                      {AddInput(g, "x", S({"N", "10", "8"})), AddInt64s(g, "s", c.starts),
                       AddInt64s(g, "e", c.ends), AddInt64s(g, "a", c.axes),
                       AddInt64s(g, "st", c.steps)});
    EXPECT_EQ(InferOne(g, y), c.expected);
  }
  Graph g;
  ValueId y = AddOp(g, OpType::kSlice, "slice_dyn",
                    {AddInput(g, "x", S({"N", "10"})), AddInput(g, "s", S({"1"}), DataType::kInt64),
                     AddInt64s(g, "e", {3})});
  EXPECT_EQ(InferOne(g, y), "[?,?]");
  g.node(0).inputs[1] = AddInt64s(g, "s0", {0});
  g.node(0).inputs.push_back(AddInt64s(g, "ax", {0}));
  g.node(0).inputs.push_back(AddInt64s(g, "zero", {0}));
  EXPECT_THAT(InferShapes(g), StatusIs(kInvalid, HasSubstr("'slice_dyn' (Slice): slice step is 0")));
}

TEST(ShapeInferenceTest, GatherPadExpand) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"N", "5", "6"}));
  ValueId i = AddInput(g, "i", S({"2", "3"}), DataType::kInt64);
  ValueId ga = AddOp(g, OpType::kGather, "ga", {x, i}, A({{"axis", int64_t{1}}}));
  ValueId sc = AddOp(g, OpType::kGather, "sc", {x, g.AddConstant("k", Tensor::FromVector<int64_t>({}, {0}))},
                     A({{"axis", int64_t{-1}}}));
  ValueId pd = AddOp(g, OpType::kPad, "pd", {x, AddInt64s(g, "pads", {0, 1, 2, 0, -1, 3})});
  ValueId ex = AddOp(g, OpType::kExpand, "ex", {g.AddConstant("one", Tensor::Scalar(1)),
                                                AddInt64s(g, "shape", {2, 1, 4})});
  ValueId ex2 = AddOp(g, OpType::kExpand, "ex2", {x, AddInt64s(g, "shape2", {3, 1, 1, 1})});
  ASSERT_OK(InferShapes(g));
  EXPECT_EQ(ShapeToString(g.value(ga).shape), "[N,2,3,6]");
  EXPECT_EQ(ShapeToString(g.value(sc).shape), "[N,5]");
  EXPECT_EQ(ShapeToString(g.value(pd).shape), "[N,5,11]");
  EXPECT_EQ(ShapeToString(g.value(ex).shape), "[2,1,4]");
  EXPECT_EQ(ShapeToString(g.value(ex2).shape), "[3,N,5,6]");
  g.node(2).inputs[1] = AddInt64s(g, "bad_pads", {0, 0, 0, 0, -6, 0});
  EXPECT_THAT(InferShapes(g), StatusIs(kInvalid, HasSubstr("'pd' (Pad): padding axis 1")));
}

TEST(ShapeInferenceTest, ShapeAndConstantOfShape) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"N", "3", "4"}));
  ValueId s = AddOp(g, OpType::kShape, "s", {x});
  ValueId tail = AddOp(g, OpType::kShape, "tail", {x}, A({{"start", int64_t{-2}}}));
  Attrs value;
  value.Set("value", Tensor::FromVector<int64_t>({1}, {7}));
  ValueId c = AddOp(g, OpType::kConstantOfShape, "c", {AddInt64s(g, "dims", {2, 3})}, value);
  ValueId dyn = AddOp(g, OpType::kConstantOfShape, "dyn", {s});
  ASSERT_OK(InferShapes(g));
  EXPECT_EQ(g.value(s).dtype, DataType::kInt64);
  EXPECT_EQ(ShapeToString(g.value(s).shape), "[3]");
  EXPECT_EQ(ShapeToString(g.value(tail).shape), "[2]");
  EXPECT_EQ(g.value(c).dtype, DataType::kInt64);
  EXPECT_EQ(ShapeToString(g.value(c).shape), "[2,3]");
  EXPECT_EQ(g.value(dyn).dtype, DataType::kFloat32);
  EXPECT_EQ(ShapeToString(g.value(dyn).shape), "[?,?,?]");
}

TEST(ShapeInferenceTest, UnknownRankPropagates) {
  Graph g;
  ValueId x = g.AddValue("x", DataType::kFloat32);
  g.AddInput(x);
  ValueId r = AddOp(g, OpType::kRelu, "r", {x});
  ValueId c = AddOp(g, OpType::kConv, "c", {r, Weight(g, "w", {8, 3, 3, 3})});
  ASSERT_OK(InferShapes(g));
  EXPECT_EQ(ShapeToString(g.value(r).shape), "<unknown rank>");
  EXPECT_EQ(ShapeToString(g.value(c).shape), "[?,8,?,?]");
}

TEST(ShapeInferenceTest, ArityCheckedBeforeIndexing) {
  Graph g;
  AddOp(g, OpType::kConv, "conv_0", {AddInput(g, "x", S({"1", "1", "1", "1"}))});
  EXPECT_THAT(InferShapes(g), StatusIs(kInvalid, HasSubstr("'conv_0' (Conv) has 1 inputs")));
}

}  // namespace
}  // namespace sf
