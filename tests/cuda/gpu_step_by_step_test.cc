// Runtime::RunStepByStep on a GPU: one callback per plan step, in plan order,
// named as the plan names them, also when the shape has not run yet (a full
// Run comes first); a callback's error stops the run and is returned; the
// runtime's later Runs are unaffected. Skips without a GPU.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "runtime/npy.h"
#include "sf/runtime.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::testing::ElementsAreArray;

TEST(RunStepByStepGpuTest, CallsBackOncePerStepInOrderAndStopsAtAnError) {
  SF_SKIP_WITHOUT_GPU();
  ASSERT_OK_AND_ASSIGN(testing::FmnistOnGpu m, testing::LoadFmnistOnGpu());
  Runtime* rt = m.rt.get();
  const std::map<std::string, Tensor>& inputs = m.inputs;
  ASSERT_OK_AND_ASSIGN(Plan plan, rt->GetPlan({{m.input, m.images.dims()}}));
  std::vector<std::string> plan_names;
  std::vector<int> plan_indices;
  for (const PlanStep& step : plan.steps) {
    plan_indices.push_back(static_cast<int>(plan_names.size()));
    plan_names.push_back(step.name);
  }
  ASSERT_GT(plan_names.size(), 3u);

  // The shape's first run: RunStepByStep runs it whole first, then step by step.
  std::vector<int> indices;
  std::vector<std::string> names;
  ASSERT_OK(rt->RunStepByStep(inputs, [&](int step, const std::string& name) {
    indices.push_back(step);
    names.push_back(name);
    return absl::OkStatus();
  }));
  EXPECT_THAT(indices, ElementsAreArray(plan_indices));
  EXPECT_THAT(names, ElementsAreArray(plan_names));
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> first, rt->Run(inputs));

  int calls = 0;
  const absl::Status s = rt->RunStepByStep(inputs, [&](int step, const std::string&) {
    ++calls;
    return step == 1 ? absl::AbortedError("stop at 1") : absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(s.message(), "stop at 1");
  EXPECT_EQ(calls, 2);

  // Neither run changed what the model computes (a Run replays its graph).
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> after, rt->Run(inputs));
  ASSERT_EQ(first.size(), after.size());
  for (size_t i = 0; i < first.size(); ++i) {
    ASSERT_EQ(first[i].nbytes(), after[i].nbytes());
    EXPECT_EQ(std::memcmp(first[i].raw_data(), after[i].raw_data(), first[i].nbytes()), 0) << i;
  }
}

}  // namespace
}  // namespace sf
