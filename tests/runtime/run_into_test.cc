// Runtime::RunInto on the CPU: caller memory in place, equal to Run bit for
// bit, every error class named (tests/cuda/gpu_run_into_test.cc on a GPU;
// allocation counts in alloc_count_test.cc).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/cpu_executor.h"
#include "runtime/npy.h"
#include "sf/runtime.h"
#include "tests/testing/runtime_test_util.h"
#include "tests/testing/graph_builder.h"
#include "tests/testing/run_into_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/step_test_util.h"

namespace sf {
namespace {

using ::sf::testing::BitEqual;
using ::sf::testing::RandomFloats;
using ::sf::testing::StatusIs;
using ::sf::testing::ViewOf;
using ::testing::HasSubstr;

std::unique_ptr<Runtime> LoadCpu(const std::string& bytes) {
  return testing::LoadModelBytes(bytes, "cpu");
}

// Host tensors shaped like the model's outputs for these input dims.
std::vector<Tensor> OutputTensors(Runtime& rt,
                                  const std::map<std::string, std::vector<int64_t>>& input_dims) {
  std::vector<Tensor> out;
  auto dims = rt.OutputDims(input_dims);
  EXPECT_TRUE(dims.ok()) << dims.status();
  if (!dims.ok()) return out;
  for (size_t j = 0; j < dims->size(); ++j) {
    out.push_back(Tensor::Create(rt.OutputInfo()[j].dtype, (*dims)[j]).value());
  }
  return out;
}

std::map<std::string, TensorView> OutputViews(Runtime& rt, std::vector<Tensor>& tensors) {
  std::map<std::string, TensorView> views;
  for (size_t j = 0; j < tensors.size(); ++j) {
    views[rt.OutputInfo()[j].name] = ViewOf(tensors[j]);
  }
  return views;
}

TEST(RunIntoTest, OutputDimsFollowInputDims) {
  std::unique_ptr<Runtime> rt = LoadCpu(testing::ConvReluModel());
  ASSERT_NE(rt, nullptr);
  ASSERT_OK_AND_ASSIGN(auto dims, rt->OutputDims({{"x", {5, 2, 8, 8}}}));
  EXPECT_EQ(dims, (std::vector<std::vector<int64_t>>{{5, 3, 8, 8}, {5, 3, 8, 8}}));
}

TEST(RunIntoTest, EqualsRunBitForBitOnShippedAndSmallModels) {
  const std::string dir = std::string(SF_SOURCE_DIR) + "/models/fmnist_snn";
  Options options;
  options.device = "cpu";
  ASSERT_OK_AND_ASSIGN(auto fmnist, Runtime::Load(dir + "/model.onnx", options));
  ASSERT_OK_AND_ASSIGN(Tensor image, ReadNpy(dir + "/test_input.npy"));
  std::unique_ptr<Runtime> conv = LoadCpu(testing::ConvReluModel());
  ASSERT_NE(conv, nullptr);
  struct Case {
    Runtime* rt;
    Tensor x;
  };
  for (Case c : {Case{fmnist.get(), image}, Case{conv.get(), RandomFloats({3, 2, 8, 8}, 1)}}) {
    const std::string in = c.rt->InputInfo()[0].name;
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> expected, c.rt->Run({{in, c.x}}));
    std::vector<Tensor> out = OutputTensors(*c.rt, {{in, c.x.dims()}});
    ASSERT_EQ(out.size(), expected.size());
    for (int round = 0; round < 3; ++round) {  // the same memory again
      ASSERT_OK(c.rt->RunInto({{in, ViewOf(c.x)}}, OutputViews(*c.rt, out)));
      for (size_t j = 0; j < out.size(); ++j) {
        EXPECT_TRUE(BitEqual(out[j], expected[j])) << in << " output " << j << " round " << round;
      }
    }
    // Run still gives the same after RunInto used the executor.
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> again, c.rt->Run({{in, c.x}}));
    for (size_t j = 0; j < out.size(); ++j) EXPECT_TRUE(BitEqual(again[j], expected[j]));
  }
}

TEST(RunIntoTest, NewBuffersAndShapesEachRun) {
  std::unique_ptr<Runtime> rt = LoadCpu(testing::ConvReluModel());
  ASSERT_NE(rt, nullptr);
  for (int64_t n : {2, 4, 2}) {
    Tensor x = RandomFloats({n, 2, 8, 8}, static_cast<unsigned>(n));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> expected, rt->Run({{"x", x}}));
    std::vector<Tensor> out = OutputTensors(*rt, {{"x", x.dims()}});
    ASSERT_OK(rt->RunInto({{"x", ViewOf(x)}}, OutputViews(*rt, out)));
    EXPECT_TRUE(BitEqual(out[0], expected[0])) << n;
    EXPECT_TRUE(BitEqual(out[1], expected[1])) << n;
  }
}

TEST(RunIntoTest, InputAndConstantOutputsAreCopied) {
  std::unique_ptr<Runtime> rt = LoadCpu(testing::PassThroughModel());
  ASSERT_NE(rt, nullptr);
  Tensor x = RandomFloats({2, 4}, 3);
  std::vector<Tensor> out = OutputTensors(*rt, {{"x", x.dims()}});
  ASSERT_EQ(out.size(), 3u);
  ASSERT_OK(rt->RunInto({{"x", ViewOf(x)}}, OutputViews(*rt, out)));
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> expected, rt->Run({{"x", x}}));
  for (size_t j = 0; j < out.size(); ++j) EXPECT_TRUE(BitEqual(out[j], expected[j])) << j;
  EXPECT_TRUE(BitEqual(out[1], x));
  EXPECT_EQ(out[2].span<float>()[2], 3.25f);
}

TEST(RunIntoTest, RepeatedOutputIsCopied) {
  // The importer refuses an output listed twice; a graph can still hold one.
  testing::OneNodeGraph g = testing::OneNodeGraphBuilder(OpType::kRelu, "relu")
                                .Input(DataType::kFloat32, {2, 3})
                                .Output(DataType::kFloat32, {2, 3})
                                .Build();
  g.graph.AddOutput(g.graph.node(0).outputs[0]);
  PlanStep step;
  step.node = 0;
  step.name = "relu";
  step.op = OpType::kRelu;
  step.kernel = "dense";
  Plan plan;
  plan.steps.push_back(step);
  ASSERT_OK_AND_ASSIGN(auto exec, CpuExecutor::Create(g.graph, plan));
  Tensor x = RandomFloats({2, 3}, 4);
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> expected, exec->Run(std::vector<Tensor>{x}));
  Tensor a = Tensor::Create(DataType::kFloat32, {2, 3}).value();
  Tensor b = Tensor::Create(DataType::kFloat32, {2, 3}).value();
  const TensorView vx = ViewOf(x), va = ViewOf(a), vb = ViewOf(b);
  const TensorView* ins[] = {&vx};
  const TensorView* outs[] = {&va, &vb};
  ASSERT_OK(exec->RunBound(ins, outs, nullptr));
  EXPECT_TRUE(BitEqual(a, expected[0]));
  EXPECT_TRUE(BitEqual(b, expected[1]));
}

TEST(RunIntoTest, ErrorsNameTheTensor) {
  std::unique_ptr<Runtime> rt = LoadCpu(testing::ConvReluModel());
  ASSERT_NE(rt, nullptr);
  Tensor x = RandomFloats({2, 2, 8, 8}, 5);
  std::vector<Tensor> out = OutputTensors(*rt, {{"x", x.dims()}});
  const std::map<std::string, TensorView> ins = {{"x", ViewOf(x)}};
  const std::map<std::string, TensorView> outs = OutputViews(*rt, out);
  const auto invalid = [](absl::string_view text) {
    return StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(std::string(text)));
  };
  ASSERT_OK(rt->RunInto(ins, outs));

  auto bad = ins;
  bad["z"] = ViewOf(x);
  EXPECT_THAT(rt->RunInto(bad, outs), invalid("no input named 'z'"));
  EXPECT_THAT(rt->RunInto({}, outs), invalid("missing input 'x'"));
  bad = ins;
  bad["x"].dtype = DataType::kFloat64;
  EXPECT_THAT(rt->RunInto(bad, outs), invalid("input 'x' has dtype float64"));
  bad = ins;
  bad["x"].dims = {2, 3, 8, 8};
  EXPECT_THAT(rt->RunInto(bad, outs), invalid("input 'x' has shape [2,3,8,8]"));
  bad = ins;
  bad["x"].data = nullptr;
  EXPECT_THAT(rt->RunInto(bad, outs), invalid("input 'x' has null data"));
  bad = ins;
  bad["x"].memory = MemoryKind::kCuda;
  EXPECT_THAT(rt->RunInto(bad, outs), invalid("input 'x' is a cuda view"));

  auto bad_out = outs;
  bad_out["w"] = outs.at("y");
  EXPECT_THAT(rt->RunInto(ins, bad_out), invalid("no output named 'w'"));
  bad_out = outs;
  bad_out.erase("c");
  EXPECT_THAT(rt->RunInto(ins, bad_out), invalid("missing output 'c'"));
  bad_out = outs;
  bad_out["y"].dtype = DataType::kInt64;
  EXPECT_THAT(rt->RunInto(ins, bad_out), invalid("output 'y' has dtype int64"));
  bad_out = outs;
  bad_out["y"].dims = {2, 3, 8, 7};
  EXPECT_THAT(rt->RunInto(ins, bad_out),
              invalid("output 'y' has shape [2,3,8,7] but the model gives [2,3,8,8]"));
  bad_out = outs;
  bad_out["c"].data = nullptr;
  EXPECT_THAT(rt->RunInto(ins, bad_out), invalid("output 'c' has null data"));
  bad_out = outs;
  bad_out["y"].memory = MemoryKind::kCuda;
  EXPECT_THAT(rt->RunInto(ins, bad_out), invalid("output 'y' is a cuda view"));

  int fake_stream = 0;
  EXPECT_THAT(rt->RunInto(ins, outs, &fake_stream), invalid("CUDA stream"));
  // The runtime still works after the errors.
  EXPECT_OK(rt->RunInto(ins, outs));
}

}  // namespace
}  // namespace sf
