// The direct conv + neuron kernel (cuda/kernels/direct_conv_neuron.h) against
// a host reference that sums the taps in the kernel's documented order, rounds
// like the stored conv output, and runs the CPU reference neuron: spikes must
// match bit for bit, float32 and float16, NCHW and NHWC, over kernel sizes,
// strides, paddings and time steps. At the executor, a model's first conv runs
// it fused with its neuron (sparse on) and agrees with cuDNN + neuron.
#include "cuda/kernels/direct_conv_neuron.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/float16.h"
#include "runtime/cpu_executor.h"
#include "runtime/npy.h"
#include "sf/runtime.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/cuda/sparse_conv_cases.h"
#include "tests/testing/graph_builder.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::DownloadHalves;
using ::sf::testing::OneNodeGraphBuilder;
using ::sf::testing::PlanFor;
using ::sf::testing::ToHalfBits;
using ::sf::testing::Upload;
using ::testing::HasSubstr;

struct Case {
  int64_t images, c_in, h, w, c_out, k, stride, pad;
};

cuda::DirectConvShape ShapeOf(const Case& c, int64_t steps) {
  cuda::DirectConvShape s;
  s.rows = c.images * steps;
  s.c_in = c.c_in;
  s.h = c.h;
  s.w = c.w;
  s.c_out = c.c_out;
  s.kh = s.kw = c.k;
  s.stride_h = s.stride_w = c.stride;
  s.pad_top = s.pad_left = c.pad;
  s.out_h = (c.h + 2 * c.pad - c.k) / c.stride + 1;
  s.out_w = (c.w + 2 * c.pad - c.k) / c.stride + 1;
  return s;
}

// The conv in the kernel's order — per output, taps (ky, kx, ci), float32
// products and sums, then the bias, then rounded to float16 when `half` —
// laid out NCHW. x is NCHW, w is KCRS.
std::vector<float> ReferenceConv(const cuda::DirectConvShape& s, const std::vector<float>& x,
                                 const std::vector<float>& w, const std::vector<float>& bias,
                                 bool half) {
  std::vector<float> y(s.rows * s.c_out * s.out_h * s.out_w);
  for (int64_t r = 0; r < s.rows; ++r) {
    for (int64_t co = 0; co < s.c_out; ++co) {
      for (int64_t oy = 0; oy < s.out_h; ++oy) {
        for (int64_t ox = 0; ox < s.out_w; ++ox) {
          float acc = 0.0f;
          for (int64_t ky = 0; ky < s.kh; ++ky) {
            const int64_t iy = oy * s.stride_h - s.pad_top + ky;
            if (iy < 0 || iy >= s.h) continue;
            for (int64_t kx = 0; kx < s.kw; ++kx) {
              const int64_t ix = ox * s.stride_w - s.pad_left + kx;
              if (ix < 0 || ix >= s.w) continue;
              for (int64_t ci = 0; ci < s.c_in; ++ci) {
                const float p = x[((r * s.c_in + ci) * s.h + iy) * s.w + ix] *
                                w[((co * s.c_in + ci) * s.kh + ky) * s.kw + kx];
                acc = acc + p;
              }
            }
          }
          if (!bias.empty()) acc = acc + bias[co];
          if (half) acc = HalfToFloat(FloatToHalf(acc));
          y[((r * s.c_out + co) * s.out_h + oy) * s.out_w + ox] = acc;
        }
      }
    }
  }
  return y;
}

// The CPU reference LIF (tau 2, decay_input, hard reset to 0, threshold 1)
// over `steps` on a float32 [rows, ...] tensor.
std::vector<float> CpuLif(const std::vector<float>& x, std::vector<int64_t> dims, int64_t steps) {
  auto g = OneNodeGraphBuilder(OpType::kLIF, "lif")
               .Input(DataType::kFloat32, dims)
               .Output(DataType::kFloat32, dims)
               .Attr("steps", steps)
               .Attr("tau", 2.0f)
               .Attr("decay_input", int64_t{1})
               .Build();
  Tensor t = Tensor::Create(DataType::kFloat32, dims).value();
  std::memcpy(t.raw_data(), x.data(), x.size() * sizeof(float));
  auto exec = CpuExecutor::Create(g.graph, PlanFor(g.graph));
  EXPECT_TRUE(exec.ok()) << exec.status();
  if (!exec.ok()) return {};
  const std::vector<Tensor> inputs = {std::move(t)};
  absl::StatusOr<std::vector<Tensor>> out = (*exec)->Run(inputs);
  EXPECT_TRUE(out.ok()) << out.status();
  if (!out.ok()) return {};
  const float* s = (*out)[0].template data<float>();
  return std::vector<float>(s, s + x.size());
}

cuda::NeuronParams LifParams(int64_t steps, int64_t step_elements) {
  cuda::NeuronParams p;
  p.charge = cuda::NeuronCharge::kDecayDiv;  // LIF, decay_input
  p.steps = steps;
  p.step_elements = step_elements;
  p.v_threshold = 1.0f;
  p.v_reset = 0.0f;
  p.vr = 0.0f;
  p.tau = 2.0f;
  return p;
}

std::vector<float> Nchw2Nhwc(const std::vector<float>& v, int64_t n, int64_t c, int64_t h,
                             int64_t w) {
  return sf::testing::NchwToNhwc(v, n, c, h, w);
}

TEST(DirectConvNeuronTest, ShapesAndRefusals) {
  cuda::DirectConvShape s = ShapeOf({2, 1, 8, 8, 4, 3, 1, 1}, 4);
  EXPECT_STREQ(cuda::DirectConvNeuronUnsupportedReason(s, 4), "");
  EXPECT_THAT(cuda::DirectConvNeuronUnsupportedReason(s, 3), HasSubstr("time steps"));
  cuda::DirectConvShape wide = ShapeOf({2, 8, 8, 8, 4, 3, 1, 1}, 4);  // 72 taps
  EXPECT_THAT(cuda::DirectConvNeuronUnsupportedReason(wide, 4), HasSubstr("64 taps"));
  cuda::DirectConvShape empty = s;
  empty.c_out = 0;
  EXPECT_THAT(cuda::DirectConvNeuronUnsupportedReason(empty, 4), HasSubstr("empty"));
  EXPECT_EQ(cuda::LaunchDirectConvNeuron(wide, false, DataType::kFloat32, nullptr, nullptr, nullptr,
                                         LifParams(4, 1), nullptr, nullptr),
            cudaErrorInvalidValue);
}

TEST(DirectConvNeuronTest, SpikesMatchTheReferenceBitForBit) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(5);
  const std::vector<Case> cases = {
      {2, 1, 32, 32, 64, 3, 1, 1},  // a 1-channel image stem
      {3, 3, 17, 13, 16, 3, 1, 1},  // RGB, odd sizes
      {1, 3, 16, 16, 8, 3, 2, 1},   // stride 2
      {2, 2, 9, 11, 5, 5, 1, 2},    // 5x5
      {2, 7, 6, 6, 33, 3, 1, 0},    // no padding, 63 taps, 33 outputs
      {1, 4, 8, 8, 12, 1, 1, 0},    // 1x1
      {2, 1, 7, 7, 3, 3, 3, 2},     // stride 3, pad 2
  };
  int ran = 0;
  for (const Case& c : cases) {
    for (int64_t steps : {1, 4}) {
      for (bool half : {false, true}) {
        for (bool nhwc : {false, true}) {
          for (bool with_bias : {true, false}) {
            const cuda::DirectConvShape s = ShapeOf(c, steps);
            const std::string what = absl::StrCat(
                "images ", c.images, " c_in ", c.c_in, " ", c.h, "x", c.w, " c_out ", c.c_out,
                " k ", c.k, " s ", c.stride, " p ", c.pad, " T ", steps, half ? " fp16" : " fp32",
                nhwc ? " nhwc" : " nchw", with_bias ? " bias" : "");
            std::uniform_real_distribution<float> u(-1.0f, 1.0f);
            auto draw = [&](int64_t n, float scale) {
              std::vector<float> v(n);
              for (float& f : v) f = HalfToFloat(FloatToHalf(scale * u(rng)));
              return v;
            };
            const std::vector<float> x = draw(s.rows * s.c_in * s.h * s.w, 1.0f);
            const std::vector<float> w = draw(s.c_out * s.c_in * s.kh * s.kw, 1.5f);
            const std::vector<float> bias = with_bias ? draw(s.c_out, 0.8f) : std::vector<float>{};
            const std::vector<float> conv = ReferenceConv(s, x, w, bias, half);
            const std::vector<int64_t> dims = {s.rows, s.c_out, s.out_h, s.out_w};
            const std::vector<float> want = CpuLif(conv, dims, steps);  // NCHW
            ASSERT_EQ(want.size(), conv.size()) << what;

            const std::vector<float> xd = nhwc ? Nchw2Nhwc(x, s.rows, s.c_in, s.h, s.w) : x;
            const std::vector<float> wd = nhwc ? Nchw2Nhwc(w, s.c_out, s.c_in, s.kh, s.kw) : w;
            const int64_t elems = s.rows * s.c_out * s.out_h * s.out_w;
            const cuda::NeuronParams p = LifParams(steps, elems / steps);
            std::vector<float> got;
            if (half) {
              ASSERT_OK_AND_ASSIGN(auto dx, Upload(ToHalfBits(xd)));
              ASSERT_OK_AND_ASSIGN(auto dw, Upload(ToHalfBits(wd)));
              ASSERT_OK_AND_ASSIGN(auto db, Upload(ToHalfBits(bias)));
              ASSERT_OK_AND_ASSIGN(auto dy, Upload(std::vector<uint16_t>(elems, 0x7e00)));
              ASSERT_EQ(cuda::LaunchDirectConvNeuron(s, nhwc, DataType::kFloat16, dx.data(),
                                                     dw.data(), with_bias ? db.data() : nullptr, p,
                                                     dy.data(), nullptr),
                        cudaSuccess)
                  << what;
              ASSERT_OK_AND_ASSIGN(got, DownloadHalves(dy, elems));
            } else {
              ASSERT_OK_AND_ASSIGN(auto dx, Upload(xd));
              ASSERT_OK_AND_ASSIGN(auto dw, Upload(wd));
              ASSERT_OK_AND_ASSIGN(auto db, Upload(bias));
              ASSERT_OK_AND_ASSIGN(auto dy, Upload(std::vector<float>(elems, NAN)));
              ASSERT_EQ(cuda::LaunchDirectConvNeuron(s, nhwc, DataType::kFloat32, dx.data(),
                                                     dw.data(), with_bias ? db.data() : nullptr, p,
                                                     dy.data(), nullptr),
                        cudaSuccess)
                  << what;
              got.resize(elems);
              ASSERT_EQ(
                  cudaMemcpy(got.data(), dy.data(), elems * sizeof(float), cudaMemcpyDeviceToHost),
                  cudaSuccess);
            }
            if (nhwc) got = sf::testing::NhwcToNchw(got, s.rows, s.c_out, s.out_h, s.out_w);
            int64_t differ = 0, ones = 0;
            for (int64_t i = 0; i < elems; ++i) {
              differ += !(got[i] == want[i]);
              ones += want[i] == 1.0f;
            }
            EXPECT_EQ(differ, 0) << what << ": " << differ << " of " << elems << " spikes differ";
            if (steps == 4) {
              EXPECT_GT(ones, 0) << what;  // the case fires at all
            }
            ++ran;
          }
        }
      }
    }
  }
  EXPECT_EQ(ran, 7 * 16);
}

// fmnist_snn (a 1-channel image into its first conv and LIF) in float16 with
// sparse on: the first conv runs the direct kernel fused with its neuron, and
// the logits agree with the all-cuDNN plan within float16 tolerance.
TEST(DirectConvNeuronTest, FirstConvOfAModelRunsFusedAndAgrees) {
  SF_SKIP_WITHOUT_GPU();
  const std::string dir = std::string(SF_SOURCE_DIR) + "/models/fmnist_snn/";
  ASSERT_OK_AND_ASSIGN(Tensor images, ReadNpy(dir + "test_input.npy"));
  std::vector<Tensor> out[2];
  for (int run = 0; run < 2; ++run) {
    Options o;
    o.device = "cuda";
    o.precision = Precision::kFloat16;
    o.layout = Layout::kNHWC;
    o.sparse = run == 0 ? SparseMode::kOn : SparseMode::kOff;
    o.profile_nodes = true;
    ASSERT_OK_AND_ASSIGN(auto rt, Runtime::Load(dir + "model.onnx", o));
    ASSERT_OK_AND_ASSIGN(out[run], rt->Run({{rt->InputInfo().at(0).name, images}}));
    int direct = 0;
    for (const NodeTiming& t : rt->LastProfile()) {
      direct += t.kernel_detail.find("fused fp16 direct nhwc") != std::string::npos;
    }
    // Sparse on: the first conv; the all-cuDNN plan (sparse off) fuses no conv.
    EXPECT_EQ(direct, run == 0 ? 1 : 0) << "sparse " << ToString(o.sparse);
  }
  ASSERT_EQ(out[0].size(), out[1].size());
  const Tensor& a = out[0][0];
  const Tensor& b = out[1][0];
  ASSERT_EQ(a.dims(), b.dims());
  for (int64_t i = 0; i < a.num_elements(); ++i) {
    const float x = a.data<float>()[i], y = b.data<float>()[i];
    EXPECT_LE(std::fabs(x - y), 0.25f + 0.02f * std::fabs(y)) << i;
  }
}

}  // namespace
}  // namespace sf
