// Pooling vs values from PyTorch 1.13 (F.max_pool2d / F.avg_pool2d) on
// x = arange(25).reshape(1, 1, 5, 5).
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
using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::FloatNear;
using ::testing::HasSubstr;
using ::testing::Pointwise;

struct PoolCase {
  OpType op;
  std::vector<int64_t> in_dims, kernel, strides, pads, dilations, out_dims;
  int64_t ceil_mode, count_include_pad;
  float sign;  // the input is sign * arange
  std::vector<float> want;
};

int64_t Product(const std::vector<int64_t>& d) {
  int64_t p = 1;
  for (int64_t v : d) p *= v;
  return p;
}

class PoolVsTorch : public ::testing::TestWithParam<PoolCase> {};

TEST_P(PoolVsTorch, Matches) {
  const PoolCase& c = GetParam();
  OneNodeGraphBuilder b(c.op, "pool_1");
  b.Input(DataType::kFloat32, c.in_dims)
      .Output(DataType::kFloat32, c.out_dims)
      .Attr("kernel_shape", c.kernel)
      .Attr("strides", c.strides)
      .Attr("pads", c.pads)
      .Attr("ceil_mode", c.ceil_mode);
  if (c.op == OpType::kMaxPool) b.Attr("dilations", c.dilations);
  if (c.op == OpType::kAveragePool) b.Attr("count_include_pad", c.count_include_pad);
  std::vector<float> x(Product(c.in_dims));
  for (size_t i = 0; i < x.size(); ++i) x[i] = c.sign * static_cast<float>(i);
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(b.Build(), {Tensor::FromVector(c.in_dims, x)}));
  EXPECT_THAT(Values<float>(out[0]), Pointwise(FloatNear(1e-6f), c.want));
}

INSTANTIATE_TEST_SUITE_P(
    Cases, PoolVsTorch,
    ::testing::Values(
        PoolCase{OpType::kMaxPool, {1, 1, 5, 5}, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1}, {1, 1, 3, 3},
                 1, 0, 1.0f, {6, 8, 9, 16, 18, 19, 21, 23, 24}},
        // Padded cells never win even when every value is negative.
        PoolCase{OpType::kMaxPool, {1, 1, 5, 5}, {2, 2}, {2, 2}, {1, 1, 1, 1}, {1, 1}, {1, 1, 3, 3},
                 1, 0, -1.0f, {-0, -1, -3, -5, -6, -8, -15, -16, -18}},
        PoolCase{OpType::kMaxPool, {1, 1, 5, 5}, {2, 2}, {1, 1}, {0, 0, 0, 0}, {2, 2}, {1, 1, 3, 3},
                 0, 0, 1.0f, {12, 13, 14, 17, 18, 19, 22, 23, 24}},
        PoolCase{OpType::kAveragePool, {1, 1, 5, 5}, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1},
                 {1, 1, 3, 3}, 1, 1, 1.0f,
                 {1.3333333730697632f, 3, 2.6666667461395264f, 7, 12, 9, 8, 13, 9.333333015441895f}},
        PoolCase{OpType::kAveragePool, {1, 1, 5, 5}, {3, 3}, {2, 2}, {1, 1, 1, 1}, {1, 1},
                 {1, 1, 3, 3}, 1, 0, 1.0f, {3, 4.5, 6, 10.5, 12, 13.5, 18, 19.5, 21}},
        PoolCase{OpType::kAveragePool, {1, 1, 5, 5}, {2, 2}, {2, 2}, {0, 0, 0, 0}, {1, 1},
                 {1, 1, 3, 3}, 1, 1, 1.0f, {3, 5, 6.5, 13, 15, 16.5, 20.5, 22.5, 24}},
        // A ceil_mode window that overhangs the end padding: divisor clipped to it.
        PoolCase{OpType::kAveragePool, {1, 1, 1, 6}, {1, 4}, {1, 3}, {0, 1, 0, 1}, {1, 1},
                 {1, 1, 1, 3}, 1, 1, 1.0f, {0.75, 3.5, 2.5}}));

TEST(PoolTest, WrongOutputShapeNamesNode) {
  const auto g = OneNodeGraphBuilder(OpType::kMaxPool, "maxpool_5")
                     .Input(DataType::kFloat32, {1, 1, 5, 5})
                     .Output(DataType::kFloat32, {1, 1, 2, 2})
                     .Attr("kernel_shape", std::vector<int64_t>{3, 3})
                     .Attr("strides", std::vector<int64_t>{2, 2})
                     .Attr("pads", std::vector<int64_t>{1, 1, 1, 1})
                     .Attr("ceil_mode", int64_t{1})
                     .Build();
  EXPECT_THAT(RunKernel(g, {}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("maxpool_5")));
}

TEST(PoolTest, GlobalAveragePool) {
  const auto g = OneNodeGraphBuilder(OpType::kGlobalAveragePool)
                     .Input(DataType::kFloat32, {1, 2, 2, 2})
                     .Output(DataType::kFloat32, {1, 2, 1, 1})
                     .Build();
  ASSERT_OK_AND_ASSIGN(auto out, RunKernel(g, {Tensor::FromVector<float>(
                                                  {1, 2, 2, 2}, {1, 2, 3, 4, 0, 0, 0, 8})}));
  EXPECT_THAT(Values<float>(out[0]), ElementsAre(2.5f, 2.0f));
}

}  // namespace
}  // namespace sf
