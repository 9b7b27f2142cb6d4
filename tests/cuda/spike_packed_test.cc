// Bit-packed spikes (issue 12): the neuron kernel writes, beside its float16
// output, one bit per element (cuda::SpikeOccupancy::packed), and the spike-
// gather conv reads those bits in place of the float16 spikes
// (cuda::LaunchSpikeGatherConvF16Packed). Checked: the bits are exactly the
// non-zeros of what the neuron stores (plain, Add before, Add after; with
// occupancy masks marked in the same launch; every word rewritten over stale
// ones), over sizes and time steps; the gather on bits gives the float16
// gather's bits over conv shapes (3x3 and 1x1, strides 1 and 2, pads 0, 1 and
// asymmetric, odd sizes, 32 to 512 channels), densities 0..1 and single spikes
// at every pixel; launches it cannot do are refused. Then the executor: a
// residual block whose convs run the spike gather links each to the neuron
// that writes its input (one buffer for the two convs of the block input),
// and gives the bits it gives without links (SF_SPIKE_OCCUPANCY=off), run
// after run, plain and in CUDA graphs, in sparse modes on and auto.
// The host checks run anywhere; GPU tests skip without a GPU.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cuda/kernels/neuron.h"
#include "cuda/kernels/sparse_conv_f16.h"
#include "cuda/kernels/spike_gather_conv.h"
#include "graph/float16.h"
#include "graph/passes/float16.h"
#include "graph/passes/layout.h"
#include "runtime/gpu/gpu_executor.h"
#include "runtime/gpu/gpu_kernel.h"
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
using ::sf::testing::ExpectSameBits;
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

constexpr uint16_t kOne = 0x3C00;  // 1.0 in FP16
using ::sf::testing::kHalfTwo;
using ::sf::testing::PackOnHost;

TEST(SpikePackedHostTest, SupportAndSizes) {
  EXPECT_STREQ(cuda::SpikePackedUnsupportedReason(DataType::kFloat16, 4, 64 * 32), "");
  EXPECT_THAT(cuda::SpikePackedUnsupportedReason(DataType::kFloat32, 4, 64 * 32),
              HasSubstr("float16"));
  EXPECT_THAT(cuda::SpikePackedUnsupportedReason(DataType::kFloat16, 4, 48),
              HasSubstr("multiple of 32"));
  EXPECT_STRNE(cuda::SpikePackedUnsupportedReason(DataType::kFloat16, 0, 64), "");
  EXPECT_EQ(cuda::SpikePackedBytes(64 * 32), 64u * 4u);

  // The gather reads bits of binary inputs of 32k channels only.
  cuda::SparseConvShape s = ShapeOf(Case{4, 64, 16, 16, 128, 1, 2, 0, 0, 0, 0, 8}, true);
  EXPECT_STREQ(cuda::SpikeGatherConvPackedUnsupportedReason(s), "");
  s.binary = false;
  EXPECT_THAT(cuda::SpikeGatherConvPackedUnsupportedReason(s), HasSubstr("binary"));
  s = ShapeOf(Case{4, 48, 16, 16, 128, 3, 1, 1, 1, 1, 1, 8}, true);
  EXPECT_THAT(cuda::SpikeGatherConvPackedUnsupportedReason(s), HasSubstr("multiple of 32"));
  s = ShapeOf(Case{4, 64, 16, 16, 128, 9, 1, 4, 4, 4, 4, 8}, true);
  EXPECT_STREQ(cuda::SpikeGatherConvPackedUnsupportedReason(s),
               cuda::SpikeGatherConvUnsupportedReason(s));

  // A link's buffer: the masks, or the packed spikes of the whole input.
  SpikeOccupancyLink link;
  link.target = cuda::SparseConvF16OccupancyTarget(
      ShapeOf(Case{4, 64, 16, 16, 128, 3, 1, 1, 1, 1, 1, 8}, true), nullptr);
  EXPECT_EQ(SpikeLinkBytes(link), cuda::SpikeOccupancyMaskBytes(link.target));
  link.packed = true;
  EXPECT_EQ(SpikeLinkBytes(link), size_t{4} * 16 * 16 * 64 / 8);
}

// The neuron over x (and b, with `add`), `steps` steps, writes s and its
// packed bits over a buffer of stale words; with `masks_too` it also marks a
// 3x3 conv's masks in the same launch, which must equal its prescan's.
void CheckNeuronPacks(int64_t steps, int64_t images, int64_t h, int64_t w, int64_t c,
                      double density, cuda::NeuronAdd add, bool masks_too, std::mt19937& rng) {
  const int64_t elements = steps * images * h * w * c;
  SCOPED_TRACE(absl::StrCat("T ", steps, " images ", images, " ", h, "x", w, "x", c, " density ",
                            density, " add ", static_cast<int>(add), masks_too ? " masks" : ""));
  std::bernoulli_distribution fire(density), some(0.01);
  std::vector<uint16_t> x(static_cast<size_t>(elements)), b(x.size());
  for (uint16_t& v : x) v = fire(rng) ? kHalfTwo : 0;
  for (uint16_t& v : b) v = some(rng) ? FloatToHalf(0.5f) : 0;
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer dx, Upload(x));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer db, Upload(b));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer ds, Upload(std::vector<uint16_t>(x.size(), 0x7e00)));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer packed,
                       Upload(std::vector<uint32_t>(x.size() / 32, 0xA5A5A5A5u)));
  cuda::SpikeOccupancy occ;
  occ.packed = static_cast<uint32_t*>(packed.data());
  const cuda::SparseConvShape conv = ShapeOf(Case{steps * images, c, h, w, 32, 3, 1, 1, 1, 1, 1, 8},
                                             /*binary=*/add != cuda::NeuronAdd::kAfter);
  cuda::DeviceBuffer masks;
  if (masks_too) {
    ASSERT_OK_AND_ASSIGN(masks, cuda::DeviceBuffer::Create(0, cuda::SparseConvF16MaskBytes(conv)));
    occ.targets[occ.count++] =
        cuda::SparseConvF16OccupancyTarget(conv, static_cast<uint32_t*>(masks.data()));
  }
  const cuda::NeuronParams p = IfParams(steps, elements / steps);
  ASSERT_EQ(cuda::LaunchNeuronAdd(p, add, DataType::kFloat16, dx.data(),
                                  add == cuda::NeuronAdd::kNone ? nullptr : db.data(), ds.data(),
                                  nullptr, &occ),
            cudaSuccess);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  const std::vector<uint16_t> stored = Download<uint16_t>(ds.data(), x.size());
  const std::vector<uint32_t> want = PackOnHost(stored);
  const std::vector<uint32_t> got = Download<uint32_t>(packed.data(), want.size());
  int64_t differ = 0, set = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    differ += want[i] != got[i];
    set += want[i] != 0;
  }
  EXPECT_EQ(differ, 0) << "of " << want.size() << " words (" << set << " non-zero)";
  if (masks_too) {
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer prescan,
                         cuda::DeviceBuffer::Create(0, cuda::SparseConvF16MaskBytes(conv)));
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer ws,
                         cuda::DeviceBuffer::Create(0, cuda::SparseConvF16WorkspaceBytes(conv)));
    ASSERT_EQ(cuda::LaunchSparseConvF16Prescan(conv, true, static_cast<const __half*>(ds.data()),
                                               ws.data(), nullptr,
                                               static_cast<uint32_t*>(prescan.data())),
              cudaSuccess);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    const size_t words = cuda::SparseConvF16MaskBytes(conv) / 4;
    EXPECT_TRUE(Download<uint32_t>(prescan.data(), words) ==
                Download<uint32_t>(masks.data(), words));
  }
}

TEST(SpikePackedTest, NeuronWritesTheNonZerosOfWhatItStores) {
  SF_SKIP_WITHOUT_GPU();
  if (const char* why = cuda::SparseConvF16BuildUnsupportedReason(); *why != '\0') {
    GTEST_SKIP() << why;
  }
  std::mt19937 rng(31);
  // Steps x images x H x W x C: channels 32..512, 1 to 4 steps, sizes whose
  // vectors end mid-warp (the last warp of a step partly filled).
  struct Size {
    int64_t steps, images, h, w, c;
  };
  for (const Size& z : {Size{4, 2, 8, 8, 32}, Size{2, 3, 5, 7, 64}, Size{1, 1, 1, 1, 32},
                        Size{3, 2, 9, 9, 96}, Size{4, 1, 4, 4, 512}, Size{2, 2, 17, 13, 128}}) {
    for (double density : {0.0, 0.03, 0.5, 1.0}) {
      CheckNeuronPacks(z.steps, z.images, z.h, z.w, z.c, density, cuda::NeuronAdd::kNone, false,
                       rng);
    }
  }
  CheckNeuronPacks(2, 2, 16, 16, 64, 0.02, cuda::NeuronAdd::kNone, true, rng);
  CheckNeuronPacks(2, 2, 16, 16, 64, 0.02, cuda::NeuronAdd::kBefore, true, rng);
  CheckNeuronPacks(2, 2, 16, 16, 64, 0.02, cuda::NeuronAdd::kAfter, true, rng);
  CheckNeuronPacks(4, 1, 8, 8, 32, 0.1, cuda::NeuronAdd::kAfter, false, rng);
}

TEST(SpikePackedTest, NeuronRefusesWhatItCannotPack) {
  SF_SKIP_WITHOUT_GPU();
  const int64_t elements = 2 * 8 * 8 * 32;
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer buf, cuda::DeviceBuffer::Create(0, 4 * elements + 16));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer packed, cuda::DeviceBuffer::Create(0, elements / 8 + 16));
  cuda::SpikeOccupancy occ;
  occ.packed = static_cast<uint32_t*>(packed.data());
  const cuda::NeuronParams p = IfParams(2, elements / 2);
  EXPECT_EQ(cuda::LaunchNeuron(p, DataType::kFloat32, buf.data(), buf.data(), nullptr, &occ),
            cudaErrorInvalidValue);
  EXPECT_EQ(cuda::LaunchNeuron(IfParams(2, 24), DataType::kFloat16, buf.data(), buf.data(), nullptr,
                               &occ),
            cudaErrorInvalidValue);
  // Buffers off 8 bytes take the scalar kernel, which does not pack.
  auto* off = static_cast<uint16_t*>(buf.data()) + 1;
  EXPECT_EQ(cuda::LaunchNeuron(p, DataType::kFloat16, off, off, nullptr, &occ),
            cudaErrorInvalidValue);
  cuda::SpikeOccupancy odd = occ;
  odd.packed = reinterpret_cast<uint32_t*>(static_cast<char*>(packed.data()) + 2);
  EXPECT_EQ(cuda::LaunchNeuron(p, DataType::kFloat16, buf.data(), buf.data(), nullptr, &odd),
            cudaErrorInvalidValue);
  EXPECT_EQ(cuda::LaunchNeuron(p, DataType::kFloat16, buf.data(), buf.data(), nullptr, &occ),
            cudaSuccess);
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
}

// The gather on `x` (NHWC float16 bits, binary) and on its packed bits: the
// same output bits.
void ExpectGatherOnBitsMatches(const cuda::SparseConvShape& s, const std::vector<uint16_t>& x,
                               std::mt19937& rng, const std::string& what) {
  SCOPED_TRACE(what);
  ASSERT_STREQ(cuda::SpikeGatherConvPackedUnsupportedReason(s), "");
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<uint16_t> w(static_cast<size_t>(s.c_out * s.ksize * s.ksize * s.c_in));
  for (uint16_t& v : w) v = FloatToHalf(u(rng));
  std::vector<uint16_t> wp(
      static_cast<size_t>(cuda::SpikeGatherConvPackedWeightElems(s.c_out, s.c_in, s.ksize)));
  cuda::RepackSpikeGatherConvWeights(w.data(), s.c_out, s.c_in, s.ksize, /*krsc=*/true, wp.data());
  std::vector<uint16_t> bias(static_cast<size_t>(s.c_out));
  for (uint16_t& v : bias) v = FloatToHalf(u(rng));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer dx, Upload(x));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer dbits, Upload(PackOnHost(x)));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer dw, Upload(wp));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer db, Upload(bias));
  const size_t out = static_cast<size_t>(s.n * s.out_h * s.out_w * s.c_out);
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer y1, Upload(std::vector<uint16_t>(out, 0x7e00)));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer y2, Upload(std::vector<uint16_t>(out, 0x7e00)));
  const auto* wd = static_cast<const uint16_t*>(dw.data());
  const auto* bd = static_cast<const __half*>(db.data());
  ASSERT_EQ(cuda::LaunchSpikeGatherConvF16(s, static_cast<const __half*>(dx.data()), wd, bd,
                                           static_cast<__half*>(y1.data()), nullptr),
            cudaSuccess);
  ASSERT_EQ(cuda::LaunchSpikeGatherConvF16Packed(s, static_cast<const uint32_t*>(dbits.data()), wd,
                                                 bd, static_cast<__half*>(y2.data()), nullptr),
            cudaSuccess);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  const std::vector<uint16_t> want = Download<uint16_t>(y1.data(), out);
  const std::vector<uint16_t> got = Download<uint16_t>(y2.data(), out);
  int64_t differ = 0;
  for (size_t i = 0; i < out; ++i) differ += want[i] != got[i];
  EXPECT_EQ(differ, 0) << "of " << out << " outputs";
  for (size_t i = 0; i < out && differ == 0; ++i) {
    ASSERT_NE(got[i], 0x7e00) << "output " << i << " not written";
  }
}

// n, c_in, h, w, c_out, k, stride, pads (top, left, bottom, right), tile (unused).
const std::vector<Case>& GatherCases() {
  static const std::vector<Case> cases = {
      {4, 64, 32, 32, 64, 3, 1, 1, 1, 1, 1, 8},  {4, 64, 32, 32, 128, 3, 2, 1, 1, 1, 1, 8},
      {4, 64, 32, 32, 128, 1, 2, 0, 0, 0, 0, 8}, {2, 128, 16, 16, 256, 1, 2, 0, 0, 0, 0, 8},
      {2, 32, 13, 11, 40, 3, 1, 0, 1, 1, 0, 8},  {3, 96, 9, 9, 32, 3, 2, 0, 0, 0, 0, 8},
      {2, 512, 4, 4, 64, 1, 1, 0, 0, 0, 0, 8},   {1, 256, 8, 8, 256, 3, 1, 1, 1, 1, 1, 8},
      {5, 32, 1, 1, 33, 3, 1, 1, 1, 1, 1, 8},    {2, 64, 17, 19, 16, 3, 1, 1, 1, 1, 1, 8}};
  return cases;
}

TEST(SpikePackedTest, GatherOnBitsGivesTheFloat16GathersBits) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(32);
  for (const Case& c : GatherCases()) {
    const cuda::SparseConvShape s = ShapeOf(c, true);
    const size_t elems = static_cast<size_t>(s.n * s.h * s.w * s.c_in);
    for (double density : {0.0, 1e-3, 0.02, 0.1, 0.5, 1.0}) {
      std::bernoulli_distribution fire(density);
      std::vector<uint16_t> x(elems);
      for (uint16_t& v : x) v = fire(rng) ? kOne : 0;
      ExpectGatherOnBitsMatches(s, x, rng, absl::StrCat(CaseName(c), " density ", density));
    }
    // One spike per image at every pixel in turn (tile borders, corners, the
    // padding's edge), in a channel that moves with the pixel.
    Case one = c;
    one.n = c.h * c.w;
    const cuda::SparseConvShape so = ShapeOf(one, true);
    std::vector<uint16_t> x(static_cast<size_t>(so.n * so.h * so.w * so.c_in), 0);
    for (int64_t i = 0; i < so.n; ++i) {
      const int64_t r = i / so.w, col = i % so.w, ch = (r * 7 + col * 3) % so.c_in;
      x[static_cast<size_t>(((i * so.h + r) * so.w + col) * so.c_in + ch)] = kOne;
    }
    ExpectGatherOnBitsMatches(so, x, rng, absl::StrCat(CaseName(one), " single spikes"));
  }
}

// The neuron's packed output read by the gather: the same bits as the gather
// on the neuron's float16 output (the neuron's word layout is the gather's).
TEST(SpikePackedTest, GatherReadsWhatTheNeuronPacked) {
  SF_SKIP_WITHOUT_GPU();
  if (const char* why = cuda::SparseConvF16BuildUnsupportedReason(); *why != '\0') {
    GTEST_SKIP() << why;
  }
  std::mt19937 rng(33);
  const cuda::SparseConvShape s = ShapeOf(Case{8, 64, 16, 16, 128, 1, 2, 0, 0, 0, 0, 8}, true);
  const int64_t elements = s.n * s.h * s.w * s.c_in;
  std::bernoulli_distribution fire(0.05);
  std::vector<uint16_t> x(static_cast<size_t>(elements));
  for (uint16_t& v : x) v = fire(rng) ? kHalfTwo : 0;
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer dx, Upload(x));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer ds, cuda::DeviceBuffer::Create(0, 2 * elements));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer bits, cuda::DeviceBuffer::Create(0, elements / 8));
  cuda::SpikeOccupancy occ;
  occ.packed = static_cast<uint32_t*>(bits.data());
  ASSERT_EQ(cuda::LaunchNeuron(IfParams(4, elements / 4), DataType::kFloat16, dx.data(), ds.data(),
                               nullptr, &occ),
            cudaSuccess);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  const std::vector<uint16_t> spikes = Download<uint16_t>(ds.data(), x.size());
  EXPECT_TRUE(PackOnHost(spikes) == Download<uint32_t>(bits.data(), x.size() / 32));
  ExpectGatherOnBitsMatches(s, spikes, rng, "neuron output");
}

TEST(SpikePackedTest, GatherRefusesWhatItCannotRead) {
  SF_SKIP_WITHOUT_GPU();
  cuda::SparseConvShape s = ShapeOf(Case{2, 48, 8, 8, 32, 3, 1, 1, 1, 1, 1, 8}, true);
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer buf, cuda::DeviceBuffer::Create(0, 1 << 16));
  const auto* w = static_cast<const uint16_t*>(buf.data());
  const auto* bits = static_cast<const uint32_t*>(buf.data());
  auto* y = static_cast<__half*>(buf.data());
  EXPECT_EQ(cuda::LaunchSpikeGatherConvF16Packed(s, bits, w, nullptr, y, nullptr),
            cudaErrorInvalidValue);  // 48 channels
  s = ShapeOf(Case{2, 32, 8, 8, 32, 3, 1, 1, 1, 1, 1, 8}, false);
  EXPECT_EQ(cuda::LaunchSpikeGatherConvF16Packed(s, bits, w, nullptr, y, nullptr),
            cudaErrorInvalidValue);  // not binary
  s.binary = true;
  EXPECT_EQ(cuda::LaunchSpikeGatherConvF16Packed(s, nullptr, w, nullptr, y, nullptr),
            cudaErrorInvalidValue);
  EXPECT_EQ(cuda::LaunchSpikeGatherConvF16Packed(
                s, reinterpret_cast<const uint32_t*>(static_cast<const char*>(buf.data()) + 2), w,
                nullptr, y, nullptr),
            cudaErrorInvalidValue);
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
}

// With SF_SPARSE_F16_KERNEL=gather every sparse conv runs the spike gather;
// with the links it reads its input's bits from the second run on (the
// first turns the links on), and the outputs equal the unlinked executor's
// bit for bit, on changing inputs, plain and captured.
TEST(SpikePackedRuntimeTest, GatherOnPackedSpikesGivesTheUnlinkedBits) {
  SF_SKIP_WITHOUT_GPU();
  if (const char* why = cuda::SparseConvF16BuildUnsupportedReason(); *why != '\0') {
    GTEST_SKIP() << why;
  }
  const ScopedEnv gather("SF_SPARSE_F16_KERNEL", "gather");
  ForEachLinkedRun(34, /*fuse=*/false, [](LinkedRun& r) {
    const Graph& g = r.block.graph;
    for (const char* conv : {"body_0", "body_1", "shortcut"}) {
      EXPECT_THAT(DescriptionOf(*r.without, g, conv), Not(HasSubstr("bit-packed")));
    }
    // The 1x1/2 shortcut reads a quarter of its input: it reads float16.
    EXPECT_THAT(DescriptionOf(*r.with, g, "lif_in"),
                HasSubstr("writes bit-packed spikes for 'body_0' (off)"));
    EXPECT_THAT(DescriptionOf(*r.with, g, "lif_in"), Not(HasSubstr("'shortcut'")));
    ASSERT_NO_FATAL_FAILURE(r.ExpectSameBitsOverRuns());
    const std::pair<const char*, const char*> links[] = {{"body_0", "lif_in"},
                                                         {"body_1", "lif_mid"}};
    for (const auto& [conv, from] : links) {
      const std::string d = DescriptionOf(*r.with, g, conv);
      std::cout << ToString(r.mode) << " " << conv << ": " << d << std::endl;
      const bool sparse =
          r.mode == SparseMode::kOn || d.find("chosen: sparse") != std::string::npos;
      EXPECT_EQ(d.find(absl::StrCat("bit-packed spikes from '", from, "': on, read as bits")) !=
                    std::string::npos,
                sparse)
          << d;
      EXPECT_THAT(d, Not(HasSubstr("': on, no prescan")));
    }
    EXPECT_THAT(DescriptionOf(*r.with, g, "shortcut"), Not(HasSubstr("bit-packed")));
    if (r.mode == SparseMode::kOn) {
      EXPECT_THAT(DescriptionOf(*r.with, g, "body_0"),
                  HasSubstr("': on, read as bits (4096 B; float16: 65536 B)"));
    }
  });
}

// SF_SPIKE_PACKED=on: the 1x1/2 shortcut reads the bits too, from the buffer
// body_0 reads (one per producer); =off: no packed link; anything else fails.
TEST(SpikePackedRuntimeTest, PackedSwitch) {
  SF_SKIP_WITHOUT_GPU();
  if (const char* why = cuda::SparseConvF16BuildUnsupportedReason(); *why != '\0') {
    GTEST_SKIP() << why;
  }
  const ScopedEnv gather("SF_SPARSE_F16_KERNEL", "gather");
  std::mt19937 rng(35);
  ASSERT_OK_AND_ASSIGN(const LinkedBlock block, MakeLinkedBlock(SparseMode::kOn, rng));
  const Graph& g = block.graph;
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<GpuExecutor> off,
                       CreateWithEnv(block, ExecutorOptions{}, "SF_SPIKE_PACKED", "off"));
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<GpuExecutor> on,
                       CreateWithEnv(block, ExecutorOptions{}, "SF_SPIKE_PACKED", "on"));
  EXPECT_THAT(DescriptionOf(*off, g, "lif_in"), Not(HasSubstr("bit-packed")));
  // One buffer per producer: lif_in's [4, 32, 16, 16] (body_0 and the
  // shortcut share it) and lif_mid's [4, 64, 8, 8], one bit an element; the
  // gather has no masks.
  EXPECT_EQ(on->SpikeLinkBytes(), (std::pair<int64_t, int64_t>{0, (32768 + 16384) / 8}));
  EXPECT_EQ(off->SpikeLinkBytes(), (std::pair<int64_t, int64_t>{0, 0}));
  ASSERT_NO_FATAL_FAILURE(ExpectSameBits(
      *off, *on, 3, [](int round) { return 0.5 + 0.3 * round; }, rng));
  EXPECT_THAT(DescriptionOf(*on, g, "lif_in"),
              HasSubstr("writes bit-packed spikes for 'body_0', 'shortcut'"));
  EXPECT_THAT(DescriptionOf(*on, g, "shortcut"),
              HasSubstr("bit-packed spikes from 'lif_in': on, read as bits"));
  const ScopedEnv env("SF_SPIKE_PACKED", "sometimes");
  const absl::StatusOr<std::unique_ptr<GpuExecutor>> bad =
      GpuExecutor::Create(g, block.plan, 0, ExecutorOptions{});
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("SF_SPIKE_PACKED must be 'on' or 'off'"));
}

}  // namespace
}  // namespace sf
