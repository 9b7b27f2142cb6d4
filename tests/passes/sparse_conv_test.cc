#include "runtime/cpu/sparse_conv.h"

#include <cmath>
#include <limits>
#include <random>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "graph/status.h"
#include "runtime/cpu/kernel_factories.h"
#include "tests/passes/test_graphs.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::GraphBuilder;
using ::sf::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

struct Case {
  int64_t n, c_in, h, w, c_out, k, stride, pad;
  int block;
  double density;
  bool binary;      // 0/1 spikes, else signed values (zero_preserving)
  bool with_bias;
};

std::string Describe(const Case& c) {
  return absl::StrCat("n", c.n, " c", c.c_in, " ", c.h, "x", c.w, " -> c", c.c_out, " k", c.k,
                      " s", c.stride, " p", c.pad, " block ", c.block, " density ", c.density,
                      c.binary ? " binary" : " signed", c.with_bias ? " bias" : "");
}

class SparseConvTest : public ::testing::Test {
 protected:
  // Builds the conv node for `c` and random inputs.
  void Setup(const Case& c) {
    b_ = GraphBuilder();
    ValueId x = b_.Input("x", {c.n, c.c_in, c.h, c.w});
    b_.Conv("conv_3", x, c.c_out, c.k, c.stride, c.pad);
    Node& node = b_.graph().node(b_.last_node());
    if (c.with_bias) node.inputs.push_back(b_.Const("conv_3.bias", {c.c_out}, 0.0f));
    std::uniform_real_distribution<float> value(-1.5f, 1.5f);
    std::uniform_real_distribution<double> coin(0.0, 1.0);
    x_ = Tensor::Create(DataType::kFloat32, {c.n, c.c_in, c.h, c.w}).value();
    for (float& v : x_.span<float>()) {
      v = coin(rng_) < c.density ? (c.binary ? 1.0f : value(rng_)) : 0.0f;
    }
    w_ = Tensor::Create(DataType::kFloat32, {c.c_out, c.c_in, c.k, c.k}).value();
    for (float& v : w_.span<float>()) v = value(rng_);
    bias_ = Tensor::Create(DataType::kFloat32, {c.c_out}).value();
    for (float& v : bias_.span<float>()) v = value(rng_);
  }

  const Node& conv() { return b_.graph().node(b_.last_node()); }
  std::vector<int64_t> OutDims() { return *ConcreteDims(*b_.graph().value(conv().outputs[0]).shape); }

  absl::Status Run(CpuKernel& kernel, Tensor& y, bool with_bias) {
    SF_RETURN_IF_ERROR(kernel.Prepare(b_.graph(), conv()));
    std::vector<const Tensor*> in = {&x_, &w_};
    if (with_bias) in.push_back(&bias_);
    Tensor* out[] = {&y};
    return kernel.Compute(in, out);
  }

  GraphBuilder b_;
  std::mt19937 rng_{1234};
  Tensor x_, w_, bias_;
};

TEST_F(SparseConvTest, BitExactAgainstDenseConv) {
  const std::vector<std::array<int64_t, 5>> shapes = {  // n, c_in, h, w, c_out
      {1, 1, 5, 7, 2}, {2, 3, 13, 13, 5}, {1, 8, 17, 9, 4}, {1, 4, 32, 32, 3}, {2, 2, 21, 30, 2}};
  int index = 0;
  for (int64_t k : {1, 3}) {
    for (int64_t stride : {1, 2}) {
      for (int64_t pad : {0, 1}) {
        for (int block : {4, 8, 16}) {
          for (double density : {0.0, 1e-3, 0.01, 0.1, 0.5, 1.0}) {
            const auto& s = shapes[index % shapes.size()];
            Case c{s[0], s[1], s[2], s[3], s[4], k, stride, pad, block, density,
                   index % 2 == 0, index % 3 != 0};
            ++index;
            SCOPED_TRACE(Describe(c));
            Setup(c);
            Tensor dense = Tensor::Create(DataType::kFloat32, OutDims()).value();
            Tensor sparse = Tensor::Create(DataType::kFloat32, OutDims()).value();
            for (float& v : sparse.span<float>()) v = 12345.0f;  // catch unwritten outputs
            std::unique_ptr<CpuKernel> ref = MakeConvKernel(OpType::kConv);
            ASSERT_OK(Run(*ref, dense, c.with_bias));
            SparseConvKernel kernel(block);
            ASSERT_OK(Run(kernel, sparse, c.with_bias));
            auto d = dense.span<float>();
            auto sp = sparse.span<float>();
            int mismatches = 0;
            for (size_t i = 0; i < d.size(); ++i) mismatches += d[i] != sp[i];
            EXPECT_EQ(mismatches, 0);
            EXPECT_GT(kernel.tiles_total(), 0);
            // The scatter runs on some non-zeros, up to its density; else the tiles.
            EXPECT_EQ(kernel.last_scattered(),
                      kernel.last_density() > 0 &&
                          kernel.last_density() <= SparseConvKernel::kScatterDensity);
            if (density == 0.0) {
              EXPECT_EQ(kernel.tiles_skipped(), kernel.tiles_total());
            }
            if (density == 1.0) {
              EXPECT_EQ(kernel.tiles_skipped(), 0);
            }
          }
        }
      }
    }
  }
}

// Layers big enough that the kernel splits rows of tiles over the CPU threads
// (runtime/cpu/parallel.h): the dense kernel's bits, and the tile counts of
// the whole output.
TEST_F(SparseConvTest, ThreadedRowsOfTilesAreBitExact) {
  for (double density : {0.0, 0.0001, 0.05, 1.0}) {
    Case c{3, 32, 40, 36, 24, 3, 1, 1, 8, density, true, true};
    SCOPED_TRACE(Describe(c));
    Setup(c);
    Tensor dense = Tensor::Create(DataType::kFloat32, OutDims()).value();
    Tensor sparse = Tensor::Create(DataType::kFloat32, OutDims()).value();
    for (float& v : sparse.span<float>()) v = 12345.0f;
    std::unique_ptr<CpuKernel> ref = MakeConvKernel(OpType::kConv);
    ASSERT_OK(Run(*ref, dense, true));
    SparseConvKernel kernel(8);
    ASSERT_OK(Run(kernel, sparse, true));
    int mismatches = 0;
    for (size_t i = 0; i < dense.span<float>().size(); ++i) {
      mismatches += dense.span<float>()[i] != sparse.span<float>()[i];
    }
    EXPECT_EQ(mismatches, 0);
    EXPECT_EQ(kernel.tiles_total(), 3 * 5 * 5);  // ceil(40/8) x ceil(36/8) per image
    if (density == 0.0) {
      EXPECT_EQ(kernel.tiles_skipped(), kernel.tiles_total());
    }
    if (density == 1.0) {
      EXPECT_EQ(kernel.tiles_skipped(), 0);
    }
    if (density == 0.0001) {  // about 3 in 4 tiles empty
      EXPECT_GT(kernel.tiles_skipped(), 0);
      EXPECT_LT(kernel.tiles_skipped(), kernel.tiles_total());
    }
  }
}

// Outputs of the sparse kernel that differ from the dense kernel's: a NaN
// must stay a NaN, every other value equal (+0 and -0 alike: an all-zero sum
// on a -0 bias may differ in sign).
int Mismatches(const Tensor& dense, const Tensor& sparse) {
  int mismatches = 0;
  for (size_t i = 0; i < dense.span<float>().size(); ++i) {
    const float d = dense.span<float>()[i], sp = sparse.span<float>()[i];
    mismatches += std::isnan(d) ? !std::isnan(sp) : d != sp;
  }
  return mismatches;
}

// Rows wider than one mask word, spikes on the words' borders, strides,
// dilations and a kernel whose taps span more than 64 columns (not masked):
// the dense kernel's bits. Then an Inf and a NaN weight: nothing is skipped,
// so the NaNs of the dense result are there too.
TEST_F(SparseConvTest, WideRowsDilationsAndNonFiniteWeights) {
  struct Shape {
    int64_t w, k, stride, pad, dilation;
  };
  for (const Shape& s : {Shape{130, 3, 1, 1, 1}, Shape{130, 3, 2, 1, 1}, Shape{129, 3, 1, 2, 2},
                         Shape{200, 5, 3, 2, 1}, Shape{140, 3, 1, 0, 31}}) {
    for (double density : {0.0, 0.02, 0.3}) {
      Attrs dil;
      dil.Set("dilations", std::vector<int64_t>{1, s.dilation});  // along the rows only
      b_ = GraphBuilder();
      const ValueId x = b_.Input("x", {2, 3, 6, s.w});
      b_.Conv("conv_3", x, 9, s.k, s.stride, s.pad, dil);
      if (s.dilation > 1) {  // the builder's output width ignores dilation
        const int64_t span = (s.k - 1) * s.dilation + 1;
        const int64_t oh = (6 + 2 * s.pad - s.k) / s.stride + 1;
        const int64_t ow = (s.w + 2 * s.pad - span) / s.stride + 1;
        b_.graph().value(conv().outputs[0]).shape = MakeShape(std::vector<int64_t>{2, 9, oh, ow});
      }
      SCOPED_TRACE(::testing::Message() << "w " << s.w << " k " << s.k << " stride " << s.stride
                                        << " dilation " << s.dilation << " density " << density);
      std::uniform_real_distribution<float> value(-1.0f, 1.0f);
      std::uniform_real_distribution<double> coin(0.0, 1.0);
      x_ = Tensor::Create(DataType::kFloat32, {2, 3, 6, s.w}).value();
      std::span<float> xv = x_.span<float>();
      for (float& v : xv) v = coin(rng_) < density ? 1.0f : 0.0f;
      for (int64_t col : {63, 64, 127, 128})
        xv[(1 * 6 + 2) * s.w + col] = 1.0f;  // image 0, channel 1
      xv[(1 * 3 + 1) * 6 * s.w + 5 * s.w + s.w - 1] = -0.0f;  // image 1, channel 1, a -0
      w_ = Tensor::Create(DataType::kFloat32, {9, 3, s.k, s.k}).value();
      for (float& v : w_.span<float>()) v = value(rng_);
      for (bool non_finite : {false, true}) {
        if (non_finite) {
          w_.span<float>()[4] = std::numeric_limits<float>::infinity();
          w_.span<float>()[w_.num_elements() - 1] = std::numeric_limits<float>::quiet_NaN();
        }
        Tensor dense = Tensor::Create(DataType::kFloat32, OutDims()).value();
        Tensor sparse = Tensor::Create(DataType::kFloat32, OutDims()).value();
        std::unique_ptr<CpuKernel> ref = MakeConvKernel(OpType::kConv);
        ASSERT_OK(Run(*ref, dense, false));
        SparseConvKernel kernel(8);
        ASSERT_OK(Run(kernel, sparse, false));
        int nans = 0;
        for (float d : dense.span<float>()) nans += std::isnan(d);
        EXPECT_EQ(Mismatches(dense, sparse), 0) << "non-finite " << non_finite;
        EXPECT_EQ(nans > 0, non_finite);
      }
    }
  }
}

// The weight as the graph's constant, which Prepare checks and transposes once
// (the executor passes that tensor): the dense bits, finite or not.
TEST_F(SparseConvTest, ConstantWeightsPreparedOnceGiveTheDenseBits) {
  for (bool non_finite : {false, true}) {
    Setup({2, 16, 12, 12, 40, 3, 1, 1, 8, 0.1, true, true});
    if (non_finite) w_.span<float>()[7] = std::numeric_limits<float>::infinity();
    b_.graph().value(conv().inputs[1]).constant = w_;  // shares w_'s buffer
    Tensor dense = Tensor::Create(DataType::kFloat32, OutDims()).value();
    Tensor sparse = Tensor::Create(DataType::kFloat32, OutDims()).value();
    std::unique_ptr<CpuKernel> ref = MakeConvKernel(OpType::kConv);
    ASSERT_OK(Run(*ref, dense, true));
    SparseConvKernel kernel(8);
    ASSERT_OK(Run(kernel, sparse, true));
    EXPECT_EQ(kernel.last_scattered(), !non_finite);
    EXPECT_EQ(Mismatches(dense, sparse), 0) << "non-finite " << non_finite;
  }
}

TEST_F(SparseConvTest, CountsTilesAndSkipsZeroRegions) {
  Case c{1, 2, 20, 20, 3, 3, 1, 1, 8, 0.0, true, true};
  Setup(c);
  // One spike at (0, 0) of channel 1: only the top-left tile sees it (its halo
  // reaches one row/column into the neighbours, which do not cover (0,0)).
  x_.data<float>()[1 * 20 * 20] = 1.0f;
  Tensor dense = Tensor::Create(DataType::kFloat32, OutDims()).value();
  Tensor sparse = Tensor::Create(DataType::kFloat32, OutDims()).value();
  std::unique_ptr<CpuKernel> ref = MakeConvKernel(OpType::kConv);
  ASSERT_OK(Run(*ref, dense, true));
  SparseConvKernel kernel(8);
  ASSERT_OK(Run(kernel, sparse, true));
  EXPECT_EQ(kernel.tiles_total(), 9);  // ceil(20/8)^2
  EXPECT_EQ(kernel.tiles_skipped(), 8);
  for (size_t i = 0; i < dense.span<float>().size(); ++i) {
    ASSERT_EQ(dense.span<float>()[i], sparse.span<float>()[i]) << i;
  }
  // A spike on a tile border is seen through the halo by both neighbours.
  x_.data<float>()[1 * 20 * 20] = 0.0f;
  x_.data<float>()[1 * 20 * 20 + 8] = 1.0f;  // row 0, column 8: tiles 0 and 1
  ASSERT_OK(Run(kernel, sparse, true));
  EXPECT_EQ(kernel.tiles_skipped(), 7);
}

TEST_F(SparseConvTest, RejectsBadBlockAndMismatchedTensors) {
  Setup({1, 2, 8, 8, 2, 3, 1, 1, 4, 0.5, true, false});
  SparseConvKernel zero(0);
  EXPECT_THAT(zero.Prepare(b_.graph(), conv()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("conv_3"), HasSubstr("block"))));
  std::unique_ptr<CpuKernel> kernel = CreateSparseConvCpuKernel(4);
  ASSERT_OK(kernel->Prepare(b_.graph(), conv()));
  Tensor y = Tensor::Create(DataType::kFloat32, OutDims()).value();
  Tensor small_x = Tensor::Create(DataType::kFloat32, {1, 2, 4, 4}).value();
  std::vector<const Tensor*> in = {&small_x, &w_};
  Tensor* out[] = {&y};
  EXPECT_THAT(kernel->Compute(in, out),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("conv_3")));
  Tensor small_y = Tensor::Create(DataType::kFloat32, {1, 2, 4, 4}).value();
  in = {&x_, &w_};
  Tensor* small_out[] = {&small_y};
  EXPECT_THAT(kernel->Compute(in, small_out),
              StatusIs(absl::StatusCode::kInvalidArgument, AllOf(HasSubstr("conv_3"), HasSubstr("Y"))));
}

}  // namespace
}  // namespace sf
