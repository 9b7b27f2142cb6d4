// Spike occupancy (issue 12): the neuron kernel marks, as it stores its
// float16 NHWC output, which (image, tile, 16-channel group) of a block-sparse
// conv reading that output holds a non-zero (cuda::SpikeOccupancy,
// cuda/kernels/neuron.h), and the conv runs on those masks without its
// prescan (cuda::LaunchSparseConvF16Occupied). Checked over conv shapes (3x3
// and 1x1, strides 1 and 2, pads 0, 1 and asymmetric, tiles 4 and 8, channel
// counts that are and are not multiples of the vector width, more than 32
// groups), densities 0..0.3 and spikes on every tile border: the masks equal
// the prescan's bit for bit, the conv's output and counters equal the
// prescan path's, for the plain neuron, the neuron + Add kernels, the
// vector and scalar neuron kernels and two targets at once. Then the
// executor: it links each float16 NHWC sparse conv to the neuron that writes
// its input, and a residual block gives the same bits with the links as
// without them (SF_SPIKE_OCCUPANCY=off), run after run, on changing inputs,
// in sparse modes on and auto.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cuda/kernels/neuron.h"
#include "cuda/kernels/sparse_conv_f16.h"
#include "graph/passes/float16.h"
#include "graph/passes/layout.h"
#include "runtime/plan.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/cuda/sparse_conv_cases.h"
#include "tests/cuda/spike_link_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::Case;
using ::sf::testing::CaseName;
using ::sf::testing::CreateWithEnv;
using ::sf::testing::DescriptionOf;
using ::sf::testing::Download;
using ::sf::testing::ExpectClose;
using ::sf::testing::ForEachLinkedRun;
using ::sf::testing::IfParams;
using ::sf::testing::LinkedBlock;
using ::sf::testing::LinkedRun;
using ::sf::testing::MakeLinkedBlock;
using ::sf::testing::ScopedEnv;
using ::sf::testing::ShapeOf;
using ::sf::testing::Upload;
using ::testing::HasSubstr;
using ::testing::Not;

// Neuron inputs for conv input `s` (NHWC): 2 at `density`, and with `edges`
// also on the first and last row and column of every tile's window (and
// image), one random channel per such pixel.
std::vector<uint16_t> MakeInput(const cuda::SparseConvShape& s, double density, bool edges,
                                std::mt19937& rng) {
  std::vector<uint16_t> x(static_cast<size_t>(s.n * s.h * s.w * s.c_in), 0);
  std::bernoulli_distribution fire(density);
  for (uint16_t& v : x) v = fire(rng) ? testing::kHalfTwo : 0;
  if (edges) {
    const int64_t period = static_cast<int64_t>(s.tile) * s.stride;
    auto on_edge = [&](int64_t i, int64_t size, int64_t pad) {
      const int64_t r = (i + pad) % period;
      return i == 0 || i == size - 1 || r == 0 || r == period - 1 || r == 1;
    };
    std::uniform_int_distribution<int64_t> channel(0, s.c_in - 1);
    for (int64_t n = 0; n < s.n; ++n) {
      for (int64_t y = 0; y < s.h; ++y) {
        for (int64_t xx = 0; xx < s.w; ++xx) {
          if (on_edge(y, s.h, s.pad_top) && on_edge(xx, s.w, s.pad_left)) {
            x[static_cast<size_t>(((n * s.h + y) * s.w + xx) * s.c_in + channel(rng))] =
                testing::kHalfTwo;
          }
        }
      }
    }
  }
  return x;
}

// Random FP16 weights (KRSC) packed for the sparse kernel, and a bias.
struct Weights {
  cuda::DeviceBuffer packed, bias;
};
absl::StatusOr<Weights> MakeWeights(const cuda::SparseConvShape& s, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<uint16_t> w(static_cast<size_t>(s.c_out * s.ksize * s.ksize * s.c_in));
  for (uint16_t& v : w) v = FloatToHalf(u(rng));
  std::vector<uint16_t> packed(
      static_cast<size_t>(cuda::SparseConvF16PackedWeightElems(s.c_out, s.c_in, s.ksize)));
  cuda::RepackSparseConvF16Weights(w.data(), s.c_out, s.c_in, s.ksize, /*krsc=*/true,
                                   packed.data());
  std::vector<uint16_t> bias(static_cast<size_t>(s.c_out));
  for (uint16_t& v : bias) v = FloatToHalf(u(rng));
  Weights r;
  SF_ASSIGN_OR_RETURN(r.packed, Upload(packed));
  SF_ASSIGN_OR_RETURN(r.bias, Upload(bias));
  return r;
}

// How the neuron runs in a check.
struct NeuronRun {
  cuda::NeuronAdd add = cuda::NeuronAdd::kNone;
  bool misaligned = false;  // buffers one element off 8 bytes: the scalar kernel
};

// The neuron (with `run`'s Add) over `x` marks the masks of every conv in
// `convs` (all reading its output); each conv's masks must equal its
// prescan's, and its occupied run the prescan run, output and counters.
void CheckOccupancy(const std::vector<cuda::SparseConvShape>& convs, int64_t steps,
                    const std::vector<uint16_t>& x, const std::vector<uint16_t>& b, NeuronRun run,
                    std::mt19937& rng, const std::string& what) {
  SCOPED_TRACE(what);
  const cuda::SparseConvShape& s0 = convs[0];
  const int64_t elements = s0.n * s0.h * s0.w * s0.c_in;
  const size_t off = run.misaligned ? 1 : 0;
  std::vector<uint16_t> xx(off, 0), bb(off, 0);
  xx.insert(xx.end(), x.begin(), x.end());
  bb.insert(bb.end(), b.begin(), b.end());
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer dx, Upload(xx));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer db, Upload(bb));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer ds, Upload(std::vector<uint16_t>(xx.size(), 0x7e00)));
  const auto* x_at = static_cast<const uint16_t*>(dx.data()) + off;
  const auto* b_at = static_cast<const uint16_t*>(db.data()) + off;
  auto* s_at = static_cast<uint16_t*>(ds.data()) + off;

  cuda::SpikeOccupancy occ;
  std::vector<cuda::DeviceBuffer> masks;
  for (const cuda::SparseConvShape& s : convs) {
    ASSERT_EQ(s.n * s.h * s.w * s.c_in, elements);
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer m,
                         cuda::DeviceBuffer::Create(0, cuda::SparseConvF16MaskBytes(s)));
    // Stale bits from an earlier run: the launch must clear them.
    ASSERT_EQ(cudaMemset(m.data(), 0xff, m.bytes()), cudaSuccess);
    occ.targets[occ.count] =
        cuda::SparseConvF16OccupancyTarget(s, static_cast<uint32_t*>(m.data()));
    ASSERT_STREQ(
        cuda::SpikeOccupancyUnsupportedReason(occ.targets[occ.count], steps, elements / steps), "");
    ++occ.count;
    masks.push_back(std::move(m));
  }
  const cuda::NeuronParams p = IfParams(steps, elements / steps);
  ASSERT_EQ(cuda::LaunchNeuronAdd(p, run.add, DataType::kFloat16, x_at,
                                  run.add == cuda::NeuronAdd::kNone ? nullptr : b_at, s_at, nullptr,
                                  &occ),
            cudaSuccess);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);

  for (size_t k = 0; k < convs.size(); ++k) {
    const cuda::SparseConvShape& s = convs[k];
    SCOPED_TRACE(absl::StrCat("conv ", k, " k", s.ksize, " s", s.stride, " tile", s.tile));
    const size_t words = cuda::SparseConvF16MaskBytes(s) / sizeof(uint32_t);
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer prescan_masks,
                         cuda::DeviceBuffer::Create(0, cuda::SparseConvF16MaskBytes(s)));
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer ws,
                         cuda::DeviceBuffer::Create(0, cuda::SparseConvF16WorkspaceBytes(s)));
    const auto* spikes = reinterpret_cast<const __half*>(s_at);
    ASSERT_EQ(cuda::LaunchSparseConvF16Prescan(s, true, spikes, ws.data(), nullptr,
                                               static_cast<uint32_t*>(prescan_masks.data())),
              cudaSuccess);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    const std::vector<uint32_t> want = Download<uint32_t>(prescan_masks.data(), words);
    const std::vector<uint32_t> got = Download<uint32_t>(masks[k].data(), words);
    int64_t differ = 0, set = 0;
    for (size_t i = 0; i < words; ++i) {
      differ += want[i] != got[i];
      set += want[i] != 0;
    }
    EXPECT_EQ(differ, 0) << "of " << words << " mask words (" << set << " non-zero)";

    ASSERT_OK_AND_ASSIGN(Weights w, MakeWeights(s, rng));
    const size_t out = static_cast<size_t>(s.n * s.out_h * s.out_w * s.c_out);
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer y1, Upload(std::vector<uint16_t>(out, 0x7e00)));
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer y2, Upload(std::vector<uint16_t>(out, 0x7e00)));
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer y3, Upload(std::vector<uint16_t>(out, 0x7e00)));
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer ws2,
                         cuda::DeviceBuffer::Create(0, cuda::SparseConvF16WorkspaceBytes(s)));
    const auto* wp = static_cast<const uint16_t*>(w.packed.data());
    const auto* bias = static_cast<const __half*>(w.bias.data());
    ASSERT_EQ(cuda::LaunchSparseConvF16(s, true, spikes, wp, bias, static_cast<__half*>(y1.data()),
                                        ws.data(), nullptr),
              cudaSuccess);
    ASSERT_EQ(
        cuda::LaunchSparseConvF16Occupied(s, spikes, wp, bias, static_cast<__half*>(y2.data()),
                                          static_cast<const uint32_t*>(masks[k].data()), ws2.data(),
                                          /*count_tiles=*/true, nullptr),
        cudaSuccess);
    ASSERT_EQ(
        cuda::LaunchSparseConvF16Occupied(s, spikes, wp, bias, static_cast<__half*>(y3.data()),
                                          static_cast<const uint32_t*>(masks[k].data()), nullptr,
                                          /*count_tiles=*/false, nullptr),
        cudaSuccess);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    const std::vector<uint16_t> prescanned = Download<uint16_t>(y1.data(), out);
    EXPECT_TRUE(prescanned == Download<uint16_t>(y2.data(), out)) << "occupied, counted";
    EXPECT_TRUE(prescanned == Download<uint16_t>(y3.data(), out)) << "occupied, not counted";
    // 16 (tile 8) and 32 output channels per work item, and tile 4 with
    // one tile per item (0: group_tiles off): each output adds the same
    // products in the same order, so the bits are the same.
    for (int chunk : {16, 32, 0}) {
      if ((s.tile != 8 && chunk == 16) || (s.tile != 4 && chunk == 0)) continue;
      cuda::SparseConvShape sc = s;
      if (chunk == 0) {
        sc.group_tiles = false;
      } else {
        sc.cout_chunk = chunk;
      }
      ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer y4, Upload(std::vector<uint16_t>(out, 0x7e00)));
      ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer y5, Upload(std::vector<uint16_t>(out, 0x7e00)));
      ASSERT_EQ(cuda::LaunchSparseConvF16Occupied(
                    sc, spikes, wp, bias, static_cast<__half*>(y4.data()),
                    static_cast<const uint32_t*>(masks[k].data()), nullptr, false, nullptr),
                cudaSuccess);
      ASSERT_EQ(cuda::LaunchSparseConvF16(sc, true, spikes, wp, bias,
                                          static_cast<__half*>(y5.data()), ws2.data(), nullptr),
                cudaSuccess);
      ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
      EXPECT_TRUE(prescanned == Download<uint16_t>(y4.data(), out)) << "occupied, chunk " << chunk;
      EXPECT_TRUE(prescanned == Download<uint16_t>(y5.data(), out)) << "prescan, chunk " << chunk;
    }
    cuda::SparseConvCounters a, c;
    ASSERT_EQ(cuda::ReadSparseConvCounters(ws.data(), &a), cudaSuccess);
    ASSERT_EQ(cuda::ReadSparseConvCounters(ws2.data(), &c), cudaSuccess);
    EXPECT_EQ(a.active_tiles, c.active_tiles);
    EXPECT_EQ(a.empty_tiles, c.empty_tiles);
    EXPECT_EQ(a.active_groups, c.active_groups);
  }
}

// n (= steps x images per step), c_in, h, w, c_out, k, stride, pads (top,
// left, bottom, right), tile. The channel counts cover every way the vector
// kernel's lanes share a pixel's marks: 4 to 16 lanes per pixel (c 16..64), 32
// lanes of a wider pixel (128, 256), each lane alone (12, 24, 36, 528) and the
// scalar kernel (5). The last two have more than 256 tiles (576 of 4x4, 270 of
// 8x8), where the occupied conv estimates its count of active tiles.
const std::vector<Case>& Cases() {
  static const std::vector<Case> cases = {
      {4, 16, 13, 11, 20, 3, 1, 1, 1, 1, 1, 4}, {4, 64, 32, 32, 64, 3, 1, 1, 1, 1, 1, 8},
      {2, 64, 17, 19, 32, 3, 2, 1, 1, 1, 1, 8}, {4, 32, 16, 16, 64, 1, 2, 0, 0, 0, 0, 8},
      {2, 24, 9, 10, 16, 1, 1, 0, 0, 0, 0, 4},  {2, 528, 7, 7, 64, 3, 1, 1, 1, 1, 1, 4},
      {4, 5, 12, 12, 8, 3, 1, 0, 1, 1, 0, 4},   {2, 64, 8, 8, 128, 3, 1, 0, 0, 0, 0, 8},
      {6, 12, 15, 15, 24, 3, 2, 0, 0, 0, 0, 4}, {2, 36, 9, 9, 8, 1, 2, 0, 0, 0, 0, 4},
      {2, 128, 9, 9, 64, 3, 1, 1, 1, 1, 1, 8},  {2, 256, 6, 7, 32, 1, 1, 0, 0, 0, 0, 4},
      {8, 16, 33, 31, 24, 3, 1, 1, 1, 1, 1, 4}, {30, 16, 24, 24, 32, 3, 1, 1, 1, 1, 1, 8}};
  return cases;
}

TEST(SpikeOccupancyTest, MasksAndConvMatchThePrescanOverShapesAndDensities) {
  SF_SKIP_WITHOUT_GPU();
  if (const char* why = cuda::SparseConvF16BuildUnsupportedReason(); *why != '\0') {
    GTEST_SKIP() << why;
  }
  std::mt19937 rng(12);
  for (const Case& c : Cases()) {
    const cuda::SparseConvShape s = ShapeOf(c, /*binary=*/true);
    const int64_t steps = s.n % 3 == 0 ? 3 : 2;
    for (double density : {0.0, 1e-3, 0.02, 0.3}) {
      for (bool edges : {false, true}) {
        if (edges && density > 0.01) continue;
        const std::vector<uint16_t> x = MakeInput(s, density, edges, rng);
        CheckOccupancy({s}, steps, x, {}, NeuronRun{}, rng,
                       absl::StrCat(CaseName(c), " density ", density, edges ? " edges" : ""));
      }
    }
  }
}

// The scalar kernel (unaligned buffers) and the neuron + Add kernels: the
// masks follow what is stored (after the Add: spike + b, not the spike).
TEST(SpikeOccupancyTest, ScalarKernelAndNeuronAddMarkWhatTheyStore) {
  SF_SKIP_WITHOUT_GPU();
  if (const char* why = cuda::SparseConvF16BuildUnsupportedReason(); *why != '\0') {
    GTEST_SKIP() << why;
  }
  std::mt19937 rng(13);
  const Case c{4, 32, 14, 14, 32, 3, 1, 1, 1, 1, 1, 4};
  const cuda::SparseConvShape s = ShapeOf(c, false);
  const std::vector<uint16_t> x = MakeInput(s, 0.01, true, rng);
  // Sparse non-zero addends (a residual), some at spike-free places.
  std::vector<uint16_t> b(x.size(), 0);
  std::bernoulli_distribution some(0.005);
  for (uint16_t& v : b) v = some(rng) ? FloatToHalf(0.5f) : 0;
  CheckOccupancy({s}, 2, x, b, NeuronRun{cuda::NeuronAdd::kNone, true}, rng, "scalar");
  CheckOccupancy({s}, 2, x, b, NeuronRun{cuda::NeuronAdd::kBefore, false}, rng, "add first");
  CheckOccupancy({s}, 2, x, b, NeuronRun{cuda::NeuronAdd::kAfter, false}, rng, "add after");
  CheckOccupancy({s}, 2, x, b, NeuronRun{cuda::NeuronAdd::kAfter, true}, rng, "add after, scalar");
}

// A ResNet downsampling block's input feeds a 3x3/2 conv and a 1x1/2
// shortcut: one neuron marks both.
TEST(SpikeOccupancyTest, OneNeuronMarksTwoConvs) {
  SF_SKIP_WITHOUT_GPU();
  if (const char* why = cuda::SparseConvF16BuildUnsupportedReason(); *why != '\0') {
    GTEST_SKIP() << why;
  }
  std::mt19937 rng(14);
  const cuda::SparseConvShape main = ShapeOf(Case{4, 64, 16, 16, 128, 3, 2, 1, 1, 1, 1, 4}, true);
  const cuda::SparseConvShape shortcut =
      ShapeOf(Case{4, 64, 16, 16, 128, 1, 2, 0, 0, 0, 0, 4}, true);
  const std::vector<uint16_t> x = MakeInput(main, 0.003, true, rng);
  CheckOccupancy({main, shortcut}, 2, x, {}, NeuronRun{}, rng, "3x3/2 and 1x1/2");
}

TEST(SpikeOccupancyTest, RejectsWhatItCannotMark) {
  SF_SKIP_WITHOUT_GPU();
  const cuda::SparseConvShape s = ShapeOf(Case{2, 16, 8, 8, 16, 3, 1, 1, 1, 1, 1, 4}, true);
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer m,
                       cuda::DeviceBuffer::Create(0, cuda::SparseConvF16MaskBytes(s)));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer buf,
                       cuda::DeviceBuffer::Create(0, sizeof(float) * 2 * 16 * 8 * 8));
  cuda::SpikeOccupancy occ;
  occ.count = 1;
  occ.targets[0] = cuda::SparseConvF16OccupancyTarget(s, static_cast<uint32_t*>(m.data()));
  const int64_t elements = 2 * 16 * 8 * 8;
  EXPECT_STREQ(cuda::SpikeOccupancyUnsupportedReason(occ.targets[0], 2, elements / 2), "");
  EXPECT_STRNE(cuda::SpikeOccupancyUnsupportedReason(occ.targets[0], 1, elements / 2), "");
  const cuda::NeuronParams p = IfParams(2, elements / 2);
  // float32 has no marking kernel.
  EXPECT_EQ(cuda::LaunchNeuron(p, DataType::kFloat32, buf.data(), buf.data(), nullptr, &occ),
            cudaErrorInvalidValue);
  // A neuron output of another size than the conv's input.
  EXPECT_EQ(cuda::LaunchNeuron(IfParams(1, elements / 2), DataType::kFloat16, buf.data(),
                               buf.data(), nullptr, &occ),
            cudaErrorInvalidValue);
  cuda::SpikeOccupancy bad = occ;
  bad.targets[0].words = 7;
  EXPECT_EQ(cuda::LaunchNeuron(p, DataType::kFloat16, buf.data(), buf.data(), nullptr, &bad),
            cudaErrorInvalidValue);
  bad = occ;
  bad.count = cuda::kMaxSpikeOccupancyTargets + 1;
  EXPECT_EQ(cuda::LaunchNeuron(p, DataType::kFloat16, buf.data(), buf.data(), nullptr, &bad),
            cudaErrorInvalidValue);
  // The occupied conv is NHWC-only and needs masks.
  EXPECT_EQ(cuda::LaunchSparseConvF16Occupied(s, nullptr, nullptr, nullptr, nullptr, nullptr,
                                              nullptr, false, nullptr),
            cudaErrorInvalidValue);
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
}

// With the links, run after run (the first plain, then captured and
// replayed, and plain launches without graphs), on changing inputs, the
// outputs equal the same plan's without links (SF_SPIKE_OCCUPANCY=off) bit for
// bit. Sparse on: the three convs run on their neuron's masks from the first
// run, one neuron marking two convs. Auto: a conv whose first run chose the
// tensor-core kernel turns its link on then (an all-zero first input makes
// sparse win where it can).
TEST(SpikeOccupancyRuntimeTest, LinkedConvsGiveTheUnlinkedBits) {
  SF_SKIP_WITHOUT_GPU();
  if (const char* why = cuda::SparseConvF16BuildUnsupportedReason(); *why != '\0') {
    GTEST_SKIP() << why;
  }
  ForEachLinkedRun(21, /*fuse=*/false, [](LinkedRun& r) {
    const Graph& g = r.block.graph;
    for (const char* conv : {"body_0", "body_1", "shortcut"}) {
      EXPECT_THAT(DescriptionOf(*r.without, g, conv), Not(HasSubstr("spike occupancy")));
    }
    EXPECT_THAT(DescriptionOf(*r.with, g, "body_0"), HasSubstr("spike occupancy from 'lif_in'"));
    EXPECT_THAT(DescriptionOf(*r.with, g, "shortcut"), HasSubstr("spike occupancy from 'lif_in'"));
    EXPECT_THAT(DescriptionOf(*r.with, g, "body_1"), HasSubstr("spike occupancy from 'lif_mid'"));
    EXPECT_THAT(DescriptionOf(*r.with, g, "lif_in"), HasSubstr("marks spike occupancy for '"));
    ASSERT_NO_FATAL_FAILURE(r.ExpectSameBitsOverRuns());
    for (const char* conv : {"body_0", "body_1", "shortcut"}) {
      const std::string d = DescriptionOf(*r.with, g, conv);
      std::cout << ToString(r.mode) << " " << conv << ": " << d << std::endl;
      // Sparse by the tensor-core kernel (not the spike gather, which
      // auto may pick and which has no prescan to skip).
      const bool sparse = d.find("chosen: sparse") != std::string::npos &&
                          d.rfind("cuda sparse fp16 tensor-core", 0) == 0;
      EXPECT_EQ(d.find("': on, no prescan") != std::string::npos, sparse) << conv << ": " << d;
      if (r.mode == SparseMode::kOn) {
        EXPECT_TRUE(sparse) << conv << ": " << d;
      }
    }
  });
}

// The float16 sparse convs count their tiles in the executor's zeroed bytes
// (GpuKernel::zeroed_bytes: cleared with the error flags, one memset per
// run) instead of a counter reset of their own. Run after run on two inputs
// in turn, each conv's tile density is that of a fresh executor's first run
// on the same input (counters left from the run before would add its
// tiles), and the outputs are the same bits: without links (the prescan
// counts) and with them (the occupied conv counts).
TEST(SpikeOccupancyRuntimeTest, EachRunCountsItsOwnTiles) {
  SF_SKIP_WITHOUT_GPU();
  if (const char* why = cuda::SparseConvF16BuildUnsupportedReason(); *why != '\0') {
    GTEST_SKIP() << why;
  }
  std::mt19937 rng(29);
  ASSERT_OK_AND_ASSIGN(const LinkedBlock b, MakeLinkedBlock(SparseMode::kOn, rng));
  // x [4, 32, 16, 16]: 5.0 in a 4x4 corner of the listed images, else 0.
  auto lit = [](std::vector<int64_t> images, int64_t y0, int64_t x0) {
    Tensor x = Tensor::Create(DataType::kFloat32, {4, 32, 16, 16}).value();
    float* v = x.data<float>();
    std::fill(v, v + x.num_elements(), 0.0f);
    for (int64_t n : images) {
      for (int64_t c = 0; c < 32; ++c) {
        for (int64_t y = y0; y < y0 + 4; ++y) {
          for (int64_t xx = x0; xx < x0 + 4; ++xx) v[((n * 32 + c) * 16 + y) * 16 + xx] = 5.0f;
        }
      }
    }
    return std::vector<Tensor>{x};
  };
  const std::vector<Tensor> in[2] = {lit({0}, 0, 0), lit({1, 2}, 10, 6)};
  ExecutorOptions o;
  o.profile_nodes = true;  // the counters go to the step stats
  auto densities = [&](const GpuExecutor& e) {
    std::vector<double> d;
    for (const StepStats& s : e.LastStepStats()) d.push_back(s.tile_density);
    return d;
  };
  for (const char* links : {"off", "on"}) {  // "on": kept on, not timed
    const std::string what = std::string(links) == "off" ? "without links" : "with links";
    std::vector<double> want[2];
    std::vector<Tensor> want_out[2];
    for (int k = 0; k < 2; ++k) {
      ASSERT_OK_AND_ASSIGN(auto fresh, CreateWithEnv(b, o, "SF_SPIKE_OCCUPANCY", links));
      ASSERT_OK_AND_ASSIGN(want_out[k], fresh->Run(in[k]));
      want[k] = densities(*fresh);
    }
    int partial = 0;  // convs with some tiles active and some empty, on differing inputs
    for (size_t i = 0; i < want[0].size(); ++i) {
      partial += want[0][i] > 0 && want[0][i] < 1 && want[1][i] > 0 && want[0][i] != want[1][i];
    }
    EXPECT_GE(partial, 2) << what << ": the inputs do not tell the counts apart";
    ASSERT_OK_AND_ASSIGN(auto exec, CreateWithEnv(b, o, "SF_SPIKE_OCCUPANCY", links));
    for (int run = 0; run < 6; ++run) {
      const int k = run % 2;
      ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, exec->Run(in[k]));
      EXPECT_EQ(densities(*exec), want[k]) << what << ", run " << run;
      ASSERT_EQ(got.size(), want_out[k].size());
      for (size_t i = 0; i < got.size(); ++i) {
        ExpectClose(got[i], want_out[k][i], 0, 0, absl::StrCat(what, ", run ", run));
      }
    }
  }
}

// By default (SF_SPIKE_OCCUPANCY unset) the executor times each link after
// its first run (GpuExecutor::TimeLinks): the producer marking and the
// consumer without its prescan, against the producer plain and the consumer
// with it, and keeps the faster. Each linked conv then says which and both
// times, and the outputs stay those without links, run after run (plain,
// then replayed from a graph captured again if a link went off).
TEST(SpikeOccupancyRuntimeTest, TimedLinksSayWhatWasMeasuredAndKeepTheBits) {
  SF_SKIP_WITHOUT_GPU();
  if (const char* why = cuda::SparseConvF16BuildUnsupportedReason(); *why != '\0') {
    GTEST_SKIP() << why;
  }
  for (SparseMode mode : {SparseMode::kOn, SparseMode::kAuto}) {
    SCOPED_TRACE(ToString(mode));
    std::mt19937 rng(31);
    ASSERT_OK_AND_ASSIGN(const LinkedBlock b, MakeLinkedBlock(mode, rng));
    ASSERT_OK_AND_ASSIGN(auto without, CreateWithEnv(b, {}, "SF_SPIKE_OCCUPANCY", "off"));
    ASSERT_OK_AND_ASSIGN(auto timed, CreateWithEnv(b, {}, "SF_SPIKE_OCCUPANCY", nullptr));
    ASSERT_NO_FATAL_FAILURE(testing::ExpectSameBits(
        *without, *timed, 5, [](int round) { return round == 0 ? 0.0 : 0.4 + 0.3 * round; }, rng));
    int timed_links = 0;
    for (const char* conv : {"body_0", "body_1", "shortcut"}) {
      const std::string d = DescriptionOf(*timed, b.graph, conv);
      std::cout << ToString(mode) << " " << conv << ": " << d << std::endl;
      const bool tensor_core =
          d.rfind("cuda sparse fp16 tensor-core", 0) == 0 &&
          (mode == SparseMode::kOn || d.find("chosen: sparse") != std::string::npos);
      const bool said = ::testing::Matches(::testing::ContainsRegex(
          "': (on, no prescan \\(kept|off \\(measured slower): pair [0-9.]+ us linked, "
          "[0-9.]+ us with the prescan\\)"))(d);
      EXPECT_EQ(said, tensor_core) << d;
      timed_links += said;
    }
    if (mode == SparseMode::kOn) {
      EXPECT_EQ(timed_links, 3);
    }
  }
  // A profiling executor (sfbench's layer table) times its links before it
  // times the steps, as a running executor has them by its second run.
  std::mt19937 rng(32);
  ASSERT_OK_AND_ASSIGN(const LinkedBlock b, MakeLinkedBlock(SparseMode::kOn, rng));
  ASSERT_OK_AND_ASSIGN(auto profiling, CreateWithEnv(b, ExecutorOptions{.profiling = true},
                                                     "SF_SPIKE_OCCUPANCY", nullptr));
  const std::vector<Tensor> in = {
      testing::RandomTensor(DataType::kFloat32, {4, 32, 16, 16}, rng, 0.0, 0.7)};
  ASSERT_OK_AND_ASSIGN(std::vector<StepProfile> steps, profiling->ProfileSteps(in, 10));
  for (const char* conv : {"body_0", "body_1", "shortcut"}) {
    EXPECT_THAT(DescriptionOf(*profiling, b.graph, conv),
                ::testing::ContainsRegex("(kept|measured slower): pair [0-9.]+ us linked"))
        << conv;
  }
}

// SF_SPARSE_F16_CHUNK: 16, 32 (the default for tile 8) or 64 output
// channels per work item of the tile-8 tensor-core kernel, the same bits
// (each output adds the same products in the same order); any other value
// fails at load, naming the variable.
TEST(SpikeOccupancyRuntimeTest, OutputChannelsPerItemKeepTheBits) {
  SF_SKIP_WITHOUT_GPU();
  if (const char* why = cuda::SparseConvF16BuildUnsupportedReason(); *why != '\0') {
    GTEST_SKIP() << why;
  }
  std::mt19937 rng(23);
  ASSERT_OK_AND_ASSIGN(const LinkedBlock b, MakeLinkedBlock(SparseMode::kOn, rng));
  std::vector<std::unique_ptr<GpuExecutor>> execs;
  for (const char* chunk : {static_cast<const char*>(nullptr), "16", "64"}) {
    const ScopedEnv env("SF_SPARSE_F16_CHUNK", chunk);
    ASSERT_OK_AND_ASSIGN(std::unique_ptr<GpuExecutor> e,
                         GpuExecutor::Create(b.graph, b.plan, 0, ExecutorOptions{}));
    EXPECT_THAT(DescriptionOf(*e, b.graph, "body_0"),
                HasSubstr(absl::StrCat("tile 8 (16-channel groups, ", chunk ? chunk : "32",
                                       " output channels per item")));
    execs.push_back(std::move(e));
  }
  for (int round = 0; round < 3; ++round) {
    const double hi = 0.3 + 0.3 * round;
    const std::vector<Tensor> in = {
        testing::RandomTensor(DataType::kFloat32, {4, 32, 16, 16}, rng, 0.0, hi)};
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> want, execs[0]->Run(in));
    for (size_t k = 1; k < execs.size(); ++k) {
      ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, execs[k]->Run(in));
      ASSERT_EQ(got.size(), want.size());
      for (size_t i = 0; i < got.size(); ++i) {
        ExpectClose(got[i], want[i], 0, 0, absl::StrCat("round ", round, ", executor ", k));
      }
    }
  }
  for (const char* bad : {"48", "x", "-32"}) {
    const ScopedEnv env("SF_SPARSE_F16_CHUNK", bad);
    const absl::StatusOr<std::unique_ptr<GpuExecutor>> exec =
        GpuExecutor::Create(b.graph, b.plan, 0, ExecutorOptions{});
    ASSERT_FALSE(exec.ok()) << bad;
    EXPECT_THAT(exec.status().message(), HasSubstr("SF_SPARSE_F16_CHUNK must be 16, 32 or 64"));
  }
  for (const char* bad : {"1", "yes", "ON"}) {
    const ScopedEnv env("SF_SPARSE_F16_GROUP_TILES", bad);
    const absl::StatusOr<std::unique_ptr<GpuExecutor>> exec =
        GpuExecutor::Create(b.graph, b.plan, 0, ExecutorOptions{});
    ASSERT_FALSE(exec.ok()) << bad;
    EXPECT_THAT(exec.status().message(), HasSubstr("SF_SPARSE_F16_GROUP_TILES must be on or off"));
  }
}

TEST(SpikeOccupancyRuntimeTest, RejectsABadSwitchValue) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(22);
  ASSERT_OK_AND_ASSIGN(const LinkedBlock b, MakeLinkedBlock(SparseMode::kOn, rng));
  const ScopedEnv env("SF_SPIKE_OCCUPANCY", "maybe");
  const absl::StatusOr<std::unique_ptr<GpuExecutor>> exec =
      GpuExecutor::Create(b.graph, b.plan, 0, ExecutorOptions{});
  ASSERT_FALSE(exec.ok());
  EXPECT_THAT(exec.status().message(), HasSubstr("SF_SPIKE_OCCUPANCY must be 'on' or 'off'"));
}

}  // namespace
}  // namespace sf
