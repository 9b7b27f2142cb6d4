// The fused conv + neuron kernel (cuda::LaunchConvNeuronF16, issue 12)
// against the unfused path it replaces: LaunchSparseConvF16 followed by
// LaunchNeuron on the same FP16 values must give identical spikes, bit for
// bit, over shapes (3x3/1x1, stride 1/2, symmetric and asymmetric pads, c_in
// not a multiple of 8, odd c_out, tiles 4 and 8), T = 1..8 (T > 4 runs the
// membrane across chunks of 4 steps), IF/LIF/PLIF charges with hard and soft
// resets, binary inputs at densities 0..1 and real-valued inputs, NCHW and
// NHWC. Then the executor: a float16 model whose spike-fed convs the plan
// fuses with their neurons runs to the same spikes as with fusion off, with
// less tensor memory. GPU tests skip without a GPU.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cuda/cudnn_conv.h"
#include "cuda/kernels/neuron.h"
#include "cuda/kernels/sparse_conv_f16.h"
#include "cuda/resources.h"
#include "graph/float16.h"
#include "sf/runtime.h"
#include "tests/cuda/conv_cases.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/cuda/sparse_conv_cases.h"
#include "tests/testing/onnx_model_builder.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::Case;
using ::sf::testing::CaseName;
using ::sf::testing::MakeInput;
using ::sf::testing::NchwToNhwc;
using ::sf::testing::ParamsOf;
using ::sf::testing::ShapeOf;
using ::sf::testing::ToHalfBits;
using ::sf::testing::Upload;

struct Neuron {
  const char* name;
  cuda::NeuronParams p;
};

std::vector<Neuron> Neurons() {
  cuda::NeuronParams if_hard;
  if_hard.charge = cuda::NeuronCharge::kIf;
  cuda::NeuronParams lif_soft;
  lif_soft.charge = cuda::NeuronCharge::kDecayDiv;
  lif_soft.tau = 2.0f;
  lif_soft.soft_reset = true;
  lif_soft.v_threshold = 0.5f;
  cuda::NeuronParams plif_leak;
  plif_leak.charge = cuda::NeuronCharge::kLeakMul;
  plif_leak.k = 0.3f;
  plif_leak.v_reset = -0.25f;
  plif_leak.vr = -0.25f;
  cuda::NeuronParams scaled;
  scaled.charge = cuda::NeuronCharge::kScaled;
  scaled.c = 0.5f;
  scaled.v_threshold = 0.75f;
  return {{"IF hard", if_hard},
          {"LIF soft", lif_soft},
          {"PLIF leak v_reset", plif_leak},
          {"scaled", scaled}};
}

struct Spikes {
  std::vector<uint16_t> fused, unfused;  // FP16 bit patterns, the kernels' layout
};

// Both paths on device 0 for x [T*N, c_in, h, w] (FP16 bit patterns, NCHW;
// transposed here for nhwc), weights KCRS, bias [c_out].
absl::StatusOr<Spikes> RunBoth(const cuda::SparseConvShape& s, bool nhwc, cuda::NeuronParams p,
                               const std::vector<uint16_t>& x, const std::vector<uint16_t>& w,
                               const std::vector<uint16_t>& bias) {
  const std::vector<uint16_t> xl = nhwc ? NchwToNhwc(x, s.n, s.c_in, s.h, s.w) : x;
  const std::vector<uint16_t> wl = nhwc ? NchwToNhwc(w, s.c_out, s.c_in, s.ksize, s.ksize) : w;
  std::vector<uint16_t> packed(
      static_cast<size_t>(cuda::SparseConvF16PackedWeightElems(s.c_out, s.c_in, s.ksize)));
  cuda::RepackSparseConvF16Weights(wl.data(), s.c_out, s.c_in, s.ksize, nhwc, packed.data());
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dx, Upload(xl));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dw, Upload(packed));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer db, Upload(bias));
  const size_t out_elems = static_cast<size_t>(s.n * s.c_out * s.out_h * s.out_w);
  // NaN first: an output a kernel misses shows.
  const std::vector<uint16_t> nan(out_elems, static_cast<uint16_t>(0x7e00));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer fused, Upload(nan));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer conv, Upload(nan));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer unfused, Upload(nan));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer ws,
                      cuda::DeviceBuffer::Create(0, cuda::SparseConvF16WorkspaceBytes(s)));
  const auto* xd = static_cast<const __half*>(dx.data());
  const auto* wd = static_cast<const uint16_t*>(dw.data());
  const auto* bd = bias.empty() ? nullptr : static_cast<const __half*>(db.data());
  SF_CUDA_RETURN_IF_ERROR(cuda::LaunchConvNeuronF16(s, nhwc, xd, wd, bd, p,
                                                    static_cast<__half*>(fused.data()), nullptr));
  SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConvF16(
      s, nhwc, xd, wd, bd, static_cast<__half*>(conv.data()), ws.data(), nullptr));
  p.step_elements = static_cast<int64_t>(out_elems) / p.steps;
  SF_CUDA_RETURN_IF_ERROR(
      cuda::LaunchNeuron(p, DataType::kFloat16, conv.data(), unfused.data(), nullptr));
  SF_CUDA_RETURN_IF_ERROR(cudaDeviceSynchronize());
  Spikes r{std::vector<uint16_t>(out_elems), std::vector<uint16_t>(out_elems)};
  if (out_elems > 0) {
    SF_CUDA_RETURN_IF_ERROR(
        cudaMemcpy(r.fused.data(), fused.data(), out_elems * 2, cudaMemcpyDeviceToHost));
    SF_CUDA_RETURN_IF_ERROR(
        cudaMemcpy(r.unfused.data(), unfused.data(), out_elems * 2, cudaMemcpyDeviceToHost));
  }
  return r;
}

// n (= T * N), c_in, h, w, c_out, k, stride, pads (top, left, bottom, right), tile; and T.
struct FusedCase {
  Case c;
  int steps;
};

const std::vector<FusedCase>& Cases() {
  static const std::vector<FusedCase> cases = {
      {{8, 32, 16, 16, 40, 3, 1, 1, 1, 1, 1, 8}, 4},   // ResNet-like, tile 8
      {{3, 5, 9, 11, 7, 3, 1, 1, 1, 1, 1, 4}, 1},      // c_in 5 (no 16-byte loads), T 1
      {{5, 24, 17, 15, 69, 3, 2, 1, 1, 1, 1, 8}, 5},   // T 5: a chunk of 4, then 1; odd c_out
      {{16, 64, 8, 8, 128, 3, 1, 1, 1, 1, 1, 4}, 8},   // T 8, tile 4, two chunks of 4
      {{4, 40, 9, 9, 20, 1, 2, 0, 0, 0, 0, 4}, 2},     // 1x1 stride 2
      {{4, 16, 15, 15, 33, 1, 1, 0, 0, 0, 0, 8}, 4},   // 1x1, edge tiles
      {{6, 130, 10, 12, 64, 3, 1, 1, 0, 0, 1, 8}, 3},  // asymmetric pads, 9 groups
      {{12, 16, 19, 19, 8, 3, 2, 0, 0, 0, 0, 4}, 4},   // no padding, stride 2
      {{16, 64, 32, 32, 64, 3, 1, 1, 1, 1, 1, 8}, 4},  // Spiking-ResNet18 stage 1, N 4
  };
  return cases;
}

TEST(ConvNeuronF16HostTest, UnsupportedReasons) {
  cuda::SparseConvShape s = ShapeOf(Cases()[0].c, true);
  EXPECT_EQ(std::string(cuda::ConvNeuronF16UnsupportedReason(s, 4)), "");
  EXPECT_THAT(cuda::ConvNeuronF16UnsupportedReason(s, 3), ::testing::HasSubstr("time steps"));
  EXPECT_THAT(cuda::ConvNeuronF16UnsupportedReason(s, 0), ::testing::HasSubstr("time steps"));
  s.tile = 16;
  EXPECT_THAT(cuda::ConvNeuronF16UnsupportedReason(s, 4), ::testing::HasSubstr("4 or 8"));
}

TEST(ConvNeuronF16GpuTest, SpikesEqualConvThenNeuronBitForBit) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(31);
  int64_t total = 0, fired = 0;
  int run = 0;
  for (const FusedCase& fc : Cases()) {
    const Case& c = fc.c;
    const Conv2dParams p = ParamsOf(c);
    const cuda::SparseConvShape s = ShapeOf(c, true);
    // Weights in [-0.5, 0.5) keep the membranes near the thresholds: both
    // spikes and silence at every density.
    std::vector<float> wf =
        testing::RandomVector(static_cast<size_t>(p.c_out * p.c_in * c.k * c.k), rng);
    for (float& v : wf) v *= 0.5f;
    const std::vector<uint16_t> w = ToHalfBits(wf);
    const std::vector<uint16_t> bias =
        ToHalfBits(testing::RandomVector(static_cast<size_t>(p.c_out), rng));
    for (double density : {0.0, 0.05, 0.3, 1.0}) {
      for (bool binary : {true, false}) {
        if (!binary && density != 1.0) continue;
        const std::vector<uint16_t> x =
            ToHalfBits(MakeInput(p, density, binary, ++run % 2 == 0, rng));
        for (const Neuron& neuron : Neurons()) {
          cuda::NeuronParams np = neuron.p;
          np.steps = fc.steps;
          for (bool nhwc : {false, true}) {
            const std::string what =
                absl::StrCat(CaseName(c), " T ", fc.steps, nhwc ? " nhwc " : " nchw ", neuron.name,
                             " density ", density, binary ? " binary" : " values");
            ASSERT_OK_AND_ASSIGN(
                Spikes r, RunBoth(s, nhwc, np, x, w, run % 3 ? bias : std::vector<uint16_t>{}));
            size_t diff = 0, first = 0;
            for (size_t i = 0; i < r.fused.size(); ++i) {
              if (r.fused[i] != r.unfused[i] && diff++ == 0) first = i;
              fired += r.unfused[i] == 0x3c00;
            }
            total += static_cast<int64_t>(r.fused.size());
            EXPECT_EQ(diff, 0u) << what << ": first at " << first << ", fused 0x" << std::hex
                                << (diff ? r.fused[first] : 0) << " unfused 0x"
                                << (diff ? r.unfused[first] : 0);
          }
        }
      }
    }
  }
  // Not a trivial comparison: a fair share of the outputs spike.
  EXPECT_GT(fired, total / 20);
  EXPECT_LT(fired, total - total / 20);
}

// x -> conv_0 (dense-fed: not sparse) -> LIF -> conv_1 3x3 -> LIF -> conv_2
// 3x3/2 -> IF -> conv_3 1x1 -> PLIF -> y; T 4, N 2, 16x16 (the first
// `layers` conv + neuron pairs of it). The plan fuses conv_1, conv_2 and
// conv_3 with their neurons in float16 on CUDA.
std::string FusableModel(std::mt19937& rng, int layers = 4) {
  testing::OnnxModelBuilder b;
  b.Input("x", {8, 16, 16, 16}).Output("y");
  const int64_t chans[] = {16, 32, 32, 48, 16};
  const int64_t ks[] = {3, 3, 3, 1};
  const int64_t strides[] = {1, 1, 2, 1};
  std::string in = "x";
  for (int i = 0; i < layers; ++i) {
    const std::string w = absl::StrCat("w", i), bias = absl::StrCat("b", i);
    std::vector<float> wv =
        testing::RandomVector(static_cast<size_t>(chans[i + 1] * chans[i] * ks[i] * ks[i]), rng);
    for (float& v : wv) v *= 0.4f;
    b.Initializer(w, {chans[i + 1], chans[i], ks[i], ks[i]}, wv);
    b.Initializer(bias, {chans[i + 1]},
                  testing::RandomVector(static_cast<size_t>(chans[i + 1]), rng));
    const int64_t pad = ks[i] / 2;
    b.Node("Conv", {in, w, bias}, {absl::StrCat("c", i)}, absl::StrCat("conv_", i))
        .Ints("kernel_shape", {ks[i], ks[i]})
        .Ints("strides", {strides[i], strides[i]})
        .Ints("pads", {pad, pad, pad, pad});
    const std::string out = i == layers - 1 ? "y" : absl::StrCat("s", i);
    const char* op = i == 2 ? "IF" : i == 3 ? "PLIF" : "LIF";
    auto n = b.Node(op, {absl::StrCat("c", i)}, {out}, absl::StrCat("sn_", i), "sparseflow");
    n.Int("steps", 4);
    if (i < 2) n.Float("tau", 2.0f);
    if (i == 3) n.Float("w", -0.5f).Int("decay_input", 0).Float("v_reset", -0.25f);
    in = out;
  }
  return b.Serialize();
}

TEST(ConvNeuronF16GpuTest, ExecutorFusesPlannedConvsAndMatchesUnfused) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(32);
  const std::string model = FusableModel(rng);
  Tensor x = Tensor::Create(DataType::kFloat32, {8, 16, 16, 16}).value();
  for (int64_t i = 0; i < x.num_elements(); ++i) {
    x.data<float>()[i] = std::uniform_real_distribution<float>(0.0f, 1.0f)(rng);
  }
  for (Layout layout : {Layout::kNCHW, Layout::kNHWC}) {
    Options o;
    o.device = "cuda";
    o.precision = Precision::kFloat16;
    o.layout = layout;
    o.sparse = SparseMode::kOn;
    const std::string what = absl::StrCat("layout ", ToString(layout));
    ASSERT_OK_AND_ASSIGN(auto fused, Runtime::LoadFromBytes(model, o, "fusable"));
    o.fuse_neurons = false;
    ASSERT_OK_AND_ASSIGN(auto apart, Runtime::LoadFromBytes(model, o, "fusable"));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> a, fused->Run({{"x", x}}));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> again, fused->Run({{"x", x}}));  // graph replay
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> b, apart->Run({{"x", x}}));
    ASSERT_EQ(a.size(), 1u);
    ASSERT_EQ(a[0].dims(), b[0].dims());
    EXPECT_EQ(std::memcmp(a[0].raw_data(), b[0].raw_data(), a[0].nbytes()), 0) << what;
    EXPECT_EQ(std::memcmp(again[0].raw_data(), a[0].raw_data(), a[0].nbytes()), 0) << what;
    int64_t ones = 0;
    for (int64_t i = 0; i < a[0].num_elements(); ++i) ones += a[0].data<float>()[i] == 1.0f;
    EXPECT_GT(ones, 0) << what;
    EXPECT_LT(ones, a[0].num_elements()) << what;

    ASSERT_OK_AND_ASSIGN(Plan fp, fused->GetPlan());
    ASSERT_OK_AND_ASSIGN(Plan ap, apart->GetPlan());
    int fused_convs = 0;
    for (const PlanStep& s : fp.steps) {
      if (s.fused_neuron < 0) continue;
      ++fused_convs;
      EXPECT_EQ(fp.steps[s.fused_neuron].fused_into, s.node) << what;
    }
    EXPECT_EQ(fused_convs, 3) << what;
    for (const PlanStep& s : ap.steps) EXPECT_EQ(s.fused_neuron, -1) << what;
    // The fused convs' outputs take no memory.
    EXPECT_LT(fp.tensor_bytes, ap.tensor_bytes) << what;
    EXPECT_THAT(PlanToJson(fp), ::testing::HasSubstr("\"fused_neuron\": \"sn_1\"")) << what;
  }
}

// Sparse auto: the fused conv times fused against cuDNN + neuron and keeps
// the faster, so the spikes are exactly those of one of the two (fusion on
// with sparse on, or the all-cuDNN plan: the same cuDNN algorithm, chosen
// once per process and conv), and replays repeat them.
TEST(ConvNeuronF16GpuTest, AutoModeRunsExactlyOneOfThePaths) {
  SF_SKIP_WITHOUT_GPU();
  for (int layers : {2, 4}) {
    std::mt19937 rng(33);
    const std::string model = FusableModel(rng, layers);
    Tensor x = Tensor::Create(DataType::kFloat32, {8, 16, 16, 16}).value();
    for (int64_t i = 0; i < x.num_elements(); ++i) {
      x.data<float>()[i] = std::uniform_real_distribution<float>(0.0f, 1.0f)(rng);
    }
    Options o;
    o.device = "cuda";
    o.precision = Precision::kFloat16;
    o.layout = Layout::kNHWC;
    std::vector<std::vector<Tensor>> y;
    for (SparseMode mode : {SparseMode::kAuto, SparseMode::kOn, SparseMode::kOff}) {
      o.sparse = mode;
      ASSERT_OK_AND_ASSIGN(auto rt, Runtime::LoadFromBytes(model, o, "fusable"));
      ASSERT_OK_AND_ASSIGN(std::vector<Tensor> first, rt->Run({{"x", x}}));
      for (int replay = 0; replay < 3; ++replay) {
        ASSERT_OK_AND_ASSIGN(std::vector<Tensor> again, rt->Run({{"x", x}}));
        EXPECT_EQ(std::memcmp(again[0].raw_data(), first[0].raw_data(), first[0].nbytes()), 0)
            << layers << " layers, " << ToString(mode) << " replay " << replay;
      }
      y.push_back(std::move(first));
    }
    // With one fused conv its choice decides the whole output; with three,
    // each chooses alone (replays are checked above).
    if (layers == 2) {
      const size_t bytes = y[0][0].nbytes();
      const bool as_fused = std::memcmp(y[0][0].raw_data(), y[1][0].raw_data(), bytes) == 0;
      const bool as_cudnn = std::memcmp(y[0][0].raw_data(), y[2][0].raw_data(), bytes) == 0;
      EXPECT_TRUE(as_fused || as_cudnn);
    }
  }
}

// The unfused path writes cuDNN's conv into the neuron's output memory, which
// held other data (NaN bit patterns included): the bias-fused cuDNN call (NHWC
// IMPLICIT_PRECOMP_GEMM, alpha2 = 0) must not let the old contents of its
// output through. The same conv into a NaN-filled and a zero-filled output.
TEST(ConvNeuronF16GpuTest, CudnnConvIgnoresWhatItsOutputHeld) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(34);
  for (bool nhwc : {true, false}) {
    const cuda::ConvShape shape{8, 32, 16, 16, 32, 3, 3, 1, 1, 1, 1, 1, 1, 1, 16, 16};
    ASSERT_OK_AND_ASSIGN(cuda::Stream stream, cuda::Stream::Create(0));
    ASSERT_OK_AND_ASSIGN(cuda::CudnnHandle handle, cuda::CudnnHandle::Create(0, stream.get()));
    ASSERT_OK_AND_ASSIGN(
        cuda::CudnnConv conv,
        cuda::CudnnConv::Create(handle.get(), shape, size_t{64} << 20, false, true,
                                DataType::kFloat16, nhwc ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW));
    const size_t x_elems = 8 * 32 * 16 * 16, w_elems = 32 * 32 * 9;
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer x,
                         Upload(ToHalfBits(testing::RandomVector(x_elems, rng))));
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer w,
                         Upload(ToHalfBits(testing::RandomVector(w_elems, rng))));
    ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer b, Upload(ToHalfBits(testing::RandomVector(32, rng))));
    ASSERT_OK_AND_ASSIGN(
        cuda::DeviceBuffer ws,
        cuda::DeviceBuffer::Create(0, std::max<size_t>(conv.workspace_bytes(), 1)));
    std::vector<std::vector<uint16_t>> y;
    for (uint16_t fill : {uint16_t{0x7e00}, uint16_t{0}}) {
      ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer out, Upload(std::vector<uint16_t>(x_elems, fill)));
      ASSERT_OK(conv.Forward(handle.get(), x.data(), w.data(), b.data(), out.data(), ws.data()));
      ASSERT_EQ(cudaStreamSynchronize(stream.get()), cudaSuccess);
      std::vector<uint16_t> host(x_elems);
      ASSERT_EQ(cudaMemcpy(host.data(), out.data(), x_elems * 2, cudaMemcpyDeviceToHost),
                cudaSuccess);
      y.push_back(std::move(host));
    }
    EXPECT_EQ(y[0], y[1]) << conv.Describe();
  }
}

}  // namespace
}  // namespace sf
