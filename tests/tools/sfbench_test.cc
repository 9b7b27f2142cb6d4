// sfbench: the latency statistics, conv-input occupancy, the profiling API it
// is built on (CPU), and the binary end to end (usage errors, no-GPU error,
// a CPU run writing JSON/CSV/profile).

#include <cmath>
#include <cstdlib>
#include <filesystem>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "runtime/conv_occupancy.h"
#include "runtime/device.h"
#include "runtime/file_util.h"
#include "runtime/latency_stats.h"
#include "runtime/npy.h"
#include "sf/runtime.h"
#include "tests/testing/cli_test_util.h"
#include "tests/testing/onnx_model_builder.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

namespace fs = std::filesystem;
using ::testing::DoubleEq;
using ::testing::DoubleNear;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::OnnxModelBuilder;
using testing::StatusIs;

// ---- statistics ----

TEST(LatencyStatsTest, PercentilesInterpolateLikeNumpy) {
  const std::vector<double> sorted = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  EXPECT_THAT(Percentile(sorted, 0.0), DoubleEq(1));
  EXPECT_THAT(Percentile(sorted, 1.0), DoubleEq(10));
  EXPECT_THAT(Percentile(sorted, 0.5), DoubleEq(5.5));   // numpy.percentile(x, 50)
  EXPECT_THAT(Percentile(sorted, 0.9), DoubleEq(9.1));   // numpy.percentile(x, 90)
  EXPECT_THAT(Percentile(sorted, 0.99), DoubleNear(9.91, 1e-12));
  EXPECT_THAT(Percentile(std::vector<double>{7}, 0.99), DoubleEq(7));
}

TEST(LatencyStatsTest, SummarizeSortsAndMeasuresSpread) {
  const std::vector<double> samples = {4, 1, 3, 2};
  LatencyStats s = Summarize(samples);
  EXPECT_EQ(s.count, 4);
  EXPECT_EQ(s.min, 1);
  EXPECT_EQ(s.max, 4);
  EXPECT_THAT(s.mean, DoubleEq(2.5));
  EXPECT_THAT(s.p50, DoubleEq(2.5));
  EXPECT_THAT(s.stddev, DoubleNear(1.118034, 1e-6));  // population stddev
  EXPECT_EQ(Summarize({}).count, 0);
}

TEST(LatencyStatsTest, HighVariationByTailOrCv) {
  std::vector<double> steady(100, 10.0);
  EXPECT_FALSE(HighVariation(Summarize(steady)));
  std::vector<double> tail = steady;
  tail[99] = tail[98] = 100;  // p99 far above p50
  EXPECT_TRUE(HighVariation(Summarize(tail)));
  std::vector<double> spread;
  for (int i = 0; i < 100; ++i) spread.push_back(i % 2 ? 8 : 12);  // cv 20%, tail ratio 1.2
  EXPECT_TRUE(HighVariation(Summarize(spread)));
  EXPECT_FALSE(HighVariation(LatencyStats{}));
}

// ---- occupancy ----

// A graph with one 3x3 conv (pads 1, stride 1) over x [1,C,H,W].
Graph ConvGraph(int64_t c, int64_t h, int64_t w, int64_t stride = 1) {
  Graph g;
  const std::vector<int64_t> dims = {1, c, h, w};
  ValueId x = g.AddValue("x", DataType::kFloat32, MakeShape(dims));
  ValueId wv = g.AddConstant("w", Tensor::Create(DataType::kFloat32, {1, c, 3, 3}).value());
  ValueId y = g.AddValue("y", DataType::kFloat32);
  Node n{"conv_7", OpType::kConv, {x, wv}, {y}, {}};
  n.attrs.Set("pads", std::vector<int64_t>{1, 1, 1, 1});
  n.attrs.Set("strides", std::vector<int64_t>{stride, stride});
  n.attrs.Set("kernel_shape", std::vector<int64_t>{3, 3});
  g.AddNode(std::move(n));
  g.AddInput(x);
  g.AddOutput(y);
  return g;
}

TEST(ConvOccupancyTest, OneSpikeOccupiesTheTilesWhoseHaloSeesIt) {
  // 16x16 image, 16 channels, one non-zero at channel 9, (7, 8).
  Graph g = ConvGraph(16, 16, 16);
  Tensor x = Tensor::Create(DataType::kFloat32, {1, 16, 16, 16}).value();
  x.data<float>()[(9 * 16 + 7) * 16 + 8] = 1.0f;
  const std::vector<int64_t> out = {1, 1, 16, 16};
  const int blocks[] = {4, 8, 16};
  ASSERT_OK_AND_ASSIGN(ConvOccupancy occ,
                       MeasureConvOccupancy(g, g.node(0), x, out, blocks, 8));
  EXPECT_THAT(occ.element_density, DoubleEq(1.0 / (16 * 16 * 16)));
  ASSERT_EQ(occ.tiles.size(), 3u);
  // 4x4 tiles: the window of tile rows [4,8) is input rows [3,8], of rows [8,12) is [7,12]:
  // row 7 is in both; col 8 lies in the windows of col tiles [4,8) and [8,12). 4 of 16 tiles.
  EXPECT_THAT(occ.tiles[0].tile_density, DoubleEq(4.0 / 16));
  EXPECT_THAT(occ.tiles[0].group_tile_density, DoubleEq(4.0 / 32));  // 2 channel groups
  EXPECT_EQ(occ.tiles[0].group_channels, 8);
  // 8x8 tiles: rows [0,8) see [0,8] and rows [8,16) see [7,15]: all 4 tiles.
  EXPECT_THAT(occ.tiles[1].tile_density, DoubleEq(1.0));
  EXPECT_THAT(occ.tiles[2].tile_density, DoubleEq(1.0));
  EXPECT_THAT(occ.tiles[2].group_tile_density, DoubleEq(0.5));
}

TEST(ConvOccupancyTest, AllZeroInputHasNoOccupiedTiles) {
  Graph g = ConvGraph(3, 8, 8, /*stride=*/2);
  Tensor x = Tensor::Create(DataType::kFloat32, {1, 3, 8, 8}).value();
  const std::vector<int64_t> out = {1, 1, 4, 4};
  const int blocks[] = {2};
  ASSERT_OK_AND_ASSIGN(ConvOccupancy occ, MeasureConvOccupancy(g, g.node(0), x, out, blocks, 8));
  EXPECT_EQ(occ.element_density, 0);
  EXPECT_EQ(occ.tiles[0].tile_density, 0);
}

TEST(ConvOccupancyTest, RejectsBadTileEdgeNamingTheNode) {
  Graph g = ConvGraph(1, 4, 4);
  Tensor x = Tensor::Create(DataType::kFloat32, {1, 1, 4, 4}).value();
  const std::vector<int64_t> out = {1, 1, 4, 4};
  const int blocks[] = {0};
  EXPECT_THAT(MeasureConvOccupancy(g, g.node(0), x, out, blocks, 8).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("conv_7")));
}

// ---- the model the API and binary tests use ----

// x [4,1,16,16] -> conv_0 (1->8) -> IF (T=2) -> conv_1 (8->8, binary input) -> y.
std::string SpikingConvModel() {
  OnnxModelBuilder b;
  b.Input("x", {-1, 1, 16, 16}).Output("y");
  std::vector<float> w0(8 * 9), w1(8 * 8 * 9);
  for (size_t i = 0; i < w0.size(); ++i) w0[i] = (i % 5) * 0.25f - 0.4f;
  for (size_t i = 0; i < w1.size(); ++i) w1[i] = (i % 7) * 0.1f - 0.3f;
  b.Initializer("w0", {8, 1, 3, 3}, w0).Initializer("w1", {8, 8, 3, 3}, w1);
  b.Node("Conv", {"x", "w0"}, {"c0"}, "conv_0").Ints("pads", {1, 1, 1, 1});
  b.Node("IF", {"c0"}, {"s0"}, "if_0", "sparseflow").Int("steps", 2);
  b.Node("Conv", {"s0", "w1"}, {"y"}, "conv_1").Ints("pads", {1, 1, 1, 1});
  return b.Serialize();
}

Tensor SpikingInput() {
  Tensor t = Tensor::Create(DataType::kFloat32, {4, 1, 16, 16}).value();
  auto v = t.span<float>();
  for (size_t i = 0; i < v.size(); ++i) v[i] = (i % 64) < 16 ? 1.5f : 0.0f;
  return t;
}

TEST(ProfilingApiTest, CpuTimeRunsAndProfileLayers) {
  Options options;
  options.device = "cpu";
  ASSERT_OK_AND_ASSIGN(auto rt, Runtime::LoadFromBytes(SpikingConvModel(), options));
  EXPECT_EQ(rt->NeuronSteps(), 2);
  const std::map<std::string, Tensor> inputs = {{"x", SpikingInput()}};
  ASSERT_OK_AND_ASSIGN(RunTimings t, rt->TimeRuns(inputs, 1, 5));
  EXPECT_EQ(t.clock, "steady_clock");
  EXPECT_EQ(t.compute_us.size(), 5u);
  EXPECT_EQ(t.d2h_us.size(), 5u);
  EXPECT_TRUE(t.graph_us.empty());
  EXPECT_THAT(t.graph_status, HasSubstr("CUDA"));
  EXPECT_THAT(rt->TimeRuns(inputs, 0, 0).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("iters")));

  ASSERT_OK_AND_ASSIGN(std::vector<LayerProfile> layers, rt->ProfileLayers(inputs, 3));
  ASSERT_EQ(layers.size(), 3u);
  EXPECT_EQ(layers[0].name, "conv_0");
  EXPECT_THAT(layers[0].element_density, DoubleEq(0.25));
  EXPECT_EQ(layers[1].element_density, -1);  // not a conv
  const LayerProfile& conv1 = layers[2];
  EXPECT_EQ(conv1.name, "conv_1");
  EXPECT_EQ(conv1.input_class, ValueClass::kBinary);
  EXPECT_EQ(conv1.kernel, "sparse");
  EXPECT_EQ(conv1.block, 8);
  EXPECT_EQ(conv1.iters, 3);
  EXPECT_GE(conv1.element_density, 0);
  EXPECT_LE(conv1.element_density, 1);
  ASSERT_EQ(conv1.tiles.size(), 3u);  // 4, 8, 16 (the block 8 is among them)
  EXPECT_EQ(conv1.tiles[1].block, 8);
  // Tensor traffic: each step reads its inputs (weights too) and writes its
  // output once, in float32: x [4, 1, 16, 16] and w0 [8, 1, 3, 3] -> [4, 8,
  // 16, 16]; the neuron that in and out; the spikes and w1 [8, 8, 3, 3] -> y.
  constexpr int64_t kMap = 4 * 8 * 16 * 16 * 4;
  EXPECT_EQ(layers[0].read_bytes, 4 * 16 * 16 * 4 + 8 * 9 * 4);
  EXPECT_EQ(layers[0].written_bytes, kMap);
  EXPECT_EQ(layers[1].read_bytes, kMap);
  EXPECT_EQ(layers[1].written_bytes, kMap);
  EXPECT_EQ(conv1.read_bytes, kMap + 8 * 8 * 9 * 4);
  EXPECT_EQ(conv1.written_bytes, kMap);

  // The profiling executor must agree with the normal one (no state leaks).
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> after, rt->Run(inputs));
  EXPECT_EQ(after[0].dims(), (std::vector<int64_t>{4, 8, 16, 16}));
}

// ---- the binary ----

// sfbench is built next to sfrun (tools/).
std::string SfbenchPath() { return (fs::path(SF_SFRUN_PATH).parent_path() / "sfbench").string(); }

class SfbenchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(fs::exists(SfbenchPath())) << "build the sfbench target first: " << SfbenchPath();
  }

  std::string Path(const std::string& name) const { return scratch_.Path(name); }
  testing::CommandResult Run(const std::string& args) const {
    return testing::RunCommand(SfbenchPath(), args, scratch_);
  }

  std::string WriteModel() const {
    const std::string path = Path("snn.onnx");
    EXPECT_OK(WriteFileAtomically(path, SpikingConvModel()));
    return path;
  }
  std::string WriteInput() const {
    const std::string path = Path("x.npy");
    EXPECT_OK(WriteNpy(path, SpikingInput()));
    return path;
  }

  testing::ScratchDir scratch_{"sfbench_test"};
};

TEST_F(SfbenchTest, UsageErrorsExitTwo) {
  testing::CommandResult r = Run("");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, StartsWith("error: no model given"));
  r = Run("m.onnx --bogus");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, StartsWith("error: unknown flag '--bogus'"));
  r = Run("m.onnx --iters 0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--iters must be an integer"));
  r = Run("m.onnx --warmup -3");
  EXPECT_EQ(r.exit_code, 2);
  r = Run("m.onnx --device gpu0");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--device must be auto, cpu, cuda, cuda:N or all, not 'gpu0'"));
  r = Run("m.onnx --precision int8");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--precision must be fp32 or fp16"));
  r = Run("m.onnx --layout nchwc");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--layout must be nchw or nhwc, not 'nchwc'"));
  EXPECT_EQ(Run("m.onnx --layout").exit_code, 2);
  r = Run("m.onnx --conv-algo fastest");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--conv-algo must be timed, heuristic or gemm, not 'fastest'"));
  r = Run("m.onnx --duration forever");
  EXPECT_EQ(r.exit_code, 2);
  r = Run("m.onnx --json");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--json needs a value"));
  r = Run("m.onnx --device cpu --kernel-trace t.txt");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--kernel-trace traces GPU kernels: it needs --device cuda"));
  r = Run("m.onnx --device all --kernel-trace t.txt");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("need one device, not 'all'"));
  r = Run("a.onnx b.onnx");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("unexpected argument 'b.onnx'"));
  EXPECT_EQ(Run("--help").exit_code, 0);
}

TEST_F(SfbenchTest, Fp16OnTheCpuIsRefused) {
  testing::CommandResult r = Run(WriteModel() + " --device cpu --precision fp16");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, StartsWith("error: "));
  EXPECT_THAT(r.err, HasSubstr("precision fp16 needs a CUDA device; the CPU runs fp32"));
}

TEST_F(SfbenchTest, NhwcOnTheCpuIsRefused) {
  testing::CommandResult r = Run(WriteModel() + " --device cpu --layout nhwc");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, StartsWith("error: "));
  EXPECT_THAT(r.err, HasSubstr("layout nhwc needs a CUDA device; the CPU runs nchw"));
}

TEST_F(SfbenchTest, NoGpuIsAnError) {
  ASSERT_OK_AND_ASSIGN(std::string device, ResolveRuntimeDevice("auto"));
  if (device != "cpu") GTEST_SKIP() << "a GPU is present (" << device << ")";
  testing::CommandResult r = Run(WriteModel() + " --input " + WriteInput() + " --json " + Path("b.json"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("error: "));
  EXPECT_THAT(r.err, HasSubstr("GPU"));
  EXPECT_FALSE(fs::exists(Path("b.json")));
}

TEST_F(SfbenchTest, MissingModelFails) {
  testing::CommandResult r = Run(Path("nope.onnx") + " --device cpu");
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("nope.onnx"));
}

TEST_F(SfbenchTest, CpuRunWritesJsonCsvAndProfile) {
  testing::CommandResult r = Run(WriteModel() + " --input " + WriteInput() +
                 " --device cpu --warmup 1 --iters 5 --layer-iters 2 --json " + Path("b.json") +
                 " --csv " + Path("b.csv") + " --export-profile " + Path("p.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("CPU timing run"));
  EXPECT_THAT(r.out, HasSubstr("conv_1"));
  EXPECT_THAT(r.out, HasSubstr("sparseflow plan"));
  EXPECT_THAT(r.out, HasSubstr("samples per run 2 (rows 4 / 2 per sample, T 2)"));
  EXPECT_THAT(r.out, HasSubstr("totals (sum of every step timed alone"));
  EXPECT_THAT(r.out, HasSubstr("prescan_us"));
  EXPECT_THAT(r.err, HasSubstr("[sfbench]"));

  const std::string json = testing::ReadTextFile(Path("b.json"));
  EXPECT_THAT(json, HasSubstr("\"device\": \"cpu\""));
  EXPECT_THAT(json, HasSubstr("\"clock\": \"steady_clock\""));
  EXPECT_THAT(json, HasSubstr("\"name\": \"conv_0\""));
  EXPECT_THAT(json, HasSubstr("\"name\": \"conv_1\""));
  EXPECT_THAT(json, HasSubstr("\"block\": 8, \"input_class\": \"binary\""));
  EXPECT_THAT(json, HasSubstr("\"p99\": "));
  EXPECT_THAT(json, HasSubstr("\"samples_per_run\": 2"));
  EXPECT_THAT(json, HasSubstr("\"rows_per_sample\": 2"));
  EXPECT_THAT(json, HasSubstr("\"layer_sum_check\": {\"sum_us\": "));
  EXPECT_THAT(json, HasSubstr("\"totals\": {\"steps\": 3, "));
  EXPECT_THAT(json, HasSubstr("\"prescan_us\": null"));  // the CPU has no separate prescan
  EXPECT_THAT(json, HasSubstr("\"ran\": \"sparse\""));
  // Valid JSON, checked by Python's parser where it is available.
  const std::string check = "python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); "
                            "assert len(d[\"convs\"]) == 2; "
                            "assert d[\"convs\"][1][\"tile_block\"] == 8; "
                            "json.load(open(sys.argv[2]))' " +
                            Path("b.json") + " " + Path("p.json");
  if (std::system("python3 -c 'import json' 2>/dev/null") == 0) {
    EXPECT_EQ(std::system(check.c_str()), 0) << json;
  }
  const std::string csv = testing::ReadTextFile(Path("b.csv"));
  EXPECT_THAT(csv, StartsWith("name,H,W,C_in,C_out"));
  EXPECT_THAT(csv, HasSubstr("\nconv_1,16,16,8,8,3,3,1,1,8,binary,"));
  EXPECT_THAT(testing::ReadTextFile(Path("p.json")), HasSubstr("\"if_0\""));
}

// ---- --batch on the shipped inputs ----

std::string ShippedFile(const std::string& model, const std::string& file) {
  return std::string(SF_SOURCE_DIR) + "/models/" + model + "/" + file;
}

// The bytes of row `r` of `t` (rank >= 1).
std::string RowBytes(const Tensor& t, int64_t r) {
  const size_t row = t.nbytes() / static_cast<size_t>(t.dim(0));
  return std::string(static_cast<const char*>(t.raw_data()) + r * row, row);
}

class SfbenchBatchTest : public SfbenchTest {
 protected:
  // sfbench --batch `batch` on the model's shipped test input (CPU, one timed
  // run, no per-step tables), saving what it benchmarked; returns that input.
  Tensor BenchBatch(const std::string& model, int batch, const std::string& expected_line) {
    const std::string saved = Saved(model);
    testing::CommandResult r =
        Run(absl::StrCat(ShippedFile(model, "model.onnx"), " --input ",
                         ShippedFile(model, "test_input.npy"), " --device cpu --batch ", batch,
                         " --warmup 0 --iters 1 --no-layers --save-input ", saved));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr(expected_line));
    absl::StatusOr<Tensor> t = ReadNpy(saved);
    EXPECT_OK(t.status());
    return t.ok() ? *std::move(t) : Tensor();
  }

  std::string Saved(const std::string& model) const { return Path(model + "_batch.npy"); }

  // sfrun's logits for the saved batch must be the shipped expected logits of
  // sample n % 8 in row n (the 8 test samples, within the golden tests' 1e-4).
  void ExpectLogitsOfSamples(const std::string& model, int64_t batch) {
    const std::string out = Path(model + "_logits.npy");
    testing::CommandResult r = testing::RunCommand(
        SF_SFRUN_PATH,
        ShippedFile(model, "model.onnx") + " --input " + Saved(model) + " --device cpu --output " +
            out,
        scratch_);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    ASSERT_OK_AND_ASSIGN(Tensor logits, ReadNpy(out));
    ASSERT_OK_AND_ASSIGN(Tensor expected, ReadNpy(ShippedFile(model, "expected_logits.npy")));
    ASSERT_EQ(logits.dims(), (std::vector<int64_t>{batch, 10}));
    for (int64_t n = 0; n < batch; ++n) {
      for (int64_t k = 0; k < 10; ++k) {
        const float want = expected.data<float>()[(n % 8) * 10 + k];
        EXPECT_NEAR(logits.data<float>()[n * 10 + k], want, 1e-4 + 1e-4 * std::abs(want))
            << model << " sample " << n << " logit " << k;
      }
    }
  }
};

TEST_F(SfbenchBatchTest, StaticInputIsCutAndRepeatedBySample) {
  // fmnist_snn repeats its [N, 1, 28, 28] input over T = 4 itself: one row per sample.
  ASSERT_OK_AND_ASSIGN(Tensor source, ReadNpy(ShippedFile("fmnist_snn", "test_input.npy")));
  ASSERT_EQ(source.dim(0), 8);
  const Tensor batch =
      BenchBatch("fmnist_snn", 10, "samples per run 10 (rows 10 / 1 per sample, T 4, --batch 10)");
  ASSERT_EQ(batch.dims(), (std::vector<int64_t>{10, 1, 28, 28}));
  for (int64_t n = 0; n < 10; ++n) EXPECT_EQ(RowBytes(batch, n), RowBytes(source, n % 8)) << n;
  ExpectLogitsOfSamples("fmnist_snn", 10);
}

TEST_F(SfbenchBatchTest, TMajorInputKeepsEveryStepOfEachSample) {
  // The event model's input is T-major [T*8, 2, 28, 28] with T = 8.
  ASSERT_OK_AND_ASSIGN(Tensor source, ReadNpy(ShippedFile("events", "test_input.npy")));
  ASSERT_EQ(source.dim(0), 64);
  const Tensor batch =
      BenchBatch("events", 3, "samples per run 3 (rows 24 / 8 per sample, T 8, --batch 3)");
  ASSERT_EQ(batch.dims(), (std::vector<int64_t>{24, 2, 28, 28}));
  for (int64_t t = 0; t < 8; ++t) {
    for (int64_t n = 0; n < 3; ++n) {
      EXPECT_EQ(RowBytes(batch, t * 3 + n), RowBytes(source, t * 8 + n)) << t << "," << n;
    }
  }
  ExpectLogitsOfSamples("events", 3);
}

}  // namespace
}  // namespace sf
