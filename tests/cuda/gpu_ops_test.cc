// Every GPU op against its CPU reference kernel, on random inputs and many
// shapes (each test graph runs through CpuExecutor and GpuExecutor).
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::ExpectGpuMatchesCpu;
using ::sf::testing::OneNodeGraphBuilder;
using ::sf::testing::RandomTensor;
using ::sf::testing::RunGpu;
using ::sf::testing::StatusIs;
using ::testing::HasSubstr;
using Dims = std::vector<int64_t>;

constexpr double kFloatRtol = 1e-5, kFloatAtol = 1e-6;

// Numpy broadcast of two shapes (the test inputs are always compatible).
Dims Broadcast(Dims a, Dims b) {
  if (a.size() < b.size()) std::swap(a, b);
  Dims out = a;
  for (size_t i = 0; i < b.size(); ++i) {
    int64_t& o = out[a.size() - b.size() + i];
    if (o == 1) o = b[i];
  }
  return out;
}

TEST(GpuOpsTest, UnaryFloat) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(1);
  for (OpType op : {OpType::kRelu, OpType::kSigmoid, OpType::kTanh, OpType::kExp, OpType::kSqrt,
                    OpType::kFloor, OpType::kNeg, OpType::kAbs}) {
    for (const Dims& dims : {Dims{}, Dims{1}, Dims{7}, Dims{2, 3, 33, 5}}) {
      auto g = OneNodeGraphBuilder(op, "unary_0")
                   .Input(DataType::kFloat32, dims)
                   .Output(DataType::kFloat32, dims)
                   .Build();
      const double lo = op == OpType::kSqrt ? 0.0 : -4.0;
      ExpectGpuMatchesCpu(g.graph, {RandomTensor(DataType::kFloat32, dims, rng, lo, 4.0)},
                          kFloatRtol, kFloatAtol,
                          absl::StrCat(ToString(op), ShapeToString(dims)));
    }
  }
}

// The activations and rounding ops added for exported models (their CPU
// kernels are checked against ONNX's definitions in tests/cpu/elementwise_test.cc).
TEST(GpuOpsTest, UnaryActivations) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(11);
  const std::vector<std::pair<OpType, std::vector<std::pair<std::string, float>>>> ops = {
      {OpType::kCeil, {}},
      {OpType::kRound, {}},
      {OpType::kErf, {}},
      {OpType::kLog, {}},
      {OpType::kReciprocal, {}},
      {OpType::kSign, {}},
      {OpType::kSoftplus, {}},
      {OpType::kHardSwish, {}},
      {OpType::kLeakyRelu, {{"alpha", 0.02f}}},
      {OpType::kElu, {{"alpha", 1.3f}}},
      {OpType::kHardSigmoid, {{"alpha", 0.3f}, {"beta", 0.45f}}}};
  for (const auto& [op, attrs] : ops) {
    for (const Dims& dims : {Dims{}, Dims{7}, Dims{2, 3, 33, 5}}) {
      OneNodeGraphBuilder b(op, "unary_0");
      b.Input(DataType::kFloat32, dims).Output(DataType::kFloat32, dims);
      for (const auto& [k, v] : attrs) b.Attr(k, v);
      auto g = b.Build();
      const bool positive = op == OpType::kLog || op == OpType::kReciprocal;
      ExpectGpuMatchesCpu(g.graph,
                          {RandomTensor(DataType::kFloat32, dims, rng, positive ? 0.1 : -8.0, 8.0)},
                          kFloatRtol, kFloatAtol, absl::StrCat(ToString(op), ShapeToString(dims)));
    }
  }
}

TEST(GpuOpsTest, LayerNormalization) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(13);
  struct Case {
    Dims x;
    int64_t axis;
    Dims scale;
    bool bias;
  };
  for (const Case& c : std::vector<Case>{{{4, 7, 384}, -1, {384}, true},
                                         {{3, 5, 6}, 1, {5, 6}, true},
                                         {{3, 5, 6}, 1, {6}, false},
                                         {{2, 1000}, 1, {1}, true},
                                         {{65, 3}, -1, {1, 3}, true},
                                         {{1, 1}, 0, {1}, true}}) {
    OneNodeGraphBuilder b(OpType::kLayerNormalization, "ln");
    b.Input(DataType::kFloat32, c.x).Input(DataType::kFloat32, c.scale);
    if (c.bias) b.Input(DataType::kFloat32, c.scale);
    b.Output(DataType::kFloat32, c.x).Attr("axis", c.axis).Attr("epsilon", 1e-5f);
    auto g = b.Build();
    std::vector<Tensor> in = {RandomTensor(DataType::kFloat32, c.x, rng, -3.0, 5.0),
                              RandomTensor(DataType::kFloat32, c.scale, rng, -2.0, 2.0)};
    if (c.bias) in.push_back(RandomTensor(DataType::kFloat32, c.scale, rng, -1.0, 1.0));
    ExpectGpuMatchesCpu(g.graph, in, kFloatRtol, 1e-5,
                        absl::StrCat("LayerNorm ", ShapeToString(c.x)));
  }
}

TEST(GpuOpsTest, Split) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(14);
  struct Case {
    Dims x;
    int64_t axis;
    std::vector<int64_t> sizes;
    DataType t;
  };
  for (const Case& c : std::vector<Case>{{{2, 5, 3}, 1, {1, 0, 4}, DataType::kFloat32},
                                         {{6}, 0, {2, 2, 2}, DataType::kInt64},
                                         {{4, 3, 8, 8}, -1, {3, 5}, DataType::kFloat32},
                                         {{3, 7}, 0, {3}, DataType::kBool}}) {
    OneNodeGraphBuilder b(OpType::kSplit, "split");
    b.Input(c.t, c.x);
    const int axis =
        static_cast<int>(c.axis < 0 ? c.axis + static_cast<int64_t>(c.x.size()) : c.axis);
    for (int64_t s : c.sizes) {
      Dims y = c.x;
      y[axis] = s;
      b.Output(c.t, y);
    }
    auto g = b.Attr("axis", c.axis).Attr("split", c.sizes).Build();
    ExpectGpuMatchesCpu(g.graph, {RandomTensor(c.t, c.x, rng, -5, 5)}, 0, 0,
                        absl::StrCat("Split ", ShapeToString(c.x)));
  }
}

TEST(GpuOpsTest, PowBroadcasts) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(12);
  for (DataType t : {DataType::kFloat32, DataType::kFloat64}) {
    for (const auto& [a, b] : std::vector<std::pair<Dims, Dims>>{
             {{2, 3, 4}, {2, 3, 4}}, {{2, 8}, {}}, {{3, 1}, {1, 5}}}) {
      const Dims out = Broadcast(a, b);
      auto g =
          OneNodeGraphBuilder(OpType::kPow, "pow").Input(t, a).Input(t, b).Output(t, out).Build();
      ExpectGpuMatchesCpu(
          g.graph, {RandomTensor(t, a, rng, 0.1, 3.0), RandomTensor(t, b, rng, -2.0, 3.0)},
          kFloatRtol, 0, absl::StrCat("Pow ", ToString(t), ShapeToString(a), ShapeToString(b)));
    }
  }
  auto ints = OneNodeGraphBuilder(OpType::kPow, "pow_int")
                  .Input(DataType::kInt64, {2})
                  .Input(DataType::kInt64, {2})
                  .Output(DataType::kInt64, {2})
                  .Build();
  EXPECT_THAT(RunGpu(ints.graph, {RandomTensor(DataType::kInt64, {2}, rng, 1, 3),
                                  RandomTensor(DataType::kInt64, {2}, rng, 1, 3)})
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("float base")));
}

TEST(GpuOpsTest, UnaryIntegerAndBool) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(2);
  for (OpType op : {OpType::kNeg, OpType::kAbs}) {
    for (DataType t : {DataType::kInt32, DataType::kInt64, DataType::kFloat64}) {
      auto g = OneNodeGraphBuilder(op, "u").Input(t, {5, 6}).Output(t, {5, 6}).Build();
      ExpectGpuMatchesCpu(g.graph, {RandomTensor(t, {5, 6}, rng, -100, 100)}, 0, 0,
                          absl::StrCat(ToString(op), " ", ToString(t)));
    }
  }
  auto g = OneNodeGraphBuilder(OpType::kNot, "not")
               .Input(DataType::kBool, {9})
               .Output(DataType::kBool, {9})
               .Build();
  ExpectGpuMatchesCpu(g.graph, {RandomTensor(DataType::kBool, {9}, rng)}, 0, 0, "Not");
}

TEST(GpuOpsTest, BinaryBroadcasting) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(3);
  const std::vector<std::pair<Dims, Dims>> shapes = {
      {{2, 3, 4}, {2, 3, 4}},
      {{2, 3, 4}, {4}},
      {{2, 1, 4}, {3, 1}},
      {{}, {5}},
      {{1}, {2, 3}},
      {{4, 1, 3, 1}, {1, 5, 1, 6}},
      {{0, 3}, {3}},
      // One operand a single element, whole 16-byte vectors of the other: the vector kernel.
      {{2, 8}, {}},
      {{1}, {4, 6}},
      {{1, 1}, {3, 16}}};
  const OpType arithmetic[] = {OpType::kAdd, OpType::kSub, OpType::kMul, OpType::kDiv,
                               OpType::kMax, OpType::kMin};
  const OpType compare[] = {OpType::kEqual, OpType::kGreater, OpType::kGreaterOrEqual,
                            OpType::kLess, OpType::kLessOrEqual};
  for (DataType t : {DataType::kFloat32, DataType::kInt64, DataType::kInt32, DataType::kFloat64}) {
    for (const auto& [a, b] : shapes) {
      const Dims out = Broadcast(a, b);
      // Integers in [1, 9] (no division by zero), floats away from zero.
      const double lo = IsFloating(t) ? 0.5 : 1, hi = IsFloating(t) ? 3.0 : 9;
      for (OpType op : arithmetic) {
        auto g = OneNodeGraphBuilder(op, "bin").Input(t, a).Input(t, b).Output(t, out).Build();
        ExpectGpuMatchesCpu(g.graph, {RandomTensor(t, a, rng, lo, hi), RandomTensor(t, b, rng, lo, hi)},
                            IsFloating(t) ? kFloatRtol : 0, 0,
                            absl::StrCat(ToString(op), " ", ToString(t), ShapeToString(a),
                                         ShapeToString(b)));
      }
      for (OpType op : compare) {
        auto g = OneNodeGraphBuilder(op, "cmp")
                     .Input(t, a)
                     .Input(t, b)
                     .Output(DataType::kBool, out)
                     .Build();
        // Integers from a small range so that Equal is often true.
        ExpectGpuMatchesCpu(g.graph, {RandomTensor(t, a, rng, 0, 3), RandomTensor(t, b, rng, 0, 3)},
                            0, 0, absl::StrCat(ToString(op), " ", ToString(t), ShapeToString(a)));
      }
    }
  }
}

TEST(GpuOpsTest, VariadicSumMaxMin) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(4);
  for (OpType op : {OpType::kSum, OpType::kMax, OpType::kMin}) {
    for (int n : {1, 2, 3, 4}) {
      OneNodeGraphBuilder b(op, "var");
      const std::vector<Dims> shapes = {{2, 3, 4}, {3, 1}, {4}, {1, 1, 1}};
      std::vector<Tensor> inputs;
      Dims out;
      for (int i = 0; i < n; ++i) {
        b.Input(DataType::kFloat32, shapes[i]);
        inputs.push_back(RandomTensor(DataType::kFloat32, shapes[i], rng));
        out = i == 0 ? shapes[0] : Broadcast(out, shapes[i]);
      }
      auto g = b.Output(DataType::kFloat32, out).Build();
      ExpectGpuMatchesCpu(g.graph, inputs, kFloatRtol, kFloatAtol,
                          absl::StrCat(ToString(op), " x", n));
    }
  }
}

TEST(GpuOpsTest, WhereAndClipAndCast) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(5);
  auto where = OneNodeGraphBuilder(OpType::kWhere, "where")
                   .Input(DataType::kBool, {3, 1})
                   .Input(DataType::kFloat32, {2, 3, 4})
                   .Input(DataType::kFloat32, {4})
                   .Output(DataType::kFloat32, {2, 3, 4})
                   .Build();
  ExpectGpuMatchesCpu(where.graph,
                      {RandomTensor(DataType::kBool, {3, 1}, rng),
                       RandomTensor(DataType::kFloat32, {2, 3, 4}, rng),
                       RandomTensor(DataType::kFloat32, {4}, rng)},
                      0, 0, "Where");

  auto clip = OneNodeGraphBuilder(OpType::kClip, "clip")
                  .Input(DataType::kFloat32, {4, 50})
                  .ConstantInput(Tensor::Scalar(-0.25f))
                  .ConstantInput(Tensor::Scalar(0.5f))
                  .Output(DataType::kFloat32, {4, 50})
                  .Build();
  ExpectGpuMatchesCpu(clip.graph, {RandomTensor(DataType::kFloat32, {4, 50}, rng)}, 0, 0, "Clip");

  const DataType types[] = {DataType::kFloat32, DataType::kFloat64, DataType::kInt32,
                            DataType::kInt64, DataType::kBool};
  for (DataType from : types) {
    for (DataType to : types) {
      auto g = OneNodeGraphBuilder(OpType::kCast, "cast")
                   .Input(from, {3, 17})
                   .Output(to, {3, 17})
                   .Attr("to", int64_t{ToOnnx(to)})
                   .Build();
      ExpectGpuMatchesCpu(g.graph, {RandomTensor(from, {3, 17}, rng, -5.0, 5.0)}, 0, 0,
                          absl::StrCat("Cast ", ToString(from), " -> ", ToString(to)));
    }
  }
}

TEST(GpuOpsTest, PadConstantZero) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(61);
  struct PadCase {
    Dims pads, out;
  };
  const Dims in = {2, 3, 5, 4};
  for (const PadCase& c : std::vector<PadCase>{{{0, 0, 1, 1, 0, 0, 1, 1}, {2, 3, 7, 6}},
                                               {{0, 0, 0, 2, 0, 0, 3, 0}, {2, 3, 8, 6}},
                                               {{1, 0, 0, 0, 0, 2, 0, 0}, {3, 5, 5, 4}}}) {
    auto g = OneNodeGraphBuilder(OpType::kPad, "pad")
                 .Input(DataType::kFloat32, in)
                 .ConstantInput(Tensor::FromVector<int64_t>({8}, c.pads))
                 .Output(DataType::kFloat32, c.out)
                 .Attr("mode", std::string("constant"))
                 .Build();
    ExpectGpuMatchesCpu(g.graph, {RandomTensor(DataType::kFloat32, in, rng)}, 0, 0,
                        absl::StrCat("Pad ", ShapeToString(c.pads)));
  }
}

// Permutations that keep the innermost dim (attention heads), whose copies
// move 4-16 byte units (cuda/kernels/data_movement.cu, WidenCopy), and ones
// whose rows are not a whole number of units (element by element).
TEST(GpuOpsTest, TransposesKeepingTheLastDimMoveWholeUnits) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(29);
  struct Case {
    Dims in, perm;
    DataType type;
  };
  for (const Case& c : std::vector<Case>{{{2, 6, 3, 16}, {0, 2, 1, 3}, DataType::kInt32},
                                         {{3, 5, 7, 4}, {2, 0, 1, 3}, DataType::kFloat32},
                                         {{4, 3, 8}, {1, 0, 2}, DataType::kBool},
                                         {{5, 2, 3, 2}, {1, 0, 2, 3}, DataType::kInt64},
                                         {{2, 3, 5, 6}, {0, 2, 1, 3}, DataType::kInt32},
                                         {{3, 4, 5}, {1, 0, 2}, DataType::kFloat32},
                                         {{4, 3, 6}, {1, 0, 2}, DataType::kBool}}) {
    Dims out;
    for (int64_t p : c.perm) out.push_back(c.in[p]);
    auto g = OneNodeGraphBuilder(OpType::kTranspose, "tr")
                 .Input(c.type, c.in)
                 .Output(c.type, out)
                 .Attr("perm", c.perm)
                 .Build();
    const Tensor x = c.type == DataType::kFloat32 ? RandomTensor(c.type, c.in, rng)
                                                  : RandomTensor(c.type, c.in, rng, -1000, 1000);
    ExpectGpuMatchesCpu(g.graph, {x}, 0, 0,
                        absl::StrCat("Transpose ", ShapeToString(c.in), " by ",
                                     ShapeToString(c.perm), " ", ToString(c.type)));
  }
}

TEST(GpuOpsTest, TransposeSliceConcatExpand) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(6);
  for (const Dims& perm : {Dims{1, 0, 2}, Dims{2, 0, 1}, Dims{0, 2, 1}, Dims{2, 1, 0}}) {
    const Dims in = {3, 4, 5};
    const Dims out = {in[perm[0]], in[perm[1]], in[perm[2]]};
    auto g = OneNodeGraphBuilder(OpType::kTranspose, "tr")
                 .Input(DataType::kFloat32, in)
                 .Output(DataType::kFloat32, out)
                 .Attr("perm", perm)
                 .Build();
    ExpectGpuMatchesCpu(g.graph, {RandomTensor(DataType::kFloat32, in, rng)}, 0, 0,
                        absl::StrCat("Transpose ", ShapeToString(perm)));
  }
  // Permutations that only move size-1 axes keep the bytes (a copy, in place
  // when the memory plan allows: after a Relu whose output dies there).
  for (const Dims& perm : {Dims{0, 2, 3, 1}, Dims{1, 0, 2, 3}, Dims{0, 3, 1, 2}, Dims{3, 2, 1, 0}}) {
    const Dims in = {2, 1, 3, 4};
    const Dims out = {in[perm[0]], in[perm[1]], in[perm[2]], in[perm[3]]};
    auto g = OneNodeGraphBuilder(OpType::kTranspose, "tr")
                 .Input(DataType::kFloat32, in)
                 .Output(DataType::kFloat32, out)
                 .Attr("perm", perm)
                 .Build();
    const Tensor x = RandomTensor(DataType::kFloat32, in, rng);
    ExpectGpuMatchesCpu(g.graph, {x}, 0, 0, absl::StrCat("Transpose ", ShapeToString(perm)));
    Graph chained;
    const ValueId a = chained.AddValue("a", DataType::kFloat32, MakeShape(in));
    const ValueId r = chained.AddValue("r", DataType::kFloat32, MakeShape(in));
    const ValueId t = chained.AddValue("t", DataType::kFloat32, MakeShape(out));
    chained.AddInput(a);
    chained.AddNode(Node{"relu", OpType::kRelu, {a}, {r}, {}});
    Attrs attrs;
    attrs.Set("perm", perm);
    chained.AddNode(Node{"tr", OpType::kTranspose, {r}, {t}, attrs});
    chained.AddOutput(t);
    ExpectGpuMatchesCpu(chained, {x}, 0, 0, absl::StrCat("Relu -> Transpose ", ShapeToString(perm)));
  }
  // Transposes long enough for the tiled copy (32 x 32 tiles through shared
  // memory; cuda/kernels/data_movement.h), with partial edge tiles, batch dims
  // and element sizes of 1, 4 and 8 bytes.
  struct TransposeCase {
    Dims in, perm;
  };
  for (const TransposeCase& c : std::vector<TransposeCase>{{{100, 50}, {1, 0}},
                                                           {{2, 45, 70}, {0, 2, 1}},
                                                           {{3, 17, 33, 40}, {0, 3, 1, 2}},
                                                           {{3, 17, 33, 40}, {0, 2, 3, 1}},
                                                           {{4, 3, 8, 64}, {0, 1, 3, 2}},
                                                           {{5, 33, 6, 47}, {2, 3, 0, 1}},
                                                           {{16, 2, 3, 16}, {3, 1, 2, 0}}}) {
    Dims out;
    for (int64_t p : c.perm) out.push_back(c.in[p]);
    for (DataType type : {DataType::kFloat32, DataType::kInt64, DataType::kBool}) {
      auto g = OneNodeGraphBuilder(OpType::kTranspose, "tr")
                   .Input(type, c.in)
                   .Output(type, out)
                   .Attr("perm", c.perm)
                   .Build();
      const Tensor x = type == DataType::kFloat32 ? RandomTensor(type, c.in, rng)
                                                  : RandomTensor(type, c.in, rng, -1000, 1000);
      ExpectGpuMatchesCpu(g.graph, {x}, 0, 0,
                          absl::StrCat("Transpose ", ShapeToString(c.in), " by ",
                                       ShapeToString(c.perm), " ", ToString(type)));
    }
  }
  struct SliceCase {
    Dims starts, ends, axes, steps, out;
  };
  const Dims in = {6, 7, 8};
  for (const SliceCase& c : std::vector<SliceCase>{{{1}, {4}, {0}, {1}, {3, 7, 8}},
                                                   {{0, 2}, {7, 100}, {1, 2}, {2, 3}, {6, 4, 2}},
                                                   {{-1}, {-100}, {2}, {-1}, {6, 7, 8}},
                                                   {{5, -2}, {1, 0}, {0, 1}, {-2, -1}, {2, 5, 8}}}) {
    auto g = OneNodeGraphBuilder(OpType::kSlice, "slice")
                 .Input(DataType::kInt64, in)
                 .ConstantInput(Tensor::FromVector<int64_t>({int64_t(c.starts.size())}, c.starts))
                 .ConstantInput(Tensor::FromVector<int64_t>({int64_t(c.ends.size())}, c.ends))
                 .ConstantInput(Tensor::FromVector<int64_t>({int64_t(c.axes.size())}, c.axes))
                 .ConstantInput(Tensor::FromVector<int64_t>({int64_t(c.steps.size())}, c.steps))
                 .Output(DataType::kInt64, c.out)
                 .Build();
    ExpectGpuMatchesCpu(g.graph, {RandomTensor(DataType::kInt64, in, rng, -1000, 1000)}, 0, 0,
                        absl::StrCat("Slice to ", ShapeToString(c.out)));
  }
  for (int64_t axis : {0, 1, -1}) {
    const Dims a = {2, 3, 4};
    Dims b = a;
    b[axis < 0 ? 2 : axis] = 5;
    Dims out = a;
    out[axis < 0 ? 2 : axis] += 5;
    auto g = OneNodeGraphBuilder(OpType::kConcat, "concat")
                 .Input(DataType::kFloat32, a)
                 .Input(DataType::kFloat32, b)
                 .Input(DataType::kFloat32, a)
                 .Output(DataType::kFloat32, [&] {
                   Dims o = out;
                   o[axis < 0 ? 2 : axis] += a[axis < 0 ? 2 : axis];
                   return o;
                 }())
                 .Attr("axis", axis)
                 .Build();
    ExpectGpuMatchesCpu(g.graph,
                        {RandomTensor(DataType::kFloat32, a, rng),
                         RandomTensor(DataType::kFloat32, b, rng),
                         RandomTensor(DataType::kFloat32, a, rng)},
                        0, 0, absl::StrCat("Concat axis ", axis));
  }
  auto expand = OneNodeGraphBuilder(OpType::kExpand, "expand")
                    .Input(DataType::kFloat32, {3, 1})
                    .ConstantInput(Tensor::FromVector<int64_t>({3}, {2, 3, 4}))
                    .Output(DataType::kFloat32, {2, 3, 4})
                    .Build();
  ExpectGpuMatchesCpu(expand.graph, {RandomTensor(DataType::kFloat32, {3, 1}, rng)}, 0, 0,
                      "Expand");
}

TEST(GpuOpsTest, ShapeOnlyOpsCopy) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(7);
  auto reshape = OneNodeGraphBuilder(OpType::kReshape, "reshape")
                     .Input(DataType::kFloat32, {2, 3, 4})
                     .ConstantInput(Tensor::FromVector<int64_t>({2}, {6, 4}))
                     .Output(DataType::kFloat32, {6, 4})
                     .Build();
  ExpectGpuMatchesCpu(reshape.graph, {RandomTensor(DataType::kFloat32, {2, 3, 4}, rng)}, 0, 0,
                      "Reshape");
  auto flatten = OneNodeGraphBuilder(OpType::kFlatten, "flatten")
                     .Input(DataType::kFloat32, {2, 3, 4})
                     .Output(DataType::kFloat32, {2, 12})
                     .Attr("axis", int64_t{1})
                     .Build();
  ExpectGpuMatchesCpu(flatten.graph, {RandomTensor(DataType::kFloat32, {2, 3, 4}, rng)}, 0, 0,
                      "Flatten");
  auto squeeze = OneNodeGraphBuilder(OpType::kSqueeze, "squeeze")
                     .Input(DataType::kFloat32, {2, 1, 4})
                     .Output(DataType::kFloat32, {2, 4})
                     .Attr("axes", Dims{1})
                     .Build();
  ExpectGpuMatchesCpu(squeeze.graph, {RandomTensor(DataType::kFloat32, {2, 1, 4}, rng)}, 0, 0,
                      "Squeeze");
  auto unsqueeze = OneNodeGraphBuilder(OpType::kUnsqueeze, "unsqueeze")
                       .Input(DataType::kInt64, {2, 4})
                       .Output(DataType::kInt64, {2, 1, 4})
                       .Attr("axes", Dims{1})
                       .Build();
  ExpectGpuMatchesCpu(unsqueeze.graph, {RandomTensor(DataType::kInt64, {2, 4}, rng, -9, 9)}, 0,
                      0, "Unsqueeze");
  for (OpType op : {OpType::kIdentity, OpType::kDropout}) {
    auto g = OneNodeGraphBuilder(op, "copy")
                 .Input(DataType::kFloat32, {5, 5})
                 .Output(DataType::kFloat32, {5, 5})
                 .Build();
    ExpectGpuMatchesCpu(g.graph, {RandomTensor(DataType::kFloat32, {5, 5}, rng)}, 0, 0,
                        std::string(ToString(op)));
  }
}

TEST(GpuOpsTest, Gather) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(8);
  for (int64_t axis : {0, 1, -1}) {
    const Dims data = {4, 5, 6};
    const int a = axis < 0 ? 2 : static_cast<int>(axis);
    Dims out = {data.begin(), data.begin() + a};
    out.push_back(2);
    out.push_back(2);
    out.insert(out.end(), data.begin() + a + 1, data.end());
    auto g = OneNodeGraphBuilder(OpType::kGather, "gather")
                 .Input(DataType::kFloat32, data)
                 .ConstantInput(Tensor::FromVector<int64_t>({2, 2}, {0, -1, 2, 1}))
                 .Output(DataType::kFloat32, out)
                 .Attr("axis", axis)
                 .Build();
    ExpectGpuMatchesCpu(g.graph, {RandomTensor(DataType::kFloat32, data, rng)}, 0, 0,
                        absl::StrCat("Gather axis ", axis));
  }
}

TEST(GpuOpsTest, GatherOutOfRangeNamesTheNode) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(9);
  auto g = OneNodeGraphBuilder(OpType::kGather, "gather_9")
               .Input(DataType::kFloat32, {4, 3})
               .Input(DataType::kInt64, {2})
               .Output(DataType::kFloat32, {2, 3})
               .Build();
  EXPECT_THAT(RunGpu(g.graph, {RandomTensor(DataType::kFloat32, {4, 3}, rng),
                              Tensor::FromVector<int64_t>({2}, {1, 4})}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("gather_9")));
}

TEST(GpuOpsTest, ReduceAndGlobalAveragePool) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(10);
  const Dims in = {3, 4, 5, 6};
  struct Case {
    Dims axes;
    int64_t keepdims;
    Dims out;
  };
  for (OpType op : {OpType::kReduceMean, OpType::kReduceSum}) {
    for (const Case& c : std::vector<Case>{{{1}, 1, {3, 1, 5, 6}},
                                           {{2, 3}, 0, {3, 4}},
                                           {{-1, 0}, 1, {1, 4, 5, 1}},
                                           {{}, 0, {}}}) {
      OneNodeGraphBuilder b(op, "reduce");
      b.Input(DataType::kFloat32, in).Output(DataType::kFloat32, c.out).Attr("keepdims", c.keepdims);
      if (!c.axes.empty()) b.Attr("axes", c.axes);
      auto g = b.Build();
      ExpectGpuMatchesCpu(g.graph, {RandomTensor(DataType::kFloat32, in, rng)}, 1e-5, 1e-5,
                          absl::StrCat(ToString(op), " axes ", ShapeToString(c.axes)));
    }
  }
  for (const Dims& dims : {Dims{2, 3, 7, 7}, Dims{1, 16, 1, 1}, Dims{2, 5, 9}}) {
    Dims out(dims.size(), 1);
    out[0] = dims[0];
    out[1] = dims[1];
    auto g = OneNodeGraphBuilder(OpType::kGlobalAveragePool, "gap")
                 .Input(DataType::kFloat32, dims)
                 .Output(DataType::kFloat32, out)
                 .Build();
    ExpectGpuMatchesCpu(g.graph, {RandomTensor(DataType::kFloat32, dims, rng)}, 1e-6, 1e-7,
                        absl::StrCat("GlobalAveragePool ", ShapeToString(dims)));
  }
}

TEST(GpuOpsTest, Softmax) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(11);
  const Dims in = {2, 3, 4, 5};
  for (int64_t axis : {-1, 0, 1, 2}) {
    for (int64_t coerce : {0, 1}) {
      auto g = OneNodeGraphBuilder(OpType::kSoftmax, "softmax")
                   .Input(DataType::kFloat32, in)
                   .Output(DataType::kFloat32, in)
                   .Attr("axis", axis)
                   .Attr("coerce_2d", coerce)
                   .Build();
      ExpectGpuMatchesCpu(g.graph, {RandomTensor(DataType::kFloat32, in, rng, -8, 8)}, 1e-5,
                          1e-6, absl::StrCat("Softmax axis ", axis, " coerce ", coerce));
    }
  }
}

TEST(GpuOpsTest, BatchNormalization) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(12);
  for (const Dims& dims : {Dims{2, 3, 5, 5}, Dims{4, 8}, Dims{1, 16, 3}}) {
    const int64_t c = dims[1];
    Tensor var = RandomTensor(DataType::kFloat32, {c}, rng, 0.1, 2.0);
    auto g = OneNodeGraphBuilder(OpType::kBatchNormalization, "bn")
                 .Input(DataType::kFloat32, dims)
                 .ConstantInput(RandomTensor(DataType::kFloat32, {c}, rng))
                 .ConstantInput(RandomTensor(DataType::kFloat32, {c}, rng))
                 .ConstantInput(RandomTensor(DataType::kFloat32, {c}, rng))
                 .ConstantInput(var)
                 .Output(DataType::kFloat32, dims)
                 .Attr("epsilon", 1e-3f)
                 .Build();
    ExpectGpuMatchesCpu(g.graph, {RandomTensor(DataType::kFloat32, dims, rng, -3, 3)}, 1e-5, 1e-6,
                        absl::StrCat("BatchNormalization ", ShapeToString(dims)));
  }
}

// PyTorch's pooling output size (as the CPU kernel).
int64_t PoolOut(int64_t in, int64_t k, int64_t s, int64_t d, int64_t pb, int64_t pe, bool ceil) {
  const int64_t avail = in + pb + pe - ((k - 1) * d + 1);
  int64_t out = (ceil ? (avail + s - 1) / s : avail / s) + 1;
  if (ceil && (out - 1) * s >= in + pb) --out;
  return out;
}

TEST(GpuOpsTest, MaxAndAveragePool) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(13);
  struct Case {
    int64_t h, w, k, s, d, pb, pe;
    bool ceil;
  };
  const std::vector<Case> cases = {{8, 8, 2, 2, 1, 0, 0, false}, {7, 9, 3, 2, 1, 1, 1, false},
                                   {7, 7, 3, 2, 1, 1, 1, true},  {10, 6, 3, 1, 2, 2, 2, false},
                                   {5, 5, 2, 2, 1, 0, 1, true},  {9, 9, 3, 3, 1, 1, 0, true}};
  for (OpType op : {OpType::kMaxPool, OpType::kAveragePool}) {
    for (const Case& c : cases) {
      if (op == OpType::kAveragePool && c.d != 1) continue;
      for (int64_t include_pad : {0, 1}) {
        const Dims in = {2, 3, c.h, c.w};
        const Dims out = {2, 3, PoolOut(c.h, c.k, c.s, c.d, c.pb, c.pe, c.ceil),
                          PoolOut(c.w, c.k, c.s, c.d, c.pb, c.pe, c.ceil)};
        OneNodeGraphBuilder b(op, "pool");
        b.Input(DataType::kFloat32, in)
            .Output(DataType::kFloat32, out)
            .Attr("kernel_shape", Dims{c.k, c.k})
            .Attr("strides", Dims{c.s, c.s})
            .Attr("pads", Dims{c.pb, c.pb, c.pe, c.pe})
            .Attr("ceil_mode", int64_t{c.ceil});
        if (op == OpType::kMaxPool) b.Attr("dilations", Dims{c.d, c.d});
        if (op == OpType::kAveragePool) b.Attr("count_include_pad", include_pad);
        auto g = b.Build();
        ExpectGpuMatchesCpu(g.graph, {RandomTensor(DataType::kFloat32, in, rng)}, 1e-6, 1e-7,
                            absl::StrCat(ToString(op), " k", c.k, " s", c.s, " d", c.d, " p", c.pb,
                                         ",", c.pe, " ceil", c.ceil, " incl", include_pad));
      }
    }
  }
}

TEST(GpuOpsTest, ConvMatchesCpuWithin1e4) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(14);
  struct Case {
    int64_t n, c_in, h, w, c_out, k, stride, pad, dil, group;
    bool bias;
  };
  const std::vector<Case> cases = {
      {1, 3, 8, 8, 4, 3, 1, 1, 1, 1, true},    {2, 4, 9, 7, 6, 3, 2, 1, 1, 1, false},
      {1, 8, 16, 16, 8, 3, 1, 1, 1, 8, true},  {2, 6, 10, 10, 4, 3, 1, 2, 2, 2, true},
      {3, 16, 7, 7, 32, 1, 1, 0, 1, 1, true},  {1, 3, 32, 32, 16, 7, 2, 3, 1, 1, false},
      {4, 64, 8, 8, 64, 3, 1, 1, 1, 1, true},  {2, 5, 6, 6, 3, 5, 1, 0, 1, 1, true},
      // 1x1 with stride > 1 and no padding: cuDNN runs it as stride 1 on a
      // strided view of x (odd sizes, stride 3, groups).
      {2, 16, 9, 7, 24, 1, 2, 0, 1, 1, true},  {1, 8, 8, 8, 8, 1, 3, 0, 1, 1, false},
      {2, 8, 8, 8, 8, 1, 2, 0, 1, 2, true}};
  for (const Case& c : cases) {
    const int64_t oh = (c.h + 2 * c.pad - c.dil * (c.k - 1) - 1) / c.stride + 1;
    const int64_t ow = (c.w + 2 * c.pad - c.dil * (c.k - 1) - 1) / c.stride + 1;
    OneNodeGraphBuilder b(OpType::kConv, "conv");
    b.Input(DataType::kFloat32, {c.n, c.c_in, c.h, c.w})
        .ConstantInput(
            RandomTensor(DataType::kFloat32, {c.c_out, c.c_in / c.group, c.k, c.k}, rng));
    if (c.bias) b.ConstantInput(RandomTensor(DataType::kFloat32, {c.c_out}, rng));
    auto g = b.Output(DataType::kFloat32, {c.n, c.c_out, oh, ow})
                 .Attr("kernel_shape", Dims{c.k, c.k})
                 .Attr("strides", Dims{c.stride, c.stride})
                 .Attr("pads", Dims{c.pad, c.pad, c.pad, c.pad})
                 .Attr("dilations", Dims{c.dil, c.dil})
                 .Attr("group", c.group)
                 .Build();
    // Sums of up to K products of values in [-1, 1]: relative 1e-4 plus an
    // absolute term for cancellation.
    const double taps = static_cast<double>(c.c_in / c.group * c.k * c.k);
    ExpectGpuMatchesCpu(g.graph, {RandomTensor(DataType::kFloat32, {c.n, c.c_in, c.h, c.w}, rng)},
                        1e-4, 1e-6 * taps,
                        absl::StrCat("Conv cin", c.c_in, " cout", c.c_out, " k", c.k, " s",
                                     c.stride, " p", c.pad, " d", c.dil, " g", c.group));
  }
}

TEST(GpuOpsTest, GemmVariants) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(15);
  // Small products run the one-kernel small GEMM (k above 32: several k per
  // lane); 64 x 640 x 128 (5.2 M multiply-adds) runs cuBLAS after a copy of C.
  for (const Dims& mkn : {Dims{5, 7, 3}, Dims{33, 100, 17}, Dims{64, 640, 128}}) {
    const int64_t m = mkn[0], k = mkn[1], n = mkn[2];
    for (int64_t ta : {0, 1}) {
      for (int64_t tb : {0, 1}) {
        for (const Dims& c_dims : {Dims{}, Dims{n}, Dims{m, 1}, Dims{m, n}}) {
          for (float beta : {1.0f, 0.5f}) {
            const Dims a = ta ? Dims{k, m} : Dims{m, k};
            const Dims b = tb ? Dims{n, k} : Dims{k, n};
            OneNodeGraphBuilder builder(OpType::kGemm, "gemm");
            builder.Input(DataType::kFloat32, a).Input(DataType::kFloat32, b);
            std::vector<Tensor> inputs = {RandomTensor(DataType::kFloat32, a, rng),
                                          RandomTensor(DataType::kFloat32, b, rng)};
            if (!c_dims.empty()) {
              builder.Input(DataType::kFloat32, c_dims);
              inputs.push_back(RandomTensor(DataType::kFloat32, c_dims, rng));
            }
            auto g = builder.Output(DataType::kFloat32, {m, n})
                         .Attr("transA", ta)
                         .Attr("transB", tb)
                         .Attr("alpha", 0.75f)
                         .Attr("beta", beta)
                         .Build();
            ExpectGpuMatchesCpu(g.graph, inputs, 1e-5, 1e-5 * std::sqrt(static_cast<double>(k)),
                                absl::StrCat("Gemm ", m, "x", k, "x", n, " tA", ta, " tB", tb, " C",
                                             ShapeToString(c_dims), " beta", beta));
          }
        }
      }
    }
  }
}

TEST(GpuOpsTest, MatMulBatchingAndVectors) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(16);
  struct Case {
    Dims a, b, out;
  };
  for (const Case& c : std::vector<Case>{{{4, 5}, {5, 6}, {4, 6}},
                                         {{5}, {5, 6}, {6}},
                                         {{4, 5}, {5}, {4}},
                                         {{2, 3, 4, 5}, {5, 6}, {2, 3, 4, 6}},
                                         {{2, 3, 4, 5}, {2, 3, 5, 6}, {2, 3, 4, 6}},
                                         {{2, 1, 4, 5}, {3, 5, 6}, {2, 3, 4, 6}},
                                         {{4, 5}, {2, 5, 6}, {2, 4, 6}},
                                         {{3, 1, 5}, {1, 5, 2}, {3, 1, 2}}}) {
    auto g = OneNodeGraphBuilder(OpType::kMatMul, "matmul")
                 .Input(DataType::kFloat32, c.a)
                 .Input(DataType::kFloat32, c.b)
                 .Output(DataType::kFloat32, c.out)
                 .Build();
    ExpectGpuMatchesCpu(g.graph,
                        {RandomTensor(DataType::kFloat32, c.a, rng),
                         RandomTensor(DataType::kFloat32, c.b, rng)},
                        1e-5, 1e-5,
                        absl::StrCat("MatMul ", ShapeToString(c.a), " x ", ShapeToString(c.b)));
  }
}

}  // namespace
}  // namespace sf
