// Reshape family, Shape, ConstantOfShape, Expand, Transpose, Concat, Slice,
// Gather, Pad.
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/cpu/kernel_runner.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::OneNodeGraphBuilder;
using ::sf::testing::RunKernel;
using ::sf::testing::StatusIs;
using ::sf::testing::Values;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

Tensor Iota(std::vector<int64_t> dims) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  std::vector<float> v(n);
  for (int64_t i = 0; i < n; ++i) v[i] = static_cast<float>(i);
  return Tensor::FromVector(dims, v);
}

TEST(CopyTest, ReshapeFlattenSqueezeUnsqueezeIdentity) {
  for (OpType op : {OpType::kReshape, OpType::kFlatten, OpType::kSqueeze, OpType::kUnsqueeze,
                    OpType::kIdentity}) {
    OneNodeGraphBuilder b(op);
    b.Input(DataType::kFloat32, {2, 3});
    if (op == OpType::kReshape) b.ConstantInput(Tensor::FromVector<int64_t>({1}, {6}));
    const auto g = b.Output(DataType::kFloat32, {6}).Build();
    ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Iota({2, 3})}));
    EXPECT_THAT(Values<float>(out[0]), ElementsAre(0, 1, 2, 3, 4, 5)) << ToString(op);
  }
}

TEST(CopyTest, DropoutMaskIsAllTrue) {
  const auto g = OneNodeGraphBuilder(OpType::kDropout)
                     .Input(DataType::kFloat32, {3})
                     .Output(DataType::kFloat32, {3})
                     .Output(DataType::kBool, {3})
                     .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Iota({3})}));
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(0, 1, 2));
  EXPECT_THAT(Values<bool>(out[1]), ElementsAre(true, true, true));
}

TEST(ShapeTest, StartEnd) {
  const auto g = OneNodeGraphBuilder(OpType::kShape)
                     .Input(DataType::kFloat32, {2, 3, 4, 5})
                     .Output(DataType::kInt64, {2})
                     .Attr("start", int64_t{1})
                     .Attr("end", int64_t{-1})
                     .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {}));
  EXPECT_THAT(Values<int64_t>(out[0]), ElementsAre(3, 4));
}

TEST(ConstantOfShapeTest, FillsValue) {
  const auto g = OneNodeGraphBuilder(OpType::kConstantOfShape)
                     .ConstantInput(Tensor::FromVector<int64_t>({2}, {2, 2}))
                     .Output(DataType::kInt64, {2, 2})
                     .Attr("value", Tensor::FromVector<int64_t>({1}, {7}))
                     .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {}));
  EXPECT_THAT(Values<int64_t>(out[0]), ElementsAre(7, 7, 7, 7));
}

TEST(ExpandTest, Broadcasts) {
  const auto g = OneNodeGraphBuilder(OpType::kExpand)
                     .Input(DataType::kFloat32, {3, 1})
                     .ConstantInput(Tensor::FromVector<int64_t>({3}, {2, 1, 2}))
                     .Output(DataType::kFloat32, {2, 3, 2})
                     .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Iota({3, 1})}));
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(0, 0, 1, 1, 2, 2, 0, 0, 1, 1, 2, 2));
}

TEST(TransposeTest, PermAndDefault) {
  const auto g = OneNodeGraphBuilder(OpType::kTranspose)
                     .Input(DataType::kFloat32, {2, 3, 2})
                     .Output(DataType::kFloat32, {3, 2, 2})
                     .Attr("perm", std::vector<int64_t>{1, 0, 2})
                     .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Iota({2, 3, 2})}));
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(0, 1, 6, 7, 2, 3, 8, 9, 4, 5, 10, 11));
  const auto d = OneNodeGraphBuilder(OpType::kTranspose)
                     .Input(DataType::kInt8, {2, 3})
                     .Output(DataType::kInt8, {3, 2})
                     .Build();
  ASSERT_OK_AND_ASSIGN(auto o2, RunKernel(d, {Tensor::FromVector<int8_t>({2, 3}, {0, 1, 2, 3, 4, 5})}));
  EXPECT_THAT(Values<int8_t>(o2[0]), ElementsAre(0, 3, 1, 4, 2, 5));
}

TEST(ConcatTest, NegativeAxis) {
  const auto g = OneNodeGraphBuilder(OpType::kConcat)
                     .Input(DataType::kInt64, {2, 1})
                     .Input(DataType::kInt64, {2, 2})
                     .Output(DataType::kInt64, {2, 3})
                     .Attr("axis", int64_t{-1})
                     .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector<int64_t>({2, 1}, {1, 2}),
                                               Tensor::FromVector<int64_t>({2, 2}, {3, 4, 5, 6})}));
  EXPECT_THAT(Values<int64_t>(out[0]), ElementsAre(1, 3, 4, 2, 5, 6));
}

TEST(SliceTest, StepsAxesAndNegativeStep) {
  // data [3,4]; axes [1, 0]: cols 3..0 step -2 -> {3,1}; rows 1..INT_MAX -> {1,2}.
  const auto g = OneNodeGraphBuilder(OpType::kSlice)
                     .Input(DataType::kFloat32, {3, 4})
                     .ConstantInput(Tensor::FromVector<int64_t>({2}, {-1, 1}))
                     .ConstantInput(Tensor::FromVector<int64_t>({2}, {-100, INT64_MAX}))
                     .ConstantInput(Tensor::FromVector<int64_t>({2}, {1, 0}))
                     .ConstantInput(Tensor::FromVector<int64_t>({2}, {-2, 1}))
                     .Output(DataType::kFloat32, {2, 2})
                     .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Iota({3, 4})}));
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(7, 5, 11, 9));
}

TEST(SliceTest, OutputMismatchNamesNode) {
  const auto g = OneNodeGraphBuilder(OpType::kSlice, "slice_8")
                     .Input(DataType::kFloat32, {4})
                     .ConstantInput(Tensor::FromVector<int64_t>({1}, {0}))
                     .ConstantInput(Tensor::FromVector<int64_t>({1}, {2}))
                     .Output(DataType::kFloat32, {3})
                     .Build();
  EXPECT_THAT(RunKernel(g, {Iota({4})}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("slice_8")));
}

TEST(GatherTest, AxisAndNegativeIndices) {
  const auto g = OneNodeGraphBuilder(OpType::kGather)
                     .Input(DataType::kFloat32, {2, 3})
                     .Input(DataType::kInt32, {2})
                     .Output(DataType::kFloat32, {2, 2})
                     .Attr("axis", int64_t{1})
                     .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Iota({2, 3}), Tensor::FromVector<int32_t>({2}, {-1, 0})}));
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(2, 0, 5, 3));
}

TEST(GatherTest, ScalarIndexOnShape) {
  const auto g = OneNodeGraphBuilder(OpType::kGather)
                     .Input(DataType::kInt64, {4})
                     .Input(DataType::kInt64, {})
                     .Output(DataType::kInt64, {})
                     .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector<int64_t>({4}, {16, 3, 32, 32}),
                                               Tensor::FromVector<int64_t>({}, {0})}));
  EXPECT_THAT(Values<int64_t>(out[0]), ElementsAre(16));
}

TEST(GatherTest, OutOfRangeNamesNode) {
  const auto g = OneNodeGraphBuilder(OpType::kGather, "gather_2")
                     .Input(DataType::kFloat32, {3})
                     .Input(DataType::kInt64, {1})
                     .Output(DataType::kFloat32, {1})
                     .Build();
  for (int64_t bad : {3, -4}) {
    EXPECT_THAT(RunKernel(g, {Iota({3}), Tensor::FromVector<int64_t>({1}, {bad})}),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("gather_2")));
  }
}

TEST(PadTest, Modes) {
  const Tensor x = Tensor::FromVector<float>({1, 3}, {1, 2, 3});
  const Tensor pads = Tensor::FromVector<int64_t>({4}, {0, 2, 0, 1});
  const std::vector<std::pair<std::string, std::vector<float>>> cases = {
      {"constant", {9, 9, 1, 2, 3, 9}}, {"reflect", {3, 2, 1, 2, 3, 2}}, {"edge", {1, 1, 1, 2, 3, 3}}};
  for (const auto& [mode, want] : cases) {
    const auto g = OneNodeGraphBuilder(OpType::kPad)
                       .Input(DataType::kFloat32, {1, 3})
                       .ConstantInput(pads)
                       .ConstantInput(Tensor::Scalar(9.0f))
                       .Output(DataType::kFloat32, {1, 6})
                       .Attr("mode", mode)
                       .Build();
    ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {x}));
    EXPECT_THAT(Values<float>(out[0]), ::testing::ElementsAreArray(want)) << mode;
  }
}

// Reflection wider than the axis repeats with period 2(n - 1), as numpy's
// "reflect"; a huge pad cropped back by the other side is computed in closed
// form (the fuzzer found it looping for minutes before).
TEST(PadTest, ReflectWiderThanTheAxisAndHugePads) {
  const Tensor x = Tensor::FromVector<float>({3}, {1, 2, 3});
  auto run = [&](int64_t before, int64_t after, int64_t out) {
    const auto g = OneNodeGraphBuilder(OpType::kPad)
                       .Input(DataType::kFloat32, {3})
                       .ConstantInput(Tensor::FromVector<int64_t>({2}, {before, after}))
                       .Output(DataType::kFloat32, {out})
                       .Attr("mode", std::string("reflect"))
                       .Build();
    auto y = RunKernel(g, {x});
    EXPECT_TRUE(y.ok()) << y.status();
    return y.ok() ? Values<float>((*y)[0]) : std::vector<float>{};
  };
  // numpy.pad([1, 2, 3], (5, 4), "reflect")
  EXPECT_THAT(run(5, 4, 12), ElementsAre(2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3));
  const int64_t huge = int64_t{1} << 50;  // even: lands on the period
  EXPECT_THAT(run(huge, 2 - huge, 5), ElementsAre(1, 2, 3, 2, 1));
}

TEST(SplitTest, SizesAlongAnAxis) {
  // [2, 5, 2] split on axis 1 into 1, 0 and 4: rows of 2 elements per part.
  std::vector<float> x(20);
  for (int i = 0; i < 20; ++i) x[i] = static_cast<float>(i);
  const auto g = OneNodeGraphBuilder(OpType::kSplit, "split")
                     .Input(DataType::kFloat32, {2, 5, 2})
                     .Output(DataType::kFloat32, {2, 1, 2})
                     .Output(DataType::kFloat32, {2, 0, 2})
                     .Output(DataType::kFloat32, {2, 4, 2})
                     .Attr("axis", int64_t{-2})
                     .Attr("split", std::vector<int64_t>{1, 0, 4})
                     .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector<float>({2, 5, 2}, x)}));
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(0, 1, 10, 11));
  EXPECT_TRUE(Values<float>(out[1]).empty());
  EXPECT_THAT(Values<float>(out[2]),
              ElementsAre(2, 3, 4, 5, 6, 7, 8, 9, 12, 13, 14, 15, 16, 17, 18, 19));
  // Parts that do not cover the axis are refused, naming the node.
  const auto bad = OneNodeGraphBuilder(OpType::kSplit, "split_bad")
                       .Input(DataType::kInt64, {4})
                       .Output(DataType::kInt64, {1})
                       .Output(DataType::kInt64, {2})
                       .Build();
  EXPECT_THAT(RunKernel(bad, {Tensor::FromVector<int64_t>({4}, {1, 2, 3, 4})}).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("split_bad"), HasSubstr("add up to 3"))));
}

TEST(PadTest, AxesAndNegativePads) {
  // Pad only axis -1 of [2,3]: crop one in front, add one zero at the end.
  const auto g = OneNodeGraphBuilder(OpType::kPad)
                     .Input(DataType::kInt32, {2, 3})
                     .ConstantInput(Tensor::FromVector<int64_t>({2}, {-1, 1}))
                     .NoInput()
                     .ConstantInput(Tensor::FromVector<int64_t>({1}, {-1}))
                     .Output(DataType::kInt32, {2, 3})
                     .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector<int32_t>({2, 3}, {1, 2, 3, 4, 5, 6})}));
  EXPECT_THAT(Values<int32_t>(out[0]), ElementsAre(2, 3, 0, 5, 6, 0));
}

TEST(RegistryTest, EveryOpButConstantHasAKernel) {
  for (int i = 0; i < kNumOpTypes; ++i) {
    const OpType op = static_cast<OpType>(i);
    EXPECT_EQ(CreateCpuKernel(op) == nullptr, op == OpType::kConstant) << ToString(op);
  }
}

}  // namespace
}  // namespace sf
