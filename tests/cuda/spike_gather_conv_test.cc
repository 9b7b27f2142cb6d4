// The FP16 spike-gather conv (cuda/kernels/spike_gather_conv.h) against the
// CPU reference conv of the same FP16 values (computed in float32) over shapes
// (C_in 1..512, C_out 1..512, H/W 1..64 square and not, N 1..8; kernels 1..7,
// strides 1..4, pads 0..3 and asymmetric, with and without bias), binary
// densities 0..1 uniform and clustered, single spikes at every input pixel
// around the 8x8 output tiles' borders and corners, all-ones inputs at C_in up
// to 512, inputs whose non-zeros are not 1; that two launches give the same
// bits, and that it agrees with the tensor-core kernel (sparse_conv_f16.h).
// Through GpuExecutor (runtime/gpu/sparse_conv_kernel.cc): a float16
// channels-last graph of binary-input convs planned sparse runs the gather
// kernel when SF_SPARSE_F16_KERNEL=gather forces it (a CUDA-graph replay gives
// the same bits), kAuto times it against the tensor-core kernel,
// =tensor-core never runs it, and any other value fails Create.
// The host helpers (chunk width, support, weight repacking) run anywhere; GPU
// tests skip without a GPU.
#include "cuda/kernels/spike_gather_conv.h"

#include <cuda_runtime.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <optional>
#include <ostream>
#include <random>
#include <regex>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "cuda/kernels/compact_spike_conv.h"
#include "graph/float16.h"
#include "graph/passes/float16.h"
#include "graph/passes/layout.h"
#include "runtime/gpu/gpu_executor.h"
#include "tests/cuda/conv_cases.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/cuda/sparse_conv_cases.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::Abs;
using ::sf::testing::Case;
using ::sf::testing::CaseName;
using ::sf::testing::CpuConv;
using ::sf::testing::DownloadHalves;
using ::sf::testing::ExpectMatchesHalfConv;
using ::sf::testing::kHalfRel;
using ::sf::testing::kSubnormal;
using ::sf::testing::kSumRel;
using ::sf::testing::MakeInput;
using ::sf::testing::NchwToNhwc;
using ::sf::testing::NhwcToNchw;
using ::sf::testing::ParamsOf;
using ::sf::testing::RoundToHalf;
using ::sf::testing::RunSparseF16;
using ::sf::testing::ScopedEnv;
using ::sf::testing::ShapeOf;
using ::sf::testing::SparseF16Result;
using ::sf::testing::ToHalfBits;
using ::sf::testing::Upload;
using ::sf::testing::UploadHalfNans;
using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::StartsWith;

// The kernels this file tests: the spike gather on CUDA cores
// (spike_gather_conv.h) and the channel-compacted tensor-core conv
// (compact_spike_conv.h), both without a prescan.
enum class Kernel { kGather, kCompact };

std::string KernelName(Kernel k) { return k == Kernel::kGather ? "gather" : "compact"; }

// For gtest's test names and messages.
void PrintTo(Kernel k, std::ostream* os) { *os << KernelName(k); }

// Runs LaunchSpikeGatherConvF16 (or LaunchCompactSpikeConvF16) on device 0
// for x NCHW and w KCRS (float values that are FP16-representable; x is
// transposed to NHWC here, and the weights repacked from KRSC when krsc, else
// from KCRS) and returns y as NCHW floats. x and y start `offset` halves into
// their buffers (1: only 2-byte aligned, so the kernel takes its narrow loads
// and stores).
absl::StatusOr<std::vector<float>> RunGather(const cuda::SparseConvShape& s,
                                             const std::vector<float>& x,
                                             const std::vector<float>& w,
                                             const std::vector<float>& bias, bool krsc,
                                             int64_t offset = 0, Kernel kernel = Kernel::kGather) {
  const bool compact = kernel == Kernel::kCompact;
  if (const char* why = compact ? cuda::CompactSpikeConvUnsupportedReason(s)
                                : cuda::SpikeGatherConvUnsupportedReason(s);
      why[0] != '\0') {
    return absl::InvalidArgumentError(absl::StrCat("unsupported: ", why));
  }
  // KCRS -> KRSC is the same permutation as NCHW -> NHWC.
  const std::vector<float> wl = krsc ? NchwToNhwc(w, s.c_out, s.c_in, s.ksize, s.ksize) : w;
  std::vector<uint16_t> packed(static_cast<size_t>(
      compact ? cuda::CompactSpikeConvPackedWeightElems(s)
              : cuda::SpikeGatherConvPackedWeightElems(s.c_out, s.c_in, s.ksize)));
  if (compact) {
    cuda::RepackCompactSpikeConvWeights(ToHalfBits(wl).data(), s, krsc, packed.data());
  } else {
    cuda::RepackSpikeGatherConvWeights(ToHalfBits(wl).data(), s.c_out, s.c_in, s.ksize, krsc,
                                       packed.data());
  }
  std::vector<uint16_t> x_bits = ToHalfBits(NchwToNhwc(x, s.n, s.c_in, s.h, s.w));
  x_bits.insert(x_bits.begin(), static_cast<size_t>(offset), 0);
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dx, Upload(x_bits));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dw, Upload(packed));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer db, Upload(ToHalfBits(bias)));
  const size_t out_elems = static_cast<size_t>(s.n * s.c_out * s.out_h * s.out_w + offset);
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dy, UploadHalfNans(out_elems));
  const auto* xh = static_cast<const __half*>(dx.data()) + offset;
  const auto* wp = static_cast<const uint16_t*>(dw.data());
  const __half* bh = bias.empty() ? nullptr : static_cast<const __half*>(db.data());
  __half* yh = static_cast<__half*>(dy.data()) + offset;
  SF_CUDA_RETURN_IF_ERROR(compact ? cuda::LaunchCompactSpikeConvF16(s, xh, wp, bh, yh, nullptr)
                                  : cuda::LaunchSpikeGatherConvF16(s, xh, wp, bh, yh, nullptr));
  SF_CUDA_RETURN_IF_ERROR(cudaDeviceSynchronize());
  SF_ASSIGN_OR_RETURN(std::vector<float> y, DownloadHalves(dy, out_elems));
  y.erase(y.begin(), y.begin() + offset);
  return NhwcToNchw(y, s.n, s.c_out, s.out_h, s.out_w);
}

std::vector<float> RandomHalves(int64_t size, std::mt19937& rng) {
  return RoundToHalf(testing::RandomVector(static_cast<size_t>(size), rng));
}

// Binary spikes (else FP16 values in [-2, 2]) for `c` at `density`
// (clustered or uniform) and random FP16 weights and bias.
struct ConvData {
  std::vector<float> x, w, bias;
};
ConvData RandomConvData(const Case& c, double density, bool clustered, std::mt19937& rng,
                        bool binary = true) {
  const Conv2dParams p = ParamsOf(c);
  ConvData d;
  d.x = RoundToHalf(MakeInput(p, density, binary, clustered, rng));
  d.w = RandomHalves(p.c_out * p.c_in * c.k * c.k, rng);
  d.bias = RandomHalves(p.c_out, rng);
  return d;
}

// GPU spike-gather conv of binary `x` == CPU conv of the same FP16 values,
// within the FP16 bound (sparse_conv_cases.h), for random FP16 weights and bias.
void ExpectMatchesCpu(const Case& c, const std::vector<float>& x, bool with_bias, bool krsc,
                      std::mt19937& rng, const std::string& what, Kernel kernel = Kernel::kGather) {
  const Conv2dParams p = ParamsOf(c);
  const std::vector<float> w = RandomHalves(p.c_out * p.c_in * c.k * c.k, rng);
  const std::vector<float> bias = with_bias ? RandomHalves(p.c_out, rng) : std::vector<float>{};
  absl::StatusOr<std::vector<float>> gpu = RunGather(ShapeOf(c, true), x, w, bias, krsc, 0, kernel);
  ASSERT_TRUE(gpu.ok()) << what << ": " << gpu.status();
  ExpectMatchesHalfConv(p, *gpu, x, w, bias, what);
}

// Binary input for `c` at each density (alternately uniform and clustered,
// with and without bias, weights repacked from KRSC or KCRS) against the CPU.
void ExpectMatchesCpuAtDensities(const std::vector<Case>& cases,
                                 const std::vector<double>& densities, std::mt19937& rng,
                                 Kernel kernel = Kernel::kGather) {
  int run = 0;
  for (const Case& c : cases) {
    const Conv2dParams p = ParamsOf(c);
    for (double density : densities) {
      const bool clustered = ++run % 2 == 0;
      const bool with_bias = run % 3 != 0;
      const bool krsc = run % 5 != 0;
      ExpectMatchesCpu(
          c, MakeInput(p, density, true, clustered, rng), with_bias, krsc, rng,
          absl::StrCat(CaseName(c), " density ", density, clustered ? " clustered" : " uniform",
                       with_bias ? " bias" : "", krsc ? " krsc" : " kcrs", " ", KernelName(kernel)),
          kernel);
    }
  }
}

// One image per (row, col) of `at` (c.n is ignored), each holding a single
// spike there, in a channel that varies with the position; one launch. The
// first failing output's index names the image, so the position.
void ExpectSingleSpikes(Case c, const std::vector<std::pair<int64_t, int64_t>>& at,
                        std::mt19937& rng, Kernel kernel = Kernel::kGather) {
  c.n = static_cast<int64_t>(at.size());
  const Conv2dParams p = ParamsOf(c);
  std::vector<float> x(static_cast<size_t>(p.n * p.c_in * p.h * p.w), 0.0f);
  for (int64_t i = 0; i < p.n; ++i) {
    const auto [r, col] = at[static_cast<size_t>(i)];
    const int64_t channel = (r * 7 + col * 3) % p.c_in;
    x[((i * p.c_in + channel) * p.h + r) * p.w + col] = 1.0f;
  }
  ExpectMatchesCpu(
      c, x, true, true, rng,
      absl::StrCat(CaseName(c), " ", KernelName(kernel),
                   ": single spikes, image i has it at the i-th of ", at.size(), " positions"),
      kernel);
}

std::vector<std::pair<int64_t, int64_t>> EveryPixel(int64_t h, int64_t w) {
  std::vector<std::pair<int64_t, int64_t>> at;
  for (int64_t r = 0; r < h; ++r)
    for (int64_t col = 0; col < w; ++col) at.emplace_back(r, col);
  return at;
}

// n, c_in, h, w, c_out, k, stride, pads (top, left, bottom, right), tile (unused).
const std::vector<Case>& Shapes() {
  static const std::vector<Case> shapes = {
      {1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 8},      {2, 1, 9, 9, 5, 3, 1, 1, 1, 1, 1, 8},
      {3, 3, 17, 15, 32, 3, 2, 1, 1, 1, 1, 8},   {2, 17, 16, 16, 65, 3, 1, 1, 0, 0, 1, 8},
      {1, 31, 15, 17, 64, 3, 1, 0, 0, 0, 0, 8},  {2, 32, 8, 8, 128, 3, 1, 1, 1, 1, 1, 8},
      {4, 33, 7, 9, 5, 3, 2, 0, 1, 1, 0, 8},     {8, 64, 8, 8, 64, 3, 1, 1, 1, 1, 1, 8},
      {1, 100, 3, 3, 256, 3, 1, 1, 1, 1, 1, 8},  {1, 128, 16, 16, 128, 3, 1, 1, 1, 1, 1, 8},
      {1, 256, 9, 9, 256, 3, 2, 1, 1, 1, 1, 8},  {1, 256, 16, 16, 512, 1, 1, 0, 0, 0, 0, 8},
      {1, 512, 17, 17, 65, 1, 2, 0, 0, 0, 0, 8}, {1, 512, 8, 8, 512, 1, 1, 0, 0, 0, 0, 8},
      {2, 64, 32, 32, 32, 3, 1, 1, 1, 1, 1, 8},  {1, 3, 32, 32, 64, 3, 2, 1, 1, 1, 1, 8},
      {3, 100, 7, 7, 1, 3, 1, 0, 0, 0, 0, 8},    {2, 5, 1, 17, 5, 3, 1, 1, 1, 1, 1, 8},
      {1, 300, 5, 6, 300, 3, 1, 1, 1, 1, 1, 8},  {6, 16, 15, 7, 48, 1, 1, 1, 1, 1, 1, 8},
      {7, 8, 9, 9, 24, 3, 2, 0, 0, 1, 1, 8},     {3, 32, 1, 1, 64, 3, 1, 1, 1, 1, 1, 8},
      {8, 17, 1, 1, 65, 1, 1, 0, 0, 0, 0, 8},    {4, 64, 16, 9, 33, 3, 2, 1, 1, 1, 1, 8}};
  return shapes;
}

// Kernel sizes 2 and 4..7 and strides 3 and 4 (both kernels allow ksize
// 1..7, stride 1..4), c_in 65 at k 7 filling the gather's weight budget.
std::vector<Case> LargerKernelShapes() {
  return {{2, 24, 12, 13, 40, 2, 2, 0, 0, 0, 0, 8}, {2, 20, 17, 19, 33, 5, 1, 2, 2, 2, 2, 8},
          {2, 16, 31, 29, 70, 5, 3, 1, 2, 2, 1, 8}, {1, 32, 40, 36, 40, 7, 2, 3, 3, 3, 3, 8},
          {3, 3, 64, 64, 32, 7, 4, 3, 3, 3, 3, 8},  {2, 10, 21, 22, 9, 4, 4, 0, 1, 2, 1, 8},
          {2, 12, 13, 11, 17, 6, 1, 2, 3, 3, 2, 8}, {1, 65, 10, 10, 32, 7, 1, 3, 3, 3, 3, 8}};
}

TEST(SpikeGatherConvHostTest, ChunkIsTheWidestThatFitsAndThatCoutNeeds) {
  EXPECT_EQ(cuda::SpikeGatherConvChunk(64, 64, 3), 64);
  EXPECT_EQ(cuda::SpikeGatherConvChunk(65, 64, 3), 64);  // 128 would leave 32-lane groups empty
  EXPECT_EQ(cuda::SpikeGatherConvChunk(97, 64, 3), 128);
  EXPECT_EQ(cuda::SpikeGatherConvChunk(128, 128, 3), 64);
  EXPECT_EQ(cuda::SpikeGatherConvChunk(256, 256, 3), 32);
  EXPECT_EQ(cuda::SpikeGatherConvChunk(10, 3, 3), 32);
  EXPECT_EQ(cuda::SpikeGatherConvChunk(1, 1, 1), 32);
  EXPECT_EQ(cuda::SpikeGatherConvChunk(256, 128, 1), 256);
  EXPECT_EQ(cuda::SpikeGatherConvChunk(512, 128, 1), 256);  // at most 8 x 32
  EXPECT_EQ(cuda::SpikeGatherConvChunk(64, 512, 3), 0);     // 32 x 9 x 512 halves: 288 KiB
  EXPECT_EQ(cuda::SpikeGatherConvChunk(64, 4096, 3), 0);
  // The rule over many sizes: the chunk's weights fit, and it is the widest
  // that fits, unless a wider one would hold a 32-channel group that c_out
  // (rounded up to 32) leaves empty.
  for (int k = 1; k <= 7; ++k) {
    for (int64_t c_in :
         {1, 3, 16, 17, 32, 64, 65, 100, 128, 255, 256, 355, 356, 512, 1024, 3200, 3201}) {
      for (int64_t c_out : {1, 31, 32, 33, 64, 65, 96, 97, 128, 200, 256, 257, 512, 1000}) {
        const int chunk = cuda::SpikeGatherConvChunk(c_out, c_in, k);
        const auto fits = [&](int64_t width) {
          return width * k * k * c_in * 2 <= cuda::kSpikeGatherWeightBytes;
        };
        const std::string what = absl::StrCat("c_out ", c_out, " c_in ", c_in, " k ", k);
        if (!fits(32)) {
          EXPECT_EQ(chunk, 0) << what;
          continue;
        }
        int64_t want = 32;
        while (want < 256 && 2 * want <= (c_out + 31) / 32 * 32 && fits(2 * want)) want *= 2;
        EXPECT_EQ(chunk, want) << what;
        EXPECT_EQ(cuda::SpikeGatherConvPackedWeightElems(c_out, c_in, k),
                  (c_out + want - 1) / want * want * k * k * c_in)
            << what;
      }
    }
  }
}

TEST(SpikeGatherConvHostTest, SupportedShapes) {
  cuda::SparseConvShape s = ShapeOf(Case{2, 64, 16, 16, 64, 3, 1, 1, 1, 1, 1, 8}, true);
  EXPECT_STREQ(cuda::SpikeGatherConvUnsupportedReason(s), "");
  s.tile = 4;  // not used
  EXPECT_STREQ(cuda::SpikeGatherConvUnsupportedReason(s), "");
  s.binary = false;  // values: the halo's halves take shared memory too
  EXPECT_STREQ(cuda::SpikeGatherConvUnsupportedReason(s), "");
  EXPECT_GT(cuda::SpikeGatherConvSharedBytes(s),
            cuda::SpikeGatherConvSharedBytes(
                ShapeOf(Case{2, 64, 16, 16, 64, 3, 1, 1, 1, 1, 1, 8}, true)));
  EXPECT_STREQ(cuda::SpikeGatherConvUnsupportedReason(
                   ShapeOf(Case{1, 256, 16, 16, 512, 3, 2, 1, 1, 1, 1, 8}, true)),
               "");
  EXPECT_STRNE(cuda::SpikeGatherConvUnsupportedReason(
                   ShapeOf(Case{1, 256, 16, 16, 512, 3, 2, 1, 1, 1, 1, 8}, false)),
               "");  // 144 KiB of weights + 2 x 144 KiB of halo values
  EXPECT_STREQ(cuda::SpikeGatherConvUnsupportedReason(
                   ShapeOf(Case{1, 512, 8, 8, 512, 1, 1, 0, 0, 0, 0, 8}, true)),
               "");
  EXPECT_STREQ(cuda::SpikeGatherConvUnsupportedReason(
                   ShapeOf(Case{1, 3, 64, 64, 32, 7, 4, 3, 3, 3, 3, 8}, true)),
               "");
  EXPECT_STRNE(cuda::SpikeGatherConvUnsupportedReason(
                   ShapeOf(Case{1, 4096, 8, 8, 64, 3, 1, 1, 1, 1, 1, 8}, true)),
               "");  // weights too large
  EXPECT_STRNE(cuda::SpikeGatherConvUnsupportedReason(
                   ShapeOf(Case{1, 512, 8, 8, 64, 3, 1, 1, 1, 1, 1, 8}, true)),
               "");
  EXPECT_STRNE(cuda::SpikeGatherConvUnsupportedReason(
                   ShapeOf(Case{1, 4, 24, 24, 8, 8, 1, 0, 0, 0, 0, 8}, true)),
               "");  // ksize 8
  EXPECT_STRNE(cuda::SpikeGatherConvUnsupportedReason(
                   ShapeOf(Case{1, 4, 24, 24, 8, 3, 5, 1, 1, 1, 1, 8}, true)),
               "");  // stride 5
}

TEST(SpikeGatherConvHostTest, RepackIsChunkTapChannelWidthZeroPadded) {
  std::mt19937 rng(40);
  std::uniform_int_distribution<int> bits(1, 0x7bff);  // non-zero finite halves
  for (const auto& [c_out, c_in, k] : std::vector<std::tuple<int64_t, int64_t, int>>{
           {300, 5, 3}, {70, 200, 3}, {40, 3, 1}, {1, 1, 1}, {33, 7, 5}, {65, 2, 7}}) {
    const int64_t taps = k * k;
    const int64_t chunk = cuda::SpikeGatherConvChunk(c_out, c_in, k);
    ASSERT_GT(chunk, 0);
    const int64_t chunks = (c_out + chunk - 1) / chunk;
    const int64_t elems = cuda::SpikeGatherConvPackedWeightElems(c_out, c_in, k);
    ASSERT_EQ(elems, chunks * taps * c_in * chunk);
    std::vector<uint16_t> kcrs(static_cast<size_t>(c_out * c_in * taps));
    for (uint16_t& v : kcrs) v = static_cast<uint16_t>(bits(rng));
    const std::vector<uint16_t> krsc = NchwToNhwc(kcrs, c_out, c_in, k, k);
    for (bool from_krsc : {false, true}) {
      std::vector<uint16_t> out(static_cast<size_t>(elems), 0xaaaa);  // all must be written
      cuda::RepackSpikeGatherConvWeights(from_krsc ? krsc.data() : kcrs.data(), c_out, c_in, k,
                                         from_krsc, out.data());
      int64_t bad = 0, first_bad = -1;
      for (int64_t q = 0; q < chunks; ++q) {
        for (int64_t t = 0; t < taps; ++t) {
          for (int64_t c = 0; c < c_in; ++c) {
            for (int64_t j = 0; j < chunk; ++j) {
              const int64_t o = q * chunk + j;
              const int64_t at = ((q * taps + t) * c_in + c) * chunk + j;
              const uint16_t want = o < c_out ? kcrs[(o * c_in + c) * taps + t] : 0;
              if (out[at] != want && bad++ == 0) first_bad = at;
            }
          }
        }
      }
      EXPECT_EQ(bad, 0) << "c_out " << c_out << " c_in " << c_in << " k " << k
                        << (from_krsc ? " krsc" : " kcrs") << ": first wrong half at " << first_bad;
    }
  }
}

TEST(SpikeGatherConvGpuTest, MatchesCpuOverShapesAndDensities) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(41);
  ExpectMatchesCpuAtDensities(Shapes(), {0.0, 1e-4, 1e-3, 0.01, 0.1, 0.5, 1.0}, rng);
}

TEST(SpikeGatherConvGpuTest, MatchesCpuForLargerKernelsAndStrides) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(42);
  ExpectMatchesCpuAtDensities(LargerKernelShapes(), {0.0, 0.01, 0.1, 0.5, 1.0}, rng);
}

// The output is tiled 8x8; a tile at stride s reads (8 - 1) * s + k input
// pixels per axis. A single spike at every input pixel of images spanning
// two or three tiles per axis: on, just inside and just outside every tile's
// halo edge and corner, and on the image edges.
TEST(SpikeGatherConvGpuTest, SingleSpikeAtEveryPixelAroundTileBorders) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(43);
  for (const Case& c :
       {Case{0, 2, 20, 20, 40, 3, 1, 1, 1, 1, 1, 8}, Case{0, 2, 20, 20, 40, 3, 2, 1, 1, 1, 1, 8},
        Case{0, 2, 20, 20, 40, 1, 2, 0, 0, 0, 0, 8}, Case{0, 2, 20, 20, 40, 3, 1, 0, 0, 0, 0, 8},
        Case{0, 2, 20, 20, 40, 3, 1, 1, 0, 0, 1, 8}, Case{0, 2, 20, 19, 40, 3, 2, 0, 1, 1, 0, 8},
        Case{0, 2, 30, 30, 8, 5, 3, 1, 1, 1, 1, 8}, Case{0, 1, 40, 40, 8, 7, 4, 3, 3, 3, 3, 8}}) {
    ExpectSingleSpikes(c, EveryPixel(c.h, c.w), rng);
  }
  // 40 channels (two mask words): spikes near the tile borders only.
  const int64_t near[] = {0, 1, 6, 7, 8, 9, 14, 15, 16, 17, 19};
  std::vector<std::pair<int64_t, int64_t>> at;
  for (int64_t r : near)
    for (int64_t col : near) at.emplace_back(r, col);
  ExpectSingleSpikes(Case{0, 40, 20, 20, 8, 3, 1, 1, 1, 1, 1, 8}, at, rng);
  ExpectSingleSpikes(Case{0, 40, 20, 20, 8, 3, 2, 1, 1, 1, 1, 8}, at, rng);
}

// Non-binary inputs (s.binary false: the SEW additions' spike counts, or any
// values): each set element's weight row times its value, against the CPU.
TEST(SpikeGatherConvGpuTest, ValuesMatchCpu) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(48);
  for (const Case& c :
       {Case{2, 64, 32, 32, 128, 1, 2, 0, 0, 0, 0, 8}, Case{3, 17, 19, 21, 33, 3, 1, 1, 1, 1, 1, 8},
        Case{2, 128, 16, 16, 256, 1, 2, 0, 0, 0, 0, 8},
        Case{1, 40, 13, 11, 70, 3, 2, 1, 0, 0, 1, 8}}) {
    const Conv2dParams p = ParamsOf(c);
    for (double density : {0.0, 0.05, 0.5, 1.0}) {
      const ConvData d = RandomConvData(c, density, /*clustered=*/true, rng, /*binary=*/false);
      for (int64_t offset : {0, 1}) {
        const std::string what =
            absl::StrCat(CaseName(c), " density ", density, " offset ", offset);
        absl::StatusOr<std::vector<float>> got =
            RunGather(ShapeOf(c, /*binary=*/false), d.x, d.w, d.bias, true, offset);
        ASSERT_TRUE(got.ok()) << what << ": " << got.status();
        ExpectMatchesHalfConv(p, *got, d.x, d.w, d.bias, what);
      }
    }
  }
}

// Every input a spike, each case with random FP16 weights and with weights
// all positive (sums of hundreds of terms, no cancellation), against the CPU.
void ExpectAllOnesMatchCpu(const std::vector<Case>& cases, std::mt19937& rng, Kernel kernel) {
  for (const Case& c : cases) {
    const Conv2dParams p = ParamsOf(c);
    const std::vector<float> ones(static_cast<size_t>(p.n * p.c_in * p.h * p.w), 1.0f);
    ExpectMatchesCpu(c, ones, true, true, rng, absl::StrCat(CaseName(c), " all ones"), kernel);
    const std::vector<float> w = Abs(RandomHalves(p.c_out * p.c_in * c.k * c.k, rng));
    const std::vector<float> bias = RandomHalves(p.c_out, rng);
    ASSERT_OK_AND_ASSIGN(std::vector<float> y,
                         RunGather(ShapeOf(c, true), ones, w, bias, true, 0, kernel));
    ExpectMatchesHalfConv(p, y, ones, w, bias, absl::StrCat(CaseName(c), " all ones, w >= 0"));
  }
}

// Each output adds every tap of every channel, up to C_in 512 (1x1) and the
// widest 3x3 the weight budget holds (352 channels).
TEST(SpikeGatherConvGpuTest, AllOnesInputAddsEveryWeight) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(44);
  ExpectAllOnesMatchCpu({{1, 512, 9, 9, 256, 1, 1, 0, 0, 0, 0, 8},
                         {2, 512, 8, 8, 33, 1, 2, 0, 0, 0, 0, 8},
                         {1, 352, 10, 10, 64, 3, 1, 1, 1, 1, 1, 8},
                         {1, 256, 9, 9, 256, 3, 2, 1, 1, 1, 1, 8}},
                        rng, Kernel::kGather);
}

// Any non-zero input counts as a spike: the same bits as the 0/1 input.
TEST(SpikeGatherConvGpuTest, AnyNonZeroInputCountsAsOne) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(45);
  const Case c{2, 40, 12, 12, 48, 3, 1, 1, 1, 1, 1, 8};
  const Conv2dParams p = ParamsOf(c);
  const std::vector<float> spikes = MakeInput(p, 0.2, true, false, rng);
  std::vector<float> values = spikes;
  const float others[] = {1.0f, 0.5f, -2.0f, 65504.0f, -1.0f, 3.0517578e-5f /* subnormal */};
  size_t i = 0;
  for (float& v : values) {
    if (v != 0.0f) v = others[i++ % std::size(others)];
  }
  const std::vector<float> w = RandomHalves(p.c_out * p.c_in * c.k * c.k, rng);
  const std::vector<float> bias = RandomHalves(p.c_out, rng);
  ASSERT_OK_AND_ASSIGN(std::vector<float> a, RunGather(ShapeOf(c, true), spikes, w, bias, true));
  ASSERT_OK_AND_ASSIGN(std::vector<float> b, RunGather(ShapeOf(c, true), values, w, bias, true));
  ASSERT_EQ(a.size(), b.size());
  EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0);
  ExpectMatchesHalfConv(p, a, spikes, w, bias, "0/1 spikes");
}

// The second launch has x and y only 2-byte aligned: the narrow loads and
// stores (otherwise 16-byte loads at c_in % 8 == 0 and __half2 stores at even
// c_out) add the same terms in the same order.
TEST(SpikeGatherConvGpuTest, TwoLaunchesGiveIdenticalBitsAtAnyAlignment) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(46);
  for (const Case& c : {Case{3, 96, 24, 20, 160, 3, 1, 1, 1, 1, 1, 8},
                        Case{2, 128, 16, 16, 256, 1, 2, 0, 0, 0, 0, 8},
                        Case{2, 300, 9, 9, 300, 3, 2, 1, 1, 1, 1, 8}}) {
    const ConvData d = RandomConvData(c, 0.1, /*clustered=*/true, rng);
    ASSERT_OK_AND_ASSIGN(std::vector<float> a, RunGather(ShapeOf(c, true), d.x, d.w, d.bias, true));
    ASSERT_OK_AND_ASSIGN(std::vector<float> b,
                         RunGather(ShapeOf(c, true), d.x, d.w, d.bias, true, /*offset=*/1));
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << CaseName(c);
  }
}

// A misaligned w_packed (the block copies it in 16-byte words) or an
// unsupported shape is refused before anything is launched.
TEST(SpikeGatherConvHostTest, LaunchRefusesMisalignedWeightsAndUnsupportedShapes) {
  const Case c{1, 8, 8, 8, 32, 3, 1, 1, 1, 1, 1, 8};
  alignas(16) uint16_t w[2] = {};
  EXPECT_EQ(
      cuda::LaunchSpikeGatherConvF16(ShapeOf(c, true), nullptr, w + 1, nullptr, nullptr, nullptr),
      cudaErrorInvalidValue);
  const Case k8{1, 8, 24, 24, 32, 8, 1, 0, 0, 0, 0, 8};  // ksize 8
  EXPECT_EQ(
      cuda::LaunchSpikeGatherConvF16(ShapeOf(k8, true), nullptr, w, nullptr, nullptr, nullptr),
      cudaErrorInvalidValue);
}

// Both kernels round the FP32 sum of the same terms once to FP16, in different
// orders: each is within kHalfRel of its own result (|S - rh(S)| <= 2^-11
// |rh(S)|) and kSumRel * sum|terms| of the exact sum, so they differ by at most
// kHalfRel * (|a| + |b|) + 2 * kSumRel * sum|terms| (+ two subnormals).
TEST(SpikeGatherConvGpuTest, AgreesWithTensorCoreKernel) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(47);
  for (const Case& c : {Case{2, 64, 16, 16, 64, 3, 1, 1, 1, 1, 1, 8},
                        Case{1, 128, 15, 17, 256, 1, 2, 0, 0, 0, 0, 8},
                        Case{2, 40, 13, 11, 70, 3, 2, 1, 0, 0, 1, 4}}) {
    const Conv2dParams p = ParamsOf(c);
    for (double density : {0.1, 1.0}) {
      const std::string what = absl::StrCat(CaseName(c), " density ", density);
      const ConvData d = RandomConvData(c, density, /*clustered=*/true, rng);
      ASSERT_OK_AND_ASSIGN(std::vector<float> gather,
                           RunGather(ShapeOf(c, true), d.x, d.w, d.bias, true));
      ASSERT_OK_AND_ASSIGN(SparseF16Result tc,
                           RunSparseF16(ShapeOf(c, true), true, d.x, d.w, d.bias));
      const std::vector<float> bound = CpuConv(p, d.x, Abs(d.w), Abs(d.bias));
      testing::ExpectWithin(
          gather, tc.y,
          [&](size_t i) {
            return kHalfRel * (std::fabs(gather[i]) + std::fabs(tc.y[i])) +
                   2 * (kSumRel * bound[i] + kSubnormal);
          },
          what + ": spike gather vs tensor core");
    }
  }
}

// ---- The channel-compacted tensor-core kernel (compact_spike_conv.h) ----

int ComputeCapabilityMajor() {
  int major = 0;
  EXPECT_EQ(cudaDeviceGetAttribute(&major, cudaDevAttrComputeCapabilityMajor, 0), cudaSuccess);
  return major;
}

// Below compute capability 8.0 a planned-sparse float16 conv runs cuDNN only
// and never reads SF_SPARSE_F16_KERNEL.
#define SF_SKIP_WITHOUT_SM80()                                                       \
  do {                                                                               \
    SF_SKIP_WITHOUT_GPU();                                                           \
    if (ComputeCapabilityMajor() < 8) {                                              \
      GTEST_SKIP() << "the float16 sparse conv kernels need compute capability 8.0"; \
    }                                                                                \
  } while (0)

TEST(CompactSpikeConvHostTest, LayoutIsTheWidestChunkThatFitsAndThatCoutNeeds) {
  const auto layout = [](int64_t c_in, int64_t c_out, int k, int stride) {
    return cuda::CompactSpikeConvLayoutFor(
        ShapeOf(Case{1, c_in, 16, 16, c_out, k, stride, 0, 0, 0, 0, 8}, true));
  };
  // Every tap in one group where 32+ channels per block fit (padded rows
  // first), else the widest chunk, then padding, then the largest group.
  const auto is = [&](int64_t c_in, int64_t c_out, int k, int stride, int chunk, int row,
                      int group) {
    const cuda::CompactSpikeConvLayout l = layout(c_in, c_out, k, stride);
    EXPECT_EQ(l.chunk, chunk) << c_in << "->" << c_out << " k" << k << " s" << stride;
    EXPECT_EQ(l.row, row) << c_in << "->" << c_out << " k" << k << " s" << stride;
    EXPECT_EQ(l.taps_per_group, group) << c_in << "->" << c_out << " k" << k << " s" << stride;
  };
  is(64, 64, 3, 1, 64, 72, 9);
  is(64, 128, 3, 2, 64, 72, 9);
  is(64, 128, 1, 2, 128, 136, 1);
  is(128, 128, 3, 1, 32, 40, 9);
  is(256, 256, 3, 1, 32, 32, 2);  // 9 taps' lists do not fit beside 32 channels' weights
  is(512, 512, 3, 1, 16, 16, 1);
  is(1024, 64, 1, 1, 32, 40, 1);
  is(3, 5, 3, 1, 16, 24, 9);  // c_out 5: one 16-channel block
  is(3, 17, 3, 1, 32, 40, 9);
  EXPECT_EQ(layout(1024, 64, 3, 1).chunk, 0);  // 16 channels x 9 taps x 1056 rows: 297 KiB
  for (int k = 1; k <= 7; ++k) {
    for (int stride = 1; stride <= 4; ++stride) {
      for (int64_t c_in : {1, 8, 17, 64, 100, 256, 300, 512, 1000, 1024}) {
        for (int64_t c_out : {1, 16, 17, 64, 65, 128, 200, 512}) {
          const cuda::CompactSpikeConvLayout l = layout(c_in, c_out, k, stride);
          const std::string what =
              absl::StrCat("c_in ", c_in, " c_out ", c_out, " k ", k, " s ", stride);
          // Bits of a pixel (and weight rows per tap): 32 per mask word, plus a zero word.
          const int64_t bits = ((c_in + 31) / 32 + 1) * 32;
          const cuda::SparseConvShape shape =
              ShapeOf(Case{1, c_in, 16, 16, c_out, k, stride, 0, 0, 0, 0, 8}, true);
          if (l.chunk == 0) {  // 16 channels' weights and 16 warps' scratch do not fit
            EXPECT_GT(int64_t{k} * k * bits * 16 * 2, 64 * 1024) << what;
            EXPECT_STRNE(cuda::CompactSpikeConvUnsupportedReason(shape), "") << what;
            continue;
          }
          EXPECT_LE(l.shared_bytes, 227 * 1024) << what;
          EXPECT_GE(l.shared_bytes, int64_t{k} * k * bits * l.row * 2) << what;
          EXPECT_GE(l.taps_per_group, 1) << what;
          EXPECT_LE(l.taps_per_group, k * k) << what;
          EXPECT_LE(l.taps_per_group * ((c_in + 31) / 32), 128) << what;
          EXPECT_TRUE(l.row == l.chunk || l.row == l.chunk + 8) << what;
          EXPECT_TRUE(l.chunk == 16 || l.chunk <= (c_out + 15) / 16 * 16) << what;
          EXPECT_EQ(cuda::CompactSpikeConvPackedWeightElems(shape),
                    (c_out + l.chunk - 1) / l.chunk * k * k * bits * l.row)
              << what;
        }
      }
    }
  }
}

TEST(CompactSpikeConvHostTest, SupportedShapes) {
  const auto why = [](const Case& c, bool binary) {
    return std::string(cuda::CompactSpikeConvUnsupportedReason(ShapeOf(c, binary)));
  };
  EXPECT_EQ(why(Case{2, 64, 16, 16, 64, 3, 1, 1, 1, 1, 1, 8}, true), "");
  EXPECT_EQ(why(Case{1, 3, 64, 64, 32, 7, 4, 3, 3, 3, 3, 8}, true), "");
  EXPECT_EQ(why(Case{1, 512, 4, 4, 512, 3, 1, 1, 1, 1, 1, 8}, true), "");
  EXPECT_EQ(why(Case{1, 1024, 8, 8, 512, 1, 1, 0, 0, 0, 0, 8}, true), "");
  EXPECT_THAT(why(Case{2, 64, 16, 16, 64, 3, 1, 1, 1, 1, 1, 8}, false), HasSubstr("binary"));
  EXPECT_THAT(why(Case{1, 1025, 8, 8, 64, 1, 1, 0, 0, 0, 0, 8}, true), HasSubstr("1024"));
  EXPECT_THAT(why(Case{1, 1024, 8, 8, 64, 3, 1, 1, 1, 1, 1, 8}, true), HasSubstr("shared"));
  EXPECT_THAT(why(Case{1, 4, 24, 24, 8, 8, 1, 0, 0, 0, 0, 8}, true), HasSubstr("kernel size"));
  EXPECT_THAT(why(Case{1, 4, 24, 24, 8, 3, 5, 1, 1, 1, 1, 8}, true), HasSubstr("stride"));
}

TEST(CompactSpikeConvHostTest, RepackIsChunkTapChannelRowWithZeroRows) {
  std::mt19937 rng(60);
  std::uniform_int_distribution<int> bits(1, 0x7bff);  // non-zero finite halves
  for (const auto& [c_out, c_in, k] : std::vector<std::tuple<int64_t, int64_t, int>>{
           {300, 5, 3}, {70, 200, 3}, {40, 3, 1}, {1, 1, 1}, {33, 7, 5}, {65, 2, 7}}) {
    const cuda::SparseConvShape s =
        ShapeOf(Case{1, c_in, 16, 16, c_out, k, 1, 0, 0, 0, 0, 8}, true);
    const cuda::CompactSpikeConvLayout l = cuda::CompactSpikeConvLayoutFor(s);
    ASSERT_GT(l.chunk, 0);
    const int64_t taps = k * k, chunks = (c_out + l.chunk - 1) / l.chunk;
    const int64_t rows = ((c_in + 31) / 32 + 1) * 32;  // per tap: a pixel's mask bits
    const int64_t elems = cuda::CompactSpikeConvPackedWeightElems(s);
    ASSERT_EQ(elems, chunks * taps * rows * l.row);
    std::vector<uint16_t> kcrs(static_cast<size_t>(c_out * c_in * taps));
    for (uint16_t& v : kcrs) v = static_cast<uint16_t>(bits(rng));
    const std::vector<uint16_t> krsc = NchwToNhwc(kcrs, c_out, c_in, k, k);
    for (bool from_krsc : {false, true}) {
      std::vector<uint16_t> out(static_cast<size_t>(elems), 0xaaaa);  // all must be written
      cuda::RepackCompactSpikeConvWeights(from_krsc ? krsc.data() : kcrs.data(), s, from_krsc,
                                          out.data());
      int64_t bad = 0, first_bad = -1;
      for (int64_t q = 0; q < chunks; ++q) {
        for (int64_t t = 0; t < taps; ++t) {
          for (int64_t c = 0; c < rows; ++c) {
            for (int64_t j = 0; j < l.row; ++j) {
              const int64_t o = q * l.chunk + j;
              const int64_t at = ((q * taps + t) * rows + c) * l.row + j;
              const uint16_t want =
                  c < c_in && j < l.chunk && o < c_out ? kcrs[(o * c_in + c) * taps + t] : 0;
              if (out[at] != want && bad++ == 0) first_bad = at;
            }
          }
        }
      }
      EXPECT_EQ(bad, 0) << "c_out " << c_out << " c_in " << c_in << " k " << k
                        << (from_krsc ? " krsc" : " kcrs") << ": first wrong half at " << first_bad;
    }
  }
}

TEST(CompactSpikeConvHostTest, LaunchRefusesMisalignedWeightsAndUnsupportedShapes) {
  const Case c{1, 8, 8, 8, 32, 3, 1, 1, 1, 1, 1, 8};
  alignas(16) uint16_t w[2] = {};
  alignas(16) __half io[2] = {};
  EXPECT_EQ(cuda::LaunchCompactSpikeConvF16(ShapeOf(c, true), io, w + 1, nullptr, io, nullptr),
            cudaErrorInvalidValue);
  EXPECT_EQ(cuda::LaunchCompactSpikeConvF16(ShapeOf(c, false), io, w, nullptr, io, nullptr),
            cudaErrorInvalidValue);  // not binary
  const Case k8{1, 8, 24, 24, 32, 8, 1, 0, 0, 0, 0, 8};
  EXPECT_EQ(cuda::LaunchCompactSpikeConvF16(ShapeOf(k8, true), io, w, nullptr, io, nullptr),
            cudaErrorInvalidValue);
}

TEST(CompactSpikeConvGpuTest, MatchesCpuOverShapesAndDensities) {
  SF_SKIP_WITHOUT_SM80();
  std::mt19937 rng(61);
  ExpectMatchesCpuAtDensities(Shapes(), {0.0, 1e-4, 1e-3, 0.01, 0.1, 0.5, 1.0}, rng,
                              Kernel::kCompact);
  // The trained Spiking-ResNet18's layer shapes at a few of its firing rates.
  ExpectMatchesCpuAtDensities({{4, 64, 32, 32, 64, 3, 1, 1, 1, 1, 1, 8},
                               {4, 64, 32, 32, 128, 3, 2, 1, 1, 1, 1, 8},
                               {4, 64, 32, 32, 128, 1, 2, 0, 0, 0, 0, 8},
                               {4, 128, 16, 16, 128, 3, 1, 1, 1, 1, 1, 8},
                               {4, 256, 8, 8, 256, 3, 1, 1, 1, 1, 1, 8},
                               {4, 256, 8, 8, 512, 3, 2, 1, 1, 1, 1, 8},
                               {4, 512, 4, 4, 512, 3, 1, 1, 1, 1, 1, 8}},
                              {0.03, 0.12}, rng, Kernel::kCompact);
}

TEST(CompactSpikeConvGpuTest, MatchesCpuForLargerKernelsAndStrides) {
  SF_SKIP_WITHOUT_SM80();
  std::mt19937 rng(62);
  std::vector<Case> shapes = LargerKernelShapes();
  shapes.push_back({2, 1000, 5, 7, 24, 1, 1, 0, 0, 0, 0, 8});  // 32 mask words
  ExpectMatchesCpuAtDensities(shapes, {0.0, 0.01, 0.1, 0.5, 1.0}, rng, Kernel::kCompact);
}

// The output is tiled 2x4; a tile at stride s reads (2 - 1) * s + k rows and
// (4 - 1) * s + k columns. A single spike at every input pixel: on, inside
// and outside every tile's halo edge and corner, and on the image edges.
TEST(CompactSpikeConvGpuTest, SingleSpikeAtEveryPixelAroundTileBorders) {
  SF_SKIP_WITHOUT_SM80();
  std::mt19937 rng(63);
  for (const Case& c :
       {Case{0, 2, 13, 14, 40, 3, 1, 1, 1, 1, 1, 8}, Case{0, 2, 13, 14, 40, 3, 2, 1, 1, 1, 1, 8},
        Case{0, 2, 13, 14, 40, 1, 2, 0, 0, 0, 0, 8}, Case{0, 2, 13, 14, 40, 3, 1, 0, 0, 0, 0, 8},
        Case{0, 2, 13, 14, 40, 3, 1, 1, 0, 0, 1, 8}, Case{0, 2, 13, 13, 40, 3, 2, 0, 1, 1, 0, 8},
        Case{0, 2, 17, 19, 8, 5, 3, 1, 1, 1, 1, 8}, Case{0, 1, 20, 24, 8, 7, 4, 3, 3, 3, 3, 8}}) {
    ExpectSingleSpikes(c, EveryPixel(c.h, c.w), rng, Kernel::kCompact);
  }
  // 72 channels (three mask words, the last part-filled): every pixel.
  ExpectSingleSpikes(Case{0, 72, 9, 10, 24, 3, 1, 1, 1, 1, 1, 8}, EveryPixel(9, 10), rng,
                     Kernel::kCompact);
}

// Every input a spike: every channel listed at every tap, up to C_in 1024
// (1x1) and 512 (3x3, 16 output channels per block).
TEST(CompactSpikeConvGpuTest, AllOnesInputAddsEveryWeight) {
  SF_SKIP_WITHOUT_SM80();
  std::mt19937 rng(64);
  ExpectAllOnesMatchCpu({{1, 1024, 9, 9, 64, 1, 1, 0, 0, 0, 0, 8},
                         {2, 512, 8, 8, 33, 1, 2, 0, 0, 0, 0, 8},
                         {1, 512, 6, 6, 64, 3, 1, 1, 1, 1, 1, 8},
                         {1, 256, 9, 9, 256, 3, 2, 1, 1, 1, 1, 8}},
                        rng, Kernel::kCompact);
}

// Narrow loads and stores (x and y 2-byte aligned) and a second launch: the
// same bits; any non-zero input counts as a spike.
TEST(CompactSpikeConvGpuTest, TwoLaunchesGiveIdenticalBitsAtAnyAlignment) {
  SF_SKIP_WITHOUT_SM80();
  std::mt19937 rng(65);
  for (const Case& c : {Case{3, 96, 24, 20, 160, 3, 1, 1, 1, 1, 1, 8},
                        Case{2, 128, 16, 16, 256, 1, 2, 0, 0, 0, 0, 8},
                        Case{2, 300, 9, 9, 300, 3, 2, 1, 1, 1, 1, 8}}) {
    const ConvData d = RandomConvData(c, 0.1, /*clustered=*/true, rng);
    std::vector<float> values = d.x;
    for (size_t i = 0; i < values.size(); ++i) {
      if (values[i] != 0.0f) values[i] = i % 3 == 0 ? -2.0f : 0.5f;
    }
    ASSERT_OK_AND_ASSIGN(std::vector<float> a,
                         RunGather(ShapeOf(c, true), d.x, d.w, d.bias, true, 0, Kernel::kCompact));
    ASSERT_OK_AND_ASSIGN(std::vector<float> b,
                         RunGather(ShapeOf(c, true), d.x, d.w, d.bias, true, 1, Kernel::kCompact));
    ASSERT_OK_AND_ASSIGN(std::vector<float> v, RunGather(ShapeOf(c, true), values, d.w, d.bias,
                                                         true, 0, Kernel::kCompact));
    ASSERT_EQ(a.size(), b.size());
    EXPECT_EQ(std::memcmp(a.data(), b.data(), a.size() * sizeof(float)), 0) << CaseName(c);
    EXPECT_EQ(std::memcmp(a.data(), v.data(), a.size() * sizeof(float)), 0) << CaseName(c);
  }
}

// ---- Through GpuExecutor (runtime/gpu/sparse_conv_kernel.cc) ----

constexpr char kKernelEnv[] = "SF_SPARSE_F16_KERNEL";
constexpr char kGatherPrefix[] = "cuda sparse fp16 spike-gather nhwc (";
constexpr char kTensorCorePrefix[] = "cuda sparse fp16 tensor-core nhwc tile 8 (";
constexpr char kCompactPrefix[] = "cuda sparse fp16 compacted tensor-core nhwc (2x4 tiles; ";

// The convs of the executor tests, all reading the one binary graph input
// [kN, kCin, kH, kW] (H and W not multiples of the 8x8 output tiles); their
// outputs are the graph outputs, in this order.
struct GraphConv {
  const char* name;
  int64_t c_out, k, stride, pad;
  bool bias;
};
constexpr int64_t kN = 2, kCin = 32, kH = 19, kW = 21;
constexpr GraphConv kGraphConvs[] = {{"conv3x3", 48, 3, 1, 1, true},
                                     {"conv1x1_s2", 64, 1, 2, 0, false}};

int64_t OutDim(int64_t in, const GraphConv& c) { return (in + 2 * c.pad - c.k) / c.stride + 1; }

// The float32 graph of kGraphConvs, FP16-representable weights and bias from `rng`.
Graph SpikeConvGraph(std::mt19937& rng) {
  Graph g;
  const std::vector<int64_t> x_dims = {kN, kCin, kH, kW};
  const ValueId x = g.AddValue("spikes", DataType::kFloat32, MakeShape(x_dims));
  g.AddInput(x);
  for (const GraphConv& c : kGraphConvs) {
    Node node;
    node.name = c.name;
    node.op = OpType::kConv;
    node.inputs = {x, g.AddConstant(absl::StrCat(c.name, "_w"),
                                    testing::RandomHalf({c.c_out, kCin, c.k, c.k}, rng))};
    if (c.bias) {
      node.inputs.push_back(
          g.AddConstant(absl::StrCat(c.name, "_b"), testing::RandomHalf({c.c_out}, rng)));
    }
    const std::vector<int64_t> y_dims = {kN, c.c_out, OutDim(kH, c), OutDim(kW, c)};
    const ValueId y = g.AddValue(absl::StrCat(c.name, "_y"), DataType::kFloat32, MakeShape(y_dims));
    node.outputs = {y};
    node.attrs.Set("kernel_shape", std::vector<int64_t>{c.k, c.k});
    node.attrs.Set("strides", std::vector<int64_t>{c.stride, c.stride});
    node.attrs.Set("pads", std::vector<int64_t>{c.pad, c.pad, c.pad, c.pad});
    g.AddNode(std::move(node));
    g.AddOutput(y);
  }
  return g;
}

// The graph input: binary spikes at `density` (clustered).
Tensor SpikeInput(double density, std::mt19937& rng) {
  Tensor x = Tensor::Create(DataType::kFloat32, {kN, kCin, kH, kW}).value();
  const std::vector<float> spikes =
      MakeInput(ParamsOf(Case{kN, kCin, kH, kW, 1, 1, 1, 0, 0, 0, 0, 8}), density, true, true, rng);
  std::copy(spikes.begin(), spikes.end(), x.data<float>());
  return x;
}

// The graph input with every element `v` (0: bias only; 1: every tap).
Tensor FilledInput(float v) {
  Tensor x = Tensor::Create(DataType::kFloat32, {kN, kCin, kH, kW}).value();
  std::fill(x.data<float>(), x.data<float>() + x.num_elements(), v);
  return x;
}

// `graph` converted as the runtime converts it for float16 channels-last
// (every conv must go channels-last), and `plan` running each conv "sparse"
// (block 16: tile 8) on binary input in `mode`.
void ConvertAndPlan(Graph& graph, SparseMode mode, Plan& plan) {
  ASSERT_OK(ConvertToFloat16(graph, GpuKernelRunsFloat16).status());
  ASSERT_OK(ConvertToNhwc(graph, GpuKernelRunsNhwc).status());
  int convs = 0;
  for (const Node& node : graph.nodes()) {
    if (node.op != OpType::kConv) continue;
    ++convs;
    EXPECT_TRUE(node.channels_last) << node.name;
  }
  ASSERT_EQ(convs, static_cast<int>(std::size(kGraphConvs)));
  plan = testing::PlanFor(graph);
  plan.precision = Precision::kFloat16;
  plan.layout = Layout::kNHWC;
  plan.sparse_mode = mode;
  for (PlanStep& step : plan.steps) {
    if (step.op != OpType::kConv) continue;
    step.kernel = "sparse";
    step.block = 16;
    step.input_class = ValueClass::kBinary;
  }
}

// `executor`'s LastStepStats of the conv steps, by conv name.
void ConvStats(const Plan& plan, const GpuExecutor& executor,
               std::map<std::string, StepStats>& stats) {
  const std::vector<StepStats> all = executor.LastStepStats();
  ASSERT_EQ(all.size(), plan.steps.size());
  stats.clear();
  for (size_t i = 0; i < all.size(); ++i) {
    if (plan.steps[i].op == OpType::kConv) stats[plan.steps[i].name] = all[i];
  }
  for (const GraphConv& c : kGraphConvs) ASSERT_EQ(stats.count(c.name), 1u) << c.name;
}

// Whether a sparse conv step's description says its sparse path was chosen
// (else cuDNN runs).
bool RanSparse(const std::string& detail) {
  return detail.find("chosen: sparse") != std::string::npos;
}

// GPU outputs against the CPU run of the float32 graph. Where the sparse path
// ran: inputs, weights and bias are FP16 values summed in FP32, so the output
// rounding only (as ExecutorRunsPlannedFloat16SparseConvs); where kAuto chose
// cuDNN: gpu_nhwc_test.cc's FP16 conv tolerance.
void ExpectMatchesCpu(const std::vector<Tensor>& got, const std::vector<Tensor>& want,
                      const std::map<std::string, StepStats>& stats, const std::string& what) {
  ASSERT_EQ(got.size(), std::size(kGraphConvs)) << what;
  ASSERT_EQ(want.size(), got.size()) << what;
  for (size_t i = 0; i < got.size(); ++i) {
    const GraphConv& c = kGraphConvs[i];
    const double taps = static_cast<double>(kCin * c.k * c.k);
    const bool sparse = RanSparse(stats.at(c.name).kernel_detail);
    testing::ExpectClose(got[i], want[i], sparse ? 2 * kHalfRel : 1e-2,
                         sparse ? kSumRel * taps + 1e-3 : 1e-3 * std::sqrt(taps),
                         absl::StrCat(what, ", ", c.name, sparse ? " (sparse)" : " (cudnn)"));
  }
}

void ExpectSameBits(const std::vector<Tensor>& a, const std::vector<Tensor>& b,
                    const std::string& what) {
  ASSERT_EQ(a.size(), b.size()) << what;
  for (size_t i = 0; i < a.size(); ++i) {
    testing::ExpectClose(a[i], b[i], 0, 0, absl::StrCat(what, ", output ", i));
  }
}

// SF_SPARSE_F16_KERNEL=gather (=compact): both convs run the gather kernel
// (the compacted tensor-core one), in kOn and in kAuto (there not timed
// against the tensor-core kernel, only sparse against cuDNN); the second Run
// replays the CUDA graph captured after the first with the same bits; later
// runs on other inputs (all zeros, all ones, sparser) replay it too. With
// profile_nodes it has no tile density (no prescan counters), and
// ProfileSteps finds no prescan part.
class ForcedKernelTest : public ::testing::TestWithParam<Kernel> {};

TEST_P(ForcedKernelTest, MatchesCpuInExecutor) {
  SF_SKIP_WITHOUT_SM80();
  const std::string kernel = KernelName(GetParam());
  const ScopedEnv env(kKernelEnv, kernel.c_str());
  const std::string prefix = GetParam() == Kernel::kGather ? kGatherPrefix : kCompactPrefix;
  const std::string name =
      GetParam() == Kernel::kGather ? "spike-gather nhwc" : "compacted tensor-core nhwc";
  std::mt19937 rng(48);
  const Graph fp32 = SpikeConvGraph(rng);
  const std::vector<Tensor> inputs = {SpikeInput(0.1, rng), FilledInput(0.0f), FilledInput(1.0f),
                                      SpikeInput(0.01, rng)};
  std::vector<std::vector<Tensor>> want;
  for (const Tensor& x : inputs) {
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> y, testing::RunCpu(fp32, {x}));
    want.push_back(std::move(y));
  }
  for (SparseMode mode : {SparseMode::kOn, SparseMode::kAuto}) {
    const bool on = mode == SparseMode::kOn;
    const std::string what =
        absl::StrCat("SF_SPARSE_F16_KERNEL=", kernel, ", sparse mode ", on ? "on" : "auto");
    Graph graph = fp32;
    Plan plan;
    ASSERT_NO_FATAL_FAILURE(ConvertAndPlan(graph, mode, plan));

    // CUDA graphs on (the default): the first Run launches plainly, the
    // second replays its capture.
    ASSERT_OK_AND_ASSIGN(auto gpu, GpuExecutor::Create(graph, plan, 0));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> first, gpu->Run(std::vector<Tensor>{inputs[0]}));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> replay, gpu->Run(std::vector<Tensor>{inputs[0]}));
    std::map<std::string, StepStats> stats;
    ASSERT_NO_FATAL_FAILURE(ConvStats(plan, *gpu, stats));
    for (const GraphConv& c : kGraphConvs) {
      const std::string& d = stats[c.name].kernel_detail;
      const std::string where = absl::StrCat(what, ", ", c.name);
      EXPECT_THAT(d, StartsWith(absl::StrCat(prefix, "SF_SPARSE_F16_KERNEL=", kernel, "; ")))
          << where;
      EXPECT_THAT(d, HasSubstr(name)) << where;
      EXPECT_THAT(d, Not(HasSubstr("tensor-core tile"))) << where;
      if (on) {
        EXPECT_THAT(d, HasSubstr("chosen: sparse, sparse mode on")) << where;
      }
      EXPECT_EQ(stats[c.name].tile_density, -1) << where;
    }
    EXPECT_THAT(gpu->KernelDescriptions(), ::testing::Contains(HasSubstr(name))) << what;
    ExpectSameBits(replay, first, what + ": CUDA graph replay against the first run");
    ExpectMatchesCpu(first, want[0], stats, what + ", density 0.1");
    for (size_t j = 1; j < inputs.size(); ++j) {
      ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, gpu->Run(std::vector<Tensor>{inputs[j]}));
      ExpectMatchesCpu(got, want[j], stats, absl::StrCat(what, ", input ", j));
    }

    // profile_nodes: plain launches, step times and tile densities.
    ExecutorOptions profile;
    profile.profile_nodes = true;
    ASSERT_OK_AND_ASSIGN(auto profiled, GpuExecutor::Create(graph, plan, 0, profile));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, profiled->Run(std::vector<Tensor>{inputs[0]}));
    std::map<std::string, StepStats> profiled_stats;
    ASSERT_NO_FATAL_FAILURE(ConvStats(plan, *profiled, profiled_stats));
    for (const GraphConv& c : kGraphConvs) {
      const StepStats& s = profiled_stats[c.name];
      const std::string where = absl::StrCat(what, ", profiled, ", c.name);
      EXPECT_THAT(s.kernel_detail, StartsWith(prefix)) << where;
      EXPECT_EQ(s.tile_density, -1) << where << ": the kernel has no prescan counters";
      EXPECT_GT(s.microseconds, 0) << where;
    }
    if (on) {  // the same kernel on the same input
      ExpectSameBits(got, first, what + ": profiled run against the CUDA-graph executor");
    } else {  // kAuto may have chosen differently this time
      ExpectMatchesCpu(got, want[0], profiled_stats, what + ", profiled");
    }

    // ProfileSteps times each step's parts alone: the gather kernel has no
    // prescan (EnqueuePart(kPrescan) is false), only its sparse path.
    if (on) {
      ExecutorOptions profiling;
      profiling.profiling = true;
      ASSERT_OK_AND_ASSIGN(auto steps, GpuExecutor::Create(graph, plan, 0, profiling));
      ASSERT_OK_AND_ASSIGN(std::vector<StepProfile> profiles,
                           steps->ProfileSteps(std::vector<Tensor>{inputs[0]}, 10));
      ASSERT_EQ(profiles.size(), plan.steps.size());
      int convs = 0;
      for (size_t i = 0; i < profiles.size(); ++i) {
        if (plan.steps[i].op != OpType::kConv) continue;
        ++convs;
        const std::string where = absl::StrCat(what, ", ProfileSteps, ", plan.steps[i].name);
        EXPECT_THAT(profiles[i].kernel, StartsWith(prefix)) << where;
        EXPECT_EQ(profiles[i].prescan_us, -1) << where;
        EXPECT_GT(profiles[i].sparse_us, 0) << where;
        EXPECT_EQ(profiles[i].path, "sparse") << where;
      }
      EXPECT_EQ(convs, static_cast<int>(std::size(kGraphConvs))) << what;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(SpikeGatherConvExecutorTest, ForcedKernelTest,
                         ::testing::Values(Kernel::kGather, Kernel::kCompact),
                         [](const ::testing::TestParamInfo<Kernel>& info) {
                           return KernelName(info.param);
                         });

// kAuto without SF_SPARSE_F16_KERNEL: each conv's first (plain) run times
// the compacted tensor-core kernel against the gather, then the faster of
// them against the tensor-core one by graph replay, keeps the faster (the
// description starts with its name) and says the times; then sparse against
// cuDNN. Outputs match the CPU whichever won, and the second
// Run (a CUDA-graph replay without profile_nodes) gives the same bits.
TEST(SpikeGatherConvExecutorTest, AutoTimesGatherAgainstTensorCore) {
  SF_SKIP_WITHOUT_SM80();
  const ScopedEnv env(kKernelEnv, nullptr);
  std::mt19937 rng(49);
  const Graph fp32 = SpikeConvGraph(rng);
  const Tensor x = SpikeInput(0.05, rng);
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> want, testing::RunCpu(fp32, {x}));
  Graph graph = fp32;
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(ConvertAndPlan(graph, SparseMode::kAuto, plan));
  const std::regex picked(
      R"(compacted tensor-core ([0-9]+\.[0-9]) us, spike-gather ([0-9]+\.[0-9]) us; )");
  const std::regex timings(
      R"((spike-gather|compacted tensor-core) ([0-9]+\.[0-9]) us, tensor-core tile 8 ([0-9]+\.[0-9]) us; )");
  for (bool profile_nodes : {false, true}) {
    const std::string what = profile_nodes ? "auto, profile_nodes" : "auto, CUDA graphs";
    ExecutorOptions options;
    options.profile_nodes = profile_nodes;
    ASSERT_OK_AND_ASSIGN(auto gpu, GpuExecutor::Create(graph, plan, 0, options));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> first, gpu->Run(std::vector<Tensor>{x}));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> again, gpu->Run(std::vector<Tensor>{x}));
    std::map<std::string, StepStats> stats;
    ASSERT_NO_FATAL_FAILURE(ConvStats(plan, *gpu, stats));
    for (const GraphConv& c : kGraphConvs) {
      const StepStats& s = stats[c.name];
      const std::string& d = s.kernel_detail;
      const std::string where = absl::StrCat(what, ", ", c.name, ": ", d);
      EXPECT_THAT(d, Not(HasSubstr("SF_SPARSE_F16_KERNEL"))) << where;
      EXPECT_THAT(d, HasSubstr("chosen: ")) << where;  // decided on the first run
      std::smatch f;
      ASSERT_TRUE(std::regex_search(d, f, picked)) << where;
      const double compact_us = std::stod(f[1].str()), cuda_core_us = std::stod(f[2].str());
      EXPECT_GT(compact_us, 0) << where;
      EXPECT_GT(cuda_core_us, 0) << where;
      std::smatch m;
      ASSERT_TRUE(std::regex_search(d, m, timings)) << where;
      const bool compact_won = m[1].str() == "compacted tensor-core";
      if (compact_won) {
        EXPECT_LE(compact_us, cuda_core_us) << where;
      } else {
        EXPECT_GE(compact_us, cuda_core_us) << where;
      }
      const double gather_us = std::stod(m[2].str()), tensor_core_us = std::stod(m[3].str());
      EXPECT_GT(gather_us, 0) << where;
      EXPECT_GT(tensor_core_us, 0) << where;
      if (d.rfind(compact_won ? kCompactPrefix : kGatherPrefix, 0) == 0) {  // won (to 0.1 us)
        EXPECT_LE(gather_us, tensor_core_us) << where;
        if (profile_nodes) {
          EXPECT_EQ(s.tile_density, -1) << where;
        }
      } else {
        EXPECT_THAT(d, StartsWith(kTensorCorePrefix)) << where;
        EXPECT_GE(gather_us, tensor_core_us) << where;
        if (profile_nodes && RanSparse(d)) {
          EXPECT_GE(s.tile_density, 0) << where;
          EXPECT_LE(s.tile_density, 1) << where;
        }
      }
    }
    ExpectMatchesCpu(first, want, stats, what);
    ExpectSameBits(again, first, what + ": second run against the first");
  }
}

// SF_SPARSE_F16_KERNEL=tensor-core: neither kAuto nor kOn runs or times the
// gather kernel; the tensor-core kernel's prescan counts tiles and
// ProfileSteps times its prescan.
TEST(SpikeGatherConvExecutorTest, TensorCoreForcedNeverGathers) {
  SF_SKIP_WITHOUT_SM80();
  const ScopedEnv env(kKernelEnv, "tensor-core");
  std::mt19937 rng(50);
  const Graph fp32 = SpikeConvGraph(rng);
  const Tensor x = SpikeInput(0.1, rng);
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> want, testing::RunCpu(fp32, {x}));
  for (SparseMode mode : {SparseMode::kAuto, SparseMode::kOn}) {
    const bool on = mode == SparseMode::kOn;
    const std::string what =
        absl::StrCat("SF_SPARSE_F16_KERNEL=tensor-core, sparse mode ", on ? "on" : "auto");
    Graph graph = fp32;
    Plan plan;
    ASSERT_NO_FATAL_FAILURE(ConvertAndPlan(graph, mode, plan));
    ExecutorOptions profile;
    profile.profile_nodes = true;
    ASSERT_OK_AND_ASSIGN(auto gpu, GpuExecutor::Create(graph, plan, 0, profile));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, gpu->Run(std::vector<Tensor>{x}));
    std::map<std::string, StepStats> stats;
    ASSERT_NO_FATAL_FAILURE(ConvStats(plan, *gpu, stats));
    for (const GraphConv& c : kGraphConvs) {
      const StepStats& s = stats[c.name];
      const std::string where = absl::StrCat(what, ", ", c.name, ": ", s.kernel_detail);
      EXPECT_THAT(s.kernel_detail, StartsWith(kTensorCorePrefix)) << where;
      EXPECT_THAT(s.kernel_detail, Not(HasSubstr("spike-gather"))) << where;
      if (on) {
        EXPECT_TRUE(RanSparse(s.kernel_detail)) << where;
      }
      if (RanSparse(s.kernel_detail)) {
        EXPECT_GE(s.tile_density, 0) << where;
        EXPECT_LE(s.tile_density, 1) << where;
      }
    }
    for (const std::string& d : gpu->KernelDescriptions()) {
      EXPECT_THAT(d, Not(HasSubstr("spike-gather"))) << what;
    }
    ExpectMatchesCpu(got, want, stats, what);

    if (on) {
      ExecutorOptions profiling;
      profiling.profiling = true;
      ASSERT_OK_AND_ASSIGN(auto steps, GpuExecutor::Create(graph, plan, 0, profiling));
      ASSERT_OK_AND_ASSIGN(std::vector<StepProfile> profiles,
                           steps->ProfileSteps(std::vector<Tensor>{x}, 10));
      ASSERT_EQ(profiles.size(), plan.steps.size());
      for (size_t i = 0; i < profiles.size(); ++i) {
        if (plan.steps[i].op != OpType::kConv) continue;
        const std::string where = absl::StrCat(what, ", ProfileSteps, ", plan.steps[i].name);
        EXPECT_GT(profiles[i].prescan_us, 0) << where;
        EXPECT_GT(profiles[i].sparse_us, 0) << where;
      }
    }
  }
}

// Any other non-empty SF_SPARSE_F16_KERNEL fails Create, naming the variable
// and the value; the empty value is the default.
TEST(SpikeGatherConvExecutorTest, BadKernelNameFails) {
  SF_SKIP_WITHOUT_SM80();
  std::mt19937 rng(51);
  const Graph fp32 = SpikeConvGraph(rng);
  const ScopedEnv env(kKernelEnv, "bogus");
  for (SparseMode mode : {SparseMode::kAuto, SparseMode::kOn}) {
    Graph graph = fp32;
    Plan plan;
    ASSERT_NO_FATAL_FAILURE(ConvertAndPlan(graph, mode, plan));
    EXPECT_THAT(GpuExecutor::Create(graph, plan, 0),
                testing::StatusIs(absl::StatusCode::kInvalidArgument,
                                  ::testing::AllOf(HasSubstr("SF_SPARSE_F16_KERNEL"),
                                                   HasSubstr("'bogus'"), HasSubstr("conv3x3"))))
        << (mode == SparseMode::kOn ? "sparse mode on" : "sparse mode auto");
  }
  Graph graph = fp32;
  Plan plan;
  ASSERT_NO_FATAL_FAILURE(ConvertAndPlan(graph, SparseMode::kOn, plan));
  const ScopedEnv empty(kKernelEnv, "");
  ASSERT_OK_AND_ASSIGN(auto gpu, GpuExecutor::Create(graph, plan, 0));
  for (const std::string& d : gpu->KernelDescriptions()) {
    EXPECT_THAT(d, Not(HasSubstr("SF_SPARSE_F16_KERNEL")));
  }
}

}  // namespace
}  // namespace sf
