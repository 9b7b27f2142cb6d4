// sfbench's report functions on synthetic numbers (no timing): the per-step
// sum against the end-to-end time and its warning, the conv/neuron/rest
// totals, and the honesty of the per-conv row (which kernel ran, the sparse
// kernel alone, its prescan) on a CUDA-like report.

#include "tools/bench_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

namespace sf::tools {
namespace {

using ::testing::AllOf;
using ::testing::DoubleEq;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::SizeIs;

LayerProfile Step(const std::string& name, OpType op, double median_us, double min_us = -1) {
  LayerProfile l;
  l.name = name;
  l.op = op;
  l.kernel = "dense";
  l.median_us = median_us;
  l.min_us = min_us < 0 ? median_us : min_us;
  l.iters = 10;
  return l;
}

// conv 600 + LIF 200 + add 100 + conv 100 (sparse, prescan 20) = 1000 us.
PlanBench MakePlan(const std::string& label, double plain_p50, double graph_p50) {
  PlanBench b;
  b.label = label;
  b.layers = {Step("conv_0", OpType::kConv, 600), Step("lif_0", OpType::kLIF, 200),
              Step("add_0", OpType::kAdd, 100, 40), Step("conv_1", OpType::kConv, 100)};
  b.layers[3].kernel = "sparse";
  b.layers[3].path = "sparse";
  b.layers[3].prescan_us = 20;
  b.layers[3].sparse_us = 100;
  b.runs.compute_us.assign(5, plain_p50);
  if (graph_p50 > 0) b.runs.graph_us.assign(5, graph_p50);
  SummarizeRuns(b);
  return b;
}

BenchReport Report(PlanBench sparse, PlanBench dense) {
  BenchReport r;
  r.model = "m.onnx";
  r.device = "cuda:0";
  r.precision = "fp32";
  r.sparse = std::move(sparse);
  r.dense = std::move(dense);
  return r;
}

TEST(LayerTotalsTest, SplitsConvsNeuronsAndTheRest) {
  const LayerTotals t = SumLayers(MakePlan("sparseflow", 1000, 1000).layers);
  EXPECT_THAT(t.all_us, DoubleEq(1000));
  EXPECT_THAT(t.conv_us, DoubleEq(700));
  EXPECT_THAT(t.prescan_us, DoubleEq(20));  // only where the sparse kernel ran
  EXPECT_THAT(t.neuron_us, DoubleEq(200));
  EXPECT_THAT(t.other_us(), DoubleEq(100));
  EXPECT_THAT(t.share(t.conv_us), DoubleEq(0.7));
  EXPECT_EQ(LayerTotals{}.share(5), 0);
  // An Add fused with the neuron after it runs that neuron: a neuron step.
  PlanBench fused = MakePlan("sparseflow", 1000, 1000);
  fused.layers[2].fused_neuron = "lif_1";
  const LayerTotals f = SumLayers(fused.layers);
  EXPECT_THAT(f.neuron_us, DoubleEq(300));
  EXPECT_THAT(f.other_us(), DoubleEq(0));
}

TEST(LayerSumCheckTest, ComparesWithGraphReplayWhereMeasured) {
  const LayerSumCheck c = CheckLayerSum(MakePlan("sparseflow", 1300, 1050));
  EXPECT_TRUE(c.measured);
  EXPECT_THAT(c.sum_us, DoubleEq(1000));
  EXPECT_THAT(c.reference_us, DoubleEq(1050));
  EXPECT_THAT(c.plain_p50_us, DoubleEq(1300));
  EXPECT_NEAR(c.ratio, 1000.0 / 1050, 1e-12);
  EXPECT_TRUE(c.within());
  // The CPU has no graph replay: plain launches are the reference.
  const LayerSumCheck cpu = CheckLayerSum(MakePlan("sparseflow", 1080, 0));
  EXPECT_THAT(cpu.reference_us, DoubleEq(1080));
  EXPECT_THAT(cpu.graph_p50_us, DoubleEq(0));
  EXPECT_TRUE(cpu.within());
  // Not profiled: nothing to check, nothing to warn about.
  PlanBench none = MakePlan("dense", 1000, 0);
  none.layers.clear();
  EXPECT_FALSE(CheckLayerSum(none).measured);
  EXPECT_TRUE(CheckLayerSum(none).within());
}

TEST(LayerSumCheckTest, NoWarningWithinTenPercent) {
  EXPECT_THAT(
      LayerSumWarnings(Report(MakePlan("sparseflow", 1200, 1095), MakePlan("dense", 950, 920))),
      IsEmpty());
}

TEST(LayerSumCheckTest, HiddenWorkWarningNamesLaunchOverheadGapAndLargestSteps) {
  const std::vector<std::string> w =
      LayerSumWarnings(Report(MakePlan("sparseflow", 1600, 1250), MakePlan("dense", 1000, 1000)));
  ASSERT_THAT(w, SizeIs(1));
  EXPECT_THAT(w[0], AllOf(HasSubstr("WARNING: sparseflow plan"),
                          HasSubstr("the 4 steps timed alone sum to 1000.0 us, 0.80x"),
                          HasSubstr("1250.0 us (CUDA graph replay p50; plain launches 1600.0 us)"),
                          HasSubstr("launch overhead that graph replay removes 350.0 us "
                                    "(87.50 us x 4 steps)"),
                          HasSubstr("250.0 us of the run is in no step timed alone"),
                          HasSubstr("largest steps alone: conv_0 600.0 us (60%), lif_0 200.0 us"),
                          HasSubstr("least stable alone: add_0 median 100.0 vs min 40.0 us")));
  EXPECT_THAT(w[0], Not(HasSubstr("dense plan")));
}

TEST(LayerSumCheckTest, OverstatingStepsWarnToo) {
  const std::vector<std::string> w =
      LayerSumWarnings(Report(MakePlan("sparseflow", 1000, 1000), MakePlan("dense", 800, 0)));
  ASSERT_THAT(w, SizeIs(1));
  EXPECT_THAT(w[0],
              AllOf(HasSubstr("dense plan"), HasSubstr("1.25x"), HasSubstr("(plain launches p50)"),
                    HasSubstr("the steps alone overstate the run by 200.0 us")));
  EXPECT_THAT(w[0], Not(HasSubstr("launch overhead")));
}

TEST(BenchReportTest, JsonHasTotalsTheSumCheckAndTheWarning) {
  const std::string json =
      FormatJson(Report(MakePlan("sparseflow", 1600, 1250), MakePlan("dense", 1000, 1000)));
  EXPECT_THAT(json, HasSubstr("\"totals\": {\"steps\": 4, \"all_us\": 1000, \"conv_us\": 700, "
                              "\"prescan_us\": 20, \"neuron_us\": 200, \"other_us\": 100, "
                              "\"conv_share\": 0.7, \"neuron_share\": 0.2, \"other_share\": 0.1, "
                              "\"read_bytes\": 0, \"written_bytes\": 0}"));
  EXPECT_THAT(json, HasSubstr("\"layer_sum_check\": {\"sum_us\": 1000, \"compute_p50_us\": 1600, "
                              "\"graph_replay_p50_us\": 1250, \"reference\": \"graph_replay\", "
                              "\"ratio\": 0.8, \"tolerance\": 0.1, \"within_tolerance\": false}"));
  EXPECT_THAT(json, HasSubstr("\"warnings\": [\"WARNING: sparseflow plan: the 4 steps"));
}

// The steps' tensor traffic: summed per plan, in the JSON (totals and each
// step) and on the console with what the SparseFlow plan saves.
TEST(BenchReportTest, TensorTrafficPerPlanAndSaved) {
  PlanBench sparse = MakePlan("sparseflow", 1000, 1000), dense = MakePlan("dense", 1000, 1000);
  for (LayerProfile& l : dense.layers) {
    l.read_bytes = 2'000'000;
    l.written_bytes = 1'000'000;
  }
  for (LayerProfile& l : sparse.layers) {
    l.read_bytes = 1'500'000;
    l.written_bytes = 1'000'000;
  }
  sparse.layers[1].read_bytes = sparse.layers[1].written_bytes = 0;  // fused into a conv
  EXPECT_EQ(SumLayers(dense.layers).read_bytes, 8'000'000);
  EXPECT_EQ(SumLayers(sparse.layers).written_bytes, 3'000'000);
  const BenchReport r = Report(sparse, dense);
  const std::string console = FormatConsole(r);
  EXPECT_THAT(console, HasSubstr("tensor traffic (each step reads its inputs and writes its "
                                 "outputs once"));
  EXPECT_THAT(console, HasSubstr("sparseflow  read      4.50 MB  written      3.00 MB  total      "
                                 "7.50 MB"));
  EXPECT_THAT(console, HasSubstr("dense       read      8.00 MB  written      4.00 MB  total     "
                                 "12.00 MB"));
  EXPECT_THAT(console, HasSubstr("sparseflow plan moves 4.50 MB less than the dense plan (37.5%)"));
  const std::string json = FormatJson(r);
  EXPECT_THAT(json, HasSubstr("\"read_bytes\": 4500000, \"written_bytes\": 3000000}"));
  EXPECT_THAT(json, HasSubstr("\"read_bytes\": 8000000, \"written_bytes\": 4000000}"));
  EXPECT_THAT(FormatProfileJson(r),
              HasSubstr("\"read_bytes\": 1500000, \"written_bytes\": 1000000}"));
  // Without per-step tables there is nothing to sum: no traffic lines.
  PlanBench bare_s = sparse, bare_d = dense;
  bare_s.layers.clear();
  bare_d.layers.clear();
  EXPECT_THAT(FormatConsole(Report(bare_s, bare_d)), Not(HasSubstr("tensor traffic")));
}

TEST(BenchReportTest, TheOptionsOfBothPlansAreInTheHeaderAndTheJson) {
  BenchReport r = Report(MakePlan("sparseflow", 1000, 1000), MakePlan("dense", 1000, 1000));
  EXPECT_THAT(FormatConsole(r), HasSubstr("  fuse on  overlap on\n"));
  EXPECT_THAT(FormatJson(r), HasSubstr("\"fuse_neurons\": true,\n  \"overlap_branches\": true,"));
  r.fuse_neurons = false;
  r.overlap_branches = false;
  EXPECT_THAT(FormatConsole(r), HasSubstr("  fuse off  overlap off\n"));
  EXPECT_THAT(FormatJson(r), HasSubstr("\"fuse_neurons\": false,\n  \"overlap_branches\": false,"));
}

TEST(BenchReportTest, ConvRowSaysWhichKernelRanAndTimesTheSparseKernelAlone) {
  PlanBench sparse = MakePlan("sparseflow", 1000, 1000);
  // kAuto chose cuDNN for conv_0: the step took 600 us, the sparse kernel alone 900.
  sparse.layers[0].kernel = "sparse";
  sparse.layers[0].path = "cudnn";
  sparse.layers[0].sparse_us = 900;
  sparse.layers[0].prescan_us = 50;
  sparse.layers[0].switch_sparse_tiles = 80;  // calibrated: sparse won up to 80 of 1024 tiles
  sparse.layers[0].switch_tiles = 1024;
  PlanBench dense = MakePlan("dense", 1000, 1000);
  dense.layers[0].median_us = 590;
  dense.layers[3].median_us = 300;
  const BenchReport r = Report(std::move(sparse), std::move(dense));
  const std::string json = FormatJson(r);
  EXPECT_THAT(json, HasSubstr("\"dense_us\": 590, \"sparse_us\": 900, \"prescan_us\": 50, "
                              "\"speedup\": 0.655556, \"plan_us\": 600, \"plan_speedup\": "
                              "0.983333, \"ran\": \"cudnn\""));
  EXPECT_THAT(json, HasSubstr("\"dense_us\": 300, \"sparse_us\": 100, \"prescan_us\": 20, "
                              "\"speedup\": 3, \"plan_us\": 100, \"plan_speedup\": 3, "
                              "\"ran\": \"sparse\""));
  EXPECT_THAT(json, HasSubstr("\"crossover_tile_density\": 0.078125, \"fused_neuron\": null}"));
  EXPECT_THAT(json, HasSubstr("\"crossover_tile_density\": null, \"fused_neuron\": null}"));
  const std::string console = FormatConsole(r);
  EXPECT_THAT(console, HasSubstr("prescan_us"));
  EXPECT_THAT(console, HasSubstr("cudnn "));
  EXPECT_THAT(console, HasSubstr("totals (sum of every step timed alone"));
  EXPECT_THAT(console, HasSubstr("   1.00\n"));  // 1000 us of steps, 1000 us replayed
}

TEST(BenchReportTest, FusedConvIsComparedWithCudnnConvPlusNeuron) {
  PlanBench sparse = MakePlan("sparseflow", 1000, 1000);
  // conv_0 fused with lif_0: its step includes the neuron, lif_0's runs nothing.
  sparse.layers[0].fused_neuron = "lif_0";
  sparse.layers[0].kernel = "sparse";
  sparse.layers[0].path = "fused";
  sparse.layers[0].median_us = 400;
  sparse.layers[0].sparse_us = 400;
  sparse.layers[1].median_us = 0;
  PlanBench dense = MakePlan("dense", 1000, 1000);  // conv_0 600 + lif_0 200
  const std::string json = FormatJson(Report(std::move(sparse), std::move(dense)));
  EXPECT_THAT(json, HasSubstr("\"dense_us\": 800, \"sparse_us\": 400, \"prescan_us\": null, "
                              "\"speedup\": 2, \"plan_us\": 400, \"plan_speedup\": 2, "
                              "\"ran\": \"fused\""));
  EXPECT_THAT(json, HasSubstr("\"fused_neuron\": \"lif_0\"}"));
  EXPECT_THAT(json, HasSubstr("\"fused_neuron\": null}"));
}

TEST(OutputCheckTest, MaxOutputDiffByValueShapeAndType) {
  const Tensor a = Tensor::FromVector<float>({2}, {1.0f, 2.0f});
  const Tensor b = Tensor::FromVector<float>({2}, {1.0f, 2.5f});
  EXPECT_DOUBLE_EQ(MaxOutputDiff({a}, {a}), 0.0);
  EXPECT_DOUBLE_EQ(MaxOutputDiff({a}, {b}), 0.5);
  EXPECT_TRUE(std::isinf(MaxOutputDiff({a}, {})));
  const Tensor c = Tensor::FromVector<float>({1, 2}, {1.0f, 2.0f});
  EXPECT_TRUE(std::isinf(MaxOutputDiff({a}, {c})));  // shape
  const Tensor nan = Tensor::FromVector<float>({2}, {1.0f, std::nanf("")});
  EXPECT_TRUE(std::isinf(MaxOutputDiff({a}, {nan})));
  const Tensor i1 = Tensor::FromVector<int64_t>({1}, {3});
  const Tensor i2 = Tensor::FromVector<int64_t>({1}, {4});
  EXPECT_DOUBLE_EQ(MaxOutputDiff({i1}, {i1}), 0.0);
  EXPECT_TRUE(std::isinf(MaxOutputDiff({i1}, {i2})));
}

TEST(OutputCheckTest, ReplayThatDiffersWarnsAndEveryDiffIsReported) {
  BenchReport r = Report(MakePlan("sparseflow", 1000, 1000), MakePlan("dense", 1000, 1000));
  r.sparse.replay_max_diff = 0;
  r.dense.replay_max_diff = 0;
  r.plans_max_diff = 0.25;
  EXPECT_THAT(OutputWarnings(r), IsEmpty());
  EXPECT_THAT(FormatJson(r), HasSubstr("\"outputs\": {\"sparseflow_replay_max_diff\": 0, "
                                       "\"dense_replay_max_diff\": 0, \"plans_max_diff\": 0.25}"));
  EXPECT_THAT(FormatConsole(r), HasSubstr("sparseflow vs dense plan: max |diff| 0.25"));
  r.sparse.replay_max_diff = 1e-3;
  ASSERT_THAT(OutputWarnings(r), SizeIs(1));
  EXPECT_THAT(OutputWarnings(r)[0], HasSubstr("sparseflow plan: the outputs after timing differ"));
  EXPECT_THAT(FormatJson(r), HasSubstr("the outputs after timing differ"));
}

}  // namespace
}  // namespace sf::tools
