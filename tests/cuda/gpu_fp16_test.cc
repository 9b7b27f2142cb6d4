// float16 on the GPU (Options::precision fp16) against the float32 CPU
// reference. Each op graph is converted exactly as the runtime converts it
// (ConvertToFloat16 with the GPU kernel table's float16 column: Casts at the
// float32 graph inputs and outputs), then run on the GPU and compared with
// the unconverted graph on the CPU.
//
// Inputs and weights are first rounded to float16-representable values, so
// the conversion itself loses nothing and the comparison measures the
// kernels: float32 accumulation in another order plus one float16 rounding
// of each stored result (2^-11 relative) per op. Tolerances follow from that.
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
#include "runtime/npy.h"
#include "sf/runtime.h"
#include "tests/cuda/conv_cases.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::ExpectClose;
using ::sf::testing::OneNodeGraphBuilder;
using ::sf::testing::ConvCase;
using ::sf::testing::ConvCaseGraph;
using ::sf::testing::ConvFp16Atol;
using ::sf::testing::OneNodeGraph;
using ::sf::testing::RandomHalf;
using ::sf::testing::RandomTensor;
using ::sf::testing::RunCpu;
using ::sf::testing::RunGpu;
using ::testing::HasSubstr;
using Dims = std::vector<int64_t>;

// One float16 rounding of a result is 2^-11 = 4.9e-4 relative.
constexpr double kElementwiseRtol = 1e-3, kElementwiseAtol = 1e-3;

// Runs `graph` on the CPU in float32 and, converted to float16, on the GPU;
// compares every output (float32 in both).
void ExpectFp16MatchesCpu(const Graph& graph, const std::vector<Tensor>& inputs, double rtol,
                          double atol, const std::string& what) {
  absl::StatusOr<std::vector<Tensor>> cpu = RunCpu(graph, inputs);
  ASSERT_TRUE(cpu.ok()) << what << ": CPU: " << cpu.status();
  Graph half = graph;
  absl::StatusOr<int> converted = ConvertToFloat16(half, GpuKernelRunsFloat16);
  ASSERT_TRUE(converted.ok()) << what << ": " << converted.status();
  EXPECT_GE(*converted, 1) << what << ": nothing ran in float16";
  absl::StatusOr<std::vector<Tensor>> gpu = RunGpu(half, inputs);
  ASSERT_TRUE(gpu.ok()) << what << ": GPU: " << gpu.status();
  ASSERT_EQ(gpu->size(), cpu->size());
  for (size_t i = 0; i < cpu->size(); ++i) {
    ExpectClose((*gpu)[i], (*cpu)[i], rtol, atol, what + " output " + std::to_string(i));
  }
}

TEST(GpuFp16Test, ConvMatchesFloat32WithinHalfTolerance) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(11);
  const ConvCase cases[] = {
      {{2, 3, 9, 9}, 8, 3, 1, 1, true},    {{2, 64, 12, 12}, 64, 3, 1, 1, false},
      {{1, 64, 8, 8}, 32, 1, 2, 0, true},  {{4, 16, 7, 7}, 16, 3, 2, 1, true},
      {{1, 512, 4, 4}, 32, 3, 1, 1, true},  // K = 4608
  };
  for (const ConvCase& c : cases) {
    const OneNodeGraph g = ConvCaseGraph(c, rng);
    ExpectFp16MatchesCpu(g.graph, {RandomHalf(c.x, rng)}, 1e-2, ConvFp16Atol(c),
                         absl::StrCat("conv ", ShapeToString(c.x), " k", c.k, " s", c.stride));
  }
}

TEST(GpuFp16Test, GemmAndMatMul) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(12);
  for (const Dims& mkn : {Dims{4, 16, 10}, Dims{64, 576, 128}, Dims{8, 4608, 10}}) {
    const int64_t m = mkn[0], k = mkn[1], n = mkn[2];
    for (int64_t trans_b : {0, 1}) {
      auto g = OneNodeGraphBuilder(OpType::kGemm, "fc")
                   .Input(DataType::kFloat32, {m, k})
                   .ConstantInput(RandomHalf(trans_b ? Dims{n, k} : Dims{k, n}, rng))
                   .ConstantInput(RandomHalf({n}, rng))
                   .Output(DataType::kFloat32, {m, n})
                   .Attr("transB", trans_b)
                   .Build();
      ExpectFp16MatchesCpu(g.graph, {RandomHalf({m, k}, rng)}, 1e-2,
                           1e-3 * std::sqrt(static_cast<double>(k)),
                           absl::StrCat("gemm ", m, "x", k, "x", n, " transB=", trans_b));
    }
    auto mm = OneNodeGraphBuilder(OpType::kMatMul, "mm")
                  .Input(DataType::kFloat32, {2, m, k})
                  .Input(DataType::kFloat32, {2, k, n})
                  .Output(DataType::kFloat32, {2, m, n})
                  .Build();
    ExpectFp16MatchesCpu(mm.graph, {RandomHalf({2, m, k}, rng), RandomHalf({2, k, n}, rng)}, 1e-2,
                         1e-3 * std::sqrt(static_cast<double>(k)),
                         absl::StrCat("matmul ", m, "x", k, "x", n));
  }
}

// With float16-exact inputs the GPU membrane sees exactly the CPU's x and runs
// the spec's float32 order: the spikes are bit-identical, near the threshold too.
TEST(GpuFp16Test, NeuronSpikesAreExactOnHalfInputs) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(13);
  for (OpType op : {OpType::kIF, OpType::kLIF, OpType::kPLIF}) {
    for (int64_t soft : {0, 1}) {
      const Dims dims = {4 * 3, 8, 5, 5};
      OneNodeGraphBuilder b(op, "neuron_0");
      b.Input(DataType::kFloat32, dims)
          .Output(DataType::kFloat32, dims)
          .Attr("steps", int64_t{4})
          .Attr("v_threshold", 1.0f)
          .Attr("v_reset", 0.0f)
          .Attr("soft_reset", soft);
      if (op == OpType::kLIF) b.Attr("tau", 2.0f).Attr("decay_input", int64_t{1});
      if (op == OpType::kPLIF) b.Attr("w", -0.3f).Attr("decay_input", int64_t{0});
      auto g = b.Build();
      Tensor x = RandomHalf(dims, rng, -0.5, 2.0);
      x.data<float>()[0] = 1.0f;  // exactly the threshold
      ExpectFp16MatchesCpu(g.graph, {x}, 0, 0, absl::StrCat(ToString(op), " soft=", soft));
    }
  }
}

TEST(GpuFp16Test, ElementwiseOps) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(14);
  for (OpType op : {OpType::kAdd, OpType::kSub, OpType::kMul, OpType::kDiv, OpType::kMax,
                    OpType::kMin, OpType::kSum}) {
    auto g = OneNodeGraphBuilder(op, "bin")
                 .Input(DataType::kFloat32, {2, 3, 17})
                 .Input(DataType::kFloat32, {3, 1})
                 .Output(DataType::kFloat32, {2, 3, 17})
                 .Build();
    const double lo = op == OpType::kDiv ? 0.5 : -2.0;
    ExpectFp16MatchesCpu(g.graph,
                         {RandomHalf({2, 3, 17}, rng, -2, 2), RandomHalf({3, 1}, rng, lo, 2)},
                         kElementwiseRtol, kElementwiseAtol, std::string(ToString(op)));
    if (op == OpType::kSum) continue;
    // A single-element operand (attention's scale): the 16-byte vector kernel.
    auto scalar = OneNodeGraphBuilder(op, "bin")
                      .Input(DataType::kFloat32, {4, 3, 16})
                      .Input(DataType::kFloat32, {})
                      .Output(DataType::kFloat32, {4, 3, 16})
                      .Build();
    ExpectFp16MatchesCpu(
        scalar.graph, {RandomHalf({4, 3, 16}, rng, -2, 2), RandomHalf({}, rng, lo, 2)},
        kElementwiseRtol, kElementwiseAtol, absl::StrCat(ToString(op), " by a scalar"));
  }
  for (OpType op : {OpType::kRelu, OpType::kSigmoid, OpType::kTanh, OpType::kNeg, OpType::kAbs,
                    OpType::kFloor, OpType::kCeil, OpType::kRound, OpType::kErf, OpType::kSign,
                    OpType::kSoftplus, OpType::kHardSwish}) {
    auto g = OneNodeGraphBuilder(op, "un")
                 .Input(DataType::kFloat32, {5, 33})
                 .Output(DataType::kFloat32, {5, 33})
                 .Build();
    ExpectFp16MatchesCpu(g.graph, {RandomHalf({5, 33}, rng, -4, 4)}, kElementwiseRtol,
                         kElementwiseAtol, std::string(ToString(op)));
  }
}

TEST(GpuFp16Test, PoolingAndReductions) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(15);
  for (OpType op : {OpType::kMaxPool, OpType::kAveragePool}) {
    auto g = OneNodeGraphBuilder(op, "pool")
                 .Input(DataType::kFloat32, {2, 4, 9, 9})
                 .Output(DataType::kFloat32, {2, 4, 4, 4})
                 .Attr("kernel_shape", Dims{3, 3})
                 .Attr("strides", Dims{2, 2})
                 .Build();
    ExpectFp16MatchesCpu(g.graph, {RandomHalf({2, 4, 9, 9}, rng)}, kElementwiseRtol,
                         kElementwiseAtol, std::string(ToString(op)));
  }
  auto gap = OneNodeGraphBuilder(OpType::kGlobalAveragePool, "gap")
                 .Input(DataType::kFloat32, {2, 8, 7, 7})
                 .Output(DataType::kFloat32, {2, 8, 1, 1})
                 .Build();
  ExpectFp16MatchesCpu(gap.graph, {RandomHalf({2, 8, 7, 7}, rng)}, kElementwiseRtol,
                       kElementwiseAtol, "GlobalAveragePool");
  for (OpType op : {OpType::kReduceMean, OpType::kReduceSum}) {
    auto g = OneNodeGraphBuilder(op, "reduce")
                 .Input(DataType::kFloat32, {4, 6, 50})
                 .Output(DataType::kFloat32, {4, 1, 50})
                 .Attr("axes", Dims{1})
                 .Build();
    ExpectFp16MatchesCpu(g.graph, {RandomHalf({4, 6, 50}, rng)}, kElementwiseRtol, kElementwiseAtol,
                         std::string(ToString(op)));
  }
}

TEST(GpuFp16Test, DataMovementIsExact) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(16);
  auto t = OneNodeGraphBuilder(OpType::kTranspose, "t")
               .Input(DataType::kFloat32, {2, 3, 5})
               .Output(DataType::kFloat32, {5, 2, 3})
               .Attr("perm", Dims{2, 0, 1})
               .Build();
  ExpectFp16MatchesCpu(t.graph, {RandomHalf({2, 3, 5}, rng)}, 0, 0, "Transpose");
  auto c = OneNodeGraphBuilder(OpType::kConcat, "c")
               .Input(DataType::kFloat32, {2, 3})
               .Input(DataType::kFloat32, {2, 4})
               .Output(DataType::kFloat32, {2, 7})
               .Attr("axis", int64_t{1})
               .Build();
  ExpectFp16MatchesCpu(c.graph, {RandomHalf({2, 3}, rng), RandomHalf({2, 4}, rng)}, 0, 0, "Concat");
  auto r = OneNodeGraphBuilder(OpType::kReshape, "r")
               .Input(DataType::kFloat32, {2, 6})
               .ConstantInput(Tensor::FromVector<int64_t>({2}, {3, 4}))
               .Output(DataType::kFloat32, {3, 4})
               .Build();
  ExpectFp16MatchesCpu(r.graph, {RandomHalf({2, 6}, rng)}, 0, 0, "Reshape");
}

// The boundary Casts round like the CPU Cast (nearest even): bit-identical.
TEST(GpuFp16Test, CastRoundTripMatchesCpu) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(17);
  Graph g;
  const ValueId x = g.AddValue("x", DataType::kFloat32, MakeShape(Dims{1000}));
  const ValueId h = g.AddValue("h", DataType::kFloat16, MakeShape(Dims{1000}));
  const ValueId y = g.AddValue("y", DataType::kFloat32, MakeShape(Dims{1000}));
  g.AddInput(x);
  Node to_half{"to_half", OpType::kCast, {x}, {h}, {}};
  to_half.attrs.Set("to", int64_t{10});
  Node to_float{"to_float", OpType::kCast, {h}, {y}, {}};
  to_float.attrs.Set("to", int64_t{1});
  g.AddNode(std::move(to_half));
  g.AddNode(std::move(to_float));
  g.AddOutput(y);
  Tensor in = RandomTensor(DataType::kFloat32, {1000}, rng, -70000, 70000);
  in.data<float>()[0] = 6e-8f;           // float16 subnormal range
  in.data<float>()[1] = 1.00048828125f;  // halfway between two float16s: to even
  testing::ExpectGpuMatchesCpu(g, {in}, 0, 0, "Cast round trip");
}

std::string FmnistPath(const std::string& file) {
  return std::string(SF_SOURCE_DIR) + "/models/fmnist_snn/" + file;
}

int64_t Argmax(const Tensor& logits, int64_t row) {
  const int64_t classes = logits.dim(1);
  const float* r = logits.data<float>() + row * classes;
  return std::max_element(r, r + classes) - r;
}

// The shipped Fashion-MNIST SNN: fp16 against fp32, both on the GPU, through
// the public API. Tolerance: the smallest top-1 margin of the 8 shipped images
// is 2.05 and the logits lie in [-11.3, 7.4]; float16 storage alone moves a
// logit by ~1e-2, and a spike that flips (a membrane within ~1e-3 of the
// threshold) moves the logits by one weight / T. 0.25 + 2% allows a few
// flips and stays far below every margin, so the classes must agree on
// all 8 images (>= 99%).
TEST(GpuFp16Test, FmnistSnnAgreesWithFloat32) {
  SF_SKIP_WITHOUT_GPU();
  ASSERT_OK_AND_ASSIGN(Tensor images, ReadNpy(FmnistPath("test_input.npy")));
  Options fp32;
  fp32.device = "cuda";
  Options fp16 = fp32;
  fp16.precision = Precision::kFloat16;
  ASSERT_OK_AND_ASSIGN(auto rt32, Runtime::Load(FmnistPath("model.onnx"), fp32));
  for (SparseMode sparse : {SparseMode::kAuto, SparseMode::kOn, SparseMode::kOff}) {
    fp16.sparse = sparse;
    ASSERT_OK_AND_ASSIGN(auto rt16, Runtime::Load(FmnistPath("model.onnx"), fp16));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> y32, rt32->Run({{"input", images}}));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> y16, rt16->Run({{"input", images}}));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> again,
                         rt16->Run({{"input", images}}));  // graph replay
    const std::string what = absl::StrCat("fmnist fp16, sparse ", ToString(sparse));
    ASSERT_EQ(y16.size(), 1u);
    EXPECT_EQ(y16[0].dtype(), DataType::kFloat32) << what;
    ExpectClose(y16[0], y32[0], 0.02, 0.25, what);
    ExpectClose(again[0], y16[0], 0, 0, what + " (replayed)");
    int agree = 0;
    for (int64_t i = 0; i < images.dim(0); ++i) agree += Argmax(y16[0], i) == Argmax(y32[0], i);
    EXPECT_EQ(agree, images.dim(0)) << what;

    ASSERT_OK_AND_ASSIGN(Plan plan, rt16->GetPlan({{"input", images.dims()}}));
    EXPECT_EQ(plan.precision, Precision::kFloat16);
    EXPECT_THAT(PlanToJson(plan), HasSubstr("\"precision\": \"fp16\""));
    // The output's Cast may run inside a FusedElementwise step with the
    // elementwise ops beside it (graph/passes/fuse_elementwise.h).
    int casts = 0;
    for (const PlanStep& s : plan.steps) {
      casts += s.op == OpType::kCast || s.op == OpType::kFusedElementwise;
    }
    EXPECT_GE(casts, 2) << what << ": input and output casts";
  }
}

}  // namespace
}  // namespace sf
