#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "tests/cpu/kernel_runner.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::OneNodeGraph;
using ::sf::testing::OneNodeGraphBuilder;
using ::sf::testing::RunKernel;
using ::sf::testing::StatusIs;
using ::sf::testing::Values;
using ::testing::ElementsAre;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pointwise;

OneNodeGraph Binary(OpType op, DataType in, std::vector<int64_t> a, std::vector<int64_t> b,
                    DataType out, std::vector<int64_t> y, const char* name = "node") {
  return OneNodeGraphBuilder(op, name).Input(in, a).Input(in, b).Output(out, y).Build();
}

TEST(BinaryTest, AddBroadcastsBothWays) {
  // [2,1] + [3] -> [2,3]
  const OneNodeGraph g = Binary(OpType::kAdd, DataType::kFloat32, {2, 1}, {3},
                                DataType::kFloat32, {2, 3});
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector<float>({2, 1}, {10, 20}),
                                               Tensor::FromVector<float>({3}, {1, 2, 3})}));
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(11, 12, 13, 21, 22, 23));
}

TEST(BinaryTest, MulBroadcastsMiddleDim) {
  // [2,3,2] * [3,1] -> [2,3,2]
  const OneNodeGraph g = Binary(OpType::kMul, DataType::kFloat32, {2, 3, 2}, {3, 1},
                                DataType::kFloat32, {2, 3, 2});
  std::vector<float> a(12);
  for (int i = 0; i < 12; ++i) a[i] = static_cast<float>(i);
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector<float>({2, 3, 2}, a),
                                               Tensor::FromVector<float>({3, 1}, {1, 10, 100})}));
  EXPECT_THAT(Values<float>(out[0]),
              ElementsAre(0, 1, 20, 30, 400, 500, 6, 7, 80, 90, 1000, 1100));
}

TEST(BinaryTest, SubAndScalar) {
  const OneNodeGraph g = Binary(OpType::kSub, DataType::kFloat64, {3}, {}, DataType::kFloat64, {3});
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector<double>({3}, {1, 2, 3}),
                                               Tensor::FromVector<double>({}, {0.5})}));
  EXPECT_THAT(Values<double>(out[0]), ElementsAre(0.5, 1.5, 2.5));
}

TEST(BinaryTest, IntegerDivTruncatesTowardZero) {
  const OneNodeGraph g = Binary(OpType::kDiv, DataType::kInt64, {4}, {4}, DataType::kInt64, {4});
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector<int64_t>({4}, {7, -7, 7, -7}),
                                               Tensor::FromVector<int64_t>({4}, {2, 2, -2, -2})}));
  EXPECT_THAT(Values<int64_t>(out[0]), ElementsAre(3, -3, -3, 3));
}

TEST(BinaryTest, Int32DivMinByMinusOneWraps) {
  const OneNodeGraph g = Binary(OpType::kDiv, DataType::kInt32, {1}, {1}, DataType::kInt32, {1});
  const int32_t min = std::numeric_limits<int32_t>::min();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector<int32_t>({1}, {min}),
                                               Tensor::FromVector<int32_t>({1}, {-1})}));
  EXPECT_THAT(Values<int32_t>(out[0]), ElementsAre(min));
}

TEST(BinaryTest, IntegerDivByZeroIsAnError) {
  const OneNodeGraph g =
      Binary(OpType::kDiv, DataType::kInt32, {2}, {2}, DataType::kInt32, {2}, "div_4");
  EXPECT_THAT(RunKernel(g, {Tensor::FromVector<int32_t>({2}, {1, 2}),
                            Tensor::FromVector<int32_t>({2}, {1, 0})}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("div_4")));
}

TEST(BinaryTest, FloatDivByZeroIsInf) {
  const OneNodeGraph g = Binary(OpType::kDiv, DataType::kFloat32, {1}, {1}, DataType::kFloat32, {1});
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector<float>({1}, {1}),
                                               Tensor::FromVector<float>({1}, {0})}));
  EXPECT_TRUE(std::isinf(out[0].data<float>()[0]));
}

TEST(BinaryTest, Comparisons) {
  const std::vector<float> a = {1, 2, 3}, b = {2, 2, 2};
  const std::vector<std::pair<OpType, std::vector<bool>>> cases = {
      {OpType::kEqual, {false, true, false}},   {OpType::kGreater, {false, false, true}},
      {OpType::kGreaterOrEqual, {false, true, true}}, {OpType::kLess, {true, false, false}},
      {OpType::kLessOrEqual, {true, true, false}}};
  for (const auto& [op, want] : cases) {
    const OneNodeGraph g = Binary(op, DataType::kFloat32, {3}, {3}, DataType::kBool, {3});
    ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector<float>({3}, a),
                                                 Tensor::FromVector<float>({3}, b)}));
    EXPECT_THAT(Values<bool>(out[0]), ::testing::ElementsAreArray(want)) << ToString(op);
  }
}

TEST(BinaryTest, IntComparisonBroadcasts) {
  const OneNodeGraph g = Binary(OpType::kGreater, DataType::kInt64, {2, 2}, {1},
                                DataType::kBool, {2, 2});
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector<int64_t>({2, 2}, {0, 5, 6, 1}),
                                               Tensor::FromVector<int64_t>({1}, {4})}));
  EXPECT_THAT(Values<bool>(out[0]), ElementsAre(false, true, true, false));
}

TEST(BinaryTest, VariadicSumMaxMin) {
  for (auto [op, want] : std::vector<std::pair<OpType, std::vector<float>>>{
           {OpType::kSum, {111, 112}}, {OpType::kMax, {100, 100}}, {OpType::kMin, {1, 2}}}) {
    const OneNodeGraph g = OneNodeGraphBuilder(op)
                               .Input(DataType::kFloat32, {2})
                               .Input(DataType::kFloat32, {1})
                               .Input(DataType::kFloat32, {2, 1})
                               .Output(DataType::kFloat32, {2, 2})
                               .Build();
    ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector<float>({2}, {1, 2}),
                                                 Tensor::FromVector<float>({1}, {10}),
                                                 Tensor::FromVector<float>({2, 1}, {100, 50})}));
    // Row 0 adds 100, row 1 adds 50.
    const std::vector<float> y = Values<float>(out[0]);
    if (op == OpType::kSum) {
      EXPECT_THAT(y, ElementsAre(111, 112, 61, 62));
    } else if (op == OpType::kMax) {
      EXPECT_THAT(y, ElementsAre(100, 100, 50, 50));
    } else if (op == OpType::kMin) {
      EXPECT_THAT(y, ElementsAre(1, 2, 1, 2));
    }
  }
}

TEST(BinaryTest, SumOfOneInputCopies) {
  const OneNodeGraph g = OneNodeGraphBuilder(OpType::kSum)
                             .Input(DataType::kInt32, {3})
                             .Output(DataType::kInt32, {3})
                             .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector<int32_t>({3}, {4, 5, 6})}));
  EXPECT_THAT(Values<int32_t>(out[0]), ElementsAre(4, 5, 6));
}

TEST(BinaryTest, IncompatibleBroadcastNamesNode) {
  const OneNodeGraph g =
      Binary(OpType::kAdd, DataType::kFloat32, {3}, {4}, DataType::kFloat32, {4}, "add_2");
  EXPECT_THAT(RunKernel(g, {}), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("add_2")));
}

TEST(WhereTest, BroadcastsAnyType) {
  const OneNodeGraph g = OneNodeGraphBuilder(OpType::kWhere)
                             .Input(DataType::kBool, {2, 1})
                             .Input(DataType::kInt64, {3})
                             .Input(DataType::kInt64, {})
                             .Output(DataType::kInt64, {2, 3})
                             .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector<bool>({2, 1}, {true, false}),
                                               Tensor::FromVector<int64_t>({3}, {1, 2, 3}),
                                               Tensor::FromVector<int64_t>({}, {-1})}));
  EXPECT_THAT(Values<int64_t>(out[0]), ElementsAre(1, 2, 3, -1, -1, -1));
}

OneNodeGraph Unary(OpType op, DataType t, std::vector<int64_t> dims) {
  return OneNodeGraphBuilder(op).Input(t, dims).Output(t, dims).Build();
}

TEST(UnaryTest, FloatMath) {
  const std::vector<float> x = {-1.5f, 0.0f, 0.25f, 2.0f};
  auto run = [&](OpType op) {
    auto out = RunKernel(Unary(op, DataType::kFloat32, {4}), {Tensor::FromVector({4}, x)});
    EXPECT_TRUE(out.ok()) << out.status();
    return Values<float>((*out)[0]);
  };
  EXPECT_THAT(run(OpType::kRelu), ElementsAre(0.0f, 0.0f, 0.25f, 2.0f));
  EXPECT_THAT(run(OpType::kFloor), ElementsAre(-2.0f, 0.0f, 0.0f, 2.0f));
  EXPECT_THAT(run(OpType::kNeg), ElementsAre(1.5f, 0.0f, -0.25f, -2.0f));
  EXPECT_THAT(run(OpType::kAbs), ElementsAre(1.5f, 0.0f, 0.25f, 2.0f));
  std::vector<float> sig, th, ex;
  for (float v : x) {
    sig.push_back(1.0f / (1.0f + std::exp(-v)));
    th.push_back(std::tanh(v));
    ex.push_back(std::exp(v));
  }
  EXPECT_THAT(run(OpType::kSigmoid), Pointwise(FloatNear(1e-6f), sig));
  EXPECT_THAT(run(OpType::kTanh), Pointwise(FloatNear(1e-6f), th));
  EXPECT_THAT(run(OpType::kExp), Pointwise(FloatNear(1e-6f), ex));
  const std::vector<float> sq = run(OpType::kSqrt);
  EXPECT_TRUE(std::isnan(sq[0]));
  EXPECT_THAT(std::vector<float>(sq.begin() + 1, sq.end()), ElementsAre(0.0f, 0.5f, std::sqrt(2.0f)));
}

// The math ops added for exported activations, against their definitions in
// ONNX's operator docs (plain double-precision expressions here).
TEST(UnaryTest, ActivationsAndRounding) {
  const std::vector<float> x = {-3.5f, -2.5f, -1.0f, -0.25f, -0.0f, 0.0f,
                                0.5f,  1.5f,  2.5f,  3.0f,   40.0f, -40.0f};
  const int n = static_cast<int>(x.size());
  auto run = [&](OpType op, std::vector<std::pair<std::string, float>> attrs = {}) {
    OneNodeGraphBuilder b(op);
    b.Input(DataType::kFloat32, {n}).Output(DataType::kFloat32, {n});
    for (auto& [k, v] : attrs) b.Attr(k, v);
    auto out = RunKernel(b.Build(), {Tensor::FromVector({n}, x)});
    EXPECT_TRUE(out.ok()) << ToString(op) << " " << out.status();
    return out.ok() ? Values<float>((*out)[0]) : std::vector<float>(n, 0.0f);
  };
  auto expect = [&](OpType op, std::vector<std::pair<std::string, float>> attrs, auto f) {
    std::vector<float> want;
    for (float v : x) want.push_back(static_cast<float>(f(static_cast<double>(v))));
    EXPECT_THAT(run(op, attrs), Pointwise(FloatNear(2e-6f), want)) << ToString(op);
  };
  expect(OpType::kCeil, {}, [](double v) { return std::ceil(v); });
  // Halves to even: -3.5 -> -4, -2.5 -> -2, 0.5 -> 0, 1.5 -> 2, 2.5 -> 2.
  EXPECT_THAT(run(OpType::kRound), ElementsAre(-4.0f, -2.0f, -1.0f, -0.0f, -0.0f, 0.0f, 0.0f, 2.0f,
                                               2.0f, 3.0f, 40.0f, -40.0f));
  expect(OpType::kErf, {}, [](double v) { return std::erf(v); });
  expect(OpType::kSign, {}, [](double v) { return v > 0 ? 1.0 : (v < 0 ? -1.0 : 0.0); });
  expect(OpType::kSoftplus, {}, [](double v) { return std::log(1.0 + std::exp(v)); });
  expect(OpType::kHardSwish, {}, [](double v) { return v * std::clamp(v / 6.0 + 0.5, 0.0, 1.0); });
  expect(OpType::kLeakyRelu, {{"alpha", 0.1f}},
         [](double v) { return v < 0 ? static_cast<double>(0.1f) * v : v; });
  expect(OpType::kElu, {{"alpha", 1.5f}},
         [](double v) { return v < 0 ? 1.5 * (std::exp(v) - 1.0) : v; });
  expect(OpType::kHardSigmoid, {{"alpha", 0.25f}, {"beta", 0.4f}},
         [](double v) { return std::clamp(0.25 * v + static_cast<double>(0.4f), 0.0, 1.0); });
  // Log and Reciprocal of positive values; NaN/inf where their math says so.
  const std::vector<float> lg = run(OpType::kLog);
  EXPECT_TRUE(std::isnan(lg[0]));
  EXPECT_EQ(lg[5], -std::numeric_limits<float>::infinity());
  EXPECT_FLOAT_EQ(lg[9], std::log(3.0f));
  const std::vector<float> rc = run(OpType::kReciprocal);
  EXPECT_EQ(rc[2], -1.0f);
  EXPECT_EQ(rc[6], 2.0f);
  EXPECT_EQ(rc[5], std::numeric_limits<float>::infinity());
  // The attributes are required in the IR (the importer writes their defaults).
  EXPECT_FALSE(RunKernel(Unary(OpType::kLeakyRelu, DataType::kFloat32, {2}),
                         {Tensor::FromVector<float>({2}, {1, 2})})
                   .ok());
  // Float inputs only.
  EXPECT_THAT(
      RunKernel(Unary(OpType::kErf, DataType::kInt64, {1}), {Tensor::FromVector<int64_t>({1}, {1})})
          .status(),
      StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("float32")));
}

TEST(BinaryTest, PowOfFloatsBroadcasts) {
  const OneNodeGraph g =
      Binary(OpType::kPow, DataType::kFloat32, {2, 3}, {1}, DataType::kFloat32, {2, 3});
  ASSERT_OK_AND_ASSIGN(auto sq,
                       RunKernel(g, {Tensor::FromVector<float>({2, 3}, {-2, -1, 0, 0.5f, 3, 10}),
                                     Tensor::FromVector<float>({1}, {2})}));
  EXPECT_THAT(Values<float>(sq[0]), ElementsAre(4, 1, 0, 0.25f, 9, 100));
  ASSERT_OK_AND_ASSIGN(auto rt,
                       RunKernel(g, {Tensor::FromVector<float>({2, 3}, {4, 9, 0, 2, -1, 1}),
                                     Tensor::FromVector<float>({1}, {0.5f})}));
  const std::vector<float> r = Values<float>(rt[0]);
  EXPECT_EQ(r[0], 2.0f);
  EXPECT_EQ(r[1], 3.0f);
  EXPECT_EQ(r[2], 0.0f);
  EXPECT_FLOAT_EQ(r[3], std::sqrt(2.0f));
  EXPECT_TRUE(std::isnan(r[4]));
  const OneNodeGraph ints = Binary(OpType::kPow, DataType::kInt64, {2}, {2}, DataType::kInt64, {2});
  EXPECT_THAT(RunKernel(ints, {Tensor::FromVector<int64_t>({2}, {2, 3}),
                               Tensor::FromVector<int64_t>({2}, {2, 2})})
                  .status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("float base")));
}

TEST(UnaryTest, IntNegAbsAndNot) {
  ASSERT_OK_AND_ASSIGN(auto neg, RunKernel(Unary(OpType::kNeg, DataType::kInt64, {2}),
                                           {Tensor::FromVector<int64_t>({2}, {3, -4})}));
  EXPECT_THAT(Values<int64_t>(neg[0]), ElementsAre(-3, 4));
  ASSERT_OK_AND_ASSIGN(auto abs, RunKernel(Unary(OpType::kAbs, DataType::kInt32, {2}),
                                           {Tensor::FromVector<int32_t>({2}, {3, -4})}));
  EXPECT_THAT(Values<int32_t>(abs[0]), ElementsAre(3, 4));
  ASSERT_OK_AND_ASSIGN(auto no, RunKernel(Unary(OpType::kNot, DataType::kBool, {2}),
                                          {Tensor::FromVector<bool>({2}, {true, false})}));
  EXPECT_THAT(Values<bool>(no[0]), ElementsAre(false, true));
}

TEST(UnaryTest, ReluRejectsInt) {
  EXPECT_THAT(RunKernel(Unary(OpType::kRelu, DataType::kInt64, {2}), {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("float32")));
}

TEST(ClipTest, OptionalBounds) {
  const OneNodeGraph g = OneNodeGraphBuilder(OpType::kClip)
                             .Input(DataType::kFloat32, {4})
                             .NoInput()
                             .ConstantInput(Tensor::Scalar(1.0f))
                             .Output(DataType::kFloat32, {4})
                             .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector<float>({4}, {-5, 0, 1, 3})}));
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(-5, 0, 1, 1));
}

OneNodeGraph CastGraph(DataType from, DataType to, int64_t n) {
  return OneNodeGraphBuilder(OpType::kCast)
      .Input(from, {n})
      .Output(to, {n})
      .Attr("to", int64_t{ToOnnx(to)})
      .Build();
}

TEST(CastTest, FloatToIntTruncatesAndToBoolIsNonZero) {
  const Tensor x = Tensor::FromVector<float>({4}, {-1.7f, -0.2f, 0.0f, 2.9f});
  ASSERT_OK_AND_ASSIGN(auto i64, RunKernel(CastGraph(DataType::kFloat32, DataType::kInt64, 4), {x}));
  EXPECT_THAT(Values<int64_t>(i64[0]), ElementsAre(-1, 0, 0, 2));
  ASSERT_OK_AND_ASSIGN(auto b, RunKernel(CastGraph(DataType::kFloat32, DataType::kBool, 4), {x}));
  EXPECT_THAT(Values<bool>(b[0]), ElementsAre(true, true, false, true));
}

TEST(CastTest, BoolToFloatAndIntToDouble) {
  ASSERT_OK_AND_ASSIGN(auto f, RunKernel(CastGraph(DataType::kBool, DataType::kFloat32, 2),
                                         {Tensor::FromVector<bool>({2}, {true, false})}));
  EXPECT_THAT(Values<float>(f[0]), ElementsAre(1.0f, 0.0f));
  ASSERT_OK_AND_ASSIGN(auto d, RunKernel(CastGraph(DataType::kInt32, DataType::kFloat64, 2),
                                         {Tensor::FromVector<int32_t>({2}, {-3, 7})}));
  EXPECT_THAT(Values<double>(d[0]), ElementsAre(-3.0, 7.0));
}

TEST(CastTest, Float16RoundTrip) {
  const std::vector<float> x = {0.0f, 1.0f, -2.5f, 65504.0f, 1e-7f, 0.1f};
  ASSERT_OK_AND_ASSIGN(auto h, RunKernel(CastGraph(DataType::kFloat32, DataType::kFloat16, 6),
                                         {Tensor::FromVector<float>({6}, x)}));
  EXPECT_THAT(Values<uint16_t>(h[0]),
              ElementsAre(0x0000, 0x3c00, 0xc100, 0x7bff, 0x0002, 0x2e66));
  ASSERT_OK_AND_ASSIGN(auto f, RunKernel(CastGraph(DataType::kFloat16, DataType::kFloat32, 6),
                                         {h[0]}));
  EXPECT_THAT(Values<float>(f[0]), Pointwise(FloatNear(1e-4f), std::vector<float>{
                                                 0.0f, 1.0f, -2.5f, 65504.0f, 1.1920929e-7f,
                                                 0.0999755859375f}));
}

TEST(CastTest, SaturatesAndNanIsZero) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  ASSERT_OK_AND_ASSIGN(auto i, RunKernel(CastGraph(DataType::kFloat32, DataType::kInt32, 3),
                                         {Tensor::FromVector<float>({3}, {nan, 1e20f, -1e20f})}));
  EXPECT_THAT(Values<int32_t>(i[0]), ElementsAre(0, std::numeric_limits<int32_t>::max(),
                                                 std::numeric_limits<int32_t>::min()));
}

}  // namespace
}  // namespace sf
