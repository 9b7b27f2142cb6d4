// Heap allocations of Runtime::RunInto and Run on the CPU, counted by
// replacing the global operator new of this test binary (the only file of
// sf_runtime_tests that includes counting_new.h; it counts only inside an
// AllocationCounter's scope). tests/cuda/gpu_run_into_test.cc does the same on
// a GPU, with device allocations too.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "runtime/npy.h"
#include "sf/runtime.h"
#include "tests/testing/counting_new.h"
#include "tests/testing/run_into_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::AllocationCounter;
using ::sf::testing::ViewOf;

constexpr int kRuns = 10;

struct Model {
  std::string name;
  std::unique_ptr<Runtime> rt;
  Tensor x;
};

std::vector<Model> CpuModels() {
  std::vector<Model> models;
  Options options;
  options.device = "cpu";
  const std::string dir = std::string(SF_SOURCE_DIR) + "/models/fmnist_snn";
  auto fmnist = Runtime::Load(dir + "/model.onnx", options);
  auto image = ReadNpy(dir + "/test_input.npy");
  EXPECT_TRUE(fmnist.ok() && image.ok()) << fmnist.status() << image.status();
  if (fmnist.ok() && image.ok()) models.push_back({"fmnist_snn", *std::move(fmnist), *image});
  auto conv = Runtime::LoadFromBytes(testing::ConvReluModel(), options);
  EXPECT_TRUE(conv.ok()) << conv.status();
  if (conv.ok()) {
    models.push_back({"conv_relu", *std::move(conv), testing::RandomFloats({3, 2, 8, 8}, 7)});
  }
  return models;
}

TEST(AllocCountTest, CounterSeesAllocations) {
  AllocationCounter counter;
  auto v = std::make_unique<std::vector<int>>(100);
  EXPECT_EQ(counter.count(), 2);
}

TEST(AllocCountTest, RunIntoAllocatesNothingAfterTheFirstCall) {
  for (Model& m : CpuModels()) {
    SCOPED_TRACE(m.name);
    const std::string in = m.rt->InputInfo()[0].name;
    ASSERT_OK_AND_ASSIGN(auto dims, m.rt->OutputDims({{in, m.x.dims()}}));
    std::vector<Tensor> out;
    std::map<std::string, TensorView> outputs;
    for (size_t j = 0; j < dims.size(); ++j) {
      out.push_back(Tensor::Create(m.rt->OutputInfo()[j].dtype, dims[j]).value());
      outputs[m.rt->OutputInfo()[j].name] = ViewOf(out.back());
    }
    const std::map<std::string, TensorView> inputs = {{in, ViewOf(m.x)}};
    ASSERT_OK(m.rt->RunInto(inputs, outputs));
    for (int run = 2; run <= kRuns; ++run) {
      absl::Status s;
      int64_t allocations = 0;
      {
        AllocationCounter counter;
        s = m.rt->RunInto(inputs, outputs);
        allocations = counter.count();
      }
      ASSERT_OK(s);
      EXPECT_EQ(allocations, 0) << "RunInto #" << run;
    }
  }
}

// Run allocates what it returns and some bookkeeping, the same each time.
TEST(AllocCountTest, RunAllocatesAConstantCountPerRun) {
  for (Model& m : CpuModels()) {
    SCOPED_TRACE(m.name);
    const std::map<std::string, Tensor> inputs = {{m.rt->InputInfo()[0].name, m.x}};
    ASSERT_OK(m.rt->Run(inputs).status());
    std::vector<int64_t> counts;
    for (int run = 2; run <= kRuns; ++run) {
      absl::StatusOr<std::vector<Tensor>> out;
      int64_t allocations = 0;
      {
        AllocationCounter counter;
        out = m.rt->Run(inputs);
        allocations = counter.count();
      }
      ASSERT_OK(out.status());
      counts.push_back(allocations);
    }
    EXPECT_GT(counts.front(), 0);
    for (int64_t c : counts) EXPECT_EQ(c, counts.front());
  }
}

}  // namespace
}  // namespace sf
