// cuDNN's backend-API conv (cuda/cudnn_backend_conv.h) and CudnnConv's timed
// search over it: every engine config cuDNN's heuristic offers for a shape is
// built and run against a CPU reference (float16 and float32 (no TF32), NHWC
// and NCHW, with and without bias, 3x3 and 1x1, strides 1 and 2, pads 0 and
// 1, odd sizes);
// CudnnConv::Create with a timed search gives the reference's values whichever
// kernel it picks, with and without the bias it was prepared for; a cached
// choice is rebuilt the same; a plan refuses a bias it was not built with; a
// plan runs on the stream of the handle it is executed with.
#include "cuda/cudnn_backend_conv.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cuda/conv_algo_cache.h"
#include "cuda/cudnn_conv.h"
#include "cuda/resources.h"
#include "graph/float16.h"
#include "runtime/cpu/conv.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/cuda/sparse_conv_cases.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::CpuConv;
using ::sf::testing::NchwToNhwc;
using ::sf::testing::NhwcToNchw;
using ::sf::testing::ToHalfBits;
using ::sf::testing::Upload;

struct Shape {
  int64_t n, c_in, h, w, c_out, k, stride, pad;
};

cuda::ConvShape CudnnShape(const Shape& s) {
  const int64_t oh = (s.h + 2 * s.pad - s.k) / s.stride + 1;
  const int64_t ow = (s.w + 2 * s.pad - s.k) / s.stride + 1;
  return {s.n,      s.c_in, s.h,   s.w, s.c_out, s.k, s.k, s.stride,
          s.stride, s.pad,  s.pad, 1,   1,       1,   oh,  ow};
}

Conv2dParams CpuParams(const cuda::ConvShape& s) {
  return {s.n,     s.c_in,  s.h,     s.w,     s.c_out, s.kh,    s.kw,    s.stride_h, s.stride_w,
          s.pad_h, s.pad_w, s.pad_h, s.pad_w, s.dil_h, s.dil_w, s.group, s.out_h,    s.out_w};
}

std::string Name(const Shape& s, bool nhwc, bool bias, bool half) {
  return absl::StrCat(s.n, "x", s.c_in, "x", s.h, "x", s.w, " -> ", s.c_out, " k", s.k, "/",
                      s.stride, " pad ", s.pad, nhwc ? " nhwc" : " nchw",
                      bias ? " bias" : " no bias", half ? " fp16" : " fp32");
}

// Spikes (binary, ~15% ones) in, float16-exact weights and bias, and the CPU
// reference of the float16 values, NCHW.
struct Problem {
  cuda::ConvShape shape;
  std::vector<float> x, w, bias, want;
};

Problem MakeProblem(const Shape& s, bool with_bias, std::mt19937& rng) {
  Problem p;
  p.shape = CudnnShape(s);
  std::bernoulli_distribution fire(0.15);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  auto half = [](float f) { return HalfToFloat(FloatToHalf(f)); };
  p.x.resize(static_cast<size_t>(s.n * s.c_in * s.h * s.w));
  for (float& v : p.x) v = fire(rng) ? 1.0f : 0.0f;
  p.w.resize(static_cast<size_t>(s.c_out * s.c_in * s.k * s.k));
  for (float& v : p.w) v = half(u(rng));
  if (with_bias) {
    p.bias.resize(static_cast<size_t>(s.c_out));
    for (float& v : p.bias) v = half(u(rng));
  }
  p.want = testing::CpuConv(CpuParams(p.shape), p.x, p.w, p.bias);
  return p;
}

// Device buffers of a problem in the layout asked for.
struct DeviceProblem {
  cuda::DeviceBuffer x, w, bias, y;
};

absl::StatusOr<cuda::DeviceBuffer> UploadAs(const std::vector<float>& v, bool half) {
  if (half) return Upload(ToHalfBits(v));
  return Upload(v);
}

absl::StatusOr<DeviceProblem> ToDevice(const Problem& p, bool nhwc, bool half) {
  const cuda::ConvShape& s = p.shape;
  DeviceProblem d;
  SF_ASSIGN_OR_RETURN(d.x, UploadAs(nhwc ? NchwToNhwc(p.x, s.n, s.c_in, s.h, s.w) : p.x, half));
  SF_ASSIGN_OR_RETURN(d.w,
                      UploadAs(nhwc ? NchwToNhwc(p.w, s.c_out, s.c_in, s.kh, s.kw) : p.w, half));
  SF_ASSIGN_OR_RETURN(d.bias, UploadAs(p.bias, half));
  // NaN bit patterns: every output must be written.
  if (half) {
    SF_ASSIGN_OR_RETURN(d.y, Upload(std::vector<uint16_t>(p.want.size(), 0x7e00)));
  } else {
    SF_ASSIGN_OR_RETURN(d.y, Upload(std::vector<float>(p.want.size(), std::nanf(""))));
  }
  return d;
}

// The output, NCHW floats, after the stream's work.
std::vector<float> Download(const cuda::DeviceBuffer& y, const cuda::ConvShape& s, bool nhwc,
                            bool half, cudaStream_t stream) {
  const size_t count = static_cast<size_t>(s.n * s.c_out * s.out_h * s.out_w);
  std::vector<float> out(count);
  EXPECT_EQ(cudaStreamSynchronize(stream), cudaSuccess);
  if (half) {
    std::vector<uint16_t> bits(count);
    EXPECT_EQ(cudaMemcpy(bits.data(), y.data(), count * 2, cudaMemcpyDeviceToHost), cudaSuccess);
    for (size_t i = 0; i < count; ++i) out[i] = HalfToFloat(bits[i]);
  } else {
    EXPECT_EQ(cudaMemcpy(out.data(), y.data(), count * 4, cudaMemcpyDeviceToHost), cudaSuccess);
  }
  return nhwc ? NhwcToNchw(out, s.n, s.c_out, s.out_h, s.out_w) : out;
}

// Float32 accumulation in another order than the reference's. float16: one
// rounding, within 1 float16 ulp of the value plus a little. float32: close
// enough that TF32 (10-bit mantissas, errors near 1e-3 of each product)
// would fail.
void ExpectNear(const std::vector<float>& got, const std::vector<float>& want, bool half,
                const std::string& what) {
  testing::ExpectWithin(
      got, want,
      [&](size_t i) {
        return half ? 1e-3 * std::fabs(want[i]) + 2e-3 : 1e-5 * std::fabs(want[i]) + 1e-4;
      },
      what);
}

const Shape kShapes[] = {
    {4, 64, 16, 16, 64, 3, 1, 1}, {4, 64, 16, 16, 128, 3, 2, 1}, {4, 64, 16, 16, 128, 1, 2, 0},
    {2, 32, 9, 7, 48, 3, 1, 0},   {3, 16, 13, 13, 24, 3, 2, 1},  {2, 128, 4, 4, 128, 3, 1, 1},
    {1, 8, 5, 6, 8, 1, 1, 0},
};

TEST(CudnnBackendConvTest, EveryHeuristicConfigMatchesTheReference) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(7);
  ASSERT_OK_AND_ASSIGN(cuda::Stream stream, cuda::Stream::Create(0));
  ASSERT_OK_AND_ASSIGN(cuda::CudnnHandle handle, cuda::CudnnHandle::Create(0, stream.get()));
  int built = 0;
  for (const Shape& s : kShapes) {
    for (bool nhwc : {true, false}) {
      for (bool with_bias : {true, false}) {
        for (bool half : {true, false}) {
          const std::string name = Name(s, nhwc, with_bias, half);
          const Problem p = MakeProblem(s, with_bias, rng);
          ASSERT_OK_AND_ASSIGN(DeviceProblem d, ToDevice(p, nhwc, half));
          absl::StatusOr<cuda::BackendConvGraph> graph = cuda::BackendConvGraph::Create(
              handle.get(), p.shape, half ? CUDNN_DATA_HALF : CUDNN_DATA_FLOAT,
              nhwc ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW, with_bias);
          ASSERT_OK(graph.status()) << name;
          // float32: no tensor cores (TF32), as CudnnConv without allow_tf32.
          ASSERT_OK_AND_ASSIGN(std::vector<cuda::BackendEngineConfig> configs,
                               graph->Candidates(false, /*allow_tensor_cores=*/half, 48));
          for (const cuda::BackendEngineConfig& c : configs) {
            absl::StatusOr<cuda::BackendConvPlan> plan = graph->Build(handle.get(), c, false, half);
            if (!plan.ok()) continue;  // cuDNN may refuse a config it offered
            ASSERT_OK_AND_ASSIGN(
                cuda::DeviceBuffer ws,
                cuda::DeviceBuffer::Create(0, std::max<size_t>(plan->workspace_bytes(), 1)));
            ASSERT_OK(plan->Execute(handle.get(), d.x.data(), d.w.data(),
                                    with_bias ? d.bias.data() : nullptr, d.y.data(), ws.data()))
                << name << ", " << cuda::DescribeEngineConfig(c);
            ExpectNear(Download(d.y, p.shape, nhwc, half, stream.get()), p.want, half,
                       name + ", " + cuda::DescribeEngineConfig(c));
            ++built;
            // The next config writes over this one's output: refill it (0x7f bytes: NaN
            // in float16, 3.4e38 in float32).
            ASSERT_EQ(cudaMemset(d.y.data(), 0x7f, d.y.bytes()), cudaSuccess);
          }
        }
      }
    }
  }
  EXPECT_GT(built, 0) << "cuDNN offered no backend config that qualifies for any shape";
}

// CudnnConv::Create with a timed search: whatever it picked (a backend config
// or a legacy algorithm), Forward matches the reference with the bias it was
// prepared for and without one (then the legacy algorithm runs); a second
// Create of the same conv reuses the choice (no new search, same kernel).
TEST(CudnnBackendConvTest, TimedSearchMatchesTheReferenceWithAndWithoutBias) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(8);
  ASSERT_OK_AND_ASSIGN(cuda::Stream stream, cuda::Stream::Create(0));
  ASSERT_OK_AND_ASSIGN(cuda::CudnnHandle handle, cuda::CudnnHandle::Create(0, stream.get()));
  int backend_chosen = 0, convs = 0;
  for (const Shape& s : kShapes) {
    for (bool nhwc : {true, false}) {
      for (bool half : {true, false}) {
        const std::string name = Name(s, nhwc, true, half);
        ++convs;
        const Problem p = MakeProblem(s, /*with_bias=*/true, rng);
        const Problem plain{p.shape, p.x, p.w, {}, CpuConv(CpuParams(p.shape), p.x, p.w, {})};
        const cudnnTensorFormat_t format = nhwc ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
        const DataType type = half ? DataType::kFloat16 : DataType::kFloat32;
        ASSERT_OK_AND_ASSIGN(cuda::CudnnConv conv,
                             cuda::CudnnConv::Create(handle.get(), p.shape, size_t{64} << 20, false,
                                                     true, type, format, false,
                                                     /*with_bias=*/true));
        const int64_t searches = cuda::ConvAlgoSearchCount();
        ASSERT_OK_AND_ASSIGN(cuda::CudnnConv again,
                             cuda::CudnnConv::Create(handle.get(), p.shape, size_t{64} << 20, false,
                                                     true, type, format, false,
                                                     /*with_bias=*/true));
        EXPECT_EQ(cuda::ConvAlgoSearchCount(), searches) << name;
        EXPECT_EQ(again.Describe(), conv.Describe()) << name;
        backend_chosen += conv.Describe().find("backend") != std::string::npos;
        ASSERT_OK_AND_ASSIGN(DeviceProblem d, ToDevice(p, nhwc, half));
        ASSERT_OK_AND_ASSIGN(
            cuda::DeviceBuffer ws,
            cuda::DeviceBuffer::Create(0, std::max<size_t>(conv.workspace_bytes(), 1)));
        ASSERT_OK(conv.Forward(handle.get(), d.x.data(), d.w.data(), d.bias.data(), d.y.data(),
                               ws.data()));
        ExpectNear(Download(d.y, p.shape, nhwc, half, stream.get()), p.want, half,
                   name + ", " + conv.Describe());
        ASSERT_EQ(cudaMemset(d.y.data(), 0x7f, d.y.bytes()), cudaSuccess);
        ASSERT_OK(
            conv.Forward(handle.get(), d.x.data(), d.w.data(), nullptr, d.y.data(), ws.data()));
        ExpectNear(Download(d.y, p.shape, nhwc, half, stream.get()), plain.want, half,
                   name + " without its bias, " + conv.Describe());
      }
    }
  }
  // Informational: which shapes went to the backend depends on the GPU.
  std::printf("[ info ] backend configs chosen for %d of %d convs\n", backend_chosen, convs);
}

TEST(CudnnBackendConvTest, PlanRefusesABiasItWasNotBuiltWith) {
  SF_SKIP_WITHOUT_GPU();
  ASSERT_OK_AND_ASSIGN(cuda::Stream stream, cuda::Stream::Create(0));
  ASSERT_OK_AND_ASSIGN(cuda::CudnnHandle handle, cuda::CudnnHandle::Create(0, stream.get()));
  const cuda::ConvShape s = CudnnShape({2, 16, 8, 8, 16, 3, 1, 1});
  for (bool with_bias : {true, false}) {
    ASSERT_OK_AND_ASSIGN(cuda::BackendConvGraph graph,
                         cuda::BackendConvGraph::Create(handle.get(), s, CUDNN_DATA_HALF,
                                                        CUDNN_TENSOR_NHWC, with_bias));
    ASSERT_OK_AND_ASSIGN(std::vector<cuda::BackendEngineConfig> configs,
                         graph.Candidates(false, true, 4));
    if (configs.empty()) GTEST_SKIP() << "cuDNN offered no qualifying config";
    ASSERT_OK_AND_ASSIGN(cuda::BackendConvPlan plan,
                         graph.Build(handle.get(), configs[0], false, true));
    EXPECT_EQ(plan.has_bias(), with_bias);
    int dummy = 0;  // never reached: refused before cuDNN sees the pointers
    const absl::Status st =
        plan.Execute(handle.get(), &dummy, &dummy, with_bias ? nullptr : &dummy, &dummy, nullptr);
    EXPECT_EQ(st.code(), absl::StatusCode::kInvalidArgument) << st;
  }
  const cuda::ConvShape grouped{2, 16, 8, 8, 16, 3, 3, 1, 1, 1, 1, 1, 1, 2, 8, 8};
  EXPECT_EQ(cuda::BackendConvGraph::Create(handle.get(), grouped, CUDNN_DATA_HALF,
                                           CUDNN_TENSOR_NHWC, false)
                .status()
                .code(),
            absl::StatusCode::kUnimplemented);
}

// A plan built with one handle runs on the stream of the handle it is executed
// with (the executor prepares side-stream convs with its main handle and runs
// them with the side stream's): captured on the second handle's stream alone,
// the launch is in that graph, and replaying it writes the output.
TEST(CudnnBackendConvTest, RunsOnTheStreamOfTheHandleItIsExecutedWith) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(9);
  ASSERT_OK_AND_ASSIGN(cuda::Stream main_stream, cuda::Stream::Create(0));
  ASSERT_OK_AND_ASSIGN(cuda::Stream side_stream, cuda::Stream::Create(0));
  ASSERT_OK_AND_ASSIGN(cuda::CudnnHandle main, cuda::CudnnHandle::Create(0, main_stream.get()));
  ASSERT_OK_AND_ASSIGN(cuda::CudnnHandle side, cuda::CudnnHandle::Create(0, side_stream.get()));
  const Problem p = MakeProblem({4, 64, 16, 16, 64, 3, 1, 1}, /*with_bias=*/true, rng);
  ASSERT_OK_AND_ASSIGN(DeviceProblem d, ToDevice(p, /*nhwc=*/true, /*half=*/true));
  ASSERT_OK_AND_ASSIGN(cuda::BackendConvGraph graph,
                       cuda::BackendConvGraph::Create(main.get(), p.shape, CUDNN_DATA_HALF,
                                                      CUDNN_TENSOR_NHWC, true));
  ASSERT_OK_AND_ASSIGN(std::vector<cuda::BackendEngineConfig> configs,
                       graph.Candidates(false, true, 48));
  int checked = 0;
  for (const cuda::BackendEngineConfig& c : configs) {
    absl::StatusOr<cuda::BackendConvPlan> plan = graph.Build(main.get(), c, false, true);
    if (!plan.ok()) continue;
    const std::string name = cuda::DescribeEngineConfig(c);
    ASSERT_OK_AND_ASSIGN(
        cuda::DeviceBuffer ws,
        cuda::DeviceBuffer::Create(0, std::max<size_t>(plan->workspace_bytes(), 1)));
    ASSERT_EQ(cudaMemset(d.y.data(), 0x7f, d.y.bytes()), cudaSuccess);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    ASSERT_EQ(cudaStreamBeginCapture(side_stream.get(), cudaStreamCaptureModeThreadLocal),
              cudaSuccess);
    const absl::Status queued =
        plan->Execute(side.get(), d.x.data(), d.w.data(), d.bias.data(), d.y.data(), ws.data());
    cudaGraph_t captured = nullptr;
    ASSERT_EQ(cudaStreamEndCapture(side_stream.get(), &captured), cudaSuccess) << name;
    ASSERT_OK(queued) << name;
    size_t nodes = 0;
    ASSERT_EQ(cudaGraphGetNodes(captured, nullptr, &nodes), cudaSuccess);
    EXPECT_GT(nodes, 0u) << name << ": nothing was captured on the executing handle's stream";
    cudaGraphExec_t exec = nullptr;
    ASSERT_EQ(cudaGraphInstantiate(&exec, captured, 0), cudaSuccess) << name;
    ASSERT_EQ(cudaGraphLaunch(exec, side_stream.get()), cudaSuccess) << name;
    ExpectNear(Download(d.y, p.shape, true, true, side_stream.get()), p.want, true, name);
    cudaGraphExecDestroy(exec);
    cudaGraphDestroy(captured);
    ++checked;
  }
  EXPECT_GT(checked, 0);
}

}  // namespace
}  // namespace sf
