// GpuExecutor end to end against CpuExecutor, its error paths, and the parts
// of the CUDA backend that run without a GPU (status conversion, kernel table,
// host-side Prepare errors).
#include <random>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "cuda/cuda_status.h"
#include "runtime/gpu/gpu_kernel.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::ExpectGpuMatchesCpu;
using ::sf::testing::OneNodeGraphBuilder;
using ::sf::testing::PlanFor;
using ::sf::testing::RandomTensor;
using ::sf::testing::RunCpu;
using ::sf::testing::RunGpu;
using ::sf::testing::StatusIs;
using ::testing::HasSubstr;
using Dims = std::vector<int64_t>;

ValueId AddNode(Graph& g, OpType op, const std::string& name, std::vector<ValueId> inputs,
                DataType dtype, const Dims& out, Attrs attrs = {}) {
  const ValueId y = g.AddValue(name + "_out", dtype, MakeShape(out));
  g.AddNode(Node{name, op, std::move(inputs), {y}, std::move(attrs)});
  return y;
}

// conv(3->4, 3x3, pad 1) -> BN -> LIF(T=2) -> MaxPool 2 -> Flatten -> Gemm(64->10),
// on x [T*N = 4, 3, 8, 8]. Outputs: the spikes and the logits.
Graph SmallSnn(std::mt19937& rng) {
  Graph g;
  const ValueId x = g.AddValue("x", DataType::kFloat32, MakeShape(Dims{4, 3, 8, 8}));
  g.AddInput(x);
  auto constant = [&](const std::string& name, Dims dims, double lo = -0.5, double hi = 0.5) {
    return g.AddConstant(name, RandomTensor(DataType::kFloat32, std::move(dims), rng, lo, hi));
  };
  Attrs conv_attrs;
  conv_attrs.Set("kernel_shape", Dims{3, 3});
  conv_attrs.Set("pads", Dims{1, 1, 1, 1});
  const ValueId conv = AddNode(g, OpType::kConv, "conv_0",
                               {x, constant("w", {4, 3, 3, 3}), constant("b", {4})},
                               DataType::kFloat32, {4, 4, 8, 8}, conv_attrs);
  const ValueId bn = AddNode(g, OpType::kBatchNormalization, "bn_0",
                             {conv, constant("scale", {4}, 0.5, 2.0), constant("bias", {4}),
                              constant("mean", {4}), constant("var", {4}, 0.5, 1.5)},
                             DataType::kFloat32, {4, 4, 8, 8});
  const Attrs lif_attrs = testing::LifAttrs(0.5f);
  const ValueId spikes =
      AddNode(g, OpType::kLIF, "lif_0", {bn}, DataType::kFloat32, {4, 4, 8, 8}, lif_attrs);
  Attrs pool_attrs;
  pool_attrs.Set("kernel_shape", Dims{2, 2});
  pool_attrs.Set("strides", Dims{2, 2});
  const ValueId pool =
      AddNode(g, OpType::kMaxPool, "pool_0", {spikes}, DataType::kFloat32, {4, 4, 4, 4}, pool_attrs);
  Attrs flatten_attrs;
  flatten_attrs.Set("axis", int64_t{1});
  const ValueId flat =
      AddNode(g, OpType::kFlatten, "flatten_0", {pool}, DataType::kFloat32, {4, 64}, flatten_attrs);
  Attrs gemm_attrs;
  gemm_attrs.Set("transB", int64_t{1});
  const ValueId logits =
      AddNode(g, OpType::kGemm, "fc_0", {flat, constant("fc_w", {10, 64}), constant("fc_b", {10})},
              DataType::kFloat32, {4, 10}, gemm_attrs);
  g.AddOutput(spikes);
  g.AddOutput(logits);
  return g;
}

TEST(GpuExecutorTest, SmallSnnMatchesCpu) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(21);
  Graph g = SmallSnn(rng);
  for (int run = 0; run < 3; ++run) {
    const std::vector<Tensor> inputs = {RandomTensor(DataType::kFloat32, {4, 3, 8, 8}, rng)};
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> cpu, RunCpu(g, inputs));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> gpu, RunGpu(g, inputs));
    ASSERT_EQ(gpu.size(), 2u);
    // Conv rounding differs from the CPU by ~1e-6; no membrane here sits that
    // close to the threshold, so the spikes and hence the logits agree.
    sf::testing::ExpectClose(gpu[0], cpu[0], 0, 0, "spikes");
    sf::testing::ExpectClose(gpu[1], cpu[1], 1e-5, 1e-5, "logits");
  }
}

TEST(GpuExecutorTest, RunIsRepeatableAndChecksInputs) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(22);
  Graph g = SmallSnn(rng);
  ASSERT_OK_AND_ASSIGN(auto exec, GpuExecutor::Create(g, PlanFor(g), 0));
  EXPECT_GT(exec->memory_plan().arena_bytes, 0);
  EXPECT_THAT(exec->KernelDescriptions()[0], HasSubstr("cudnn"));
  const std::vector<Tensor> inputs = {RandomTensor(DataType::kFloat32, {4, 3, 8, 8}, rng)};
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> first, exec->Run(inputs));
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> second, exec->Run(inputs));
  sf::testing::ExpectClose(second[1], first[1], 0, 0, "second run");

  const std::vector<Tensor> wrong = {RandomTensor(DataType::kFloat32, {2, 3, 8, 8}, rng)};
  EXPECT_THAT(exec->Run(wrong), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'x'")));
  EXPECT_THAT(exec->Run({}), StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("inputs")));
}

TEST(GpuExecutorTest, OpWithoutCudaKernelNamesNodeAndOp) {
  SF_SKIP_WITHOUT_GPU();
  auto g = OneNodeGraphBuilder(OpType::kShape, "shape_3")
               .Input(DataType::kFloat32, {1, 4})
               .Output(DataType::kInt64, {2})
               .Build();
  EXPECT_THAT(GpuExecutor::Create(g.graph, PlanFor(g.graph), 0),
              StatusIs(absl::StatusCode::kUnimplemented,
                       HasSubstr("node 'shape_3': op Shape has no CUDA kernel yet")));
}

TEST(GpuExecutorTest, BadDeviceFails) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(23);
  Graph g = SmallSnn(rng);
  EXPECT_FALSE(GpuExecutor::Create(g, PlanFor(g), 1 << 20).ok());
}

// --- Without a GPU -----------------------------------------------------------

TEST(CudaStatusTest, CarriesTheLibraryErrorString) {
  EXPECT_OK(cuda::CudaStatus(cudaSuccess, "x"));
  EXPECT_THAT(cuda::CudaStatus(cudaErrorMemoryAllocation, "cudaMalloc(&p, 4)"),
              StatusIs(absl::StatusCode::kResourceExhausted,
                       HasSubstr("cudaMalloc(&p, 4): cudaErrorMemoryAllocation")));
  EXPECT_THAT(cuda::CudnnStatus(CUDNN_STATUS_BAD_PARAM, "cudnnSetStream"),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("CUDNN_STATUS_BAD_PARAM")));
  EXPECT_THAT(cuda::CublasStatus(CUBLAS_STATUS_INVALID_VALUE, "cublasSgemm"),
              StatusIs(absl::StatusCode::kInternal, HasSubstr("CUBLAS_STATUS_INVALID_VALUE")));
}

TEST(GpuKernelTableTest, CoversTheZooOps) {
  for (OpType op :
       {OpType::kConv, OpType::kBatchNormalization, OpType::kIF, OpType::kLIF, OpType::kPLIF,
        OpType::kRelu, OpType::kAdd, OpType::kMul, OpType::kSub, OpType::kDiv, OpType::kMaxPool,
        OpType::kAveragePool, OpType::kGlobalAveragePool, OpType::kFlatten, OpType::kReshape,
        OpType::kGemm, OpType::kMatMul, OpType::kReduceMean, OpType::kConcat, OpType::kSlice,
        OpType::kGather, OpType::kTranspose, OpType::kSqueeze, OpType::kUnsqueeze,
        OpType::kIdentity, OpType::kDropout, OpType::kSigmoid, OpType::kSoftmax, OpType::kExpand,
        OpType::kCast, OpType::kWhere, OpType::kEqual, OpType::kGreater, OpType::kLess,
        OpType::kPad}) {
    EXPECT_NE(CreateGpuKernel(op), nullptr) << ToString(op);
  }
  EXPECT_EQ(CreateGpuKernel(OpType::kShape), nullptr);
}

TEST(GpuKernelPrepareTest, NonConstantSliceStartsAreRefusedByName) {
  auto g = OneNodeGraphBuilder(OpType::kSlice, "slice_5")
               .Input(DataType::kFloat32, {6})
               .Input(DataType::kInt64, {1})
               .ConstantInput(Tensor::FromVector<int64_t>({1}, {3}))
               .Output(DataType::kFloat32, {3})
               .Build();
  auto kernel = CreateGpuKernel(OpType::kSlice);
  EXPECT_THAT(kernel->Prepare(g.graph, g.graph.node(0), GpuPrepareContext{}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("slice_5")));
}

TEST(GpuKernelPrepareTest, BadBroadcastIsRefusedByName) {
  auto g = OneNodeGraphBuilder(OpType::kAdd, "add_2")
               .Input(DataType::kFloat32, {2, 3})
               .Input(DataType::kFloat32, {4})
               .Output(DataType::kFloat32, {2, 3})
               .Build();
  auto kernel = CreateGpuKernel(OpType::kAdd);
  EXPECT_THAT(kernel->Prepare(g.graph, g.graph.node(0), GpuPrepareContext{}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("add_2")));
}

}  // namespace
}  // namespace sf
