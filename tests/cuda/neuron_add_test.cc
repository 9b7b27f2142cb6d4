// A residual Add fused with a neuron (PlanStep::fused_neuron on an Add,
// PlanStep::fused_add on a neuron; NeuronAddKernel) must give the very bits of
// the Add and neuron kernels run one after the other, in float32 and float16,
// on the vectorised and the scalar path, for every neuron variant, with sums
// that land on the threshold.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cuda/kernels/neuron.h"
#include "graph/float16.h"
#include "graph/passes/float16.h"
#include "runtime/gpu/neuron_params.h"
#include "runtime/plan.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::PlanFor;
using ::sf::testing::RunCpu;
using ::testing::HasSubstr;

struct Neuron {
  OpType op;
  bool soft_reset;
  bool decay_input;
  float v_reset;
};

constexpr float kThreshold = 1.0f;

// x, y: [dims] inputs.
//   add_0 = x + y -> lif_1            (Add -> neuron: add_0 runs both)
//   lif_2 = neuron(x - lif_1); add_3 = lif_2 + lif_1   (neuron -> Add: lif_2
//                                     runs both; the Sub keeps lif_1 before
//                                     lif_2 whatever order a pass sorts in)
// Outputs: add_3 and lif_1.
Graph ResidualGraph(const Neuron& n, std::vector<int64_t> dims, int64_t steps) {
  Graph g;
  const Shape shape = MakeShape(dims);
  const ValueId x = g.AddValue("x", DataType::kFloat32, shape);
  const ValueId y = g.AddValue("y", DataType::kFloat32, shape);
  g.AddInput(x);
  g.AddInput(y);
  Attrs a;
  a.Set("steps", steps);
  a.Set("v_threshold", kThreshold);
  a.Set("v_reset", n.v_reset);
  a.Set("soft_reset", int64_t{n.soft_reset});
  if (n.op != OpType::kIF) a.Set("decay_input", int64_t{n.decay_input});
  if (n.op == OpType::kLIF) a.Set("tau", 2.0f);
  if (n.op == OpType::kPLIF) a.Set("w", -0.3f);
  auto add = [&](const std::string& name, OpType op, std::vector<ValueId> in) {
    const ValueId out = g.AddValue(name + ":0", DataType::kFloat32, shape);
    g.AddNode(Node{name, op, std::move(in), {out}, IsNeuron(op) ? a : Attrs{}});
    return out;
  };
  const ValueId s1 = add("lif_1", n.op, {add("add_0", OpType::kAdd, {x, y})});
  const ValueId d = add("sub", OpType::kSub, {x, s1});
  const ValueId out = add("add_3", OpType::kAdd, {add("lif_2", n.op, {d}), s1});
  g.AddOutput(out);
  g.AddOutput(s1);
  return g;
}

// Values around the threshold: random ones, and pairs whose float16 or
// float32 sum is the threshold or one of its neighbours.
Tensor NearThreshold(const std::vector<int64_t>& dims, std::mt19937& rng, bool partner) {
  Tensor t = Tensor::Create(DataType::kFloat32, dims).value();
  std::uniform_real_distribution<float> u(-0.5f, 1.5f);
  std::uniform_int_distribution<int> pick(0, 4);
  for (float& v : t.span<float>()) {
    switch (pick(rng)) {
      case 0:
        v = 0.5f;
        break;  // 0.5 + 0.5 == threshold
      case 1:
        v = partner ? 0.25f : 0.75f;
        break;
      case 2:
        v = partner ? 0.0009765625f : std::nextafter(1.0f, 0.0f);
        break;
      default:
        v = u(rng);
        break;
    }
    v = HalfToFloat(FloatToHalf(v));  // float16-representable
  }
  return t;
}

struct GpuRun {
  std::vector<Tensor> outputs;
  std::vector<StepStats> steps;
};

absl::StatusOr<GpuRun> RunOnGpu(const Graph& graph, const Plan& plan,
                                const std::vector<Tensor>& inputs) {
  SF_ASSIGN_OR_RETURN(auto exec, GpuExecutor::Create(graph, plan, 0));
  SF_ASSIGN_OR_RETURN(std::vector<Tensor> out, exec->Run(inputs));
  SF_ASSIGN_OR_RETURN(out, exec->Run(inputs));  // the CUDA-graph replay
  return GpuRun{std::move(out), exec->LastStepStats()};
}

void ExpectSameBits(const Tensor& a, const Tensor& b, const std::string& what) {
  ASSERT_EQ(a.dtype(), b.dtype()) << what;
  ASSERT_EQ(a.dims(), b.dims()) << what;
  ASSERT_EQ(a.nbytes(), b.nbytes()) << what;
  const auto* pa = static_cast<const unsigned char*>(a.raw_data());
  const auto* pb = static_cast<const unsigned char*>(b.raw_data());
  int64_t differ = 0;
  for (size_t i = 0; i < a.nbytes(); ++i) differ += pa[i] != pb[i];
  EXPECT_EQ(differ, 0) << what << ": " << differ << " bytes differ";
}

const PlanStep& Step(const Plan& plan, const std::string& name) {
  for (const PlanStep& s : plan.steps) {
    if (s.name == name) return s;
  }
  ADD_FAILURE() << "no step " << name;
  return plan.steps[0];
}

TEST(NeuronAddTest, FusedEqualsUnfusedBitForBit) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(11);
  const std::vector<Neuron> neurons = {{OpType::kLIF, false, true, 0.0f},
                                       {OpType::kLIF, false, false, -0.25f},
                                       {OpType::kIF, true, false, 0.0f},
                                       {OpType::kPLIF, false, true, 0.5f}};
  // [rows / steps, ...]: 8-byte vectors for both types; a size only float32
  // vectorises (210 per step); one neither does (105 per step, odd).
  const std::vector<std::vector<int64_t>> shapes = {{2, 8, 4, 4}, {2, 3, 5, 7}, {1, 3, 5, 7}};
  int cases = 0;
  for (const Neuron& n : neurons) {
    for (int64_t steps : {1, 4}) {
      for (std::vector<int64_t> dims : shapes) {
        dims[0] *= steps;
        for (bool half : {false, true}) {
          const std::string what = absl::StrCat(ToString(n.op), " soft ", n.soft_reset, " decay ",
                                                n.decay_input, " steps ", steps, " dims ",
                                                ShapeToString(dims), half ? " fp16" : " fp32");
          Graph g = ResidualGraph(n, dims, steps);
          if (half) {
            ASSERT_OK(ConvertToFloat16(g, GpuKernelRunsFloat16).status());
          }
          PlanOptions o;
          o.device = "cuda";
          o.precision = half ? Precision::kFloat16 : Precision::kFloat32;
          ASSERT_OK_AND_ASSIGN(Plan fused, BuildPlan(g, o));
          ASSERT_EQ(Step(fused, "add_0").fused_neuron, Step(fused, "lif_1").node) << what;
          ASSERT_EQ(Step(fused, "lif_2").fused_add, Step(fused, "add_3").node) << what;
          const std::vector<Tensor> inputs = {NearThreshold(dims, rng, false),
                                              NearThreshold(dims, rng, true)};
          absl::StatusOr<GpuRun> a = RunOnGpu(g, fused, inputs);
          ASSERT_TRUE(a.ok()) << what << ": " << a.status();
          absl::StatusOr<GpuRun> b = RunOnGpu(g, PlanFor(g), inputs);
          ASSERT_TRUE(b.ok()) << what << ": " << b.status();
          ASSERT_EQ(a->outputs.size(), 2u);
          for (size_t i = 0; i < 2; ++i) {
            ExpectSameBits(a->outputs[i], b->outputs[i], what + " output " + std::to_string(i));
          }
          if (!half) {  // the float32 GPU neuron is bit-exact with the CPU reference
            absl::StatusOr<std::vector<Tensor>> cpu = RunCpu(g, inputs);
            ASSERT_TRUE(cpu.ok()) << what << ": " << cpu.status();
            for (size_t i = 0; i < 2; ++i) {
              ExpectSameBits(a->outputs[i], (*cpu)[i],
                             what + " vs CPU, output " + std::to_string(i));
            }
          }
          // The fused steps ran: the Add and the neuron that carry the fusion.
          const std::string lif = std::string(ToString(n.op));
          EXPECT_THAT(a->steps[Step(fused, "add_0").node].kernel_detail,
                      HasSubstr(absl::StrCat("add+", lif, " 'lif_1' fused")))
              << what;
          EXPECT_THAT(a->steps[Step(fused, "lif_2").node].kernel_detail,
                      HasSubstr(absl::StrCat(lif, "+add 'add_3' fused")))
              << what;
          EXPECT_THAT(a->steps[Step(fused, "add_3").node].kernel_detail,
                      HasSubstr("fused into 'lif_2'"))
              << what;
          ++cases;
        }
      }
    }
  }
  EXPECT_EQ(cases, 48);
}

// Spikes: some sums sit exactly on the threshold (0.5 + 0.5), so a fused
// kernel that skipped the Add's rounding or fired on the unrounded sum would
// differ; check that such inputs do fire.
TEST(NeuronAddTest, SumOnTheThresholdFires) {
  SF_SKIP_WITHOUT_GPU();
  const std::vector<int64_t> dims = {1, 1, 2, 4};
  Graph g = ResidualGraph({OpType::kIF, false, false, 0.0f}, dims, 1);
  PlanOptions o;
  o.device = "cuda";
  ASSERT_OK_AND_ASSIGN(Plan plan, BuildPlan(g, o));
  Tensor x = Tensor::Create(DataType::kFloat32, dims).value();
  Tensor y = Tensor::Create(DataType::kFloat32, dims).value();
  const float xs[8] = {0.5f, 0.5f, 0.75f, 1.0f, 0.0f, -1.0f, 0.99f, 2.0f};
  const float ys[8] = {0.5f, 0.4999f, 0.25f, 0.0f, 0.0f, 2.0f, 0.0f, -1.0f};
  for (int i = 0; i < 8; ++i) x.data<float>()[i] = xs[i], y.data<float>()[i] = ys[i];
  ASSERT_OK_AND_ASSIGN(GpuRun run, RunOnGpu(g, plan, {x, y}));
  const float spikes[8] = {1, 0, 1, 1, 0, 1, 0, 1};  // lif_1 = IF(x + y)
  for (int i = 0; i < 8; ++i) {
    EXPECT_EQ(run.outputs[1].data<float>()[i], spikes[i]) << i;
    // add_3 = IF(x - lif_1) + lif_1
    const float d = xs[i] - spikes[i];
    EXPECT_EQ(run.outputs[0].data<float>()[i], (d >= 1.0f ? 1.0f : 0.0f) + spikes[i]) << i;
  }
}

// The launcher picks 8-byte vectors or scalar access from the sizes and
// addresses; both give the same bits (the scalar kernel's, which the tests
// above hold to the CPU reference), in both types and every Add mode.
TEST(NeuronAddTest, EveryVectorWidthGivesTheSameBits) {
  SF_SKIP_WITHOUT_GPU();
  constexpr int64_t kSteps = 4;
  Node lif{"lif_9", OpType::kLIF, {}, {}, {}};
  lif.attrs.Set("steps", kSteps);
  lif.attrs.Set("tau", 2.0f);
  std::mt19937 rng(5);
  int compared = 0;
  // 96 and 36 per step: vectors for both types; 37: scalar only.
  for (int64_t step : {96, 36, 37}) {
    const int64_t n = kSteps * step;
    const std::vector<int64_t> dims = {kSteps, step};
    ASSERT_OK_AND_ASSIGN(cuda::NeuronParams p, GetNeuronParams(lif, dims));
    const Tensor x = NearThreshold(dims, rng, false), b = NearThreshold(dims, rng, true);
    for (bool half : {false, true}) {
      const size_t elem = half ? 2 : 4;
      std::vector<unsigned char> hx(n * elem), hb(n * elem);
      for (int64_t i = 0; i < n; ++i) {
        if (half) {
          const uint16_t vx = FloatToHalf(x.data<float>()[i]), vb = FloatToHalf(b.data<float>()[i]);
          std::memcpy(&hx[i * elem], &vx, elem);
          std::memcpy(&hb[i * elem], &vb, elem);
        } else {
          std::memcpy(&hx[i * elem], &x.data<float>()[i], elem);
          std::memcpy(&hb[i * elem], &b.data<float>()[i], elem);
        }
      }
      const DataType type = half ? DataType::kFloat16 : DataType::kFloat32;
      for (cuda::NeuronAdd add :
           {cuda::NeuronAdd::kNone, cuda::NeuronAdd::kBefore, cuda::NeuronAdd::kAfter}) {
        // Element offsets into 256-byte aligned buffers: 1 forces the scalar
        // kernel (the reference); 0 and 4 allow vectors, 2 only for float32.
        std::vector<unsigned char> reference;
        for (int64_t offset : {1, 0, 2, 4}) {
          const size_t bytes = (n + offset) * elem;
          void *vx = nullptr, *vb = nullptr, *vs = nullptr;
          ASSERT_EQ(cudaMalloc(&vx, bytes), cudaSuccess);
          ASSERT_EQ(cudaMalloc(&vb, bytes), cudaSuccess);
          ASSERT_EQ(cudaMalloc(&vs, bytes), cudaSuccess);
          auto* dx = static_cast<unsigned char*>(vx);
          auto* db = static_cast<unsigned char*>(vb);
          auto* ds = static_cast<unsigned char*>(vs);
          const size_t at = offset * elem;
          ASSERT_EQ(cudaMemcpy(dx + at, hx.data(), n * elem, cudaMemcpyHostToDevice), cudaSuccess);
          ASSERT_EQ(cudaMemcpy(db + at, hb.data(), n * elem, cudaMemcpyHostToDevice), cudaSuccess);
          const void* addend = add == cuda::NeuronAdd::kNone ? nullptr : db + at;
          ASSERT_EQ(cuda::LaunchNeuronAdd(p, add, type, dx + at, addend, ds + at, nullptr),
                    cudaSuccess);
          std::vector<unsigned char> out(n * elem);
          ASSERT_EQ(cudaMemcpy(out.data(), ds + at, n * elem, cudaMemcpyDeviceToHost), cudaSuccess);
          cudaFree(dx);
          cudaFree(db);
          cudaFree(ds);
          if (reference.empty()) {
            reference = out;
            continue;
          }
          EXPECT_EQ(out, reference) << "step " << step << (half ? " fp16" : " fp32") << " add "
                                    << static_cast<int>(add) << " offset " << offset;
          ++compared;
        }
      }
    }
  }
  EXPECT_EQ(compared, 3 * 2 * 3 * 3);
}

// The launcher refuses a missing addend and a non-float type.
TEST(NeuronAddTest, LaunchRefusesBadArguments) {
  SF_SKIP_WITHOUT_GPU();
  cuda::NeuronParams p;
  p.steps = 1;
  p.step_elements = 4;
  void* buf = nullptr;
  ASSERT_EQ(cudaMalloc(&buf, 4 * sizeof(float)), cudaSuccess);
  EXPECT_EQ(cuda::LaunchNeuronAdd(p, cuda::NeuronAdd::kBefore, DataType::kFloat32, buf, nullptr,
                                  buf, nullptr),
            cudaErrorInvalidValue);
  EXPECT_EQ(
      cuda::LaunchNeuronAdd(p, cuda::NeuronAdd::kAfter, DataType::kInt32, buf, buf, buf, nullptr),
      cudaErrorInvalidValue);
  (void)cudaGetLastError();
  EXPECT_EQ(
      cuda::LaunchNeuronAdd(p, cuda::NeuronAdd::kAfter, DataType::kFloat32, buf, buf, buf, nullptr),
      cudaSuccess);
  EXPECT_EQ(cudaDeviceSynchronize(), cudaSuccess);
  cudaFree(buf);
}

}  // namespace
}  // namespace sf
