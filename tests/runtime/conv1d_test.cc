// 1-D convolutions and pools (graph/passes/lift_1d.h): imported from ONNX,
// run as their 2-D forms on a height-1 image, and checked on the CPU against
// plain 1-D loops over strides, pads (asymmetric), dilations, groups, with and
// without bias and kernel_shape; a BatchNormalization after a 1-D conv is
// still folded; a spiking 1-D net (conv -> LIF -> conv) runs; attributes that
// do not fit a 1-D op fail at load naming the node.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "graph/passes/constant_folding.h"
#include "graph/passes/lift_1d.h"
#include "graph/verifier.h"
#include "runtime/cpu_evaluator.h"
#include "runtime/npy.h"
#include "sf/runtime.h"
#include "tests/testing/onnx_model_builder.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::OnnxModelBuilder;
using ::sf::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

std::vector<float> Random(size_t n, std::mt19937& rng) {
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> v(n);
  for (float& x : v) x = u(rng);
  return v;
}

struct Conv1d {
  int64_t n, c, l, m, k, stride = 1, pad_begin = 0, pad_end = 0, dilation = 1, group = 1;
  int64_t out_l() const { return (l + pad_begin + pad_end - dilation * (k - 1) - 1) / stride + 1; }
};

// y[n][o][j] = b[o] + sum over c in o's group, t: x[n][c][j * stride - pad + t * dilation]
// w[o][c][t].
std::vector<float> ReferenceConv(const Conv1d& p, const std::vector<float>& x,
                                 const std::vector<float>& w, const std::vector<float>& b) {
  const int64_t cg = p.c / p.group, mg = p.m / p.group, ol = p.out_l();
  std::vector<float> y(static_cast<size_t>(p.n * p.m * ol));
  for (int64_t n = 0; n < p.n; ++n) {
    for (int64_t o = 0; o < p.m; ++o) {
      const int64_t g = o / mg;
      for (int64_t j = 0; j < ol; ++j) {
        double acc = b.empty() ? 0.0 : b[o];
        for (int64_t ci = 0; ci < cg; ++ci) {
          for (int64_t t = 0; t < p.k; ++t) {
            const int64_t at = j * p.stride - p.pad_begin + t * p.dilation;
            if (at < 0 || at >= p.l) continue;
            acc += static_cast<double>(x[(n * p.c + g * cg + ci) * p.l + at]) *
                   w[(o * cg + ci) * p.k + t];
          }
        }
        y[(n * p.m + o) * ol + j] = static_cast<float>(acc);
      }
    }
  }
  return y;
}

Tensor MakeTensor(const std::vector<int64_t>& dims, const std::vector<float>& v) {
  Tensor t = Tensor::Create(DataType::kFloat32, dims).value();
  std::copy(v.begin(), v.end(), t.data<float>());
  return t;
}

std::unique_ptr<Runtime> Load(const std::string& bytes) {
  Options o;
  o.device = "cpu";
  absl::StatusOr<std::unique_ptr<Runtime>> rt = Runtime::LoadFromBytes(bytes, o);
  EXPECT_TRUE(rt.ok()) << rt.status();
  return rt.ok() ? std::move(rt).value() : nullptr;
}

void ExpectNear(const Tensor& got, const std::vector<float>& want, const std::string& what) {
  ASSERT_EQ(static_cast<size_t>(got.num_elements()), want.size()) << what;
  double worst = 0;
  for (size_t i = 0; i < want.size(); ++i) {
    worst = std::max(worst, std::abs(static_cast<double>(got.data<float>()[i]) - want[i]));
  }
  EXPECT_LE(worst, 1e-5) << what;
}

TEST(Conv1dTest, MatchesPlainLoopsOverStridesPadsDilationsAndGroups) {
  std::mt19937 rng(1);
  const Conv1d cases[] = {
      {2, 3, 11, 4, 3},                 // plain
      {2, 3, 11, 4, 3, 2, 1, 2, 1, 1},  // stride 2, asymmetric pads
      {1, 4, 17, 6, 3, 1, 2, 2, 2, 2},  // dilation 2, 2 groups
      {3, 8, 9, 8, 1, 2, 0, 0, 1, 1},   // 1x1 stride 2
      {1, 2, 5, 3, 5, 1, 2, 2, 1, 1},   // kernel as long as the input
      {2, 6, 32, 6, 3, 1, 1, 1, 1, 6},  // depthwise
  };
  int i = 0;
  for (const Conv1d& p : cases) {
    for (bool bias : {true, false}) {
      for (bool kernel_attr : {true, false}) {
        const std::string what = "case " + std::to_string(i) + (bias ? " bias" : "") +
                                 (kernel_attr ? " kernel_shape" : "");
        const std::vector<float> x = Random(p.n * p.c * p.l, rng);
        const std::vector<float> w = Random(p.m * (p.c / p.group) * p.k, rng);
        const std::vector<float> b = bias ? Random(p.m, rng) : std::vector<float>{};
        OnnxModelBuilder mb;
        mb.Input("x", {p.n, p.c, p.l}).Output("y");
        mb.Initializer("w", {p.m, p.c / p.group, p.k}, w);
        std::vector<std::string> in = {"x", "w"};
        if (bias) {
          mb.Initializer("b", {p.m}, b);
          in.push_back("b");
        }
        auto node = mb.Node("Conv", in, {"y"}, "conv1d");
        node.Ints("strides", {p.stride})
            .Ints("pads", {p.pad_begin, p.pad_end})
            .Ints("dilations", {p.dilation})
            .Int("group", p.group);
        if (kernel_attr) node.Ints("kernel_shape", {p.k});
        std::unique_ptr<Runtime> rt = Load(mb.Serialize());
        ASSERT_NE(rt, nullptr) << what;
        ASSERT_OK_AND_ASSIGN(std::vector<Tensor> y,
                             rt->Run({{"x", MakeTensor({p.n, p.c, p.l}, x)}}));
        ASSERT_EQ(y.size(), 1u);
        EXPECT_EQ(y[0].dims(), (std::vector<int64_t>{p.n, p.m, p.out_l()})) << what;
        ExpectNear(y[0], ReferenceConv(p, x, w, b), what);
        // The plan lists the Conv by its name, run as a height-1 2-D conv.
        ASSERT_OK_AND_ASSIGN(Plan plan, rt->GetPlan());
        bool listed = false;
        for (const PlanStep& s : plan.steps) {
          if (s.name == "conv1d" && s.op == OpType::kConv) {
            listed = true;
            EXPECT_EQ(s.h, 1) << what;
            EXPECT_EQ(s.kernel_hw, (std::array<int64_t, 2>{1, p.k})) << what;
          }
        }
        EXPECT_TRUE(listed) << what;
      }
    }
    ++i;
  }
}

TEST(Conv1dTest, PoolsMatchPlainLoops) {
  std::mt19937 rng(2);
  const int64_t n = 2, c = 3, l = 13;
  const std::vector<float> x = Random(n * c * l, rng);
  for (const char* op : {"MaxPool", "AveragePool"}) {
    for (int64_t include_pad : {0, 1}) {
      if (std::string(op) == "MaxPool" && include_pad == 1) continue;
      const int64_t k = 3, s = 2, pb = 1, pe = 2;
      const int64_t ol = (l + pb + pe - k) / s + 1;
      OnnxModelBuilder mb;
      mb.Input("x", {n, c, l}).Output("y");
      auto node = mb.Node(op, {"x"}, {"y"}, "pool1d");
      node.Ints("kernel_shape", {k}).Ints("strides", {s}).Ints("pads", {pb, pe});
      if (std::string(op) == "AveragePool") node.Int("count_include_pad", include_pad);
      std::unique_ptr<Runtime> rt = Load(mb.Serialize());
      ASSERT_NE(rt, nullptr) << op;
      ASSERT_OK_AND_ASSIGN(std::vector<Tensor> y, rt->Run({{"x", MakeTensor({n, c, l}, x)}}));
      ASSERT_EQ(y[0].dims(), (std::vector<int64_t>{n, c, ol})) << op;
      std::vector<float> want;
      for (int64_t row = 0; row < n * c; ++row) {
        for (int64_t j = 0; j < ol; ++j) {
          double best = -std::numeric_limits<double>::infinity(), sum = 0;
          int64_t count = 0;
          for (int64_t t = 0; t < k; ++t) {
            const int64_t at = j * s - pb + t;
            if (at < 0 || at >= l) continue;
            best = std::max(best, static_cast<double>(x[row * l + at]));
            sum += x[row * l + at];
            ++count;
          }
          const bool max = std::string(op) == "MaxPool";
          want.push_back(static_cast<float>(max ? best : sum / (include_pad ? k : count)));
        }
      }
      ExpectNear(y[0], want, std::string(op) + " count_include_pad " + std::to_string(include_pad));
    }
  }
}

// conv1d -> BatchNormalization (folded into the conv, as for 2-D) -> LIF ->
// conv1d: runs, no BatchNormalization step is left, and the first conv's
// output equals conv + BN computed plainly.
TEST(Conv1dTest, BatchNormIsFoldedAndASpikingNetRuns) {
  std::mt19937 rng(3);
  const Conv1d p{4, 2, 20, 4, 3, 1, 1, 1, 1, 1};
  const std::vector<float> x = Random(p.n * p.c * p.l, rng);
  const std::vector<float> w = Random(p.m * p.c * p.k, rng), w2 = Random(4 * 4 * 3, rng);
  const std::vector<float> scale = {1.5f, 0.5f, 2.0f, 1.0f}, bias = {0.1f, -0.2f, 0.3f, 0.0f},
                           mean = {0.05f, 0.0f, -0.1f, 0.2f}, var = {1.0f, 0.25f, 4.0f, 0.5f};
  OnnxModelBuilder mb;
  mb.Input("x", {p.n, p.c, p.l}).Output("bn").Output("y");
  mb.Initializer("w", {p.m, p.c, p.k}, w).Initializer("w2", {4, 4, 3}, w2);
  mb.Initializer("scale", {4}, scale).Initializer("bias", {4}, bias);
  mb.Initializer("mean", {4}, mean).Initializer("var", {4}, var);
  mb.Node("Conv", {"x", "w"}, {"c"}, "conv_a").Ints("kernel_shape", {3}).Ints("pads", {1, 1});
  mb.Node("BatchNormalization", {"c", "scale", "bias", "mean", "var"}, {"bn"}, "bn_a");
  mb.Node("LIF", {"bn"}, {"s"}, "lif", "sparseflow").Int("steps", 2).Float("tau", 2.0f);
  mb.Node("Conv", {"s", "w2"}, {"y"}, "conv_b").Ints("kernel_shape", {3}).Ints("pads", {1, 1});
  std::unique_ptr<Runtime> rt = Load(mb.Serialize());
  ASSERT_NE(rt, nullptr);
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> y, rt->Run({{"x", MakeTensor({p.n, p.c, p.l}, x)}}));
  ASSERT_EQ(y.size(), 2u);
  std::vector<float> want = ReferenceConv(p, x, w, {});
  for (size_t i = 0; i < want.size(); ++i) {
    const size_t ch = (i / p.l) % 4;
    want[i] = (want[i] - mean[ch]) / std::sqrt(var[ch] + 1e-5f) * scale[ch] + bias[ch];
  }
  ExpectNear(y[0], want, "conv + folded batchnorm");
  EXPECT_EQ(y[1].dims(), (std::vector<int64_t>{4, 4, 20}));
  ASSERT_OK_AND_ASSIGN(Plan plan, rt->GetPlan());
  for (const PlanStep& s : plan.steps) {
    EXPECT_NE(s.op, OpType::kBatchNormalization) << s.name;
    if (s.name == "conv_b") {
      EXPECT_EQ(s.input_class, ValueClass::kBinary);
    }
  }
}

// A 1-D spiking block (conv -> LIF -> conv -> Mul by a scalar -> Add of the
// spikes -> LIF -> MaxPool -> conv, and a GlobalAveragePool of the pool): its
// neurons, Mul, Add and global pool run on the lifted 4-D values, so the only Unsqueeze left is the
// input's and the only Squeezes the outputs' (each conv reads the neuron or
// pool before it directly, and a conv and its LIF are adjacent, as the conv +
// neuron fusion needs). The outputs are those of the same net written in 2-D
// on a height-1 image, bit for bit.
TEST(Conv1dTest, ASpikingChainStaysOnTheLiftedSide) {
  std::mt19937 rng(7);
  const int64_t n = 4, c = 4, l = 20;  // T = 2 steps of 2 samples
  std::vector<float> x = Random(n * c * l, rng);
  for (float& v : x) v *= 3.0f;  // so that both neurons fire
  const std::vector<float> wa = Random(c * c * 3, rng), wb = Random(c * c * 3, rng),
                           wc = Random(3 * c * 3, rng);
  std::vector<float> one_d;
  for (const bool two_d : {false, true}) {
    const auto dims = [&](std::vector<int64_t> d) {
      if (two_d) d.insert(d.begin() + 2, 1);
      return d;
    };
    const auto ints = [&](std::vector<int64_t> v, int64_t fill) {
      if (!two_d) return v;
      return v.size() == 2 ? std::vector<int64_t>{0, v[0], 0, v[1]}
                           : std::vector<int64_t>{fill, v[0]};
    };
    OnnxModelBuilder mb;
    mb.Input("x", dims({n, c, l})).Output("y").Output("g");
    mb.Initializer("wa", dims({c, c, 3}), wa).Initializer("wb", dims({c, c, 3}), wb);
    mb.Initializer("wc", dims({3, c, 3}), wc).Initializer("half", {}, std::vector<float>{0.5f});
    mb.Node("Conv", {"x", "wa"}, {"ca"}, "conv_a")
        .Ints("kernel_shape", ints({3}, 1))
        .Ints("pads", ints({1, 1}, 0));
    mb.Node("LIF", {"ca"}, {"sa"}, "lif_a", "sparseflow").Int("steps", 2).Float("tau", 2.0f);
    mb.Node("Conv", {"sa", "wb"}, {"cb"}, "conv_b")
        .Ints("kernel_shape", ints({3}, 1))
        .Ints("pads", ints({1, 1}, 0));
    mb.Node("Mul", {"cb", "half"}, {"cbh"}, "scale");
    mb.Node("Add", {"cbh", "sa"}, {"r"}, "add");
    mb.Node("LIF", {"r"}, {"sb"}, "lif_b", "sparseflow").Int("steps", 2).Float("tau", 2.0f);
    mb.Node("MaxPool", {"sb"}, {"p"}, "pool")
        .Ints("kernel_shape", ints({2}, 1))
        .Ints("strides", ints({2}, 1));
    mb.Node("Conv", {"p", "wc"}, {"y"}, "conv_c")
        .Ints("kernel_shape", ints({3}, 1))
        .Ints("pads", ints({1, 1}, 0));
    mb.Node("GlobalAveragePool", {"p"}, {"g"}, "gap");
    std::unique_ptr<Runtime> rt = Load(mb.Serialize());
    ASSERT_NE(rt, nullptr);
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> y, rt->Run({{"x", MakeTensor(dims({n, c, l}), x)}}));
    ASSERT_EQ(y.size(), 2u);
    ASSERT_EQ(y[0].dims(), dims({n, 3, l / 2}));
    ASSERT_EQ(y[1].dims(), dims({n, c, 1}));
    std::vector<float> got(y[0].data<float>(), y[0].data<float>() + y[0].num_elements());
    got.insert(got.end(), y[1].data<float>(), y[1].data<float>() + y[1].num_elements());
    if (!two_d) {
      one_d = got;
      ASSERT_OK_AND_ASSIGN(Plan plan, rt->GetPlan());
      std::map<OpType, int> count;
      for (const PlanStep& s : plan.steps) {
        ++count[s.op];
        if (s.op == OpType::kLIF || s.op == OpType::kAdd || s.op == OpType::kMul ||
            s.op == OpType::kGlobalAveragePool) {
          EXPECT_EQ(s.input_dims.size(), 4u) << s.name << " runs on the 3-D values";
        }
        if (s.name == "conv_b" || s.name == "conv_c") {
          EXPECT_EQ(s.input_class, ValueClass::kBinary) << s.name;
        }
      }
      EXPECT_EQ(count[OpType::kUnsqueeze], 1);  // x's (the weights' are folded)
      EXPECT_EQ(count[OpType::kSqueeze], 2);    // y's and g's
      EXPECT_EQ(count[OpType::kLIF], 2);
    } else {
      EXPECT_EQ(got, one_d) << "the 1-D net and its 2-D form differ";
      EXPECT_TRUE(std::any_of(got.begin(), got.end(), [](float v) { return v != 0.0f; }))
          << "no spike reached the last conv: the check proves nothing";
    }
  }
}

// A Mul of a lifted conv's output by a per-channel [C, 1] constant stays on
// the 1-D side: on the 4-D value [N, C, 1, L] that constant would broadcast
// against [1, L], not [C, L]. So does one by a [1, 1, 1, 1] constant, which
// makes the output [1, N, C, L]. The results are the plain ones.
TEST(Conv1dTest, PerChannelConstantsStayOneDimensional) {
  std::mt19937 rng(5);
  const Conv1d p{2, 4, 10, 4, 3, 1, 1, 1, 1, 1};
  const std::vector<float> x = Random(p.n * p.c * p.l, rng), w = Random(p.m * p.c * p.k, rng);
  const std::vector<float> per_channel = {1.5f, -0.5f, 2.0f, 0.25f};
  for (const bool rank4 : {false, true}) {
    OnnxModelBuilder mb;
    mb.Input("x", {p.n, p.c, p.l}).Output("y");
    if (rank4) {
      mb.Initializer("s", {1, 1, 1, 1}, std::vector<float>{-2.0f});
    } else {
      mb.Initializer("s", {4, 1}, per_channel);
    }
    mb.Initializer("w", {p.m, p.c, p.k}, w);
    mb.Node("Conv", {"x", "w"}, {"c"}, "conv").Ints("kernel_shape", {3}).Ints("pads", {1, 1});
    mb.Node("Mul", {"c", "s"}, {"y"}, "scale");
    std::unique_ptr<Runtime> rt = Load(mb.Serialize());
    ASSERT_NE(rt, nullptr);
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> y, rt->Run({{"x", MakeTensor({p.n, p.c, p.l}, x)}}));
    ASSERT_EQ(y.size(), 1u);
    ASSERT_EQ(y[0].dims(), rank4 ? (std::vector<int64_t>{1, p.n, p.m, p.l})
                                 : (std::vector<int64_t>{p.n, p.m, p.l}));
    std::vector<float> want = ReferenceConv(p, x, w, {});
    for (size_t i = 0; i < want.size(); ++i) want[i] *= rank4 ? -2.0f : per_channel[(i / p.l) % 4];
    ExpectNear(y[0], want, rank4 ? "conv * [1,1,1,1] constant" : "conv * per-channel constant");
    ASSERT_OK_AND_ASSIGN(Plan plan, rt->GetPlan());
    for (const PlanStep& s : plan.steps) {
      if (s.op == OpType::kMul) {
        EXPECT_EQ(s.input_dims.size(), 3u) << "rank4 " << rank4;
      }
    }
  }
}

// A net of 1-D ops exported by PyTorch (models/conv1d_pytorch: Conv1d,
// BatchNorm1d folded by the exporter, ReLU, MaxPool1d, dilated Conv1d,
// AvgPool1d without padding counted) against PyTorch's output.
TEST(Conv1dTest, MatchesThePyTorchExport) {
  const std::string dir = std::string(SF_SOURCE_DIR) + "/models/conv1d_pytorch/";
  Options o;
  o.device = "cpu";
  ASSERT_OK_AND_ASSIGN(std::unique_ptr<Runtime> rt, Runtime::Load(dir + "model.onnx", o));
  ASSERT_OK_AND_ASSIGN(Tensor x, ReadNpy(dir + "input.npy"));
  ASSERT_OK_AND_ASSIGN(Tensor want, ReadNpy(dir + "expected_output.npy"));
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> y, rt->Run({{rt->InputInfo()[0].name, x}}));
  ASSERT_EQ(y.size(), 1u);
  ASSERT_EQ(y[0].dims(), want.dims());
  ExpectNear(y[0], std::vector<float>(want.data<float>(), want.data<float>() + want.num_elements()),
             "PyTorch export");
}

TEST(Conv1dTest, AttributesThatDoNotFitFailAtLoadNamingTheNode) {
  auto model = [](const std::vector<int64_t>& kernel, const std::vector<int64_t>& strides) {
    OnnxModelBuilder mb;
    mb.Input("x", {1, 2, 9}).Output("y");
    mb.Initializer("w", {3, 2, 3}, std::vector<float>(18, 0.5f));
    auto node = mb.Node("Conv", {"x", "w"}, {"y"}, "bad_conv");
    if (!kernel.empty()) node.Ints("kernel_shape", kernel);
    if (!strides.empty()) node.Ints("strides", strides);
    return mb.Serialize();
  };
  Options o;
  o.device = "cpu";
  // A 1-D W with 2-D strides (no kernel_shape: the W's rank says 1-D).
  EXPECT_THAT(Runtime::LoadFromBytes(model({}, {1, 1}), o).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("bad_conv"), HasSubstr("strides"))));
  EXPECT_THAT(Runtime::LoadFromBytes(model({3, 3, 3}, {}), o).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("bad_conv"), HasSubstr("only 1-D and 2-D convolutions"))));
}

// The pass alone: the Conv keeps its name, its inputs come through
// Unsqueezes on axis 2, its attributes are the 2-D forms, a Squeeze writes the
// original output; a 2-D graph is left alone.
TEST(LiftOneDimensionalOpsTest, RewritesOnlyOneDimensionalOps) {
  Graph g;
  const ValueId x = g.AddValue("x", DataType::kFloat32, MakeShape(std::vector<int64_t>{1, 2, 9}));
  g.AddInput(x);
  const ValueId w = g.AddConstant("w", Tensor::Create(DataType::kFloat32, {3, 2, 3}).value());
  const ValueId y = g.AddValue("y", DataType::kFloat32);
  Node conv{"c", OpType::kConv, {x, w}, {y}, {}};
  conv.attrs.Set("kernel_shape", std::vector<int64_t>{3});
  conv.attrs.Set("strides", std::vector<int64_t>{2});
  conv.attrs.Set("pads", std::vector<int64_t>{1, 0});
  conv.attrs.Set("dilations", std::vector<int64_t>{1});
  g.AddNode(conv);
  g.AddOutput(y);
  ASSERT_OK_AND_ASSIGN(int lifted, LiftOneDimensionalOps(g));
  EXPECT_EQ(lifted, 1);
  ASSERT_EQ(g.num_nodes(), 4);  // Unsqueeze x, Unsqueeze w, Conv, Squeeze
  const Node& c = g.node(2);
  EXPECT_EQ(c.name, "c");
  EXPECT_EQ(g.node(3).op, OpType::kSqueeze);
  EXPECT_EQ(g.node(3).outputs[0], y);
  EXPECT_EQ(*c.attrs.GetIntsOr("kernel_shape", {}), (std::vector<int64_t>{1, 3}));
  EXPECT_EQ(*c.attrs.GetIntsOr("strides", {}), (std::vector<int64_t>{1, 2}));
  EXPECT_EQ(*c.attrs.GetIntsOr("pads", {}), (std::vector<int64_t>{0, 1, 0, 0}));
  for (int i = 0; i < 2; ++i) {
    EXPECT_EQ(g.node(i).op, OpType::kUnsqueeze);
    EXPECT_EQ(*g.node(i).attrs.GetIntsOr("axes", {}), (std::vector<int64_t>{2}));
  }
  // A valid graph whose shapes infer: y keeps its 1-D shape.
  ASSERT_OK(InferShapesAndFold(g, CpuNodeEvaluator()));
  EXPECT_OK(VerifyGraph(g));
  ASSERT_TRUE(g.value(y).shape.has_value());
  EXPECT_EQ(ShapeToString(g.value(y).shape), "[1,3,4]");
  ASSERT_OK_AND_ASSIGN(lifted, LiftOneDimensionalOps(g));  // now 2-D: nothing to do
  EXPECT_EQ(lifted, 0);
}

}  // namespace
}  // namespace sf
