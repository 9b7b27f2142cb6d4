#include "runtime/cpu/conv.h"

#include <cmath>
#include <random>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/cpu/kernel_runner.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::OneNodeGraph;
using ::sf::testing::OneNodeGraphBuilder;
using ::sf::testing::RunKernel;
using ::sf::testing::StatusIs;
using ::testing::HasSubstr;

struct ConvCase {
  int64_t n, c_in, h, w, c_out, kh, kw, stride_h, stride_w, pad_t, pad_l, pad_b, pad_r, dil_h,
      dil_w, group;
  bool bias;
};

std::vector<float> RandomVector(int64_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = dist(rng);
  return v;
}

int64_t OutSize(int64_t in, int64_t pb, int64_t pe, int64_t k, int64_t d, int64_t s) {
  return (in + pb + pe - ((k - 1) * d + 1)) / s + 1;
}

// The textbook 7-loop convolution, accumulated in double.
std::vector<float> NaiveConv(const ConvCase& c, const std::vector<float>& x,
                             const std::vector<float>& w, const std::vector<float>& b,
                             int64_t oh_n, int64_t ow_n) {
  std::vector<float> y(c.n * c.c_out * oh_n * ow_n);
  const int64_t cin_g = c.c_in / c.group, cout_g = c.c_out / c.group;
  for (int64_t n = 0; n < c.n; ++n)
    for (int64_t co = 0; co < c.c_out; ++co)
      for (int64_t oh = 0; oh < oh_n; ++oh)
        for (int64_t ow = 0; ow < ow_n; ++ow) {
          double acc = c.bias ? b[co] : 0.0;
          const int64_t g = co / cout_g;
          for (int64_t ci = 0; ci < cin_g; ++ci)
            for (int64_t kh = 0; kh < c.kh; ++kh)
              for (int64_t kw = 0; kw < c.kw; ++kw) {
                const int64_t ih = oh * c.stride_h - c.pad_t + kh * c.dil_h;
                const int64_t iw = ow * c.stride_w - c.pad_l + kw * c.dil_w;
                if (ih < 0 || ih >= c.h || iw < 0 || iw >= c.w) continue;
                acc += static_cast<double>(x[((n * c.c_in + g * cin_g + ci) * c.h + ih) * c.w + iw]) *
                       w[((co * cin_g + ci) * c.kh + kh) * c.kw + kw];
              }
          y[((n * c.c_out + co) * oh_n + oh) * ow_n + ow] = static_cast<float>(acc);
        }
  return y;
}

OneNodeGraph MakeConvGraph(const ConvCase& c, int64_t oh, int64_t ow) {
  OneNodeGraphBuilder b(OpType::kConv, "conv_3");
  b.Input(DataType::kFloat32, {c.n, c.c_in, c.h, c.w})
      .Input(DataType::kFloat32, {c.c_out, c.c_in / c.group, c.kh, c.kw});
  if (c.bias) b.Input(DataType::kFloat32, {c.c_out});
  return b.Output(DataType::kFloat32, {c.n, c.c_out, oh, ow})
      .Attr("strides", std::vector<int64_t>{c.stride_h, c.stride_w})
      .Attr("pads", std::vector<int64_t>{c.pad_t, c.pad_l, c.pad_b, c.pad_r})
      .Attr("dilations", std::vector<int64_t>{c.dil_h, c.dil_w})
      .Attr("group", c.group)
      .Build();
}

class ConvShapes : public ::testing::TestWithParam<ConvCase> {};

TEST_P(ConvShapes, MatchesNaiveAndTilesAreBitExact) {
  const ConvCase& c = GetParam();
  std::mt19937 rng(42);
  const int64_t oh = OutSize(c.h, c.pad_t, c.pad_b, c.kh, c.dil_h, c.stride_h);
  const int64_t ow = OutSize(c.w, c.pad_l, c.pad_r, c.kw, c.dil_w, c.stride_w);
  const std::vector<float> x = RandomVector(c.n * c.c_in * c.h * c.w, rng);
  const std::vector<float> w = RandomVector(c.c_out * c.c_in / c.group * c.kh * c.kw, rng);
  const std::vector<float> b = RandomVector(c.c_out, rng);
  const OneNodeGraph g = MakeConvGraph(c, oh, ow);
  std::vector<Tensor> inputs = {Tensor::FromVector({c.n, c.c_in, c.h, c.w}, x),
                                Tensor::FromVector({c.c_out, c.c_in / c.group, c.kh, c.kw}, w)};
  if (c.bias) inputs.push_back(Tensor::FromVector({c.c_out}, b));
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> out, RunKernel(g, inputs));
  const std::vector<float> y = testing::Values<float>(out[0]);
  const std::vector<float> ref = NaiveConv(c, x, w, b, oh, ow);
  ASSERT_EQ(y.size(), ref.size());
  for (size_t i = 0; i < y.size(); ++i) {
    ASSERT_NEAR(y[i], ref[i], 1e-5f * (1.0f + std::fabs(ref[i]))) << "at " << i;
  }

  // Any tiling of the output with Conv2dRegion reproduces the dense kernel bit for bit.
  ASSERT_OK_AND_ASSIGN(Conv2dParams p, GetConv2dParams(g.graph, g.graph.node(g.node)));
  EXPECT_EQ(p.out_h, oh);
  EXPECT_EQ(p.out_w, ow);
  for (auto [tile_h, tile_w] : {std::pair<int64_t, int64_t>{3, 2}, {2, 5}, {1, 7}, {4, 4}}) {
    std::vector<float> tiled(y.size(), -7.0f);
    for (int64_t n = 0; n < c.n; ++n)
      for (int64_t h0 = 0; h0 < oh; h0 += tile_h)
        for (int64_t w0 = 0; w0 < ow; w0 += tile_w)
          Conv2dRegion(p, x.data(), w.data(), c.bias ? b.data() : nullptr, tiled.data(), n, h0,
                       std::min(h0 + tile_h, oh), w0, std::min(w0 + tile_w, ow));
    for (size_t i = 0; i < y.size(); ++i) {
      ASSERT_EQ(tiled[i], y[i]) << "at " << i << " tile " << tile_h << "x" << tile_w;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(
    Shapes, ConvShapes,
    ::testing::Values(
        //      n  ci  h  w co kh kw sh sw pt pl pb pr dh dw g bias
        ConvCase{1, 1, 5, 5, 1, 3, 3, 1, 1, 0, 0, 0, 0, 1, 1, 1, false},
        ConvCase{2, 3, 7, 6, 4, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true},
        ConvCase{1, 4, 9, 9, 6, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, true},
        ConvCase{2, 4, 8, 7, 4, 3, 3, 2, 1, 1, 0, 0, 2, 1, 1, 2, false},
        ConvCase{1, 6, 10, 11, 6, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 6, true},  // depthwise, dilated
        ConvCase{1, 3, 11, 9, 5, 5, 3, 2, 2, 2, 1, 2, 1, 1, 2, 1, true},
        ConvCase{3, 2, 4, 4, 3, 1, 1, 1, 1, 0, 0, 0, 0, 1, 1, 1, true},   // 1x1
        ConvCase{1, 2, 6, 6, 2, 1, 1, 2, 2, 0, 0, 0, 0, 1, 1, 1, false},  // 1x1 stride 2
        ConvCase{1, 8, 5, 5, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 4, true},   // groups 4
        ConvCase{1, 1, 3, 3, 2, 3, 3, 1, 1, 3, 3, 3, 3, 1, 1, 1, true},   // pads >= kernel
        // Rows of 147 K multiply-adds: the kernel splits them over the CPU threads.
        ConvCase{4, 32, 16, 16, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true},
        ConvCase{2, 3, 13, 7, 4, 7, 7, 2, 2, 3, 3, 3, 3, 1, 1, 1, false},
        // >= 8 channels per group: the register-blocked path, interior and border blocks.
        ConvCase{2, 5, 9, 13, 16, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true},
        ConvCase{1, 6, 11, 15, 24, 3, 3, 2, 2, 1, 1, 1, 1, 1, 1, 1, false},
        ConvCase{1, 4, 8, 8, 16, 3, 3, 1, 1, 2, 2, 2, 2, 2, 2, 2, true},   // groups of 8
        ConvCase{1, 3, 4, 4, 8, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, true},    // 4x4 map
        ConvCase{1, 3, 6, 12, 9, 1, 5, 1, 3, 0, 2, 0, 1, 1, 1, 1, true},   // c_out tail, stride 3
        ConvCase{1, 2, 3, 24, 8, 1, 17, 1, 1, 0, 8, 0, 8, 1, 1, 1, true},  // kw > 16
        ConvCase{1, 2, 2, 2, 8, 3, 3, 1, 1, 2, 2, 2, 2, 1, 1, 1, true}));  // output mostly padding

TEST(ConvTest, HandComputed) {
  // 1x1x3x3 input, 2x2 all-ones kernel, bias 10, no padding.
  const OneNodeGraph g = OneNodeGraphBuilder(OpType::kConv)
                             .Input(DataType::kFloat32, {1, 1, 3, 3})
                             .Input(DataType::kFloat32, {1, 1, 2, 2})
                             .Input(DataType::kFloat32, {1})
                             .Output(DataType::kFloat32, {1, 1, 2, 2})
                             .Build();
  ASSERT_OK_AND_ASSIGN(
      std::vector<Tensor> out,
      RunKernel(g, {Tensor::FromVector<float>({1, 1, 3, 3}, {1, 2, 3, 4, 5, 6, 7, 8, 9}),
                    Tensor::FromVector<float>({1, 1, 2, 2}, {1, 1, 1, 1}),
                    Tensor::FromVector<float>({1}, {10})}));
  EXPECT_THAT(testing::Values<float>(out[0]), ::testing::ElementsAre(22, 26, 34, 38));
}

TEST(ConvTest, AutoPadSameUpper) {
  const OneNodeGraph g = OneNodeGraphBuilder(OpType::kConv)
                             .Input(DataType::kFloat32, {1, 1, 5, 5})
                             .Input(DataType::kFloat32, {1, 1, 2, 2})
                             .Output(DataType::kFloat32, {1, 1, 3, 3})
                             .Attr("strides", std::vector<int64_t>{2, 2})
                             .Attr("auto_pad", std::string("SAME_UPPER"))
                             .Build();
  ASSERT_OK_AND_ASSIGN(Conv2dParams p, GetConv2dParams(g.graph, g.graph.node(0)));
  // out = ceil(5/2) = 3; total pad = (3-1)*2 + 2 - 5 = 1 -> begin 0, end 1.
  EXPECT_EQ(p.pad_top, 0);
  EXPECT_EQ(p.pad_bottom, 1);
  EXPECT_EQ(p.out_h, 3);
}

TEST(ConvTest, ChannelMismatchNamesNode) {
  const OneNodeGraph g = OneNodeGraphBuilder(OpType::kConv, "conv_3")
                             .Input(DataType::kFloat32, {1, 3, 5, 5})
                             .Input(DataType::kFloat32, {4, 2, 3, 3})
                             .Output(DataType::kFloat32, {1, 4, 3, 3})
                             .Build();
  EXPECT_THAT(GetConv2dParams(g.graph, g.graph.node(0)),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("conv_3")));
}

TEST(ConvTest, WrongOutputShapeIsAnError) {
  const OneNodeGraph g = OneNodeGraphBuilder(OpType::kConv, "conv_7")
                             .Input(DataType::kFloat32, {1, 1, 5, 5})
                             .Input(DataType::kFloat32, {1, 1, 3, 3})
                             .Output(DataType::kFloat32, {1, 1, 5, 5})
                             .Build();
  EXPECT_THAT(RunKernel(g, {}), StatusIs(absl::StatusCode::kInvalidArgument,
                                         HasSubstr("conv_7")));
}

}  // namespace
}  // namespace sf
