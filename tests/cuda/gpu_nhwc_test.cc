// Channels-last on the GPU (Options::layout nhwc) against NCHW. Each op graph
// is converted exactly as the runtime converts it (ConvertToNhwc with the GPU
// kernel table's nhwc column: Transposes at the NCHW graph input and output),
// run on the GPU and compared with the unconverted graph: float32 against the
// NCHW GPU run (1e-4), float16 (ConvertToFloat16 first, as the runtime does)
// against the float32 CPU reference with gpu_fp16_test.cc's tolerances.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/float16.h"
#include "graph/passes/float16.h"
#include "graph/passes/layout.h"
#include "runtime/npy.h"
#include "sf/runtime.h"
#include "tests/cuda/conv_cases.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::ConvCase;
using ::sf::testing::ConvCaseGraph;
using ::sf::testing::ConvFp16Atol;
using ::sf::testing::ExpectClose;
using ::sf::testing::OneNodeGraph;
using ::sf::testing::OneNodeGraphBuilder;
using ::sf::testing::RandomHalf;
using ::sf::testing::RandomTensor;
using ::sf::testing::RunCpu;
using ::sf::testing::RunGpu;
using ::testing::HasSubstr;
using Dims = std::vector<int64_t>;

constexpr double kFp32Tol = 1e-4;
// Convs: cuDNN's timed search may pick a Winograd/FFT-class algorithm for one
// layout and not the other; their FP32 results differ from direct summation by
// up to a few 1e-4 relative (seen on an H200: 2.9e-4 at K = 128*3*3). Inputs and
// weights are fp16-representable, so this is not TF32 rounding.
constexpr double kConvFp32Tol = 1e-3;

// The graph's single node runs channels-last after conversion.
void ExpectConverted(Graph& g, const std::string& what) {
  absl::StatusOr<int> converted = ConvertToNhwc(g, GpuKernelRunsNhwc);
  ASSERT_TRUE(converted.ok()) << what << ": " << converted.status();
  EXPECT_EQ(*converted, 1) << what << ": the node did not go channels-last";
}

// float32: NHWC on the GPU against NCHW on the GPU; float16 (NHWC after the
// float16 pass) against the float32 CPU reference.
void ExpectNhwcMatches(const Graph& graph, const std::vector<Tensor>& inputs, double fp16_rtol,
                       double fp16_atol, const std::string& what, double fp32_tol = kFp32Tol) {
  absl::StatusOr<std::vector<Tensor>> nchw = RunGpu(graph, inputs);
  ASSERT_TRUE(nchw.ok()) << what << ": NCHW GPU: " << nchw.status();
  Graph nhwc = graph;
  ExpectConverted(nhwc, what);
  absl::StatusOr<std::vector<Tensor>> gpu = RunGpu(nhwc, inputs);
  ASSERT_TRUE(gpu.ok()) << what << ": NHWC GPU: " << gpu.status();
  ASSERT_EQ(gpu->size(), nchw->size());
  for (size_t i = 0; i < gpu->size(); ++i) {
    ExpectClose((*gpu)[i], (*nchw)[i], fp32_tol, fp32_tol,
                what + " fp32 output " + std::to_string(i));
  }

  absl::StatusOr<std::vector<Tensor>> cpu = RunCpu(graph, inputs);
  ASSERT_TRUE(cpu.ok()) << what << ": CPU: " << cpu.status();
  Graph half = graph;
  ASSERT_OK(ConvertToFloat16(half, GpuKernelRunsFloat16).status());
  ExpectConverted(half, what + " fp16");
  absl::StatusOr<std::vector<Tensor>> gpu16 = RunGpu(half, inputs);
  ASSERT_TRUE(gpu16.ok()) << what << ": NHWC fp16 GPU: " << gpu16.status();
  ASSERT_EQ(gpu16->size(), cpu->size());
  for (size_t i = 0; i < cpu->size(); ++i) {
    ExpectClose((*gpu16)[i], (*cpu)[i], fp16_rtol, fp16_atol,
                what + " fp16 output " + std::to_string(i));
  }
}

TEST(GpuNhwcTest, ConvMatchesNchw) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(21);
  const ConvCase cases[] = {
      {{2, 3, 9, 9}, 8, 3, 1, 1, true},     {{2, 16, 8, 8}, 32, 1, 1, 0, false},
      {{1, 64, 12, 12}, 64, 3, 2, 1, true}, {{2, 128, 7, 7}, 256, 3, 1, 1, false},
      {{1, 256, 4, 4}, 128, 1, 2, 0, true}, {{2, 32, 10, 10}, 16, 3, 1, 0, true},
      {{4, 5, 11, 11}, 12, 3, 2, 0, false},
  };
  for (const ConvCase& c : cases) {
    const OneNodeGraph g = ConvCaseGraph(c, rng);
    ExpectNhwcMatches(g.graph, {RandomHalf(c.x, rng)}, 1e-2, ConvFp16Atol(c),
                      absl::StrCat("conv ", ShapeToString(c.x), " -> ", c.c_out, " k", c.k, " s",
                                   c.stride, " p", c.pad),
                      kConvFp32Tol);
  }
}

TEST(GpuNhwcTest, PoolingMatchesNchw) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(22);
  struct PoolCase {
    Dims x, y;
    int64_t k, stride, pad;
  };
  const PoolCase cases[] = {
      {{2, 4, 9, 9}, {2, 4, 4, 4}, 3, 2, 0},
      {{2, 16, 8, 8}, {2, 16, 4, 4}, 2, 2, 0},
      {{1, 64, 7, 7}, {1, 64, 7, 7}, 3, 1, 1},
      {{3, 3, 6, 10}, {3, 3, 3, 5}, 3, 2, 1},
      // 16-byte vectors of channels (Pool2dNhwcVecKernel), partial windows at the pads.
      {{4, 96, 32, 32}, {4, 96, 16, 16}, 3, 2, 1},
      {{2, 40, 11, 13}, {2, 40, 6, 7}, 3, 2, 1},
  };
  for (OpType op : {OpType::kMaxPool, OpType::kAveragePool}) {
    for (const PoolCase& c : cases) {
      auto g = OneNodeGraphBuilder(op, "pool")
                   .Input(DataType::kFloat32, c.x)
                   .Output(DataType::kFloat32, c.y)
                   .Attr("kernel_shape", Dims{c.k, c.k})
                   .Attr("strides", Dims{c.stride, c.stride})
                   .Attr("pads", Dims{c.pad, c.pad, c.pad, c.pad})
                   .Build();
      ExpectNhwcMatches(g.graph, {RandomHalf(c.x, rng)}, 1e-3, 1e-3,
                        absl::StrCat(ToString(op), " ", ShapeToString(c.x), " k", c.k, " s",
                                     c.stride, " p", c.pad));
    }
  }
  for (const Dims& x : {Dims{2, 8, 7, 7}, Dims{16, 256, 4, 4}, Dims{1, 3, 1, 9}}) {
    auto gap = OneNodeGraphBuilder(OpType::kGlobalAveragePool, "gap")
                   .Input(DataType::kFloat32, x)
                   .Output(DataType::kFloat32, {x[0], x[1], 1, 1})
                   .Build();
    ExpectNhwcMatches(gap.graph, {RandomHalf(x, rng)}, 1e-3, 1e-3,
                      absl::StrCat("GlobalAveragePool ", ShapeToString(x)));
  }
}

std::string ModelPath(const std::string& model, const std::string& file) {
  return absl::StrCat(SF_SOURCE_DIR, "/models/", model, "/", file);
}

int64_t Argmax(const Tensor& logits, int64_t row) {
  const int64_t classes = logits.dim(1);
  const float* r = logits.data<float>() + row * classes;
  return std::max_element(r, r + classes) - r;
}

// A shipped model through the public API, NHWC against NCHW on the GPU at the
// same precision, in every sparse mode (a planned-sparse conv runs cuDNN NHWC
// at fp32, the tensor-core sparse kernel at fp16).
// fp32: 1e-4; fp16: as GpuFp16Test.FmnistSnnAgreesWithFloat32 (0.25 + 2%:
// a few spike flips, far below the top-1 margins). Classes must agree.
void ExpectModelAgrees(const std::string& model) {
  ASSERT_OK_AND_ASSIGN(Tensor images, ReadNpy(ModelPath(model, "test_input.npy")));
  for (Precision precision : {Precision::kFloat32, Precision::kFloat16}) {
    Options nchw;
    nchw.device = "cuda";
    nchw.precision = precision;
    ASSERT_OK_AND_ASSIGN(auto rt_nchw, Runtime::Load(ModelPath(model, "model.onnx"), nchw));
    const std::string input = rt_nchw->InputInfo().at(0).name;
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> want, rt_nchw->Run({{input, images}}));
    const bool fp16 = precision == Precision::kFloat16;
    for (SparseMode sparse : {SparseMode::kAuto, SparseMode::kOn, SparseMode::kOff}) {
      Options nhwc = nchw;
      nhwc.layout = Layout::kNHWC;
      nhwc.sparse = sparse;
      const std::string what =
          absl::StrCat(model, " ", ToString(precision), " nhwc, sparse ", ToString(sparse));
      ASSERT_OK_AND_ASSIGN(auto rt, Runtime::Load(ModelPath(model, "model.onnx"), nhwc));
      ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, rt->Run({{input, images}}));
      ASSERT_OK_AND_ASSIGN(std::vector<Tensor> again, rt->Run({{input, images}}));  // replay
      ASSERT_EQ(got.size(), want.size()) << what;
      EXPECT_EQ(got[0].dims(), want[0].dims()) << what;
      ExpectClose(got[0], want[0], fp16 ? 0.02 : kFp32Tol, fp16 ? 0.25 : kFp32Tol, what);
      ExpectClose(again[0], got[0], 0, 0, what + " (replayed)");
      int agree = 0;
      for (int64_t i = 0; i < got[0].dim(0); ++i) agree += Argmax(got[0], i) == Argmax(want[0], i);
      EXPECT_EQ(agree, got[0].dim(0)) << what;

      ASSERT_OK_AND_ASSIGN(Plan plan, rt->GetPlan({{input, images.dims()}}));
      EXPECT_EQ(plan.layout, Layout::kNHWC);
      EXPECT_THAT(PlanToJson(plan), HasSubstr("\"layout\": \"nhwc\""));
      // In fp16 the input's Transpose runs in one FusedElementwise step with the
      // input's Cast (graph/passes/fuse_elementwise.h).
      int transposes = 0;
      for (const PlanStep& s : plan.steps) {
        transposes += s.op == OpType::kTranspose || s.op == OpType::kFusedElementwise;
      }
      EXPECT_GE(transposes, 2) << what << ": in at the input, out before Flatten";
    }
  }
}

TEST(GpuNhwcTest, FmnistSnnAgreesWithNchw) {
  SF_SKIP_WITHOUT_GPU();
  ExpectModelAgrees("fmnist_snn");
}

TEST(GpuNhwcTest, EventModelAgreesWithNchw) {
  SF_SKIP_WITHOUT_GPU();
  ExpectModelAgrees("events");
}

// A planned-sparse conv runs cuDNN NHWC at fp32 and says so; at fp16 it runs
// the tensor-core sparse kernel channels-last, or (fusion on, the default)
// the fused conv + neuron kernel where a neuron alone reads its output.
TEST(GpuNhwcTest, SparseConvKernelByPrecision) {
  SF_SKIP_WITHOUT_GPU();
  ASSERT_OK_AND_ASSIGN(Tensor images, ReadNpy(ModelPath("fmnist_snn", "test_input.npy")));
  for (int run = 0; run < 3; ++run) {
    const Precision precision = run == 0 ? Precision::kFloat32 : Precision::kFloat16;
    const bool fuse = run != 1;  // the first fp16 run without fusion
    Options o;
    o.fuse_neurons = fuse;
    o.device = "cuda";
    o.layout = Layout::kNHWC;
    o.precision = precision;
    o.sparse = SparseMode::kOn;
    o.profile_nodes = true;
    ASSERT_OK_AND_ASSIGN(auto rt, Runtime::Load(ModelPath("fmnist_snn", "model.onnx"), o));
    ASSERT_OK(rt->Run({{rt->InputInfo().at(0).name, images}}).status());
    int sparse_planned = 0, fused = 0;
    for (const NodeTiming& t : rt->LastProfile()) {
      if (t.op != OpType::kConv) continue;
      if (t.kernel != "sparse") {
        EXPECT_THAT(t.kernel_detail, HasSubstr("nhwc ")) << t.name;
        continue;
      }
      ++sparse_planned;
      if (precision == Precision::kFloat32) {
        EXPECT_THAT(t.kernel_detail, HasSubstr("nhwc ")) << t.name;
        EXPECT_THAT(t.kernel_detail, HasSubstr("block-sparse kernel is NCHW only")) << t.name;
      } else if (t.kernel_detail.find("fused fp16 tensor-core nhwc") != std::string::npos) {
        EXPECT_TRUE(fuse) << t.name;
        EXPECT_THAT(t.kernel_detail, HasSubstr("chosen: fused, sparse mode on")) << t.name;
        ++fused;
      } else {
        EXPECT_THAT(t.kernel_detail, HasSubstr("sparse fp16 tensor-core nhwc")) << t.name;
        EXPECT_GE(t.tile_density, 0.0) << t.name;
      }
    }
    EXPECT_GE(sparse_planned, 1);
    EXPECT_EQ(fused > 0, fuse && precision == Precision::kFloat16);
  }
}

}  // namespace
}  // namespace sf
