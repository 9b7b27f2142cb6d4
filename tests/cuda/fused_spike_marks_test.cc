// Spike occupancy and bit-packed spikes from the fused conv + neuron kernels
// (issue 12): the tensor-core kernel (cuda::LaunchConvNeuronF16) and the
// direct one (cuda::LaunchDirectConvNeuron) mark, as they store their spikes,
// what the block-sparse convs reading those spikes use instead of a prescan.
// Over shapes (tiles 4 and 8, 3x3 and 1x1, strides 1 and 2, partial tiles,
// channel counts that fill half a packed word, T across the 4-step chunks,
// the direct kernel's three variants) and input densities: the spikes equal
// the unmarked launch's, every consumer's masks equal that consumer's prescan
// over the spikes bit for bit (stale bits are cleared), and the packed words
// equal the spikes packed on the host (every word written). What they cannot
// mark they refuse. Then the executor: with conv + neuron fusion on, the
// fused pair marks for the conv that reads its spikes (masks, or bits for the
// spike gather), and a residual block gives the bits it gives with no links,
// run after run.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <iostream>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cuda/kernels/direct_conv_neuron.h"
#include "cuda/kernels/neuron.h"
#include "cuda/kernels/sparse_conv_f16.h"
#include "graph/float16.h"
#include "runtime/plan.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/cuda/sparse_conv_cases.h"
#include "tests/cuda/spike_link_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::Case;
using ::sf::testing::CaseName;
using ::sf::testing::DescriptionOf;
using ::sf::testing::Download;
using ::sf::testing::ForEachLinkedRun;
using ::sf::testing::LinkedRun;
using ::sf::testing::MakeInput;
using ::sf::testing::NchwToNhwc;
using ::sf::testing::PackOnHost;
using ::sf::testing::ParamsOf;
using ::sf::testing::ScopedEnv;
using ::sf::testing::ShapeOf;
using ::sf::testing::ToHalfBits;
using ::sf::testing::Upload;
using ::testing::HasSubstr;
using ::testing::Not;

// A LIF neuron (tau 2, threshold 0.5, hard reset to 0) over `steps`.
cuda::NeuronParams LifParams(int64_t steps, int64_t step_elements) {
  cuda::NeuronParams p;
  p.charge = cuda::NeuronCharge::kDecayDiv;
  p.tau = 2.0f;
  p.v_threshold = 0.5f;
  p.steps = steps;
  p.step_elements = step_elements;
  return p;
}

// Two block-sparse convs reading spikes [n, h, w, c] (NHWC): a 3x3/1 one on
// 8x8 tiles and a 1x1/2 one on 4x4 tiles (a ResNet block's body and shortcut).
std::vector<cuda::SparseConvShape> ConsumersOf(int64_t n, int64_t h, int64_t w, int64_t c) {
  return {ShapeOf(Case{n, c, h, w, 32, 3, 1, 1, 1, 1, 1, 8}, true),
          ShapeOf(Case{n, c, h, w, 64, 1, 2, 0, 0, 0, 0, 4}, true)};
}

// Stores spikes into `y` and, with a non-null `occ`, marks it.
using Launch = std::function<cudaError_t(const cuda::SpikeOccupancy* occ, void* y)>;

// `launch` writes spikes [n, h, w, c] (float16, NHWC): marked (both
// consumers' masks, and the packed spikes with `packed`) against unmarked.
void CheckMarks(int64_t n, int64_t h, int64_t w, int64_t c, int64_t steps, bool packed,
                const Launch& launch, const std::string& what) {
  SCOPED_TRACE(what);
  const size_t elems = static_cast<size_t>(n * h * w * c);
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer plain, testing::UploadHalfNans(elems));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer marked, testing::UploadHalfNans(elems));
  ASSERT_EQ(launch(nullptr, plain.data()), cudaSuccess);

  const std::vector<cuda::SparseConvShape> consumers = ConsumersOf(n, h, w, c);
  cuda::SpikeOccupancy occ;
  std::vector<cuda::DeviceBuffer> masks;
  for (const cuda::SparseConvShape& s : consumers) {
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer m,
                         cuda::DeviceBuffer::Create(0, cuda::SparseConvF16MaskBytes(s)));
    // Stale bits from an earlier run: the launch must clear them.
    ASSERT_EQ(cudaMemset(m.data(), 0xff, m.bytes()), cudaSuccess);
    occ.targets[occ.count] =
        cuda::SparseConvF16OccupancyTarget(s, static_cast<uint32_t*>(m.data()));
    ASSERT_STREQ(cuda::SpikeOccupancyUnsupportedReason(occ.targets[occ.count], steps,
                                                       static_cast<int64_t>(elems) / steps),
                 "");
    ++occ.count;
    masks.push_back(std::move(m));
  }
  cuda::DeviceBuffer bits;
  if (packed) {
    ASSERT_OK_AND_ASSIGN(bits, cuda::DeviceBuffer::Create(0, elems / 8));
    ASSERT_EQ(cudaMemset(bits.data(), 0xa5, bits.bytes()), cudaSuccess);  // every word is written
    occ.packed = static_cast<uint32_t*>(bits.data());
  }
  ASSERT_EQ(launch(&occ, marked.data()), cudaSuccess);
  ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);

  const std::vector<uint16_t> spikes = Download<uint16_t>(marked.data(), elems);
  EXPECT_TRUE(spikes == Download<uint16_t>(plain.data(), elems)) << "marking changed the spikes";
  int64_t fired = 0;
  for (uint16_t v : spikes) fired += (v & 0x7fff) != 0;
  std::cout << what << ": " << fired << " of " << elems << " fire" << std::endl;

  for (size_t k = 0; k < consumers.size(); ++k) {
    const cuda::SparseConvShape& s = consumers[k];
    SCOPED_TRACE(absl::StrCat("consumer ", k, " k", s.ksize, " s", s.stride, " tile", s.tile));
    const size_t words = cuda::SparseConvF16MaskBytes(s) / sizeof(uint32_t);
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer want,
                         cuda::DeviceBuffer::Create(0, cuda::SparseConvF16MaskBytes(s)));
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer ws,
                         cuda::DeviceBuffer::Create(0, cuda::SparseConvF16WorkspaceBytes(s)));
    ASSERT_EQ(
        cuda::LaunchSparseConvF16Prescan(s, true, static_cast<const __half*>(marked.data()),
                                         ws.data(), nullptr, static_cast<uint32_t*>(want.data())),
        cudaSuccess);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    const std::vector<uint32_t> a = Download<uint32_t>(want.data(), words);
    const std::vector<uint32_t> b = Download<uint32_t>(masks[k].data(), words);
    int64_t differ = 0, set = 0;
    for (size_t i = 0; i < words; ++i) {
      differ += a[i] != b[i];
      set += a[i] != 0;
    }
    EXPECT_EQ(differ, 0) << "of " << words << " mask words (" << set << " non-zero)";
  }
  if (packed) {
    EXPECT_TRUE(PackOnHost(spikes) == Download<uint32_t>(bits.data(), elems / 32))
        << "packed spikes";
  }
}

// The tensor-core kernel: case (n = T * N), T, input densities.
struct TensorCoreCase {
  Case c;
  int steps;
};

const std::vector<TensorCoreCase>& TensorCoreCases() {
  static const std::vector<TensorCoreCase> cases = {
      {{8, 32, 16, 16, 64, 3, 1, 1, 1, 1, 1, 8}, 4},  // tile 8: two groups per warp
      {{8, 64, 8, 8, 64, 3, 1, 1, 1, 1, 1, 4}, 4},    // tile 4: one group per warp
      {{6, 32, 17, 15, 32, 3, 2, 1, 1, 1, 1, 4}, 2},  // 3x3/2, partial tiles
      {{8, 16, 12, 12, 48, 1, 1, 0, 0, 0, 0, 8}, 4},  // c_out 48: a chunk half past c_out
      {{5, 32, 16, 16, 32, 3, 1, 1, 1, 1, 1, 8}, 5},  // T = 5: chunks of 4 and 1 steps
      {{4, 128, 9, 9, 128, 3, 1, 1, 1, 1, 1, 4}, 2},  // several chunks of output channels
  };
  return cases;
}

TEST(FusedSpikeMarksTest, TensorCoreKernelMarksWhatThePrescanFinds) {
  SF_SKIP_WITHOUT_GPU();
  if (const char* why = cuda::SparseConvF16BuildUnsupportedReason(); *why != '\0') {
    GTEST_SKIP() << why;
  }
  std::mt19937 rng(41);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (const TensorCoreCase& tc : TensorCoreCases()) {
    const cuda::SparseConvShape s = ShapeOf(tc.c, /*binary=*/true);
    ASSERT_STREQ(cuda::ConvNeuronF16MarksUnsupportedReason(s, true, tc.steps, true), "");
    std::vector<float> wf(static_cast<size_t>(s.c_out * s.c_in * s.ksize * s.ksize));
    for (float& v : wf) v = u(rng);
    std::vector<uint16_t> packed_w(
        static_cast<size_t>(cuda::SparseConvF16PackedWeightElems(s.c_out, s.c_in, s.ksize)));
    cuda::RepackSparseConvF16Weights(
        ToHalfBits(NchwToNhwc(wf, s.c_out, s.c_in, s.ksize, s.ksize)).data(), s.c_out, s.c_in,
        s.ksize, /*krsc=*/true, packed_w.data());
    std::vector<float> bf(static_cast<size_t>(s.c_out));
    for (float& v : bf) v = 0.1f * u(rng);
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer dw, Upload(packed_w));
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer db, Upload(ToHalfBits(bf)));
    for (double density : {0.0, 0.01, 0.1, 0.5}) {
      for (bool clustered : {false, true}) {
        if (density == 0.0 && clustered) continue;
        const Conv2dParams cp = ParamsOf(tc.c);
        const std::vector<float> x = MakeInput(cp, density, /*binary=*/true, clustered, rng);
        ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer dx,
                             Upload(ToHalfBits(NchwToNhwc(x, s.n, s.c_in, s.h, s.w))));
        const cuda::NeuronParams p = LifParams(tc.steps, 0);
        const Launch launch = [&](const cuda::SpikeOccupancy* occ, void* y) {
          return cuda::LaunchConvNeuronF16(s, /*nhwc=*/true, static_cast<const __half*>(dx.data()),
                                           static_cast<const uint16_t*>(dw.data()),
                                           static_cast<const __half*>(db.data()), p,
                                           static_cast<__half*>(y), nullptr, occ);
        };
        CheckMarks(s.n, s.out_h, s.out_w, s.c_out, tc.steps, /*packed=*/true, launch,
                   absl::StrCat(CaseName(tc.c), " T", tc.steps, " density ", density,
                                clustered ? " clustered" : ""));
      }
    }
  }
}

// The direct kernel (a network's first conv on a few channels): the
// vectorised kernel with 16 channels per thread (masks and packed spikes),
// with 4 (masks), and the per-element kernel (T > 4: masks).
struct DirectCase {
  Case c;  // tile unused
  int steps;
  bool packed;
};

TEST(FusedSpikeMarksTest, DirectKernelMarksWhatThePrescanFinds) {
  SF_SKIP_WITHOUT_GPU();
  const DirectCase cases[] = {
      {{8, 1, 16, 16, 32, 3, 1, 1, 1, 1, 1, 0}, 4, true},
      {{6, 3, 15, 13, 20, 3, 2, 1, 1, 1, 1, 0}, 2, false},
      {{12, 2, 12, 12, 16, 3, 1, 1, 1, 1, 1, 0}, 6, false},
  };
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (const DirectCase& dc : cases) {
    const Conv2dParams cp = ParamsOf(dc.c);
    cuda::DirectConvShape s;
    s.rows = cp.n;
    s.c_in = cp.c_in;
    s.h = cp.h;
    s.w = cp.w;
    s.c_out = cp.c_out;
    s.kh = s.kw = dc.c.k;
    s.stride_h = s.stride_w = dc.c.stride;
    s.pad_top = dc.c.pad_top;
    s.pad_left = dc.c.pad_left;
    s.out_h = cp.out_h;
    s.out_w = cp.out_w;
    EXPECT_STREQ(cuda::DirectConvNeuronMarksUnsupportedReason(s, true, dc.steps, false), "");
    EXPECT_EQ(*cuda::DirectConvNeuronMarksUnsupportedReason(s, true, dc.steps, true) == '\0',
              dc.packed);
    std::vector<float> wf(static_cast<size_t>(s.c_out * s.c_in * s.kh * s.kw));
    for (float& v : wf) v = u(rng);
    std::vector<float> bf(static_cast<size_t>(s.c_out));
    for (float& v : bf) v = 0.1f * u(rng);
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer dw,
                         Upload(ToHalfBits(NchwToNhwc(wf, s.c_out, s.c_in, s.kh, s.kw))));
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer db, Upload(ToHalfBits(bf)));
    for (double density : {0.0, 0.05, 0.3}) {
      // Real-valued, in 4x4 cells: whole regions stay silent.
      const std::vector<float> x =
          MakeInput(cp, density, /*binary=*/false, /*clustered=*/true, rng);
      ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer dx,
                           Upload(ToHalfBits(NchwToNhwc(x, s.rows, s.c_in, s.h, s.w))));
      const cuda::NeuronParams p =
          LifParams(dc.steps, s.rows / dc.steps * s.c_out * s.out_h * s.out_w);
      const Launch launch = [&](const cuda::SpikeOccupancy* occ, void* y) {
        return cuda::LaunchDirectConvNeuron(s, /*nhwc=*/true, DataType::kFloat16, dx.data(),
                                            dw.data(), db.data(), p, y, nullptr, occ);
      };
      CheckMarks(s.rows, s.out_h, s.out_w, s.c_out, dc.steps, dc.packed, launch,
                 absl::StrCat("direct ", CaseName(dc.c), " T", dc.steps, " density ", density));
    }
  }
}

TEST(FusedSpikeMarksTest, RefusesWhatItCannotMark) {
  SF_SKIP_WITHOUT_GPU();
  // The tensor-core kernel: NCHW, and packed spikes of 20 output channels.
  const cuda::SparseConvShape s = ShapeOf(Case{4, 16, 8, 8, 20, 3, 1, 1, 1, 1, 1, 8}, true);
  EXPECT_STRNE(cuda::ConvNeuronF16MarksUnsupportedReason(s, false, 2, false), "");
  EXPECT_STREQ(cuda::ConvNeuronF16MarksUnsupportedReason(s, true, 2, false), "");
  EXPECT_STRNE(cuda::ConvNeuronF16MarksUnsupportedReason(s, true, 2, true), "");
  const size_t out = static_cast<size_t>(s.n * s.out_h * s.out_w * s.c_out);
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer buf, cuda::DeviceBuffer::Create(0, 1 << 20));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer y, cuda::DeviceBuffer::Create(0, 2 * out));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer m, cuda::DeviceBuffer::Create(0, 1 << 16));
  cuda::SpikeOccupancy occ;
  occ.packed = static_cast<uint32_t*>(m.data());
  const cuda::NeuronParams p = LifParams(2, 0);
  const auto* x = static_cast<const __half*>(buf.data());
  const auto* w = static_cast<const uint16_t*>(buf.data());
  EXPECT_EQ(cuda::LaunchConvNeuronF16(s, true, x, w, nullptr, p, static_cast<__half*>(y.data()),
                                      nullptr, &occ),
            cudaErrorInvalidValue);
  // A target of another size than the output.
  occ.packed = nullptr;
  const cuda::SparseConvShape other = ShapeOf(Case{4, 16, 8, 8, 20, 3, 1, 1, 1, 1, 1, 8}, true);
  occ.targets[0] = cuda::SparseConvF16OccupancyTarget(other, static_cast<uint32_t*>(m.data()));
  occ.count = 1;
  EXPECT_EQ(cuda::LaunchConvNeuronF16(s, true, x, w, nullptr, p, static_cast<__half*>(y.data()),
                                      nullptr, &occ),
            cudaErrorInvalidValue);
  EXPECT_EQ(cuda::LaunchConvNeuronF16(s, false, x, w, nullptr, p, static_cast<__half*>(y.data()),
                                      nullptr, &occ),
            cudaErrorInvalidValue);
  // The direct kernel: packed spikes from the per-element kernel (T > 4).
  cuda::DirectConvShape d;
  d.rows = 12;
  d.c_in = 1;
  d.h = d.w = d.out_h = d.out_w = 8;
  d.c_out = 32;
  d.kh = d.kw = 3;
  d.pad_top = d.pad_left = 1;
  EXPECT_STREQ(cuda::DirectConvNeuronMarksUnsupportedReason(d, true, 4, true), "");
  EXPECT_STRNE(cuda::DirectConvNeuronMarksUnsupportedReason(d, true, 6, true), "");
  EXPECT_STRNE(cuda::DirectConvNeuronMarksUnsupportedReason(d, false, 4, false), "");
  occ.count = 0;
  occ.packed = static_cast<uint32_t*>(m.data());
  EXPECT_EQ(
      cuda::LaunchDirectConvNeuron(d, true, DataType::kFloat16, buf.data(), buf.data(), nullptr,
                                   LifParams(6, 2 * 8 * 8 * 32), y.data(), nullptr, &occ),
      cudaErrorInvalidValue);
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  EXPECT_EQ(cudaGetLastError(), cudaSuccess);
}

// With fusion, "body_0" + "lif_mid" run as one pair, which marks for
// "body_1": in mode on the fused kernel, in auto whichever path the pair
// chose. The outputs equal those with no links (SF_SPIKE_OCCUPANCY=off), run
// after run, plain and captured. With SF_SPARSE_F16_KERNEL=gather the pair
// writes bits for the gather instead.
TEST(FusedSpikeMarksRuntimeTest, FusedPairMarksForItsConsumer) {
  SF_SKIP_WITHOUT_GPU();
  if (const char* why = cuda::SparseConvF16BuildUnsupportedReason(); *why != '\0') {
    GTEST_SKIP() << why;
  }
  for (const char* kernel : {static_cast<const char*>(nullptr), "gather"}) {
    const ScopedEnv env("SF_SPARSE_F16_KERNEL", kernel);
    const bool gather = kernel != nullptr;
    SCOPED_TRACE(gather ? "gather" : "tensor-core");
    ForEachLinkedRun(43, /*fuse=*/true, [gather](LinkedRun& r) {
      const Graph& g = r.block.graph;
      EXPECT_THAT(DescriptionOf(*r.with, g, "body_0"), HasSubstr("conv+LIF 'lif_mid' fused"));
      EXPECT_THAT(DescriptionOf(*r.with, g, "body_0"),
                  HasSubstr(gather ? "writes bit-packed spikes for 'body_1'"
                                   : "marks spike occupancy for 'body_1'"));
      EXPECT_THAT(DescriptionOf(*r.without, g, "body_0"), Not(HasSubstr("for 'body_1'")));
      ASSERT_NO_FATAL_FAILURE(r.ExpectSameBitsOverRuns());
      const std::string pair = DescriptionOf(*r.with, g, "body_0");
      const std::string d = DescriptionOf(*r.with, g, "body_1");
      std::cout << "body_0: " << pair << "\nbody_1: " << d << std::endl;
      const bool sparse =
          r.mode == SparseMode::kOn || d.find("chosen: sparse") != std::string::npos;
      const std::string on = gather ? "bit-packed spikes from 'body_0': on, read as bits"
                                    : "spike occupancy from 'body_0': on, no prescan";
      // Auto: the gather or the tensor-core kernel, each with its own link.
      const bool tensor_core = d.rfind("cuda sparse fp16 tensor-core", 0) == 0;
      EXPECT_EQ(d.find(on) != std::string::npos, sparse && tensor_core != gather) << d;
      if (r.mode == SparseMode::kOn) {
        EXPECT_THAT(d, HasSubstr(on));
      }
    });
  }
}

}  // namespace
}  // namespace sf
