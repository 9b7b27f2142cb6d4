#include "runtime/plan.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_split.h"
#include "tests/passes/test_graphs.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::GraphBuilder;
using ::sf::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

class PlanTest : public ::testing::Test {
 protected:
  // x -> conv_0 -> bn -> lif_1 -> conv_3 (3x3) -> lif_4 -> maxpool -> conv_6 (1x1 s2)
  void BuildNet() {
    ValueId x = b_.Input("x", {1, 3, 32, 32});
    ValueId s = b_.Lif("lif_1", b_.BatchNorm("bn", b_.Conv("conv_0", x, 8, 3)));
    s = b_.Lif("lif_4", b_.Conv("conv_3", s, 8, 3));
    Attrs pool;
    pool.Set("kernel_shape", std::vector<int64_t>{2, 2});
    pool.Set("strides", std::vector<int64_t>{2, 2});
    s = b_.Op(OpType::kMaxPool, "maxpool", {s}, {1, 8, 16, 16}, pool);
    b_.Conv("conv_6", s, 16, 1, 2, 0);
  }

  const PlanStep& Step(const Plan& plan, absl::string_view name) {
    for (const PlanStep& s : plan.steps) {
      if (s.name == name) return s;
    }
    ADD_FAILURE() << "no step " << name;
    return plan.steps[0];
  }

  GraphBuilder b_;
  PlanOptions options_ = [] {
    PlanOptions o;
    o.model_name = "net.onnx";
    return o;
  }();
};

TEST_F(PlanTest, OneStepPerNodeWithConvDecisions) {
  BuildNet();
  ASSERT_OK_AND_ASSIGN(Plan plan, BuildPlan(b_.graph(), options_));
  EXPECT_EQ(plan.model, "net.onnx");
  EXPECT_EQ(plan.device, "cpu");
  ASSERT_EQ(plan.steps.size(), static_cast<size_t>(b_.graph().num_nodes()));
  for (int i = 0; i < b_.graph().num_nodes(); ++i) EXPECT_EQ(plan.steps[i].node, i);

  const PlanStep& c0 = Step(plan, "conv_0");
  EXPECT_EQ(c0.input_class, ValueClass::kDense);
  EXPECT_EQ(c0.block, 0);
  EXPECT_EQ(c0.kernel, "dense");
  EXPECT_EQ(c0.input_dims, (std::vector<int64_t>{1, 3, 32, 32}));
  EXPECT_EQ(c0.output_dims, (std::vector<int64_t>{1, 8, 32, 32}));

  const PlanStep& c3 = Step(plan, "conv_3");
  EXPECT_EQ(c3.op, OpType::kConv);
  EXPECT_EQ(c3.input_class, ValueClass::kBinary);
  EXPECT_EQ(c3.h, 32);
  EXPECT_EQ(c3.w, 32);
  EXPECT_EQ(c3.kernel_hw, (std::array<int64_t, 2>{3, 3}));
  EXPECT_EQ(c3.stride, (std::array<int64_t, 2>{1, 1}));
  EXPECT_EQ(c3.block, 16);
  EXPECT_EQ(c3.kernel, "sparse");
  EXPECT_THAT(c3.spike_sources, ElementsAre("lif_1"));

  const PlanStep& c6 = Step(plan, "conv_6");
  EXPECT_EQ(c6.h, 16);
  EXPECT_EQ(c6.stride, (std::array<int64_t, 2>{2, 2}));
  EXPECT_EQ(c6.kernel_hw, (std::array<int64_t, 2>{1, 1}));
  EXPECT_EQ(c6.block, 8);
  EXPECT_THAT(c6.spike_sources, ElementsAre("lif_4"));

  const PlanStep& lif = Step(plan, "lif_1");
  EXPECT_EQ(lif.kernel, "dense");
  EXPECT_EQ(lif.block, 0);
}

TEST_F(PlanTest, JsonFollowsTheSpec) {
  BuildNet();
  options_.device = "cuda:0";
  ASSERT_OK_AND_ASSIGN(Plan plan, BuildPlan(b_.graph(), options_));
  std::string json = PlanToJson(plan);
  EXPECT_THAT(json, HasSubstr("\"model\": \"net.onnx\""));
  EXPECT_THAT(json, HasSubstr("\"device\": \"cuda:0\""));
  EXPECT_THAT(json, HasSubstr("\"nodes\": ["));
  EXPECT_THAT(
      json,
      HasSubstr("{\"name\": \"conv_3\", \"op\": \"Conv\", \"input_class\": \"binary\", \"H\": 32, "
                "\"W\": 32, \"kernel_hw\": [3, 3], \"stride\": [1, 1], \"block\": 16, "
                "\"kernel\": \"sparse\", \"spike_sources\": [\"lif_1\"]}"));
  EXPECT_THAT(
      json,
      HasSubstr("{\"name\": \"conv_0\", \"op\": \"Conv\", \"input_class\": \"dense\", \"H\": 32, "
                "\"W\": 32, \"kernel_hw\": [3, 3], \"stride\": [1, 1], \"block\": 0, "
                "\"kernel\": \"dense\", \"spike_sources\": []}"));
  EXPECT_THAT(json, HasSubstr("\"H\": 16, \"W\": 16, \"kernel_hw\": [1, 1], \"stride\": [2, 2], "
                              "\"block\": 8, \"kernel\": \"sparse\""));
  EXPECT_THAT(json, HasSubstr("{\"name\": \"maxpool\", \"op\": \"MaxPool\", \"input_class\": "
                              "\"binary\", \"block\": 0, \"kernel\": \"dense\""));
  // Nodes in topological order.
  EXPECT_LT(json.find("\"conv_0\""), json.find("\"conv_3\""));
  EXPECT_LT(json.find("\"conv_3\""), json.find("\"conv_6\""));
  EXPECT_EQ(json.front(), '{');
  EXPECT_EQ(json.substr(json.size() - 2), "}\n");
}

// The spike links' device bytes (filled by the runtime from the executor):
// in the JSON, and a table line where there are any.
TEST_F(PlanTest, SpikeLinkBytesInJsonAndTable) {
  BuildNet();
  options_.device = "cuda:0";
  ASSERT_OK_AND_ASSIGN(Plan plan, BuildPlan(b_.graph(), options_));
  EXPECT_THAT(PlanToJson(plan),
              HasSubstr("\"spike_mask_bytes\": 0,\n  \"spike_packed_bytes\": 0,\n  \"nodes\""));
  EXPECT_THAT(PlanToTable(plan), Not(HasSubstr("spike links")));
  plan.spike_mask_bytes = 4096;
  plan.spike_packed_bytes = 6144;
  EXPECT_THAT(PlanToJson(plan),
              HasSubstr("\"spike_mask_bytes\": 4096,\n  \"spike_packed_bytes\": 6144"));
  EXPECT_THAT(PlanToTable(plan),
              HasSubstr("spike links: 4096 bytes of tile occupancy masks, 6144 bytes of "
                        "bit-packed spikes\n"));
}

// Runtime::GetPlan fills what the executor prepared: the kernel detail (not
// the CPU's, which repeats the kernel column) and a sparse conv's density
// switch, after the spec's fields in the JSON and below the table.
TEST_F(PlanTest, PreparedKernelDetailsFollowTheSpecFields) {
  BuildNet();
  options_.device = "cuda:0";
  ASSERT_OK_AND_ASSIGN(Plan plan, BuildPlan(b_.graph(), options_));
  for (PlanStep& s : plan.steps) {
    if (s.name == "conv_3") {
      s.kernel_detail = "cuda sparse fp16 tensor-core (\"x\")";
      s.switch_sparse_tiles = 80;
      s.switch_tiles = 1024;
    } else if (s.name == "conv_0") {
      s.kernel_detail = "cpu dense";
    } else if (s.name == "maxpool") {
      s.kernel_detail = "cuda";  // a GPU kernel with nothing to report
    }
  }
  const std::string json = PlanToJson(plan);
  EXPECT_THAT(json, HasSubstr("\"kernel\": \"sparse\", \"spike_sources\": [\"lif_1\"], "
                              "\"density_switch\": {\"sparse_up_to_tiles\": 80, \"tiles\": 1024}, "
                              "\"kernel_detail\": \"cuda sparse fp16 tensor-core (\\\"x\\\")\"}"));
  EXPECT_THAT(json, Not(HasSubstr("cpu dense")));
  EXPECT_THAT(json, HasSubstr("\"kernel\": \"dense\", \"spike_sources\": []}"));
  const std::string table = PlanToTable(plan);
  EXPECT_THAT(table, HasSubstr("kernels as prepared:\n  conv_3: cuda sparse fp16 tensor-core"));
  EXPECT_THAT(table, Not(HasSubstr("cpu dense")));
  EXPECT_THAT(table, Not(HasSubstr("maxpool: cuda")));
  EXPECT_THAT(json, Not(HasSubstr("\"kernel_detail\": \"cuda\"")));
}

TEST_F(PlanTest, JsonEscapesStrings) {
  Plan plan{.model = "a\"b\\c\nd\x01.onnx", .device = "cpu", .steps = {}};
  std::string json = PlanToJson(plan);
  EXPECT_THAT(json, HasSubstr(R"("model": "a\"b\\c\nd\u0001.onnx")"));
  EXPECT_THAT(json, HasSubstr("\"nodes\": []"));
}

// Well-formed UTF-8 passes through; every byte outside a well-formed sequence
// (stray continuation bytes, truncated, overlong and surrogate forms, above
// U+10FFFF, DEL escaped) comes out as U+FFFD, so the file is valid JSON.
TEST_F(PlanTest, JsonStringsAreValidUtf8) {
  EXPECT_EQ(JsonString("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"),
            "\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"");
  EXPECT_EQ(JsonString("a\xff\xfe\xfd"
                       "b"),
            R"("a\ufffd\ufffd\ufffdb")");
  EXPECT_EQ(JsonString("\x80"), R"("\ufffd")");
  EXPECT_EQ(JsonString("\xc3"), R"("\ufffd")");                                // truncated
  EXPECT_EQ(JsonString("\xe2\x82"), R"("\ufffd\ufffd")");                      // truncated
  EXPECT_EQ(JsonString("\xc0\xaf"), R"("\ufffd\ufffd")");                      // overlong '/'
  EXPECT_EQ(JsonString("\xe0\x80\xaf"), R"("\ufffd\ufffd\ufffd")");            // overlong
  EXPECT_EQ(JsonString("\xed\xa0\x80"), R"("\ufffd\ufffd\ufffd")");            // a surrogate
  EXPECT_EQ(JsonString("\xf4\x90\x80\x80"), R"("\ufffd\ufffd\ufffd\ufffd")");  // > U+10FFFF
  EXPECT_EQ(JsonString("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\"");           // U+10FFFF
  EXPECT_EQ(JsonString("\x7f"), R"("\u007f")");
}

TEST_F(PlanTest, SparseOffPlansEverythingDense) {
  BuildNet();
  options_.sparse = SparseMode::kOff;
  ASSERT_OK_AND_ASSIGN(Plan plan, BuildPlan(b_.graph(), options_));
  for (const PlanStep& s : plan.steps) {
    EXPECT_EQ(s.block, 0) << s.name;
    EXPECT_EQ(s.kernel, "dense") << s.name;
  }
  // The analysis is still reported.
  EXPECT_EQ(Step(plan, "conv_3").input_class, ValueClass::kBinary);
  EXPECT_THAT(PlanToJson(plan), Not(HasSubstr("sparse")));
}

TEST_F(PlanTest, SparseOnMatchesAuto) {
  BuildNet();
  options_.sparse = SparseMode::kOn;
  ASSERT_OK_AND_ASSIGN(Plan on, BuildPlan(b_.graph(), options_));
  options_.sparse = SparseMode::kAuto;
  ASSERT_OK_AND_ASSIGN(Plan def, BuildPlan(b_.graph(), options_));
  EXPECT_EQ(PlanToJson(on), PlanToJson(def));
  EXPECT_EQ(ToString(SparseMode::kOn), "on");
  EXPECT_EQ(ToString(SparseMode::kOff), "off");
  EXPECT_EQ(ToString(SparseMode::kAuto), "auto");
}

TEST_F(PlanTest, RuleAndOverridesReachThePlan) {
  BuildNet();
  ASSERT_OK_AND_ASSIGN(options_.block_rule, BlockRule::Parse("16:4"));
  options_.block_overrides = {{"conv_6", 0}};
  ASSERT_OK_AND_ASSIGN(Plan plan, BuildPlan(b_.graph(), options_));
  EXPECT_EQ(Step(plan, "conv_3").block, 4);
  EXPECT_EQ(Step(plan, "conv_6").block, 0);
  EXPECT_EQ(Step(plan, "conv_6").kernel, "dense");
}

TEST_F(PlanTest, OverrideErrorsSurface) {
  BuildNet();
  options_.block_overrides = {{"conv_0", 8}};
  EXPECT_THAT(BuildPlan(b_.graph(), options_),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("conv_0")));
}

TEST_F(PlanTest, UnknownSpatialSizeIsAnError) {
  ValueId x = b_.Input("x", {1, 3, 32, 32});
  b_.graph().value(x).shape =
      Shape{Dim::Symbolic("N"), Dim::Known(3), Dim::Symbolic("H"), Dim::Known(32)};
  b_.Op(OpType::kConv, "conv_sym", {x, b_.Const("w", {4, 3, 3, 3}, 1.0f)}, {1, 4, 30, 30});
  EXPECT_THAT(BuildPlan(b_.graph(), options_),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("conv_sym"), HasSubstr("[?,3,?,32]"))));
}

TEST_F(PlanTest, SymbolicBatchIsFine) {
  ValueId x = b_.Input("x", {1, 3, 32, 32});
  b_.graph().value(x).shape->at(0) = Dim::Symbolic("N");
  b_.Op(OpType::kConv, "conv", {x, b_.Const("w", {4, 3, 3, 3}, 1.0f)}, {1, 4, 30, 30});
  ASSERT_OK_AND_ASSIGN(Plan plan, BuildPlan(b_.graph(), options_));
  EXPECT_EQ(plan.steps[0].h, 32);
  EXPECT_THAT(PlanToTable(plan), HasSubstr("[?,3,32,32] -> [1,4,30,30]"));
}

TEST_F(PlanTest, TableHasAlignedColumns) {
  BuildNet();
  ASSERT_OK_AND_ASSIGN(Plan plan, BuildPlan(b_.graph(), options_));
  std::string table = PlanToTable(plan);
  std::vector<std::string> lines = absl::StrSplit(table, '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), plan.steps.size() + 2);  // title + header + one per step
  EXPECT_THAT(lines[0], HasSubstr("net.onnx"));
  EXPECT_THAT(lines[1], AllOf(HasSubstr("name"), HasSubstr("op"), HasSubstr("class"),
                              HasSubstr("block"), HasSubstr("kernel"), HasSubstr("spike sources")));
  size_t op_col = lines[1].find("op");
  size_t block_col = lines[1].find("block");
  for (size_t i = 2; i < lines.size(); ++i) {
    EXPECT_EQ(lines[i][op_col - 1], ' ') << lines[i];
    EXPECT_NE(lines[i][op_col], ' ') << lines[i];
    EXPECT_NE(lines[i][block_col], ' ') << lines[i];
  }
  EXPECT_THAT(table, HasSubstr("conv_3"));
  std::string conv3_line;
  for (const std::string& l : lines) {
    if (l.rfind("conv_3", 0) == 0) conv3_line = l;
  }
  EXPECT_THAT(conv3_line,
              AllOf(HasSubstr("binary"), HasSubstr("3x3"), HasSubstr("16"), HasSubstr("sparse"),
                    HasSubstr("lif_1"), HasSubstr("[1,8,32,32] -> [1,8,32,32]")));
}

// The conv_3 -> lif_4 pair of BuildNet in float16 (what ConvertToFloat16 makes
// of it for the GPU): the values around them as float16.
void MakeFloat16(Graph& g) {
  for (const char* name : {"lif_1", "conv_3", "lif_4"}) {
    for (int i = 0; i < g.num_nodes(); ++i) {
      if (g.node(i).name != name) continue;
      for (ValueId v : g.node(i).outputs) g.value(v).dtype = DataType::kFloat16;
    }
  }
}

TEST_F(PlanTest, FusesSparseConvWithItsOnlyNeuronOnCudaFloat16) {
  BuildNet();
  Graph g = b_.graph();
  MakeFloat16(g);
  options_.device = "cuda";
  options_.precision = Precision::kFloat16;
  ASSERT_OK_AND_ASSIGN(Plan plan, BuildPlan(g, options_));
  const PlanStep& c3 = Step(plan, "conv_3");
  const PlanStep& lif4 = Step(plan, "lif_4");
  ASSERT_EQ(c3.fused_neuron, lif4.node);
  EXPECT_EQ(lif4.fused_into, c3.node);
  EXPECT_EQ(c3.kernel, "sparse");
  // conv_0 is dense-fed (not planned sparse), conv_6 has no neuron after it.
  EXPECT_EQ(Step(plan, "conv_0").fused_neuron, -1);
  EXPECT_EQ(Step(plan, "lif_1").fused_into, -1);
  EXPECT_EQ(Step(plan, "conv_6").fused_neuron, -1);
  const std::string json = PlanToJson(plan);
  EXPECT_THAT(json, HasSubstr("\"kernel\": \"sparse\", \"fused_neuron\": \"lif_4\""));
  EXPECT_THAT(json, HasSubstr("\"fused_into\": \"conv_3\""));
  EXPECT_THAT(PlanToTable(plan), HasSubstr("fused into conv_3"));
  EXPECT_THAT(PlanToTable(plan), HasSubstr("sparse+lif_4"));
}

TEST_F(PlanTest, NoFusionOffCudaFloat16OrWhenTheConvOutputIsReadElsewhere) {
  BuildNet();
  Graph g = b_.graph();
  MakeFloat16(g);
  auto fused = [&](const Graph& graph, PlanOptions o) {
    absl::StatusOr<Plan> plan = BuildPlan(graph, o);
    EXPECT_TRUE(plan.ok()) << plan.status();
    return plan.ok() && Step(*plan, "conv_3").fused_neuron >= 0;
  };
  PlanOptions o = options_;
  o.device = "cuda";
  o.precision = Precision::kFloat16;
  EXPECT_TRUE(fused(g, o));
  PlanOptions off = o;
  off.sparse = SparseMode::kOff;
  EXPECT_FALSE(fused(g, off));
  PlanOptions cpu = o;
  cpu.device = "cpu";
  EXPECT_FALSE(fused(g, cpu));
  PlanOptions fp32 = o;
  fp32.precision = Precision::kFloat32;
  EXPECT_FALSE(fused(g, fp32));
  PlanOptions no = o;
  no.fuse_neurons = false;
  EXPECT_FALSE(fused(g, no));
  EXPECT_FALSE(fused(b_.graph(), o));  // float32 values
  // The conv's output is also a graph output: it needs its memory.
  Graph out = g;
  for (int i = 0; i < out.num_nodes(); ++i) {
    if (out.node(i).name == "conv_3") out.AddOutput(out.node(i).outputs[0]);
  }
  EXPECT_FALSE(fused(out, o));
  // A neuron carrying state across runs (streamed) keeps its own kernel.
  Graph streamed = g;
  for (int i = 0; i < streamed.num_nodes(); ++i) {
    if (streamed.node(i).name == "lif_4") streamed.node(i).carries_state = true;
  }
  EXPECT_FALSE(fused(streamed, o));
}

// x -> lif_0 -> conv_1 -> add_2 (+ lif_0) -> lif_3 -> conv_4 -> lif_5
//   -> add_6 (+ lif_3) -> conv_7: a Spiking-ResNet block (Add -> neuron) and a
// SEW one (neuron -> Add).
void BuildResidualNet(GraphBuilder& b) {
  ValueId x = b.Input("x", {2, 8, 16, 16});
  const ValueId s0 = b.Lif("lif_0", x);
  const ValueId s3 =
      b.Lif("lif_3", b.Same(OpType::kAdd, "add_2", {b.Conv("conv_1", s0, 8, 3), s0}));
  const ValueId s5 = b.Lif("lif_5", b.Conv("conv_4", s3, 8, 3));
  b.Conv("conv_7", b.Same(OpType::kAdd, "add_6", {s5, s3}), 8, 3);
}

// Bytes of value `name` in `g` (float32 4, float16 2 per element).
int64_t BytesOf(const Graph& g, const std::string& name) {
  for (int v = 0; v < g.num_values(); ++v) {
    if (g.value(v).name != name) continue;
    const absl::StatusOr<std::vector<int64_t>> dims = ConcreteValueDims(g.value(v));
    if (!dims.ok()) {
      ADD_FAILURE() << dims.status();
      return 0;
    }
    int64_t n = 1;
    for (int64_t d : *dims) n *= d;
    return n * static_cast<int64_t>(SizeOf(g.value(v).dtype));
  }
  ADD_FAILURE() << "no value " << name;
  return 0;
}

// Each step's tensor traffic: its inputs (weights too) read and its outputs
// written once; a conv fused with its neuron writes the neuron's spikes and the
// neuron's own step moves nothing; unfused (CPU plan), each writes its own.
TEST_F(PlanTest, StepTrafficFollowsTheFusions) {
  BuildNet();
  Graph g = b_.graph();
  MakeFloat16(g);
  options_.device = "cuda";
  options_.precision = Precision::kFloat16;
  ASSERT_OK_AND_ASSIGN(Plan fused, BuildPlan(g, options_));
  PlanOptions cpu = options_;
  cpu.device = "cpu";
  cpu.precision = Precision::kFloat32;
  ASSERT_OK_AND_ASSIGN(Plan apart, BuildPlan(g, cpu));
  auto index = [&](const Plan& plan, const std::string& name) {
    for (size_t i = 0; i < plan.steps.size(); ++i) {
      if (plan.steps[i].name == name) return i;
    }
    ADD_FAILURE() << "no step " << name;
    return size_t{0};
  };
  const Node& conv = g.node(Step(fused, "conv_3").node);
  int64_t conv_reads = 0;
  for (ValueId v : conv.inputs) conv_reads += BytesOf(g, g.value(v).name);
  const int64_t conv_out = BytesOf(g, g.value(conv.outputs[0]).name);
  const int64_t spikes = BytesOf(g, g.value(g.node(Step(fused, "lif_4").node).outputs[0]).name);
  ASSERT_OK_AND_ASSIGN(StepTraffic c, PlanStepTraffic(g, fused, index(fused, "conv_3")));
  EXPECT_EQ(c.read_bytes, conv_reads);
  EXPECT_EQ(c.written_bytes, spikes);
  ASSERT_OK_AND_ASSIGN(StepTraffic n, PlanStepTraffic(g, fused, index(fused, "lif_4")));
  EXPECT_EQ(n.read_bytes + n.written_bytes, 0);
  // The pair ran unfused (chosen at run time): the conv's output goes out and back.
  ASSERT_OK_AND_ASSIGN(c, PlanStepTraffic(g, fused, index(fused, "conv_3"), false));
  EXPECT_EQ(c.read_bytes, conv_reads + conv_out);
  EXPECT_EQ(c.written_bytes, conv_out + spikes);
  ASSERT_OK_AND_ASSIGN(c, PlanStepTraffic(g, apart, index(apart, "conv_3")));
  EXPECT_EQ(c.read_bytes, conv_reads);
  EXPECT_EQ(c.written_bytes, conv_out);
  ASSERT_OK_AND_ASSIGN(n, PlanStepTraffic(g, apart, index(apart, "lif_4")));
  EXPECT_EQ(n.read_bytes, conv_out);
  EXPECT_EQ(n.written_bytes, spikes);
  EXPECT_FALSE(PlanStepTraffic(g, fused, fused.steps.size()).ok());
}

// A neuron fused with the Add after it (SEW) reads the Add's other input and
// writes the Add's output; an Add fused with the neuron after it writes the spikes.
TEST_F(PlanTest, StepTrafficOfAddNeuronFusions) {
  BuildResidualNet(b_);
  const Graph& g = b_.graph();
  PlanOptions o = options_;
  o.device = "cuda";
  ASSERT_OK_AND_ASSIGN(Plan plan, BuildPlan(g, o));
  auto traffic = [&](const std::string& name) {
    for (size_t i = 0; i < plan.steps.size(); ++i) {
      if (plan.steps[i].name == name) return *PlanStepTraffic(g, plan, i);
    }
    ADD_FAILURE() << "no step " << name;
    return StepTraffic{};
  };
  auto out_of = [&](const std::string& step) {
    return BytesOf(g, g.value(g.node(Step(plan, step).node).outputs[0]).name);
  };
  const Node& add2 = g.node(Step(plan, "add_2").node);
  const StepTraffic a = traffic("add_2");
  EXPECT_EQ(a.read_bytes,
            BytesOf(g, g.value(add2.inputs[0]).name) + BytesOf(g, g.value(add2.inputs[1]).name));
  EXPECT_EQ(a.written_bytes, out_of("lif_3"));
  EXPECT_EQ(traffic("lif_3").read_bytes + traffic("lif_3").written_bytes, 0);
  const Node& lif5 = g.node(Step(plan, "lif_5").node);
  const Node& add6 = g.node(Step(plan, "add_6").node);
  const ValueId other = add6.inputs[0] == lif5.outputs[0] ? add6.inputs[1] : add6.inputs[0];
  const StepTraffic l = traffic("lif_5");
  EXPECT_EQ(l.read_bytes,
            BytesOf(g, g.value(lif5.inputs[0]).name) + BytesOf(g, g.value(other).name));
  EXPECT_EQ(l.written_bytes, out_of("add_6"));
  EXPECT_EQ(traffic("add_6").read_bytes + traffic("add_6").written_bytes, 0);
}

TEST_F(PlanTest, FusesResidualAddsWithNeuronsOnCuda) {
  BuildResidualNet(b_);
  for (SparseMode mode : {SparseMode::kAuto, SparseMode::kOff}) {
    PlanOptions o = options_;
    o.device = "cuda:0";
    o.sparse = mode;
    ASSERT_OK_AND_ASSIGN(Plan plan, BuildPlan(b_.graph(), o));
    EXPECT_EQ(Step(plan, "add_2").fused_neuron, Step(plan, "lif_3").node);
    EXPECT_EQ(Step(plan, "lif_3").fused_into, Step(plan, "add_2").node);
    EXPECT_EQ(Step(plan, "lif_5").fused_add, Step(plan, "add_6").node);
    EXPECT_EQ(Step(plan, "add_6").fused_into, Step(plan, "lif_5").node);
    EXPECT_EQ(Step(plan, "lif_0").fused_add, -1);  // read by conv_1 and add_2
    EXPECT_EQ(Step(plan, "lif_0").fused_into, -1);
    const std::string json = PlanToJson(plan);
    EXPECT_THAT(json, HasSubstr("\"fused_neuron\": \"lif_3\", \"spike_sources\""));
    EXPECT_THAT(json, HasSubstr("\"fused_add\": \"add_6\""));
    EXPECT_THAT(json, HasSubstr("\"fused_into\": \"lif_5\""));
    const std::string table = PlanToTable(plan);
    EXPECT_THAT(table, AllOf(HasSubstr("dense+lif_3"), HasSubstr("dense+add_6"),
                             HasSubstr("fused into add_2"), HasSubstr("fused into lif_5")));
  }
  PlanOptions cpu = options_;
  ASSERT_OK_AND_ASSIGN(Plan plan, BuildPlan(b_.graph(), cpu));
  for (const PlanStep& s : plan.steps) {
    EXPECT_EQ(s.fused_neuron, -1) << s.name;
    EXPECT_EQ(s.fused_add, -1) << s.name;
    EXPECT_EQ(s.fused_into, -1) << s.name;
  }
  PlanOptions no = options_;
  no.device = "cuda";
  no.fuse_neurons = false;
  ASSERT_OK_AND_ASSIGN(plan, BuildPlan(b_.graph(), no));
  EXPECT_EQ(Step(plan, "add_2").fused_neuron, -1);
  EXPECT_EQ(Step(plan, "lif_5").fused_add, -1);
}

// Where the Add fusion must not happen: a broadcasting Add, an Add output
// that is a graph output, an Add's other input computed after the neuron,
// a neuron with carried state, `steps` not dividing the batch, mixed types.
TEST_F(PlanTest, NoAddFusionWhereItWouldChangeWhatIsComputed) {
  PlanOptions o = options_;
  o.device = "cuda";
  auto plan_of = [&](GraphBuilder& b) {
    absl::StatusOr<Plan> plan = BuildPlan(b.graph(), o);
    EXPECT_TRUE(plan.ok()) << plan.status();
    return plan.ok() ? *plan : Plan{};
  };
  auto unfused = [](const Plan& plan) {
    for (const PlanStep& s : plan.steps) {
      if (s.fused_neuron >= 0 || s.fused_add >= 0 || s.fused_into >= 0) return false;
    }
    return !plan.steps.empty();
  };
  {  // broadcast: [2,8,16,16] + [1,8,1,1]
    GraphBuilder b;
    ValueId x = b.Input("x", {2, 8, 16, 16});
    ValueId c = b.Const("c", {1, 8, 1, 1}, 0.5f);
    b.Lif("lif_1", b.Same(OpType::kAdd, "add_0", {x, c}));
    EXPECT_TRUE(unfused(plan_of(b)));
  }
  {  // the Add's output is a graph output (Add -> neuron), or the neuron's (neuron -> Add)
    GraphBuilder b;
    ValueId x = b.Input("x", {2, 8, 16, 16});
    ValueId sum = b.Same(OpType::kAdd, "add_0", {x, x});
    b.graph().AddOutput(b.Lif("lif_1", sum));
    b.graph().AddOutput(sum);
    EXPECT_TRUE(unfused(plan_of(b)));
    GraphBuilder c;
    ValueId y = c.Input("y", {2, 8, 16, 16});
    ValueId s = c.Lif("lif_0", y);
    c.graph().AddOutput(c.Same(OpType::kAdd, "add_1", {s, y}));
    c.graph().AddOutput(s);
    EXPECT_TRUE(unfused(plan_of(c)));
  }
  {  // the Add's other input comes after the neuron: lif_1 + conv_2(x)
    GraphBuilder b;
    ValueId x = b.Input("x", {2, 8, 16, 16});
    ValueId s = b.Lif("lif_1", b.Conv("conv_0", x, 8, 3));
    b.Conv("conv_4", b.Same(OpType::kAdd, "add_3", {s, b.Conv("conv_2", x, 8, 3)}), 8, 3);
    EXPECT_TRUE(unfused(plan_of(b)));
  }
  {  // s + s: the neuron's output twice
    GraphBuilder b;
    ValueId s = b.Lif("lif_0", b.Input("x", {2, 8, 16, 16}));
    b.Conv("conv_2", b.Same(OpType::kAdd, "add_1", {s, s}), 8, 3);
    EXPECT_TRUE(unfused(plan_of(b)));
  }
  {  // carried state; steps 3 not dividing 2 rows; a float16 addend
    for (int variant = 0; variant < 3; ++variant) {
      GraphBuilder b;
      ValueId x = b.Input("x", {2, 8, 16, 16});
      ValueId y =
          b.Input("y", {2, 8, 16, 16}, variant == 2 ? DataType::kFloat16 : DataType::kFloat32);
      b.Lif("lif_1", b.Same(OpType::kAdd, "add_0", {x, y}));
      Node& lif = b.graph().node(b.last_node());
      if (variant == 0) lif.carries_state = true;
      if (variant == 1) lif.attrs.Set("steps", int64_t{3});
      EXPECT_TRUE(unfused(plan_of(b))) << variant;
    }
  }
}

// A dense conv with few taps per output (a first conv on a 1-channel image)
// fuses with its neuron through the direct kernel; one with more taps does
// not, nor does the all-cuDNN plan (sparse off).
TEST_F(PlanTest, FusesAFewTapDenseConvWithItsNeuron) {
  auto plan_for = [&](int64_t c_in, SparseMode mode) {
    GraphBuilder b;
    ValueId x = b.Input("x", {4, c_in, 16, 16}, DataType::kFloat16);
    b.Lif("lif_1", b.Conv("conv_0", x, 8, 3));
    Graph g = b.graph();
    for (int i = 0; i < g.num_nodes(); ++i) {
      for (ValueId v : g.node(i).outputs) g.value(v).dtype = DataType::kFloat16;
    }
    PlanOptions o = options_;
    o.device = "cuda";
    o.precision = Precision::kFloat16;
    o.sparse = mode;
    absl::StatusOr<Plan> plan = BuildPlan(g, o);
    EXPECT_TRUE(plan.ok()) << plan.status();
    return plan.ok() ? *plan : Plan{};
  };
  Plan one = plan_for(1, SparseMode::kAuto);
  ASSERT_EQ(one.steps.size(), 2u);
  EXPECT_EQ(one.steps[0].kernel, "dense");
  EXPECT_EQ(one.steps[0].fused_neuron, 1);
  EXPECT_EQ(one.steps[1].fused_into, 0);
  EXPECT_THAT(PlanToTable(one), HasSubstr("dense+lif_1"));
  EXPECT_EQ(plan_for(7, SparseMode::kOn).steps[0].fused_neuron, 1);     // 63 taps
  EXPECT_EQ(plan_for(8, SparseMode::kAuto).steps[0].fused_neuron, -1);  // 72 taps
  EXPECT_EQ(plan_for(1, SparseMode::kOff).steps[0].fused_neuron, -1);
}

}  // namespace
}  // namespace sf
