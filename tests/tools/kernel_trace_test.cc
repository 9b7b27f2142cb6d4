// sfbench --kernel-trace: the replay summary on synthetic CUPTI records (no
// GPU needed), and the flag's errors.

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
  EXPECT_THAT(json, HasSubstr("{\"name\": \"b\", \"us\": 20, \"gap_before_us\": 2}"));
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
}

TEST(KernelTraceTest, NoGraphLaunchIsNotFound) {
  EXPECT_EQ(SummarizeReplays({}).status().code(), absl::StatusCode::kNotFound);
  absl::StatusOr<KernelTraceSummary> s = SummarizeReplays({KernelRecord{"plain", 0, 1000, 5, 0}});
  EXPECT_EQ(s.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(s.status().message(), HasSubstr("CUDA graph"));
}

TEST(KernelTraceTest, ReportCarriesTheTraceOrWhyNot) {
  BenchReport r;
  r.device = "cuda:0";
  r.sparse.label = "sparseflow";
  r.dense.label = "dense";
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
  EXPECT_THAT(file, HasSubstr("     #     gap_us  kernel_us  kernel\n"));
  EXPECT_THAT(file, HasSubstr("dense plan: no trace: no kernel"));
}

}  // namespace
}  // namespace sf::tools
