// Runtime::RunInto on a CUDA device: device views bound in place, host views
// copied, a caller stream joined, CUDA graphs per pointer set, and no host or
// device allocation after the first call. Results are compared with Run() on
// the same Runtime (same kernels, same data: bit for bit).
//
// This is the only file of sf_cuda_tests that includes counting_new.h (it
// replaces the binary's operator new; it counts only inside an
// AllocationCounter's scope).
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cuda/resources.h"
#include "runtime/npy.h"
#include "sf/runtime.h"
#include "tests/testing/runtime_test_util.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/counting_new.h"
#include "tests/testing/run_into_test_util.h"
#include "tests/testing/status_matchers.h"
#include "tests/testing/step_test_util.h"

namespace sf {
namespace {

using ::sf::testing::AllocationCounter;
using ::sf::testing::BitEqual;
using ::sf::testing::RandomFloats;
using ::sf::testing::StatusIs;
using ::sf::testing::ViewOf;
using ::testing::HasSubstr;

constexpr int kRuns = 10;

// A device buffer holding a copy of `t` (synchronous copy).
cuda::DeviceBuffer ToDevice(const Tensor& t) {
  cuda::DeviceBuffer b = cuda::DeviceBuffer::Create(0, t.nbytes()).value();
  EXPECT_EQ(cudaMemcpy(b.data(), t.raw_data(), t.nbytes(), cudaMemcpyHostToDevice), cudaSuccess);
  return b;
}

Tensor ToHost(const cuda::DeviceBuffer& b, DataType dtype, const std::vector<int64_t>& dims) {
  Tensor t = Tensor::Create(dtype, dims).value();
  EXPECT_EQ(cudaMemcpy(t.raw_data(), b.data(), t.nbytes(), cudaMemcpyDeviceToHost), cudaSuccess);
  return t;
}

TensorView DeviceView(const cuda::DeviceBuffer& b, DataType dtype, std::vector<int64_t> dims) {
  return TensorView{b.data(), dtype, std::move(dims), MemoryKind::kCuda};
}

std::unique_ptr<Runtime> LoadGpu(const std::string& bytes, bool cuda_graphs = true) {
  return testing::LoadModelBytes(bytes, "cuda", cuda_graphs);
}

// The shipped fmnist_snn on its test images, and the small conv model.
struct GpuCase {
  std::unique_ptr<Runtime> rt;
  Tensor x;
};
std::vector<GpuCase> FmnistAndConvCases(unsigned seed) {
  const std::string dir = std::string(SF_SOURCE_DIR) + "/models/fmnist_snn";
  Options options;
  options.device = "cuda";
  std::vector<GpuCase> cases;
  auto fmnist = Runtime::Load(dir + "/model.onnx", options);
  auto image = ReadNpy(dir + "/test_input.npy");
  EXPECT_TRUE(fmnist.ok() && image.ok()) << fmnist.status() << " " << image.status();
  if (fmnist.ok() && image.ok()) cases.push_back({std::move(fmnist).value(), *std::move(image)});
  std::unique_ptr<Runtime> conv = LoadGpu(testing::ConvReluModel());
  if (conv != nullptr) cases.push_back({std::move(conv), RandomFloats({3, 2, 8, 8}, seed)});
  return cases;
}

// Device buffers for every output of `rt` at these input dims, and views.
struct DeviceOutputs {
  std::vector<std::vector<int64_t>> dims;
  std::vector<cuda::DeviceBuffer> buffers;
  std::map<std::string, TensorView> views;

  static DeviceOutputs For(Runtime& rt, const std::string& in, const std::vector<int64_t>& x_dims) {
    DeviceOutputs out;
    out.dims = rt.OutputDims({{in, x_dims}}).value();
    for (size_t j = 0; j < out.dims.size(); ++j) {
      const DataType dtype = rt.OutputInfo()[j].dtype;
      Tensor zero = Tensor::Create(dtype, out.dims[j]).value();
      out.buffers.push_back(ToDevice(zero));
    }
    for (size_t j = 0; j < out.dims.size(); ++j) {
      out.views[rt.OutputInfo()[j].name] =
          DeviceView(out.buffers[j], rt.OutputInfo()[j].dtype, out.dims[j]);
    }
    return out;
  }
  Tensor Host(Runtime& rt, size_t j) const {
    return ToHost(buffers[j], rt.OutputInfo()[j].dtype, dims[j]);
  }
};

TEST(GpuRunIntoTest, DeviceViewsWithCallerStreamEqualRun) {
  SF_SKIP_WITHOUT_GPU();
  std::vector<GpuCase> cases = FmnistAndConvCases(1);
  ASSERT_EQ(cases.size(), 2u);
  ASSERT_OK_AND_ASSIGN(cuda::Stream stream, cuda::Stream::Create(0));
  for (GpuCase& c : cases) {
    const std::string in = c.rt->InputInfo()[0].name;
    SCOPED_TRACE(in);
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> expected, c.rt->Run({{in, c.x}}));
    cuda::DeviceBuffer x = ToDevice(c.x);
    DeviceOutputs out = DeviceOutputs::For(*c.rt, in, c.x.dims());
    for (int round = 0; round < 4; ++round) {  // plain + captured, then replayed
      ASSERT_OK(c.rt->RunInto({{in, DeviceView(x, c.x.dtype(), c.x.dims())}}, out.views,
                              stream.get()));
      for (size_t j = 0; j < expected.size(); ++j) {
        EXPECT_TRUE(BitEqual(out.Host(*c.rt, j), expected[j])) << "output " << j << " round "
                                                               << round;
      }
    }
  }
}

TEST(GpuRunIntoTest, WorkQueuedOnTheCallerStreamIsSeen) {
  SF_SKIP_WITHOUT_GPU();
  std::unique_ptr<Runtime> rt = LoadGpu(testing::ConvReluModel());
  ASSERT_NE(rt, nullptr);
  const Tensor x = RandomFloats({4, 2, 8, 8}, 2);
  const Tensor zeros = Tensor::Create(DataType::kFloat32, x.dims()).value();
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> expected, rt->Run({{"x", zeros}}));
  ASSERT_OK_AND_ASSIGN(cuda::Stream stream, cuda::Stream::Create(0));
  // Plenty of work ahead of the memset on the caller stream, so that a run
  // that did not wait for it would read the old input.
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer busy, cuda::DeviceBuffer::Create(0, size_t{256} << 20));
  cuda::DeviceBuffer d_x = ToDevice(x);
  DeviceOutputs out = DeviceOutputs::For(*rt, "x", x.dims());
  for (int round = 0; round < 3; ++round) {
    ASSERT_EQ(cudaMemcpy(d_x.data(), x.raw_data(), x.nbytes(), cudaMemcpyHostToDevice),
              cudaSuccess);
    for (int k = 0; k < 8; ++k) {
      ASSERT_EQ(cudaMemsetAsync(busy.data(), k, busy.bytes(), stream.get()), cudaSuccess);
    }
    ASSERT_EQ(cudaMemsetAsync(d_x.data(), 0, x.nbytes(), stream.get()), cudaSuccess);
    ASSERT_OK(rt->RunInto({{"x", DeviceView(d_x, DataType::kFloat32, x.dims())}}, out.views,
                          stream.get()));
    // Work queued after RunInto on the caller stream sees the outputs.
    Tensor y = Tensor::Create(DataType::kFloat32, out.dims[1]).value();
    ASSERT_EQ(cudaMemcpyAsync(y.raw_data(), out.buffers[1].data(), y.nbytes(),
                              cudaMemcpyDeviceToHost, stream.get()),
              cudaSuccess);
    ASSERT_OK(stream.Synchronize());
    EXPECT_TRUE(BitEqual(out.Host(*rt, 0), expected[0])) << "round " << round;
    EXPECT_TRUE(BitEqual(y, expected[1])) << "round " << round;
  }
}

// Pointer sets A, A, A, B, B, A, C: plain + captured, replayed, replayed, plain (new),
// captured, plain (A is no longer the cached graph), plain; every run right.
// With cuda_graphs off every run launches plainly.
TEST(GpuRunIntoTest, SamePointersReplayAndNewPointersAreCorrect) {
  SF_SKIP_WITHOUT_GPU();
  for (bool graphs : {true, false}) {
    SCOPED_TRACE(graphs ? "cuda_graphs" : "plain");
    std::unique_ptr<Runtime> rt = LoadGpu(testing::ConvReluModel(), graphs);
    ASSERT_NE(rt, nullptr);
    const std::vector<int64_t> dims = {2, 2, 8, 8};
    struct Binding {
      cuda::DeviceBuffer x;
      DeviceOutputs out;
    };
    std::vector<Binding> sets;
    for (int s = 0; s < 3; ++s) {
      sets.push_back({ToDevice(RandomFloats(dims, 0)), DeviceOutputs::For(*rt, "x", dims)});
    }
    int run = 0;
    for (int s : {0, 0, 0, 1, 1, 0, 2}) {
      const Tensor x = RandomFloats(dims, static_cast<unsigned>(100 + run));
      ASSERT_OK_AND_ASSIGN(std::vector<Tensor> expected, rt->Run({{"x", x}}));
      Binding& b = sets[s];
      ASSERT_EQ(cudaMemcpy(b.x.data(), x.raw_data(), x.nbytes(), cudaMemcpyHostToDevice),
                cudaSuccess);
      ASSERT_OK(rt->RunInto({{"x", DeviceView(b.x, DataType::kFloat32, dims)}}, b.out.views));
      EXPECT_TRUE(BitEqual(b.out.Host(*rt, 0), expected[0])) << "run " << run << " set " << s;
      EXPECT_TRUE(BitEqual(b.out.Host(*rt, 1), expected[1])) << "run " << run << " set " << s;
      ++run;
    }
  }
}

TEST(GpuRunIntoTest, HostViewsAndMixedViews) {
  SF_SKIP_WITHOUT_GPU();
  std::unique_ptr<Runtime> rt = LoadGpu(testing::ConvReluModel());
  ASSERT_NE(rt, nullptr);
  Tensor x = RandomFloats({2, 2, 8, 8}, 3);
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> expected, rt->Run({{"x", x}}));
  Tensor c = Tensor::Create(DataType::kFloat32, expected[0].dims()).value();
  Tensor y = Tensor::Create(DataType::kFloat32, expected[1].dims()).value();
  for (int round = 0; round < 3; ++round) {
    ASSERT_OK(rt->RunInto({{"x", ViewOf(x)}}, {{"c", ViewOf(c)}, {"y", ViewOf(y)}}));
    EXPECT_TRUE(BitEqual(c, expected[0])) << round;
    EXPECT_TRUE(BitEqual(y, expected[1])) << round;
  }
  // Host input, one device and one host output.
  cuda::DeviceBuffer d_c = ToDevice(c);
  for (int round = 0; round < 3; ++round) {
    ASSERT_OK(rt->RunInto({{"x", ViewOf(x)}},
                          {{"c", DeviceView(d_c, DataType::kFloat32, c.dims())}, {"y", ViewOf(y)}}));
    EXPECT_TRUE(BitEqual(ToHost(d_c, DataType::kFloat32, c.dims()), expected[0])) << round;
    EXPECT_TRUE(BitEqual(y, expected[1])) << round;
  }
}

TEST(GpuRunIntoTest, InputAndConstantOutputsAreCopiedOnTheDevice) {
  SF_SKIP_WITHOUT_GPU();
  std::unique_ptr<Runtime> rt = LoadGpu(testing::PassThroughModel());
  ASSERT_NE(rt, nullptr);
  const Tensor x = RandomFloats({3, 4}, 4);
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> expected, rt->Run({{"x", x}}));
  cuda::DeviceBuffer d_x = ToDevice(x);
  DeviceOutputs out = DeviceOutputs::For(*rt, "x", x.dims());
  for (int round = 0; round < 3; ++round) {
    ASSERT_OK(rt->RunInto({{"x", DeviceView(d_x, DataType::kFloat32, x.dims())}}, out.views));
    for (size_t j = 0; j < expected.size(); ++j) {
      EXPECT_TRUE(BitEqual(out.Host(*rt, j), expected[j])) << "output " << j << " round " << round;
    }
  }
}

TEST(GpuRunIntoTest, MisplacedMemoryIsRefusedByName) {
  SF_SKIP_WITHOUT_GPU();
  std::unique_ptr<Runtime> rt = LoadGpu(testing::ConvReluModel());
  ASSERT_NE(rt, nullptr);
  Tensor x = RandomFloats({2, 2, 8, 8}, 5);
  cuda::DeviceBuffer d_x = ToDevice(x);
  DeviceOutputs out = DeviceOutputs::For(*rt, "x", x.dims());
  TensorView host_as_device = ViewOf(x, MemoryKind::kCuda);
  EXPECT_THAT(rt->RunInto({{"x", host_as_device}}, out.views),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("input 'x' is a cuda view but its data is not device memory")));
  TensorView device_as_host = DeviceView(d_x, DataType::kFloat32, x.dims());
  device_as_host.memory = MemoryKind::kHost;
  EXPECT_THAT(rt->RunInto({{"x", device_as_host}}, out.views),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("input 'x' is a host view of device memory")));
  auto bad_out = out.views;
  bad_out["y"].memory = MemoryKind::kHost;
  EXPECT_THAT(rt->RunInto({{"x", ViewOf(x)}}, bad_out),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("output 'y' is a host view of device memory")));
  EXPECT_OK(rt->RunInto({{"x", ViewOf(x)}}, out.views));
}

TEST(GpuRunIntoTest, NoHostOrDeviceAllocationAfterTheFirstCall) {
  SF_SKIP_WITHOUT_GPU();
  std::vector<GpuCase> cases = FmnistAndConvCases(6);
  ASSERT_EQ(cases.size(), 2u);
  ASSERT_OK_AND_ASSIGN(cuda::Stream stream, cuda::Stream::Create(0));
  for (GpuCase& c : cases) {
    const std::string in = c.rt->InputInfo()[0].name;
    SCOPED_TRACE(in);
    cuda::DeviceBuffer x = ToDevice(c.x);
    DeviceOutputs out = DeviceOutputs::For(*c.rt, in, c.x.dims());
    const std::map<std::string, TensorView> inputs = {
        {in, DeviceView(x, c.x.dtype(), c.x.dims())}};
    ASSERT_OK(c.rt->RunInto(inputs, out.views, stream.get()));
    // Run 1 launched plainly and captured the CUDA graph; 2.. replay it.
    for (int run = 2; run <= kRuns; ++run) {
      absl::Status s;
      int64_t host = 0;
      const int64_t device_before = cuda::DeviceAllocationCount();
      {
        AllocationCounter counter;
        s = c.rt->RunInto(inputs, out.views, stream.get());
        host = counter.count();
      }
      ASSERT_OK(s);
      EXPECT_EQ(host, 0) << "host allocations in RunInto #" << run;
      EXPECT_EQ(cuda::DeviceAllocationCount() - device_before, 0)
          << "device allocations in RunInto #" << run;
    }
    // Run allocates its returned tensors (and bookkeeping): the same each run.
    const std::map<std::string, Tensor> tensors = {{in, c.x}};
    ASSERT_OK(c.rt->Run(tensors).status());
    std::vector<int64_t> counts;
    for (int run = 2; run <= kRuns; ++run) {
      absl::StatusOr<std::vector<Tensor>> result;
      int64_t host = 0;
      const int64_t device_before = cuda::DeviceAllocationCount();
      {
        AllocationCounter counter;
        result = c.rt->Run(tensors);
        host = counter.count();
      }
      ASSERT_OK(result.status());
      EXPECT_EQ(cuda::DeviceAllocationCount() - device_before, 0) << "Run #" << run;
      counts.push_back(host);
    }
    for (int64_t n : counts) EXPECT_EQ(n, counts.front()) << "host allocations per Run";
  }
}

}  // namespace
}  // namespace sf
