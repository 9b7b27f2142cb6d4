// sfbench --kernel-trace: the replay summary on synthetic CUPTI records (no
// GPU needed), its split among the plan steps, and the reports of both.

#include "tools/kernel_trace.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "tests/testing/status_matchers.h"
#include "tools/bench_report.h"

namespace sf::tools {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// One replay `launch` of kernels a (10 us), b (20 us), c (5 us) starting at
// `t0` ns with gaps of `gap` ns between them; graph 7.
std::vector<KernelRecord> Replay(uint32_t launch, uint64_t t0, uint64_t gap) {
  std::vector<KernelRecord> r;
  uint64_t t = t0;
  for (const auto& [name, ns] : {std::pair{"a", 10000}, {"b", 20000}, {"c", 5000}}) {
    r.push_back(KernelRecord{name, t, t + ns, launch, 7});
    t += ns + gap;
  }
  return r;
}

TEST(KernelTraceTest, MedianReplaySplitsItsSpanIntoKernelsAndGaps) {
  std::vector<KernelRecord> all;
  // Three replays with gaps of 1, 2 and 9 us, recorded out of order; the
  // median by span is the one with 2 us gaps.
  for (auto& k : Replay(30, 900000000, 9000)) all.push_back(k);
  for (auto& k : Replay(10, 100000000, 1000)) all.push_back(k);
  for (auto& k : Replay(20, 500000000, 2000)) all.push_back(k);
  std::reverse(all.begin(), all.end());
  // Not from a graph (plain launches) and a smaller graph: both ignored.
  all.push_back(KernelRecord{"plain", 0, 3000, 40, 0});
  all.push_back(KernelRecord{"small", 0, 3000, 41, 8});
  ASSERT_OK_AND_ASSIGN(KernelTraceSummary s, SummarizeReplays(all));
  EXPECT_EQ(s.replays, 3);
  EXPECT_EQ(s.kernels, 3);
  EXPECT_DOUBLE_EQ(s.span_us, 39.0);  // 35 us of kernels + 2 gaps of 2 us
  EXPECT_DOUBLE_EQ(s.busy_us, 35.0);
  EXPECT_DOUBLE_EQ(s.gap_us, 4.0);
  EXPECT_DOUBLE_EQ(s.min_span_us, 37.0);
  EXPECT_DOUBLE_EQ(s.max_span_us, 53.0);
  ASSERT_EQ(s.kernel_list.size(), 3u);
  EXPECT_EQ(s.kernel_list[0].name, "a");
  EXPECT_DOUBLE_EQ(s.kernel_list[0].gap_before_us, 0.0);
  EXPECT_EQ(s.kernel_list[1].name, "b");
  EXPECT_DOUBLE_EQ(s.kernel_list[1].us, 20.0);
  EXPECT_DOUBLE_EQ(s.kernel_list[1].gap_before_us, 2.0);

  const std::string text = FormatKernelTrace("sparseflow", s);
  EXPECT_THAT(text, HasSubstr("3 kernels, span 39.0 us = kernels 35.0 us + gaps 4.0 us"));
  EXPECT_THAT(text, HasSubstr("(2.00 us per gap)"));
  const std::string json = KernelTraceJson(s);
  EXPECT_THAT(json, HasSubstr("\"span_us\": 39"));
  EXPECT_THAT(json,
              HasSubstr("{\"name\": \"b\", \"us\": 20, \"own_us\": 20, \"gap_before_us\": 2}"));
}

TEST(KernelTraceTest, OverlappingKernelsLeaveNoGap) {
  // b starts before a ends (programmatic launch or concurrent streams).
  std::vector<KernelRecord> r = {KernelRecord{"a", 0, 10000, 1, 3},
                                 KernelRecord{"b", 8000, 12000, 1, 3},
                                 KernelRecord{"c", 15000, 16000, 1, 3}};
  ASSERT_OK_AND_ASSIGN(KernelTraceSummary s, SummarizeReplays(r));
  EXPECT_DOUBLE_EQ(s.span_us, 16.0);
  EXPECT_DOUBLE_EQ(s.gap_us, 3.0);  // only 12..15
  EXPECT_DOUBLE_EQ(s.kernel_list[1].gap_before_us, 0.0);
  // b ran 4 us, 2 of them after a ended: the busy time counts those 2, so
  // kernels + gaps still make up the span.
  EXPECT_DOUBLE_EQ(s.kernel_list[1].us, 4.0);
  EXPECT_DOUBLE_EQ(s.kernel_list[1].own_us, 2.0);
  EXPECT_DOUBLE_EQ(s.busy_us, 13.0);
  EXPECT_DOUBLE_EQ(s.busy_us + s.gap_us, s.span_us);
  // Per step the same: a and b in one step, c in another.
  ASSERT_OK_AND_ASSIGN(
      std::vector<StepKernels> steps,
      AttributeToSteps({StepLaunches{"ab", {"a", "b"}}, StepLaunches{"c", {"c"}}}, s));
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_DOUBLE_EQ(steps[0].graph_us, 12.0);
  EXPECT_DOUBLE_EQ(steps[1].graph_us, 4.0);  // the 3 us gap and c
}

TEST(KernelTraceTest, NoGraphLaunchIsNotFound) {
  EXPECT_EQ(SummarizeReplays({}).status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<KernelTraceSummary> s = SummarizeReplays({KernelRecord{"plain", 0, 1000, 5, 0}});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.status().message(), HasSubstr("CUDA graph"));
}

// An empty report of both plans on a GPU, for the report formatters.
BenchReport GpuReport() {
  BenchReport r;
  r.device = "cuda:0";
  r.sparse.label = "sparseflow";
  r.dense.label = "dense";
  return r;
}

TEST(KernelTraceTest, ReportCarriesTheTraceOrWhyNot) {
  BenchReport r = GpuReport();
  ASSERT_OK_AND_ASSIGN(r.sparse.trace, SummarizeReplays(Replay(1, 0, 2000)));
  r.dense.trace_error = "no kernel in the trace was launched from a CUDA graph";
  const std::string console = FormatConsole(r);
  EXPECT_THAT(console, HasSubstr("sparseflow plan, one CUDA-graph replay on the GPU (CUPTI, "
                                 "median of 1): 3 kernels, span 39.0 us"));
  EXPECT_THAT(console, HasSubstr("dense plan, kernel trace: no kernel in the trace"));
  const std::string json = FormatJson(r);
  EXPECT_THAT(json, HasSubstr("\"kernel_trace\": {\"replays\": 1, \"kernels\": 3"));
  EXPECT_THAT(json, HasSubstr("\"kernel_trace\": {\"error\": \"no kernel"));
  const std::string file = FormatKernelTraceFile(r);
  EXPECT_THAT(file, HasSubstr("     #     gap_us  kernel_us     own_us  kernel\n"));
  EXPECT_THAT(file, HasSubstr("dense plan: no trace: no kernel"));
}

// Steps of a plan whose step-by-step run launched a, b, c as Replay() has them.
std::vector<StepLaunches> Launches() {
  return {{"conv_0", {"a", "b"}}, {"lif_0", {}}, {"fc", {"c"}}};
}

TEST(AttributeToStepsTest, StepsSplitTheSpanWithNoneEmptyOrLeftOver) {
  ASSERT_OK_AND_ASSIGN(KernelTraceSummary s, SummarizeReplays(Replay(1, 0, 2000)));
  ASSERT_OK_AND_ASSIGN(std::vector<StepKernels> steps, AttributeToSteps(Launches(), s));
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[0].name, "conv_0");
  EXPECT_EQ(steps[0].kernels, 2);
  EXPECT_DOUBLE_EQ(steps[0].kernel_us, 30.0);  // a 10 + b 20
  EXPECT_DOUBLE_EQ(steps[0].gap_us, 2.0);      // between a and b
  EXPECT_DOUBLE_EQ(steps[0].graph_us, 32.0);
  // A step that launches nothing (a neuron fused into its conv) keeps its row.
  EXPECT_EQ(steps[1].name, "lif_0");
  EXPECT_EQ(steps[1].kernels, 0);
  EXPECT_DOUBLE_EQ(steps[1].graph_us, 0.0);
  EXPECT_EQ(steps[2].kernels, 1);
  EXPECT_DOUBLE_EQ(steps[2].kernel_us, 5.0);
  EXPECT_DOUBLE_EQ(steps[2].gap_us, 2.0);  // the idle time before c
  EXPECT_DOUBLE_EQ(steps[2].graph_us, 7.0);
  s.steps = steps;
  EXPECT_DOUBLE_EQ(StepsGraphUs(s), s.span_us);  // 39 us: nothing hidden
  EXPECT_TRUE(StepsMatchSpan(s));
}

TEST(AttributeToStepsTest, TheGapBeforeAStepsFirstKernelIsThatStepsOwn) {
  // a 0..10, idle 3, b 13..33, idle 1, c 34..39 (us).
  const std::vector<KernelRecord> r = {KernelRecord{"a", 0, 10000, 1, 3},
                                       KernelRecord{"b", 13000, 33000, 1, 3},
                                       KernelRecord{"c", 34000, 39000, 1, 3}};
  ASSERT_OK_AND_ASSIGN(KernelTraceSummary s, SummarizeReplays(r));
  ASSERT_OK_AND_ASSIGN(std::vector<StepKernels> steps,
                       AttributeToSteps({{"x", {"a"}}, {"y", {"b"}}, {"z", {"c"}}}, s));
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_DOUBLE_EQ(steps[0].gap_us, 0.0);
  EXPECT_DOUBLE_EQ(steps[1].gap_us, 3.0);
  EXPECT_DOUBLE_EQ(steps[1].graph_us, 23.0);
  EXPECT_DOUBLE_EQ(steps[2].gap_us, 1.0);
  EXPECT_DOUBLE_EQ(steps[2].graph_us, 6.0);
  s.steps = steps;
  EXPECT_DOUBLE_EQ(StepsGraphUs(s), 39.0);
}

TEST(AttributeToStepsTest, ADifferentKernelCountIsAnErrorNotAGuess) {
  ASSERT_OK_AND_ASSIGN(KernelTraceSummary s, SummarizeReplays(Replay(1, 0, 2000)));
  absl::StatusOr<std::vector<StepKernels>> steps =
      AttributeToSteps({{"conv_0", {"a", "b"}}, {"fc", {}}}, s);
  EXPECT_EQ(steps.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(steps.status().message(),
              HasSubstr("the step-by-step run launched 2 kernels, the graph replay 3"));
  steps = AttributeToSteps({{"conv_0", {"a", "b"}}, {"fc", {"c", "c"}}}, s);
  EXPECT_EQ(steps.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(steps.status().message(), HasSubstr("launched 4 kernels, the graph replay 3"));
}

TEST(AttributeToStepsTest, ADifferentKernelNameIsAnError) {
  ASSERT_OK_AND_ASSIGN(KernelTraceSummary s, SummarizeReplays(Replay(1, 0, 2000)));
  // The same count, but step conv_0's second kernel is another one (a conv
  // that chose another path in one of the runs), or the order differs.
  absl::StatusOr<std::vector<StepKernels>> steps =
      AttributeToSteps({{"conv_0", {"a", "cudnn"}}, {"fc", {"c"}}}, s);
  EXPECT_EQ(steps.status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_THAT(steps.status().message(),
              HasSubstr("kernel 1 differs: step 'conv_0' launched cudnn in the step-by-step run, "
                        "the graph replay ran b"));
  steps = AttributeToSteps({{"conv_0", {"b", "a"}}, {"fc", {"c"}}}, s);
  EXPECT_THAT(steps.status().message(), HasSubstr("kernel 0 differs"));
}

// A step on a side stream starts its kernels while the main path's run:
// replay s0 (side) 0..4 beside a 0..10, then b 12..32, s1 (side) 13..20,
// c 34..39. Each kernel goes to its own step; the side step's overlapped
// time is not counted twice, so the steps still sum to the span.
TEST(AttributeToStepsTest, ASideStreamsKernelsInterleaveWithTheMainPath) {
  const std::vector<KernelRecord> r = {
      KernelRecord{"a", 0, 10000, 1, 3}, KernelRecord{"s0", 1000, 4000, 1, 3},
      KernelRecord{"b", 12000, 32000, 1, 3}, KernelRecord{"s1", 13000, 20000, 1, 3},
      KernelRecord{"c", 34000, 39000, 1, 3}};
  ASSERT_OK_AND_ASSIGN(KernelTraceSummary s, SummarizeReplays(r));
  ASSERT_OK_AND_ASSIGN(
      std::vector<StepKernels> steps,
      AttributeToSteps({{"x", {"a"}}, {"y", {"b"}}, {"side", {"s0", "s1"}}, {"z", {"c"}}}, s));
  ASSERT_EQ(steps.size(), 4u);
  EXPECT_EQ(steps[2].kernels, 2);
  EXPECT_DOUBLE_EQ(steps[2].graph_us, 0.0);  // wholly hidden behind a and b
  EXPECT_DOUBLE_EQ(steps[0].graph_us, 10.0);
  EXPECT_DOUBLE_EQ(steps[1].graph_us, 22.0);  // 2 idle + 20
  s.steps = steps;
  EXPECT_TRUE(StepsMatchSpan(s));
  // A step's own kernels still keep their order.
  EXPECT_THAT(
      AttributeToSteps({{"x", {"a"}}, {"y", {"b"}}, {"side", {"s1", "s0"}}, {"z", {"c"}}}, s)
          .status()
          .message(),
      HasSubstr("kernel 1 differs: step 'y' launched b in the step-by-step run, the "
                "graph replay ran s0"));
}

TEST(AttributeToStepsTest, ReportsShowTheStepsAndTheirSumOrWhyNot) {
  BenchReport r = GpuReport();
  ASSERT_OK_AND_ASSIGN(r.sparse.trace, SummarizeReplays(Replay(1, 0, 2000)));
  ASSERT_OK_AND_ASSIGN(r.sparse.trace.steps, AttributeToSteps(Launches(), r.sparse.trace));
  r.sparse.runs.graph_us.assign(3, 50.0);
  SummarizeRuns(r.sparse);
  ASSERT_OK_AND_ASSIGN(r.dense.trace, SummarizeReplays(Replay(2, 0, 1000)));
  r.dense.trace.steps_error = std::string(AttributeToSteps({}, r.dense.trace).status().message());

  const std::string file = FormatKernelTraceFile(r);
  EXPECT_THAT(file, HasSubstr("     #  kernels     gap_us  kernel_us   graph_us  step\n"
                              "     0        2       2.00      30.00      32.00  conv_0\n"
                              "     1        0       0.00       0.00       0.00  lif_0\n"
                              "     2        1       2.00       5.00       7.00  fc\n"
                              "   sum        3       4.00      35.00      39.00  = the replay's "
                              "span 39.00 us\n"));
  EXPECT_THAT(file, HasSubstr("per plan step: not attributed: the step-by-step run launched 0 "
                              "kernels, the graph replay 3"));

  const std::string json = KernelTraceJson(r.sparse.trace);
  EXPECT_THAT(json, HasSubstr("\"steps\": [{\"name\": \"conv_0\", \"kernels\": 2, "
                              "\"kernel_us\": 30, \"gap_us\": 2, \"graph_us\": 32}, "
                              "{\"name\": \"lif_0\", \"kernels\": 0"));
  EXPECT_THAT(json, HasSubstr("\"steps_error\": null}"));
  EXPECT_THAT(KernelTraceJson(r.dense.trace),
              HasSubstr("\"steps\": [], \"steps_error\": \"the step-by-step run launched 0"));
  EXPECT_THAT(FormatJson(r), HasSubstr("\"graph_us\": 7}]"));

  const std::string console = FormatConsole(r);
  EXPECT_THAT(console, HasSubstr("sparseflow plan: per-step times inside the traced replay sum to "
                                 "39.0 us = the replay's span; vs the CUDA-graph p50 (events) "
                                 "50.0 us: 0.78x"));
  EXPECT_THAT(console, HasSubstr("dense plan, per-step times in the replay: the step-by-step run "
                                 "launched 0 kernels"));
}

TEST(AttributeToStepsTest, TheLayerSumWarningPointsToTheInGraphStepTimes) {
  BenchReport r = GpuReport();
  for (PlanBench* b : {&r.sparse, &r.dense}) {
    LayerProfile l;
    l.name = "conv_0";
    l.op = OpType::kConv;
    l.median_us = l.min_us = 100;  // 2x the run: the warning fires
    b->layers = {l};
    b->runs.compute_us.assign(3, 50.0);
    SummarizeRuns(*b);
  }
  ASSERT_OK_AND_ASSIGN(r.sparse.trace, SummarizeReplays(Replay(1, 0, 2000)));
  ASSERT_OK_AND_ASSIGN(r.sparse.trace.steps, AttributeToSteps(Launches(), r.sparse.trace));
  const std::vector<std::string> warnings = LayerSumWarnings(r);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_THAT(warnings[0], HasSubstr("each step's time inside the traced CUDA-graph replay is in "
                                     "the --kernel-trace file (they sum to 39.0 us; the replay's "
                                     "span 39.0 us)"));
  EXPECT_THAT(warnings[1], Not(HasSubstr("--kernel-trace")));  // dense: no steps traced
}

}  // namespace
}  // namespace sf::tools
