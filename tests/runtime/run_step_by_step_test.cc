// Runtime::RunStepByStep on the CPU: one callback per plan step, in plan
// order, named as the plan names them; a callback's error stops the run and
// is returned. And the Executor default for a backend without it.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "runtime/executor.h"
#include "runtime/npy.h"
#include "sf/runtime.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::testing::ElementsAreArray;

std::string Fmnist(const std::string& file) {
  return std::string(SF_SOURCE_DIR) + "/models/fmnist_snn/" + file;
}

struct Loaded {
  std::unique_ptr<Runtime> rt;
  std::map<std::string, Tensor> inputs;
  std::vector<std::string> step_names;  // of the plan for `inputs`
};

Loaded LoadFmnistOnCpu() {
  Options options;
  options.device = "cpu";
  Loaded l;
  l.rt = Runtime::Load(Fmnist("model.onnx"), options).value();
  Tensor images = ReadNpy(Fmnist("test_input.npy")).value();
  const Plan plan = l.rt->GetPlan({{"input", images.dims()}}).value();
  for (const PlanStep& step : plan.steps) l.step_names.push_back(step.name);
  l.inputs = {{"input", images}};
  return l;
}

TEST(RunStepByStepTest, CallsBackOncePerStepInPlanOrder) {
  Loaded l = LoadFmnistOnCpu();
  ASSERT_GT(l.step_names.size(), 3u);
  std::vector<int> indices;
  std::vector<std::string> names;
  ASSERT_OK(l.rt->RunStepByStep(l.inputs, [&](int step, const std::string& name) {
    indices.push_back(step);
    names.push_back(name);
    return absl::OkStatus();
  }));
  std::vector<int> expected(l.step_names.size());
  for (size_t i = 0; i < expected.size(); ++i) expected[i] = static_cast<int>(i);
  EXPECT_THAT(indices, ElementsAreArray(expected));
  EXPECT_THAT(names, ElementsAreArray(l.step_names));
  // It ran the plan: LastProfile has every step of it.
  EXPECT_EQ(l.rt->LastProfile().size(), l.step_names.size());
  // And left nothing behind: a normal Run still works.
  ASSERT_OK(l.rt->Run(l.inputs).status());
}

TEST(RunStepByStepTest, ACallbackErrorStopsTheRunAndIsReturned) {
  Loaded l = LoadFmnistOnCpu();
  int calls = 0;
  const absl::Status s = l.rt->RunStepByStep(l.inputs, [&](int step, const std::string&) {
    ++calls;
    return step == 2 ? absl::AbortedError("stop at 2") : absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kAborted);
  EXPECT_EQ(s.message(), "stop at 2");
  EXPECT_EQ(calls, 3);
  ASSERT_OK(l.rt->Run(l.inputs).status());  // the runtime is still usable
}

TEST(RunStepByStepTest, WrongInputsFailBeforeAnyStep) {
  Loaded l = LoadFmnistOnCpu();
  int calls = 0;
  const absl::Status s = l.rt->RunStepByStep({}, [&](int, const std::string&) {
    ++calls;
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(calls, 0);
}

// An executor that implements only what Executor requires.
class MinimalExecutor : public Executor {
 public:
  absl::StatusOr<std::vector<Tensor>> Run(std::span<const Tensor>) override {
    return std::vector<Tensor>();
  }
  absl::Status RunBound(std::span<const TensorView* const>, std::span<const TensorView* const>,
                        void*) override {
    return absl::OkStatus();
  }
  absl::Status ResetState() override { return absl::OkStatus(); }
  const MemoryPlan& memory_plan() const override { return plan_; }
  std::vector<StepStats> LastStepStats() const override { return {}; }
  absl::StatusOr<RunPhaseTimes> TimedRun(std::span<const Tensor>) override {
    return RunPhaseTimes();
  }
  absl::StatusOr<std::vector<StepProfile>> ProfileSteps(std::span<const Tensor>, int) override {
    return std::vector<StepProfile>();
  }

 private:
  MemoryPlan plan_;
};

TEST(RunStepByStepTest, ABackendWithoutItIsUnimplemented) {
  MinimalExecutor exec;
  int calls = 0;
  const absl::Status s = exec.RunStepByStep({}, [&](int) {
    ++calls;
    return absl::OkStatus();
  });
  EXPECT_EQ(s.code(), absl::StatusCode::kUnimplemented);
  EXPECT_EQ(calls, 0);
}

}  // namespace
}  // namespace sf
