// sfbench --kernel-trace on a GPU: CUPTI records the kernels of CUDA-graph
// replays of a real model, the summary splits a replay's span into kernel
// time and gaps, and a step-by-step run under the tracer splits it among the
// plan steps. Skips without a GPU.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "runtime/npy.h"
#include "sf/runtime.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tools/kernel_trace.h"

namespace sf {
namespace {

TEST(KernelTraceGpuTest, TracesEveryReplayOfAModel) {
  SF_SKIP_WITHOUT_GPU();
  ASSERT_OK_AND_ASSIGN(testing::FmnistOnGpu m, testing::LoadFmnistOnGpu());
  Runtime* rt = m.rt.get();
  const std::map<std::string, Tensor>& inputs = m.inputs;
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> before, rt->Run(inputs));
  absl::StatusOr<std::unique_ptr<tools::KernelTracer>> tracer = tools::KernelTracer::Create();
  if (!tracer.ok()) GTEST_SKIP() << "no CUPTI here: " << tracer.status().message();
  ASSERT_OK((*tracer)->Start());
  EXPECT_EQ((*tracer)->Start().code(), absl::StatusCode::kFailedPrecondition);  // one at a time
  ASSERT_OK_AND_ASSIGN(RunTimings t, rt->TimeRuns(inputs, 0, 5));
  ASSERT_OK_AND_ASSIGN(std::vector<tools::KernelRecord> records, (*tracer)->Stop());
  ASSERT_EQ(t.graph_us.size(), 5u) << t.graph_status;
  ASSERT_OK_AND_ASSIGN(tools::KernelTraceSummary s, tools::SummarizeReplays(records));
  EXPECT_GE(s.replays, 5);
  EXPECT_GE(s.kernels, 3);  // convs, neurons, the classifier at least
  EXPECT_EQ(s.kernel_list.size(), static_cast<size_t>(s.kernels));
  EXPECT_GT(s.busy_us, 0);
  EXPECT_NEAR(s.span_us, s.busy_us + s.gap_us, 0.01);
  // The replay's span on the GPU cannot exceed the events around it by much
  // (event timestamps bracket it; 1 us for clock granularity).
  double max_graph = 0;
  for (double us : t.graph_us) max_graph = std::max(max_graph, us);
  EXPECT_LE(s.min_span_us, max_graph + 1.0);
  // Tracing changed nothing the model computes.
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> after, rt->Run(inputs));
  ASSERT_EQ(before.size(), after.size());
  EXPECT_EQ(before[0].nbytes(), after[0].nbytes());
  EXPECT_EQ(std::memcmp(before[0].raw_data(), after[0].raw_data(), before[0].nbytes()), 0);
}

TEST(KernelTraceGpuTest, StepByStepRunSplitsTheReplayAmongTheSteps) {
  SF_SKIP_WITHOUT_GPU();
  ASSERT_OK_AND_ASSIGN(testing::FmnistOnGpu m, testing::LoadFmnistOnGpu());
  Runtime* rt = m.rt.get();
  const std::map<std::string, Tensor>& inputs = m.inputs;
  ASSERT_OK_AND_ASSIGN(Plan plan, rt->GetPlan({{m.input, m.images.dims()}}));
  ASSERT_OK(rt->Run(inputs).status());  // the kernels' first-run choices, as sfbench has them
  absl::StatusOr<std::unique_ptr<tools::KernelTracer>> tracer = tools::KernelTracer::Create();
  if (!tracer.ok()) GTEST_SKIP() << "no CUPTI here: " << tracer.status().message();
  tools::KernelTracer& t = **tracer;
  EXPECT_EQ(t.Flush().status().code(), absl::StatusCode::kFailedPrecondition);  // not running
  ASSERT_OK(t.Start());
  std::vector<tools::StepLaunches> launches;
  ASSERT_OK(rt->RunStepByStep(inputs, [&](int step, const std::string& name) -> absl::Status {
    SF_ASSIGN_OR_RETURN(std::vector<tools::KernelRecord> records, t.Flush());
    std::sort(records.begin(), records.end(),
              [](const tools::KernelRecord& a, const tools::KernelRecord& b) {
                return a.start_ns < b.start_ns;
              });
    tools::StepLaunches& l = launches.emplace_back();
    l.step = name;
    for (const tools::KernelRecord& k : records) {
      EXPECT_EQ(k.graph_id, 0u) << "step " << step << " " << name << ": launched plainly";
      l.kernels.push_back(k.name);
    }
    return absl::OkStatus();
  }));
  ASSERT_OK_AND_ASSIGN(std::vector<tools::KernelRecord> left, t.Flush());
  EXPECT_TRUE(left.empty()) << left.size() << " kernels after the last step's flush";
  ASSERT_OK_AND_ASSIGN(RunTimings timings, rt->TimeRuns(inputs, 0, 5));
  ASSERT_OK_AND_ASSIGN(std::vector<tools::KernelRecord> records, t.Stop());
  ASSERT_EQ(timings.graph_us.size(), 5u) << timings.graph_status;
  ASSERT_OK_AND_ASSIGN(tools::KernelTraceSummary s, tools::SummarizeReplays(records));
  ASSERT_OK_AND_ASSIGN(s.steps, tools::AttributeToSteps(launches, s));
  ASSERT_EQ(s.steps.size(), plan.steps.size());
  int kernels = 0;
  for (size_t i = 0; i < s.steps.size(); ++i) {
    EXPECT_EQ(s.steps[i].name, plan.steps[i].name);
    EXPECT_GE(s.steps[i].gap_us, 0);
    kernels += s.steps[i].kernels;
  }
  EXPECT_EQ(kernels, s.kernels);
  EXPECT_NEAR(tools::StepsGraphUs(s), s.span_us, 0.01);
  EXPECT_TRUE(tools::StepsMatchSpan(s));
}

}  // namespace
}  // namespace sf
