// The FP16 tensor-core block-sparse conv (cuda/kernels/sparse_conv_f16.h)
// against the CPU reference conv of the same FP16 values (computed in float32)
// over shapes (C 3..512, H 7..224, N 1..32; 3x3/1x1, stride 1/2, pads 0/1 and
// asymmetric), densities 0..1, uniform and clustered spikes, spikes on every
// tile border and corner, NCHW and NHWC, tiles 4 and 8; and the GpuKernel that
// dispatches it for float16 convs. GPU tests skip without a GPU; the host
// helpers run anywhere.
#include "cuda/kernels/sparse_conv_f16.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cuda/kernels/fast_div.h"
#include "graph/float16.h"
#include "graph/passes/float16.h"
#include "graph/passes/layout.h"
#include "runtime/gpu/sparse_conv_kernel.h"
#include "tests/cuda/conv_cases.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/cuda/sparse_conv_cases.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::Case;
using ::sf::testing::CaseName;
using ::sf::testing::kHalfRel;
using ::sf::testing::kSumRel;
using ::sf::testing::MakeInput;
using ::sf::testing::NchwToNhwc;
using ::sf::testing::ParamsOf;
using ::sf::testing::RoundToHalf;
using ::sf::testing::RunSparseF16;
using ::sf::testing::ScopedEnv;
using ::sf::testing::ShapeOf;
using ::sf::testing::SparseF16Result;
using ::sf::testing::ToHalfBits;
using ::testing::HasSubstr;

// GPU FP16 sparse conv == CPU conv of the same FP16 values, within the FP16
// bound (sparse_conv_cases.h).
void ExpectMatchesCpu(const Case& c, bool nhwc, const std::vector<float>& x, bool with_bias,
                      std::mt19937& rng, const std::string& what) {
  const Conv2dParams p = ParamsOf(c);
  const std::vector<float> w =
      RoundToHalf(testing::RandomVector(static_cast<size_t>(p.c_out * p.c_in * c.k * c.k), rng));
  const std::vector<float> bias =
      with_bias ? RoundToHalf(testing::RandomVector(static_cast<size_t>(p.c_out), rng))
                : std::vector<float>{};
  const std::vector<float> xh = RoundToHalf(x);
  absl::StatusOr<SparseF16Result> gpu = RunSparseF16(ShapeOf(c, false), nhwc, xh, w, bias);
  ASSERT_TRUE(gpu.ok()) << what << ": " << gpu.status();
  testing::ExpectMatchesHalfConv(p, gpu->y, xh, w, bias, what);
}

// n, c_in, h, w, c_out, k, stride, pads (top, left, bottom, right), tile.
const std::vector<Case>& Shapes() {
  static const std::vector<Case> shapes = {
      {2, 3, 13, 11, 7, 3, 1, 1, 1, 1, 1, 4},    {2, 5, 17, 19, 9, 3, 2, 1, 1, 1, 1, 8},
      {1, 37, 10, 9, 65, 1, 1, 0, 0, 0, 0, 4},   {2, 16, 15, 15, 33, 1, 2, 0, 0, 0, 0, 8},
      {1, 130, 9, 12, 129, 3, 1, 1, 1, 1, 1, 8}, {1, 256, 7, 7, 256, 3, 2, 1, 1, 1, 1, 4},
      {3, 24, 20, 6, 70, 3, 1, 0, 0, 0, 0, 8},   {2, 64, 8, 8, 64, 3, 1, 1, 1, 1, 1, 8},
      {1, 19, 33, 31, 21, 3, 1, 1, 1, 1, 1, 8},  {2, 6, 11, 10, 12, 3, 1, 1, 0, 0, 1, 4},
      {1, 7, 9, 13, 6, 3, 2, 0, 1, 1, 0, 4},     {1, 10, 6, 6, 3, 1, 1, 1, 1, 1, 1, 4},
      {32, 16, 8, 8, 32, 3, 1, 1, 1, 1, 1, 4},   {1, 512, 7, 7, 512, 3, 1, 1, 1, 1, 1, 4},
      {1, 64, 56, 56, 64, 3, 1, 1, 1, 1, 1, 8},  {1, 128, 28, 28, 256, 1, 2, 0, 0, 0, 0, 8},
      {1, 3, 224, 224, 16, 3, 2, 1, 1, 1, 1, 8}};
  return shapes;
}

// The build carries real sm_80+ code for the tensor-core kernels on this GPU
// (a build for older targets only would hold trapping stubs; the runtime then
// runs cuDNN and says why).
TEST(SparseConvF16BuildTest, CarriesTheTensorCoreKernelsForThisGpu) {
  SF_SKIP_WITHOUT_GPU();
  int major = 0;
  ASSERT_EQ(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, 0), cudaSuccess);
  if (major < 8) GTEST_SKIP() << "compute capability " << major << ".x has no tensor-core path";
  EXPECT_STREQ(cuda::SparseConvF16BuildUnsupportedReason(), "");
}

TEST(SparseConvF16HostTest, RepackGroupsChannelsAndPadsOutputChannels) {
  // c_out 2, c_in 3, 1x1: w[k][c] = 10k + c + 1 (as bit patterns: a pure copy).
  const std::vector<uint16_t> w = {1, 2, 3, 11, 12, 13};
  std::vector<uint16_t> out(static_cast<size_t>(cuda::SparseConvF16PackedWeightElems(2, 3, 1)));
  ASSERT_EQ(out.size(), 64u * 16u);  // one group, one tap, 64 output channels x 16 inputs
  cuda::RepackSparseConvF16Weights(w.data(), 2, 3, 1, /*krsc=*/false, out.data());
  EXPECT_EQ(std::vector<uint16_t>(out.begin(), out.begin() + 4),
            (std::vector<uint16_t>{1, 2, 3, 0}));
  EXPECT_EQ(std::vector<uint16_t>(out.begin() + 16, out.begin() + 20),
            (std::vector<uint16_t>{11, 12, 13, 0}));
  EXPECT_EQ(out[32], 0);
  // KRSC gives the same packing as KCRS for the same weights.
  std::mt19937 rng(1);
  const std::vector<float> wf = testing::RandomVector(5 * 20 * 9, rng);
  std::vector<uint16_t> a(static_cast<size_t>(cuda::SparseConvF16PackedWeightElems(5, 20, 3)));
  std::vector<uint16_t> b(a.size());
  cuda::RepackSparseConvF16Weights(ToHalfBits(wf).data(), 5, 20, 3, false, a.data());
  const std::vector<uint16_t> krsc = ToHalfBits(NchwToNhwc(wf, 5, 20, 3, 3));
  cuda::RepackSparseConvF16Weights(krsc.data(), 5, 20, 3, true, b.data());
  EXPECT_EQ(a, b);
}

// The kernels' division by a divisor fixed on the host (the tile's place in
// the batch, the vector's pixel): the same quotient as `/` for divisors up to
// past 2^16 and dividends up to 2^31 - 1.
TEST(SparseConvF16HostTest, FastDivGivesTheQuotient) {
  using cuda::sparse_detail::Div;
  using cuda::sparse_detail::MakeFastDiv;
  int checked = 0;
  for (int d = 1; d <= 100000; d = d < 3000 ? d + 1 : d * 3 / 2) {
    const cuda::sparse_detail::FastDiv f = MakeFastDiv(d);
    for (int n : {0, 1, d - 1, d, d + 1, 2 * d - 1, 2 * d, 65535, 1 << 20, (1 << 30) + 7,
                  2147483646, 2147483647}) {
      ASSERT_EQ(Div(n, f), n / d) << n << " / " << d;
    }
    for (int n = 0; n < 2 * d + 64; ++n) {
      ASSERT_EQ(Div(n, f), n / d) << n << " / " << d;
      ++checked;
    }
  }
  EXPECT_GT(checked, 9000000);
}

TEST(SparseConvF16HostTest, SupportedShapesAndTiles) {
  EXPECT_EQ(cuda::SparseConvF16TileFor(16), 8);
  EXPECT_EQ(cuda::SparseConvF16TileFor(8), 8);
  EXPECT_EQ(cuda::SparseConvF16TileFor(4), 4);
  EXPECT_EQ(cuda::SparseConvF16TileFor(1), 4);
  cuda::SparseConvShape s = ShapeOf(Shapes()[0], true);
  EXPECT_EQ(std::string(cuda::SparseConvF16UnsupportedReason(s)), "");
  s.tile = 5;
  EXPECT_THAT(cuda::SparseConvF16UnsupportedReason(s), HasSubstr("4 or 8"));
  s.tile = 4;
  s.c_out = (int64_t{1} << 21) + 8;  // past what the bias store's quotients cover
  EXPECT_THAT(cuda::SparseConvF16UnsupportedReason(s), HasSubstr("c_out is larger"));
  s = ShapeOf(Shapes()[1], true);  // tile 8
  for (int chunk : {16, 32, 64}) {
    s.cout_chunk = chunk;
    EXPECT_EQ(std::string(cuda::SparseConvF16UnsupportedReason(s)), "") << chunk;
  }
  s.cout_chunk = 48;
  EXPECT_THAT(cuda::SparseConvF16UnsupportedReason(s), HasSubstr("output channels per work item"));
  s = ShapeOf(Shapes()[0], true);  // tile 4
  s.cout_chunk = 32;
  EXPECT_EQ(std::string(cuda::SparseConvF16UnsupportedReason(s)), "");
  EXPECT_EQ(cuda::SparseConvF16TilesPerItem(s), 1);  // 32-channel chunks: one tile
  s.cout_chunk = 16;
  EXPECT_THAT(cuda::SparseConvF16UnsupportedReason(s), HasSubstr("output channels per work item"));
  s = ShapeOf(Shapes()[0], true);  // tile 4, 3x3 stride 1: four tiles per item
  EXPECT_EQ(cuda::SparseConvF16TilesPerItem(s), 4);
  s.stride = 2;  // 3x3 stride 2: two (9x9 halos)
  EXPECT_EQ(cuda::SparseConvF16TilesPerItem(s), 2);
  s.group_tiles = false;
  EXPECT_EQ(cuda::SparseConvF16TilesPerItem(s), 1);
  // Three stages of halos (rows of 24 halves) and one group's weights: 3x3
  // stride 1 tile 4 holds 6x6 halos, one or four of them.
  s.stride = 1;
  EXPECT_EQ(cuda::SparseConvF16SharedBytes(s), 3u * 2 * (36 * 24 + 9 * 64 * 24));
  s.group_tiles = true;
  EXPECT_EQ(cuda::SparseConvF16SharedBytes(s), 3u * 2 * (4 * 36 * 24 + 9 * 64 * 24));
  // Tile 8: two tiles at 32 channels and stride 1.
  s = ShapeOf(Shapes()[4], true);                    // tile 8, 3x3 stride 1
  EXPECT_EQ(cuda::SparseConvF16TilesPerItem(s), 1);  // 64-channel chunks: one tile
  s.cout_chunk = 32;
  EXPECT_EQ(cuda::SparseConvF16TilesPerItem(s), 2);
  EXPECT_EQ(cuda::SparseConvF16SharedBytes(s), 3u * 2 * (2 * 100 * 24 + 9 * 32 * 24));
  s.stride = 2;
  EXPECT_EQ(cuda::SparseConvF16TilesPerItem(s), 1);
  s = ShapeOf(Shapes()[3], true);  // tile 8, 1x1 stride 2
  s.cout_chunk = 32;
  EXPECT_EQ(cuda::SparseConvF16TilesPerItem(s), 1);
  s.stride = 1;
  EXPECT_EQ(cuda::SparseConvF16TilesPerItem(s), 2);
  s = ShapeOf(Shapes()[0], true);
  s.ksize = 5;
  EXPECT_THAT(cuda::SparseConvF16UnsupportedReason(s), HasSubstr("kernel size"));
  EXPECT_GT(cuda::SparseConvF16WorkspaceBytes(ShapeOf(Shapes()[0], true)), 0u);
}

TEST(SparseConvF16GpuTest, MatchesCpuOverShapesDensitiesAndLayouts) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(21);
  int run = 0;
  for (const Case& c : Shapes()) {
    const Conv2dParams p = ParamsOf(c);
    const bool big = p.n * p.c_in * p.h * p.w * p.c_out * c.k * c.k > (int64_t{1} << 28);
    for (double density : {0.0, 1e-4, 1e-3, 0.01, 0.1, 0.5, 1.0}) {
      for (bool binary : {true, false}) {
        if (big && !binary) continue;  // CPU reference time
        const bool clustered = ++run % 3 == 0;
        const std::vector<float> x = MakeInput(p, density, binary, clustered, rng);
        for (bool nhwc : {false, true}) {
          const bool with_bias = (run + nhwc) % 2 == 0;
          ExpectMatchesCpu(
              c, nhwc, x, with_bias, rng,
              absl::StrCat(CaseName(c), nhwc ? " nhwc" : " nchw", " density ", density,
                           binary ? " binary" : " values", clustered ? " clustered" : " uniform",
                           with_bias ? " bias" : ""));
        }
      }
    }
  }
}

TEST(SparseConvF16GpuTest, SingleSpikeAtEveryTileEdgeAndCorner) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(22);
  // 19x19: with tile 8 rows/cols 0, 7, 8, 15, 16 are tile edges, 18 the image edge.
  const std::vector<Case> cases = {{1, 20, 19, 19, 5, 3, 1, 1, 1, 1, 1, 8},
                                   {1, 20, 19, 19, 70, 3, 2, 1, 1, 1, 1, 4},
                                   {1, 20, 19, 19, 5, 1, 2, 0, 0, 0, 0, 4},
                                   {1, 20, 19, 19, 5, 3, 1, 0, 0, 0, 0, 8},
                                   {1, 20, 19, 19, 8, 3, 2, 1, 1, 1, 1, 8}};
  const int64_t edges[] = {0, 1, 3, 4, 7, 8, 9, 15, 16, 17, 18};
  for (const Case& c : cases) {
    const Conv2dParams p = ParamsOf(c);
    for (int64_t r : edges) {
      for (int64_t col : edges) {
        std::vector<float> x(static_cast<size_t>(p.c_in * p.h * p.w), 0.0f);
        const int64_t channel = (r * 3 + col) % p.c_in;  // both channel groups
        x[(channel * p.h + r) * p.w + col] = 1.0f;
        for (bool nhwc : {false, true}) {
          ExpectMatchesCpu(c, nhwc, x, true, rng,
                           absl::StrCat(CaseName(c), nhwc ? " nhwc" : " nchw", " spike at ", r, ",",
                                        col, " channel ", channel));
        }
      }
    }
  }
}

// The (tile, 16-channel group) pairs some output of the tile reads a
// non-zero of (-0 is zero), counted on the host from the conv's taps, not
// from tile windows: what the prescan's counters must say.
cuda::SparseConvCounters CountReadGroups(const Case& c, const std::vector<float>& x) {
  const Conv2dParams p = ParamsOf(c);
  const int64_t tiles_y = (p.out_h + c.tile - 1) / c.tile,
                tiles_x = (p.out_w + c.tile - 1) / c.tile;
  const int64_t groups = (p.c_in + 15) / 16;
  cuda::SparseConvCounters want;
  for (int64_t n = 0; n < p.n; ++n) {
    for (int64_t ty = 0; ty < tiles_y; ++ty) {
      for (int64_t tx = 0; tx < tiles_x; ++tx) {
        std::vector<bool> read(static_cast<size_t>(groups), false);
        for (int64_t oy = ty * c.tile; oy < std::min(p.out_h, (ty + 1) * c.tile); ++oy) {
          for (int64_t ox = tx * c.tile; ox < std::min(p.out_w, (tx + 1) * c.tile); ++ox) {
            for (int ky = 0; ky < c.k; ++ky) {
              for (int kx = 0; kx < c.k; ++kx) {
                const int64_t iy = oy * c.stride - c.pad_top + ky;
                const int64_t ix = ox * c.stride - c.pad_left + kx;
                if (iy < 0 || iy >= p.h || ix < 0 || ix >= p.w) continue;
                for (int64_t ch = 0; ch < p.c_in; ++ch) {
                  if (x[static_cast<size_t>(((n * p.c_in + ch) * p.h + iy) * p.w + ix)] != 0.0f) {
                    read[static_cast<size_t>(ch / 16)] = true;
                  }
                }
              }
            }
          }
        }
        int active = 0;
        for (bool r : read) active += r;
        ++(active > 0 ? want.active_tiles : want.empty_tiles);
        want.active_groups += active;
      }
    }
  }
  return want;
}

// The prescan's counters equal that host count in both layouts: channel
// counts that are and are not multiples of 8 and 16 (NHWC scans 16-byte
// vectors where c_in % 8 == 0), window rows of more vectors than a block has
// threads (512 channels), 1x1 stride 2 (rows and columns no output reads, all
// non-zero in one input: no tile active), -0 inputs.
TEST(SparseConvF16GpuTest, PrescanCountsExactlyTheGroupsTheTilesRead) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(27);
  const std::vector<Case> cases = {
      {2, 16, 15, 15, 33, 1, 2, 0, 0, 0, 0, 8}, {2, 64, 17, 17, 16, 1, 2, 0, 0, 0, 0, 4},
      {1, 24, 20, 6, 70, 3, 1, 0, 0, 0, 0, 8},  {1, 40, 24, 24, 72, 3, 1, 1, 1, 1, 1, 4},
      {1, 512, 9, 9, 32, 3, 2, 1, 1, 1, 1, 8},  {2, 37, 13, 11, 9, 3, 2, 1, 0, 0, 1, 8},
      {1, 128, 16, 16, 16, 3, 1, 1, 1, 1, 1, 8}};
  for (const Case& c : cases) {
    const Conv2dParams p = ParamsOf(c);
    const std::vector<float> w =
        RoundToHalf(testing::RandomVector(static_cast<size_t>(p.c_out * p.c_in * c.k * c.k), rng));
    std::vector<std::pair<std::string, std::vector<float>>> inputs;
    for (double density : {0.002, 0.02, 0.2}) {
      inputs.emplace_back(absl::StrCat("density ", density),
                          MakeInput(p, density, true, false, rng));
    }
    std::vector<float> neg = MakeInput(p, 0.05, true, false, rng);
    for (size_t i = 0; i < neg.size(); i += 2) neg[i] = neg[i] != 0.0f ? -0.0f : 0.0f;
    inputs.emplace_back("half -0", neg);
    if (c.k == 1 && c.stride == 2) {  // odd rows and odd columns only: never read
      std::vector<float> unread(static_cast<size_t>(p.n * p.c_in * p.h * p.w), 0.0f);
      for (int64_t i = 0; i < static_cast<int64_t>(unread.size()); ++i) {
        const int64_t col = i % p.w, row = i / p.w % p.h;
        if (row % 2 == 1 || col % 2 == 1) unread[static_cast<size_t>(i)] = 1.0f;
      }
      inputs.emplace_back("unread rows and columns", unread);
    }
    for (const auto& [name, x] : inputs) {
      const cuda::SparseConvCounters want = CountReadGroups(c, x);
      for (bool nhwc : {false, true}) {
        const std::string what = absl::StrCat(CaseName(c), nhwc ? " nhwc " : " nchw ", name);
        ASSERT_OK_AND_ASSIGN(SparseF16Result got, RunSparseF16(ShapeOf(c, true), nhwc, x, w, {}));
        EXPECT_EQ(got.counters.active_tiles, want.active_tiles) << what;
        EXPECT_EQ(got.counters.empty_tiles, want.empty_tiles) << what;
        EXPECT_EQ(got.counters.active_groups, want.active_groups) << what;
      }
    }
  }
}

TEST(SparseConvF16GpuTest, DeterministicAndSkipsEmptyWork) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(23);
  const Case c{2, 40, 24, 24, 72, 3, 1, 1, 1, 1, 1, 8};
  const Conv2dParams p = ParamsOf(c);
  const std::vector<float> w = RoundToHalf(testing::RandomVector(72 * 40 * 9, rng));
  const std::vector<float> bias = RoundToHalf(testing::RandomVector(72, rng));
  const std::vector<float> x = RoundToHalf(MakeInput(p, 0.05, false, true, rng));
  for (bool nhwc : {false, true}) {
    ASSERT_OK_AND_ASSIGN(SparseF16Result a, RunSparseF16(ShapeOf(c, false), nhwc, x, w, bias));
    ASSERT_OK_AND_ASSIGN(SparseF16Result b, RunSparseF16(ShapeOf(c, false), nhwc, x, w, bias));
    EXPECT_EQ(std::memcmp(a.y.data(), b.y.data(), a.y.size() * sizeof(float)), 0);
    EXPECT_EQ(a.counters.active_tiles + a.counters.empty_tiles, 2 * 3 * 3);

    const std::vector<float> zeros(x.size(), 0.0f);
    ASSERT_OK_AND_ASSIGN(SparseF16Result z, RunSparseF16(ShapeOf(c, true), nhwc, zeros, w, bias));
    EXPECT_EQ(z.counters.active_tiles, 0);
    EXPECT_EQ(z.counters.active_groups, 0);
    for (int64_t i = 0; i < static_cast<int64_t>(z.y.size()); ++i) {
      ASSERT_EQ(z.y[i], bias[(i / (p.out_h * p.out_w)) % 72]) << "bias only at " << i;
    }
    const std::vector<float> ones(x.size(), 1.0f);
    ASSERT_OK_AND_ASSIGN(SparseF16Result o, RunSparseF16(ShapeOf(c, true), nhwc, ones, w, bias));
    EXPECT_EQ(o.counters.active_tiles, 18);
    EXPECT_EQ(o.counters.active_groups, 18 * 3);  // 40 channels: groups of 16, 16, 8
    // 16 (tile 8) or 32 output channels per work item instead of 64: the
    // same bits (each output adds the same products in the same order).
    for (int tile : {8, 4}) {
      cuda::SparseConvShape s64 = ShapeOf(c, false);
      s64.tile = tile;
      ASSERT_OK_AND_ASSIGN(SparseF16Result want, RunSparseF16(s64, nhwc, x, w, bias));
      for (int chunk : {16, 32}) {
        if (tile == 4 && chunk == 16) continue;
        cuda::SparseConvShape sc = s64;
        sc.cout_chunk = chunk;
        ASSERT_OK_AND_ASSIGN(SparseF16Result got, RunSparseF16(sc, nhwc, x, w, bias));
        EXPECT_EQ(std::memcmp(want.y.data(), got.y.data(), want.y.size() * sizeof(float)), 0)
            << "tile " << tile << " chunk " << chunk << (nhwc ? " nhwc" : " nchw");
        EXPECT_EQ(got.counters.active_tiles, want.counters.active_tiles);
        EXPECT_EQ(got.counters.active_groups, want.counters.active_groups);
      }
    }
    // A tile whose only non-zero is -0 is empty (-0 adds nothing).
    std::vector<float> neg_zero(x.size(), -0.0f);
    ASSERT_OK_AND_ASSIGN(SparseF16Result nz,
                         RunSparseF16(ShapeOf(c, true), nhwc, neg_zero, w, bias));
    EXPECT_EQ(nz.counters.active_tiles, 0);
  }
}

// Items of two 8x8 tiles and of four 4x4 ones (512 (tile, chunk) pairs, more
// than the blocks of any GPU: the kernels group): the same bits run after run
// and as one tile per item. Small enough for compute-sanitizer's racecheck
// and synccheck, which GroupedTilesGiveTheSameBitsAsOneTilePerItem is not.
TEST(SparseConvF16GpuTest, DeterministicWithGroupedTiles) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(28);
  for (const Case& c : {Case{16, 24, 32, 32, 64, 3, 1, 1, 1, 1, 1, 8},
                        Case{8, 24, 16, 16, 128, 3, 1, 1, 1, 1, 1, 4}}) {
    const Conv2dParams p = ParamsOf(c);
    const std::vector<float> w =
        RoundToHalf(testing::RandomVector(p.c_out * p.c_in * c.k * c.k, rng));
    const std::vector<float> bias = RoundToHalf(testing::RandomVector(p.c_out, rng));
    const std::vector<float> x = RoundToHalf(MakeInput(p, 0.5, true, false, rng));
    for (bool nhwc : {false, true}) {
      const std::string what = absl::StrCat(CaseName(c), nhwc ? " nhwc" : " nchw");
      cuda::SparseConvShape grouped = ShapeOf(c, true);
      grouped.cout_chunk = cuda::SparseConvF16ChunkFor(c.tile);
      ASSERT_GT(cuda::SparseConvF16TilesPerItem(grouped), 1) << what;
      cuda::SparseConvShape single = grouped;
      single.group_tiles = false;
      ASSERT_OK_AND_ASSIGN(SparseF16Result a, RunSparseF16(grouped, nhwc, x, w, bias));
      ASSERT_OK_AND_ASSIGN(SparseF16Result b, RunSparseF16(grouped, nhwc, x, w, bias));
      ASSERT_OK_AND_ASSIGN(SparseF16Result one, RunSparseF16(single, nhwc, x, w, bias));
      EXPECT_EQ(a.counters.active_tiles, p.n * (p.out_h / c.tile) * (p.out_w / c.tile)) << what;
      EXPECT_EQ(std::memcmp(a.y.data(), b.y.data(), a.y.size() * sizeof(float)), 0) << what;
      EXPECT_EQ(std::memcmp(a.y.data(), one.y.data(), a.y.size() * sizeof(float)), 0) << what;
    }
  }
}

// Several active tiles per work item (tile 4 at 64 channels, tile 8 at 32
// and stride 1) against one tile per item: the same bits, whether the
// kernel takes one tile per item (few active tiles) or groups them (more
// (tile, chunk) pairs than blocks), with partial last items, both layouts,
// every kernel size and stride.
TEST(SparseConvF16GpuTest, GroupedTilesGiveTheSameBitsAsOneTilePerItem) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(27);
  // n, c_in, h, w, c_out, k, stride, pads (top, left, bottom, right), tile.
  // The first four have 512-4096 (tile, chunk) pairs when dense, more than an
  // H100's or H200's resident blocks of the grouped kernel: the work list is
  // cut into items of several tiles. The rest take one tile per item there.
  // NHWC also runs the occupied conv (masks instead of the work list), which
  // groups by the same rule on the count of active tiles.
  const std::vector<Case> cases = {{64, 64, 14, 14, 256, 3, 1, 1, 1, 1, 1, 4},
                                   {64, 48, 16, 16, 128, 3, 2, 1, 1, 1, 1, 4},
                                   {64, 64, 16, 16, 192, 1, 1, 0, 0, 0, 0, 4},
                                   {64, 32, 16, 15, 256, 1, 2, 0, 0, 0, 0, 4},
                                   {16, 48, 14, 14, 64, 3, 1, 1, 1, 1, 1, 4},
                                   {8, 40, 13, 15, 70, 3, 2, 1, 1, 1, 1, 4},
                                   {16, 64, 12, 12, 128, 1, 1, 0, 0, 0, 0, 4},
                                   {8, 32, 15, 13, 64, 1, 2, 0, 0, 0, 0, 4},
                                   {9, 20, 9, 11, 24, 3, 1, 0, 1, 1, 0, 4},
                                   // Tile 8 (32-channel chunks): 512-1024 pairs when dense.
                                   {64, 64, 16, 16, 128, 3, 1, 1, 1, 1, 1, 8},
                                   {64, 32, 16, 16, 64, 1, 1, 0, 0, 0, 0, 8},
                                   {32, 48, 24, 24, 96, 3, 1, 1, 1, 1, 1, 8},
                                   {9, 20, 19, 21, 40, 3, 1, 0, 1, 1, 0, 8}};
  for (const Case& c : cases) {
    const Conv2dParams p = ParamsOf(c);
    const std::vector<float> w =
        RoundToHalf(testing::RandomVector(p.c_out * p.c_in * c.k * c.k, rng));
    const std::vector<float> bias = RoundToHalf(testing::RandomVector(p.c_out, rng));
    for (double density : {1e-3, 0.02, 0.2, 1.0}) {
      const std::vector<float> x = RoundToHalf(MakeInput(p, density, true, density < 0.1, rng));
      for (bool nhwc : {false, true}) {
        const std::string what =
            absl::StrCat(CaseName(c), nhwc ? " nhwc" : " nchw", " density ", density);
        cuda::SparseConvShape grouped = ShapeOf(c, true);
        grouped.cout_chunk = cuda::SparseConvF16ChunkFor(c.tile);
        ASSERT_GT(cuda::SparseConvF16TilesPerItem(grouped), 1) << what;
        cuda::SparseConvShape single = grouped;
        single.group_tiles = false;
        EXPECT_EQ(cuda::SparseConvF16TilesPerItem(single), 1);
        ASSERT_OK_AND_ASSIGN(SparseF16Result want, RunSparseF16(single, nhwc, x, w, bias));
        ASSERT_OK_AND_ASSIGN(SparseF16Result got, RunSparseF16(grouped, nhwc, x, w, bias));
        EXPECT_EQ(std::memcmp(want.y.data(), got.y.data(), want.y.size() * sizeof(float)), 0)
            << what;
        EXPECT_EQ(got.counters.active_tiles, want.counters.active_tiles) << what;
        EXPECT_EQ(got.counters.active_groups, want.counters.active_groups) << what;
        if (!nhwc) continue;
        ASSERT_OK_AND_ASSIGN(SparseF16Result occupied,
                             RunSparseF16(grouped, nhwc, x, w, bias, /*occupied=*/true));
        EXPECT_EQ(std::memcmp(want.y.data(), occupied.y.data(), want.y.size() * sizeof(float)), 0)
            << what << ", occupied";
        EXPECT_EQ(occupied.counters.active_tiles, want.counters.active_tiles) << what;
        EXPECT_EQ(occupied.counters.active_groups, want.counters.active_groups) << what;
      }
    }
  }
}

// A one-conv graph of FP16 values (weights, bias and spikes at 5%), its input,
// and the CPU run of the float32 graph; `graph` converted to float16 (and
// channels-last when nhwc) and `plan` marking the conv sparse with `block`.
struct PlannedF16Conv {
  Graph graph;
  Plan plan;
  Tensor x;
  std::vector<Tensor> want;
};

absl::StatusOr<PlannedF16Conv> MakePlannedF16Conv(const Case& c, bool nhwc, int block,
                                                  SparseMode mode, std::mt19937& rng) {
  const Conv2dParams p = ParamsOf(c);
  auto built =
      testing::OneNodeGraphBuilder(OpType::kConv, "conv_f16")
          .Input(DataType::kFloat32, {p.n, p.c_in, p.h, p.w})
          .ConstantInput(testing::RandomHalf({p.c_out, p.c_in, c.k, c.k}, rng))
          .ConstantInput(testing::RandomHalf({p.c_out}, rng))
          .Output(DataType::kFloat32, {p.n, p.c_out, p.out_h, p.out_w})
          .Attr("kernel_shape", std::vector<int64_t>{c.k, c.k})
          .Attr("strides", std::vector<int64_t>{c.stride, c.stride})
          .Attr("pads", std::vector<int64_t>{c.pad_top, c.pad_left, c.pad_bottom, c.pad_right})
          .Build();
  PlannedF16Conv out;
  SF_ASSIGN_OR_RETURN(out.x, Tensor::Create(DataType::kFloat32, {p.n, p.c_in, p.h, p.w}));
  const std::vector<float> spikes = MakeInput(p, 0.05, true, true, rng);
  std::copy(spikes.begin(), spikes.end(), out.x.data<float>());
  SF_ASSIGN_OR_RETURN(out.want, testing::RunCpu(built.graph, {out.x}));
  out.graph = built.graph;
  SF_RETURN_IF_ERROR(ConvertToFloat16(out.graph, GpuKernelRunsFloat16).status());
  if (nhwc) SF_RETURN_IF_ERROR(ConvertToNhwc(out.graph, GpuKernelRunsNhwc).status());
  out.plan = testing::PlanFor(out.graph);
  out.plan.sparse_mode = mode;
  for (PlanStep& step : out.plan.steps) {
    if (step.op != OpType::kConv) continue;
    step.kernel = "sparse";
    step.block = block;
    step.input_class = ValueClass::kBinary;
  }
  return out;
}

// The description of the executor's tensor-core sparse conv ("" if none).
std::string TensorCoreDescription(const GpuExecutor& gpu) {
  for (const std::string& d : gpu.KernelDescriptions()) {
    if (d.find("sparse fp16 tensor-core") != std::string::npos) return d;
  }
  return "";
}

// A one-conv float16 graph (channels-last when nhwc) planned sparse with
// block 16, through GpuExecutor in mode kOn, against the CPU run of the
// float32 graph of the same FP16 values.
TEST(SparseConvF16GpuTest, ExecutorRunsPlannedFloat16SparseConvs) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(24);
  for (const Case& c :
       {Case{2, 32, 32, 32, 48, 3, 1, 1, 1, 1, 1, 0}, Case{2, 24, 17, 15, 24, 3, 2, 1, 1, 1, 1, 0},
        Case{1, 40, 9, 9, 20, 1, 2, 0, 0, 0, 0, 0}}) {
    for (bool nhwc : {false, true}) {
      const std::string what = absl::StrCat(CaseName(c), nhwc ? " nhwc" : " nchw");
      ASSERT_OK_AND_ASSIGN(PlannedF16Conv t, MakePlannedF16Conv(c, nhwc, 16, SparseMode::kOn, rng));
      ASSERT_OK_AND_ASSIGN(auto gpu, GpuExecutor::Create(t.graph, t.plan, 0));
      ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, gpu->Run(std::vector<Tensor>{t.x}));
      const std::string d = TensorCoreDescription(*gpu);
      ASSERT_NE(d, "") << what;
      EXPECT_THAT(d, HasSubstr(nhwc ? "nhwc tile 8" : "tile 8")) << what;
      EXPECT_THAT(d, HasSubstr("chosen: sparse, sparse mode on")) << what;
      const double taps = static_cast<double>(c.c_in * c.k * c.k);
      // Input, weights and bias are FP16 values: the output rounding only.
      testing::ExpectClose(got[0], t.want[0], kHalfRel * 2, kSumRel * taps + 1e-3, what);
    }
  }
}

// Tile 4 groups active tiles per work item in mode on (and with
// SF_SPARSE_F16_GROUP_TILES=on), not in auto (and not with =off); the plan
// shows it and the output bits are the same either way.
TEST(SparseConvF16GpuTest, Tile4GroupsTilesInModeOn) {
  SF_SKIP_WITHOUT_GPU();
  if (const char* why = cuda::SparseConvF16BuildUnsupportedReason(); *why != '\0') {
    GTEST_SKIP() << why;
  }
  // kAuto would also time the spike gather on NHWC: the tensor-core kernel only.
  const ScopedEnv kernel("SF_SPARSE_F16_KERNEL", "tensor-core");
  const Case c{8, 32, 12, 12, 48, 3, 1, 1, 1, 1, 1, 0};
  for (bool nhwc : {false, true}) {
    const std::string what = nhwc ? "nhwc" : "nchw";
    std::vector<std::vector<Tensor>> outs;
    for (auto [mode, env, grouped] :
         {std::tuple{SparseMode::kOn, static_cast<const char*>(nullptr), true},
          std::tuple{SparseMode::kOn, "off", false}, std::tuple{SparseMode::kAuto, "on", true},
          std::tuple{SparseMode::kAuto, static_cast<const char*>(nullptr), false}}) {
      const ScopedEnv scoped("SF_SPARSE_F16_GROUP_TILES", env);
      std::mt19937 same(29);  // the same graph and input each time
      ASSERT_OK_AND_ASSIGN(PlannedF16Conv t, MakePlannedF16Conv(c, nhwc, 4, mode, same));
      ASSERT_OK_AND_ASSIGN(auto gpu, GpuExecutor::Create(t.graph, t.plan, 0));
      ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, gpu->Run(std::vector<Tensor>{t.x}));
      const std::string d = TensorCoreDescription(*gpu);
      ASSERT_NE(d, "") << what;
      EXPECT_THAT(d, HasSubstr("tile 4")) << what << ": " << d;
      EXPECT_EQ(d.find("up to 4 tiles per item") != std::string::npos, grouped)
          << what << " mode " << static_cast<int>(mode) << " env " << (env ? env : "-") << ": "
          << d;
      if (mode == SparseMode::kOn) outs.push_back(std::move(got));
    }
    ASSERT_EQ(outs.size(), 2u);
    testing::ExpectClose(outs[1][0], outs[0][0], 0, 0, what + " grouped vs one tile");
  }
}

}  // namespace
}  // namespace sf
