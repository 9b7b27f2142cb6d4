// Gemm, MatMul, BatchNormalization, LayerNormalization, Softmax, ReduceSum/ReduceMean.
#include <cmath>
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
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pointwise;

TEST(GemmTest, TransposesAlphaBetaAndBroadcastC) {
  // A^T with A = [[1,4],[2,5],[3,6]] (3x2) -> [[1,2,3],[4,5,6]]; B = I3 * 2 via transB.
  const auto g = OneNodeGraphBuilder(OpType::kGemm)
                     .Input(DataType::kFloat32, {3, 2})
                     .Input(DataType::kFloat32, {3, 3})
                     .Input(DataType::kFloat32, {3})
                     .Output(DataType::kFloat32, {2, 3})
                     .Attr("transA", int64_t{1})
                     .Attr("transB", int64_t{1})
                     .Attr("alpha", 0.5f)
                     .Attr("beta", 2.0f)
                     .Build();
  ASSERT_OK_AND_ASSIGN(
      auto out, RunKernel(g, {Tensor::FromVector<float>({3, 2}, {1, 4, 2, 5, 3, 6}),
                              Tensor::FromVector<float>({3, 3}, {2, 0, 0, 1, 2, 0, 0, 0, 2}),
                              Tensor::FromVector<float>({3}, {1, 10, 100})}));
  // A^T B^T: row0 = [1*2, 1*1+2*2, 3*2] = [2,5,6]; row1 = [8, 14, 12]. *0.5, + 2*C.
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(3, 22.5, 203, 6, 27, 206));
}

TEST(GemmTest, InnerDimMismatchNamesNode) {
  const auto g = OneNodeGraphBuilder(OpType::kGemm, "gemm_0")
                     .Input(DataType::kFloat32, {2, 3})
                     .Input(DataType::kFloat32, {2, 3})
                     .Output(DataType::kFloat32, {2, 3})
                     .Build();
  EXPECT_THAT(RunKernel(g, {}), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("gemm_0")));
}

TEST(MatMulTest, BatchedBroadcast) {
  // a [2,1,2,2] x b [3,2,1] -> [2,3,2,1]
  const auto g = OneNodeGraphBuilder(OpType::kMatMul)
                     .Input(DataType::kFloat32, {2, 1, 2, 2})
                     .Input(DataType::kFloat32, {3, 2, 1})
                     .Output(DataType::kFloat32, {2, 3, 2, 1})
                     .Build();
  ASSERT_OK_AND_ASSIGN(auto out,
                       RunKernel(g, {Tensor::FromVector<float>({2, 1, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8}),
                                     Tensor::FromVector<float>({3, 2, 1}, {1, 0, 0, 1, 1, 1})}));
  EXPECT_THAT(Values<float>(out[0]),
              ElementsAre(1, 3, 2, 4, 3, 7, 5, 7, 6, 8, 11, 15));
}

// Empty products build no per-batch or per-row tables: 2^33 batches or an
// inner dim of 2^33 (within the tensor limit for an empty tensor) would take
// hundreds of GB of them.
TEST(MatMulTest, EmptyOutputsWithHugeDimsComputeNothing) {
  const int64_t huge = int64_t{1} << 33;
  const auto mm = OneNodeGraphBuilder(OpType::kMatMul)
                      .Input(DataType::kFloat32, {huge, 0, 4})
                      .Input(DataType::kFloat32, {4, 3})
                      .Output(DataType::kFloat32, {huge, 0, 3})
                      .Build();
  ASSERT_OK_AND_ASSIGN(auto out,
                       RunKernel(mm, {Tensor::Create(DataType::kFloat32, {huge, 0, 4}).value(),
                                      Tensor::Create(DataType::kFloat32, {4, 3}).value()}));
  EXPECT_EQ(out[0].num_elements(), 0);
  const auto gemm = OneNodeGraphBuilder(OpType::kGemm)
                        .Input(DataType::kFloat32, {0, huge})
                        .Input(DataType::kFloat32, {huge, 0})
                        .Output(DataType::kFloat32, {0, 0})
                        .Build();
  ASSERT_OK_AND_ASSIGN(auto y,
                       RunKernel(gemm, {Tensor::Create(DataType::kFloat32, {0, huge}).value(),
                                        Tensor::Create(DataType::kFloat32, {huge, 0}).value()}));
  EXPECT_EQ(y[0].num_elements(), 0);
}

TEST(MatMulTest, OneDimensionalOperands) {
  const auto vm = OneNodeGraphBuilder(OpType::kMatMul)
                      .Input(DataType::kFloat32, {2})
                      .Input(DataType::kFloat32, {2, 3})
                      .Output(DataType::kFloat32, {3})
                      .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(vm, {Tensor::FromVector<float>({2}, {1, 2}),
                                                Tensor::FromVector<float>({2, 3}, {1, 2, 3, 4, 5, 6})}));
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(9, 12, 15));
  const auto vv = OneNodeGraphBuilder(OpType::kMatMul)
                      .Input(DataType::kFloat32, {3})
                      .Input(DataType::kFloat32, {3})
                      .Output(DataType::kFloat32, {})
                      .Build();
  ASSERT_OK_AND_ASSIGN(auto dot, RunKernel(vv, {Tensor::FromVector<float>({3}, {1, 2, 3}),
                                                Tensor::FromVector<float>({3}, {4, 5, 6})}));
  EXPECT_THAT(Values<float>(dot[0]), ElementsAre(32));
}

TEST(BatchNormTest, Inference) {
  const auto g = OneNodeGraphBuilder(OpType::kBatchNormalization)
                     .Input(DataType::kFloat32, {1, 2, 2})
                     .ConstantInput(Tensor::FromVector<float>({2}, {1, 2}))      // scale
                     .ConstantInput(Tensor::FromVector<float>({2}, {0, 1}))      // B
                     .ConstantInput(Tensor::FromVector<float>({2}, {1, -1}))     // mean
                     .ConstantInput(Tensor::FromVector<float>({2}, {4, 0.25}))   // var
                     .Output(DataType::kFloat32, {1, 2, 2})
                     .Attr("epsilon", 0.0f)
                     .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector<float>({1, 2, 2}, {1, 3, -1, 0})}));
  // c0: (x-1)/2; c1: (x+1)*2/0.5 + 1
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(0, 1, 1, 5));
}

// Rows of the dims from `axis` on; Scale of the row's shape or its trailing dims
// (repeating along the row); B optional.
TEST(LayerNormTest, RowsScaleAndBias) {
  // [2, 2, 2] normalised over the last two dims: rows {0,1,2,3} and {4,8,4,8}.
  const Tensor x = Tensor::FromVector<float>({2, 2, 2}, {0, 1, 2, 3, 4, 8, 4, 8});
  const auto full = OneNodeGraphBuilder(OpType::kLayerNormalization, "ln")
                        .Input(DataType::kFloat32, {2, 2, 2})
                        .ConstantInput(Tensor::FromVector<float>({2, 2}, {1, 2, 3, 4}))
                        .ConstantInput(Tensor::FromVector<float>({2}, {10, 20}))  // trailing
                        .Output(DataType::kFloat32, {2, 2, 2})
                        .Attr("axis", int64_t{1})
                        .Attr("epsilon", 0.0f)
                        .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(full, {x}));
  // Row 0: mean 1.5, var 1.25; row 1: mean 6, var 4 -> (x - 6) / 2.
  const float s = std::sqrt(1.25f);
  EXPECT_THAT(Values<float>(out[0]),
              Pointwise(FloatNear(1e-6f),
                        std::vector<float>{-1.5f / s * 1 + 10, -0.5f / s * 2 + 20,
                                           0.5f / s * 3 + 10, 1.5f / s * 4 + 20, -1 * 1 + 10,
                                           1 * 2 + 20, -1 * 3 + 10, 1 * 4 + 20}));
  // Default axis -1, no B, a one-element Scale; epsilon keeps a constant row finite.
  const auto last = OneNodeGraphBuilder(OpType::kLayerNormalization, "ln")
                        .Input(DataType::kFloat32, {2, 2})
                        .ConstantInput(Tensor::FromVector<float>({1}, {2}))
                        .Output(DataType::kFloat32, {2, 2})
                        .Attr("epsilon", 1e-5f)
                        .Build();
  ASSERT_OK_AND_ASSIGN(auto l, RunKernel(last, {Tensor::FromVector<float>({2, 2}, {5, 5, -1, 1})}));
  EXPECT_THAT(Values<float>(l[0]), Pointwise(FloatNear(1e-4f), std::vector<float>{0, 0, -2, 2}));
  // Scale dims that are not the row's trailing dims are refused, naming the node.
  const auto bad = OneNodeGraphBuilder(OpType::kLayerNormalization, "ln_bad")
                       .Input(DataType::kFloat32, {2, 2, 3})
                       .ConstantInput(Tensor::FromVector<float>({2, 1}, {1, 1}))
                       .Output(DataType::kFloat32, {2, 2, 3})
                       .Attr("axis", int64_t{1})
                       .Build();
  EXPECT_THAT(
      RunKernel(bad, {Tensor::FromVector<float>({2, 2, 3}, std::vector<float>(12, 1))}).status(),
      StatusIs(absl::StatusCode::kInvalidArgument,
               AllOf(HasSubstr("ln_bad"), HasSubstr("trailing dims"))));
}

TEST(SoftmaxTest, AxisAndCoerce2d) {
  const std::vector<float> x = {0, 1, 2, 3, 4, 5, 6, 7};
  auto softmax = [](std::vector<float> v) {
    float s = 0;
    for (float& e : v) s += (e = std::exp(e));
    for (float& e : v) e /= s;
    return v;
  };
  // axis 1 of [2,2,2] (non-coerced): groups {0,2},{1,3},{4,6},{5,7}.
  const auto g = OneNodeGraphBuilder(OpType::kSoftmax)
                     .Input(DataType::kFloat32, {2, 2, 2})
                     .Output(DataType::kFloat32, {2, 2, 2})
                     .Attr("axis", int64_t{1})
                     .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector({2, 2, 2}, x)}));
  const std::vector<float> pair = softmax({0, 2});
  EXPECT_THAT(Values<float>(out[0]), Pointwise(FloatNear(1e-6f), std::vector<float>{
                                         pair[0], pair[0], pair[1], pair[1], pair[0], pair[0],
                                         pair[1], pair[1]}));
  // coerce_2d with axis 1: softmax over the last 4 elements of each row.
  const auto c = OneNodeGraphBuilder(OpType::kSoftmax)
                     .Input(DataType::kFloat32, {2, 2, 2})
                     .Output(DataType::kFloat32, {2, 2, 2})
                     .Attr("axis", int64_t{1})
                     .Attr("coerce_2d", int64_t{1})
                     .Build();
  ASSERT_OK_AND_ASSIGN(auto out2, RunKernel(c, {Tensor::FromVector({2, 2, 2}, x)}));
  std::vector<float> want = softmax({0, 1, 2, 3});
  const std::vector<float> half = softmax({4, 5, 6, 7});
  want.insert(want.end(), half.begin(), half.end());
  EXPECT_THAT(Values<float>(out2[0]), Pointwise(FloatNear(1e-6f), want));
}

TEST(ReduceTest, SumMeanKeepdimsAndAll) {
  const Tensor x = Tensor::FromVector<float>({2, 3}, {1, 2, 3, 4, 5, 6});
  const auto sum = OneNodeGraphBuilder(OpType::kReduceSum)
                       .Input(DataType::kFloat32, {2, 3})
                       .Output(DataType::kFloat32, {2, 1})
                       .Attr("axes", std::vector<int64_t>{-1})
                       .Build();
  ASSERT_OK_AND_ASSIGN(auto s, RunKernel(sum, {x}));
  EXPECT_THAT(Values<float>(s[0]), ElementsAre(6, 15));
  const auto mean = OneNodeGraphBuilder(OpType::kReduceMean)
                        .Input(DataType::kFloat32, {2, 3})
                        .Output(DataType::kFloat32, {3})
                        .Attr("axes", std::vector<int64_t>{0})
                        .Attr("keepdims", int64_t{0})
                        .Build();
  ASSERT_OK_AND_ASSIGN(auto m, RunKernel(mean, {x}));
  EXPECT_THAT(Values<float>(m[0]), ElementsAre(2.5, 3.5, 4.5));
  const auto all = OneNodeGraphBuilder(OpType::kReduceSum)
                       .Input(DataType::kInt64, {2, 3})
                       .Output(DataType::kInt64, {})
                       .Attr("keepdims", int64_t{0})
                       .Build();
  ASSERT_OK_AND_ASSIGN(auto a, RunKernel(all, {Tensor::FromVector<int64_t>({2, 3}, {1, 2, 3, 4, 5, 6})}));
  EXPECT_THAT(Values<int64_t>(a[0]), ElementsAre(21));
  const auto noop = OneNodeGraphBuilder(OpType::kReduceSum)
                        .Input(DataType::kFloat32, {2, 3})
                        .Output(DataType::kFloat32, {2, 3})
                        .Attr("noop_with_empty_axes", int64_t{1})
                        .Build();
  ASSERT_OK_AND_ASSIGN(auto n, RunKernel(noop, {x}));
  EXPECT_THAT(Values<float>(n[0]), ElementsAre(1, 2, 3, 4, 5, 6));
}

}  // namespace
}  // namespace sf
