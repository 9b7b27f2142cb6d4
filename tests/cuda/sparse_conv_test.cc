// The CUDA block-sparse conv (cuda/kernels/sparse_conv.h) against the CPU
// reference conv (runtime/cpu/conv.h) over many shapes, densities, spike
// patterns and tile borders, and its dispatch by GpuExecutor for plan steps
// marked "sparse", and the kernel's choice between sparse and cuDNN by
// SparseMode (each path forced, and measured). GPU tests skip without a GPU; the host helpers run anywhere.
#include "cuda/kernels/sparse_conv.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cuda/cuda_status.h"
#include "cuda/resources.h"
#include "runtime/cpu/conv.h"
#include "runtime/gpu/sparse_conv_kernel.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/cuda/sparse_conv_cases.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::Abs;
using ::sf::testing::Case;
using ::sf::testing::CaseName;
using ::sf::testing::CpuConv;
using ::sf::testing::MakeInput;
using ::sf::testing::OneNodeGraphBuilder;
using ::sf::testing::ParamsOf;
using ::sf::testing::RandomVector;
using ::sf::testing::ShapeOf;
using ::sf::testing::Upload;
using ::sf::testing::RandomTensor;
using ::sf::testing::StatusIs;
using ::testing::HasSubstr;
using Dims = std::vector<int64_t>;

// Relative to the sum of |terms| of each output (bias included): the bound
// float rounding of a differently ordered sum obeys.
constexpr double kRelTol = 1e-5;

struct GpuResult {
  std::vector<float> y;
  cuda::SparseConvCounters counters;
};

// Runs LaunchSparseConv on device 0 and copies the output back. `zeroed`:
// `launches` launches, each with counters of its own in one buffer zeroed
// once before them (as the executor's runs of a CUDA graph), instead of the
// workspace's reset per launch; the result is the last launch's.
absl::StatusOr<GpuResult> RunSparse(const cuda::SparseConvShape& s, const std::vector<float>& x,
                                    const std::vector<float>& w, const std::vector<float>& bias,
                                    bool zeroed = false, int launches = 1) {
  std::vector<float> packed(w.size());
  cuda::RepackSparseConvWeights(w.data(), s.c_out, s.c_in, s.ksize, packed.data());
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dx, Upload(x));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dw, Upload(packed));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer db, Upload(bias));
  GpuResult r;
  r.y.assign(static_cast<size_t>(s.n * s.c_out * s.out_h * s.out_w), std::nanf(""));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer dy, Upload(r.y));
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer ws,
                      cuda::DeviceBuffer::Create(0, cuda::SparseConvWorkspaceBytes(s)));
  const size_t stride = cuda::SparseConvCounterBytes();
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer counters,
                      cuda::DeviceBuffer::Create(0, zeroed ? stride * launches : 16));
  SF_CUDA_RETURN_IF_ERROR(cudaMemset(counters.data(), 0, counters.bytes()));
  int* last = nullptr;
  for (int i = 0; i < launches; ++i) {
    last = zeroed ? static_cast<int*>(counters.data()) + i * (stride / sizeof(int)) : nullptr;
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConv(
        s, static_cast<const float*>(dx.data()), static_cast<const float*>(dw.data()),
        bias.empty() ? nullptr : static_cast<const float*>(db.data()),
        static_cast<float*>(dy.data()), ws.data(), nullptr, last));
  }
  SF_CUDA_RETURN_IF_ERROR(cudaDeviceSynchronize());
  if (!r.y.empty()) {
    SF_CUDA_RETURN_IF_ERROR(
        cudaMemcpy(r.y.data(), dy.data(), r.y.size() * sizeof(float), cudaMemcpyDeviceToHost));
  }
  SF_CUDA_RETURN_IF_ERROR(cuda::ReadSparseConvCounters(zeroed ? last : ws.data(), &r.counters));
  return r;
}

// GPU sparse conv == CPU conv within kRelTol of each output's sum of |terms|.
void ExpectSparseMatchesCpu(const Case& c, const std::vector<float>& x, bool binary, bool with_bias,
                            std::mt19937& rng, const std::string& what) {
  const Conv2dParams p = ParamsOf(c);
  const std::vector<float> w = RandomVector(static_cast<size_t>(p.c_out * p.c_in * c.k * c.k), rng);
  const std::vector<float> bias =
      with_bias ? RandomVector(static_cast<size_t>(p.c_out), rng) : std::vector<float>{};
  const std::vector<float> ref = CpuConv(p, x, w, bias);
  const std::vector<float> bound = CpuConv(p, Abs(x), Abs(w), Abs(bias));
  absl::StatusOr<GpuResult> gpu = RunSparse(ShapeOf(c, binary), x, w, bias);
  ASSERT_TRUE(gpu.ok()) << what << ": " << gpu.status();
  testing::ExpectWithin(gpu->y, ref, [&](size_t i) { return kRelTol * bound[i]; }, what);
}

const std::vector<Case>& Shapes() {
  static const std::vector<Case> shapes = {
      {2, 3, 13, 11, 7, 3, 1, 1, 1, 1, 1, 4},    {2, 5, 17, 19, 9, 3, 2, 1, 1, 1, 1, 8},
      {1, 37, 10, 9, 65, 1, 1, 0, 0, 0, 0, 4},   {2, 16, 15, 15, 33, 1, 2, 0, 0, 0, 0, 8},
      {1, 130, 9, 12, 129, 3, 1, 1, 1, 1, 1, 8}, {1, 256, 7, 7, 256, 3, 2, 1, 1, 1, 1, 4},
      {3, 9, 20, 6, 70, 3, 1, 0, 0, 0, 0, 3},    {1, 11, 12, 14, 5, 3, 2, 0, 0, 0, 0, 5},
      {2, 64, 8, 8, 64, 3, 1, 1, 1, 1, 1, 8},    {1, 3, 5, 5, 2, 1, 1, 0, 0, 0, 0, 1},
      {1, 19, 33, 31, 21, 3, 1, 1, 1, 1, 1, 8},  {2, 6, 11, 10, 12, 3, 1, 1, 0, 0, 1, 4},
      {1, 7, 9, 13, 6, 3, 2, 0, 1, 1, 0, 2},     {1, 10, 6, 6, 3, 1, 1, 1, 1, 1, 1, 4}};
  return shapes;
}

TEST(SparseConvHostTest, RepackPutsOutputChannelsInRows) {
  // w[k][c][t] for c_out 2, c_in 3, 1x1.
  const std::vector<float> w = {0, 1, 2, 10, 11, 12};
  std::vector<float> out(6);
  cuda::RepackSparseConvWeights(w.data(), 2, 3, 1, out.data());
  EXPECT_EQ(out, (std::vector<float>{0, 10, 1, 11, 2, 12}));
}

TEST(SparseConvHostTest, SupportedShapesAndTiles) {
  EXPECT_EQ(cuda::SparseConvTileFor(16), cuda::kSparseConvMaxTile);
  EXPECT_EQ(cuda::SparseConvTileFor(4), 4);
  cuda::SparseConvShape s = ShapeOf(Shapes()[0], true);
  EXPECT_EQ(std::string(cuda::SparseConvUnsupportedReason(s)), "");
  s.ksize = 5;
  EXPECT_THAT(cuda::SparseConvUnsupportedReason(s), HasSubstr("kernel size"));
  s = ShapeOf(Shapes()[0], true);
  s.stride = 3;
  EXPECT_THAT(cuda::SparseConvUnsupportedReason(s), HasSubstr("stride"));
  s = ShapeOf(Shapes()[0], true);
  s.tile = 9;
  EXPECT_THAT(cuda::SparseConvUnsupportedReason(s), HasSubstr("tile"));
  EXPECT_GT(cuda::SparseConvWorkspaceBytes(ShapeOf(Shapes()[0], true)), 0u);
}

TEST(SparseConvGpuTest, MatchesCpuOverShapesDensitiesAndPatterns) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(7);
  int run = 0;
  for (const Case& c : Shapes()) {
    const Conv2dParams p = ParamsOf(c);
    for (double density : {0.0, 1e-3, 0.01, 0.1, 0.5, 1.0}) {
      for (bool binary : {true, false}) {
        for (bool clustered : {false, true}) {
          const std::vector<float> x = MakeInput(p, density, binary, clustered, rng);
          const bool with_bias = ++run % 2 == 0;
          ExpectSparseMatchesCpu(
              c, x, binary, with_bias, rng,
              absl::StrCat(CaseName(c), " density ", density, binary ? " binary" : " values",
                           clustered ? " clustered" : " uniform", with_bias ? " bias" : ""));
        }
      }
    }
  }
}

TEST(SparseConvGpuTest, SingleSpikeAtEveryTileEdgeAndCorner) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(8);
  // 19x19 with tile 8: rows/cols 0, 7, 8, 15, 16 are tile edges, 18 the image edge.
  const std::vector<Case> cases = {{1, 9, 19, 19, 5, 3, 1, 1, 1, 1, 1, 8},
                                   {1, 9, 19, 19, 5, 3, 2, 1, 1, 1, 1, 4},
                                   {1, 9, 19, 19, 5, 1, 2, 0, 0, 0, 0, 4},
                                   {1, 9, 19, 19, 5, 3, 1, 0, 0, 0, 0, 8}};
  const int64_t edges[] = {0, 1, 7, 8, 9, 15, 16, 17, 18};
  for (const Case& c : cases) {
    const Conv2dParams p = ParamsOf(c);
    for (int64_t r : edges) {
      for (int64_t col : edges) {
        std::vector<float> x(static_cast<size_t>(p.c_in * p.h * p.w), 0.0f);
        const int64_t channel = (r + col) % p.c_in;  // both channel groups
        x[(channel * p.h + r) * p.w + col] = 1.0f;
        ExpectSparseMatchesCpu(c, x, true, true, rng,
                               absl::StrCat(CaseName(c), " spike at ", r, ",", col));
      }
    }
  }
}

TEST(SparseConvGpuTest, DeterministicAndSkipsEmptyWork) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(9);
  const Case c{2, 20, 24, 24, 40, 3, 1, 1, 1, 1, 1, 8};
  const Conv2dParams p = ParamsOf(c);
  const std::vector<float> w = RandomVector(static_cast<size_t>(40 * 20 * 9), rng);
  const std::vector<float> bias = RandomVector(40, rng);
  const std::vector<float> x = MakeInput(p, 0.05, false, true, rng);
  ASSERT_OK_AND_ASSIGN(GpuResult a, RunSparse(ShapeOf(c, false), x, w, bias));
  ASSERT_OK_AND_ASSIGN(GpuResult b, RunSparse(ShapeOf(c, false), x, w, bias));
  EXPECT_EQ(std::memcmp(a.y.data(), b.y.data(), a.y.size() * sizeof(float)), 0);
  EXPECT_EQ(a.counters.active_tiles + a.counters.empty_tiles, 2 * 3 * 3);

  const std::vector<float> zeros(x.size(), 0.0f);
  ASSERT_OK_AND_ASSIGN(GpuResult z, RunSparse(ShapeOf(c, true), zeros, w, bias));
  EXPECT_EQ(z.counters.active_tiles, 0);
  EXPECT_EQ(z.counters.active_groups, 0);
  for (int64_t i = 0; i < static_cast<int64_t>(z.y.size()); ++i) {
    ASSERT_EQ(z.y[i], bias[(i / (p.out_h * p.out_w)) % 40]) << "bias only at " << i;
  }
  const std::vector<float> ones(x.size(), 1.0f);
  ASSERT_OK_AND_ASSIGN(GpuResult o, RunSparse(ShapeOf(c, true), ones, w, bias));
  EXPECT_EQ(o.counters.active_tiles, 18);
  EXPECT_EQ(o.counters.active_groups, 18 * 3);
}

// Counters in zeroed memory of the caller's (the executor's, once per run)
// instead of the workspace's memset per launch: the same output bits and
// counts, launch after launch (each with its own counters), at 0%, a few and
// all tiles active.
TEST(SparseConvGpuTest, ZeroedCountersGiveTheSameResult) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(31);
  const Case c{3, 20, 24, 24, 40, 3, 1, 1, 1, 1, 1, 8};
  const Conv2dParams p = ParamsOf(c);
  const std::vector<float> w = RandomVector(static_cast<size_t>(40 * 20 * 9), rng);
  const std::vector<float> bias = RandomVector(40, rng);
  for (const double density : {0.0, 0.003, 1.0}) {
    const std::vector<float> x = MakeInput(p, density, true, true, rng);
    ASSERT_OK_AND_ASSIGN(GpuResult want, RunSparse(ShapeOf(c, true), x, w, bias));
    ASSERT_OK_AND_ASSIGN(GpuResult got, RunSparse(ShapeOf(c, true), x, w, bias, true, 3));
    EXPECT_EQ(std::memcmp(want.y.data(), got.y.data(), want.y.size() * sizeof(float)), 0)
        << "density " << density;
    EXPECT_EQ(got.counters.active_tiles, want.counters.active_tiles) << "density " << density;
    EXPECT_EQ(got.counters.empty_tiles, want.counters.empty_tiles) << "density " << density;
    EXPECT_EQ(got.counters.active_groups, want.counters.active_groups) << "density " << density;
    EXPECT_EQ(got.counters.active_tiles + got.counters.empty_tiles, 3 * 3 * 3);
  }
}

// A one-conv graph and a plan whose step is "sparse" with `block`.
struct SparseGraph {
  Graph graph;
  Plan plan;
};

SparseGraph MakeSparseGraph(const Case& c, const std::string& name, int block, int64_t dilation,
                            std::mt19937& rng) {
  const Conv2dParams p = ParamsOf(c);
  const int64_t span = dilation * (c.k - 1) + 1;
  const int64_t out_h = (c.h + c.pad_top + c.pad_bottom - span) / c.stride + 1;
  const int64_t out_w = (c.w + c.pad_left + c.pad_right - span) / c.stride + 1;
  auto g = OneNodeGraphBuilder(OpType::kConv, name)
               .Input(DataType::kFloat32, {p.n, p.c_in, p.h, p.w})
               .ConstantInput(RandomTensor(DataType::kFloat32, {p.c_out, p.c_in, c.k, c.k}, rng))
               .ConstantInput(RandomTensor(DataType::kFloat32, {p.c_out}, rng))
               .Output(DataType::kFloat32, {p.n, p.c_out, out_h, out_w})
               .Attr("kernel_shape", Dims{c.k, c.k})
               .Attr("strides", Dims{c.stride, c.stride})
               .Attr("pads", Dims{c.pad_top, c.pad_left, c.pad_bottom, c.pad_right})
               .Attr("dilations", Dims{dilation, dilation})
               .Build();
  SparseGraph s{std::move(g.graph), {}};
  s.plan = testing::PlanFor(s.graph);
  s.plan.steps[0].kernel = "sparse";
  s.plan.steps[0].block = block;
  s.plan.steps[0].input_class = ValueClass::kBinary;
  return s;
}

TEST(SparseConvGpuTest, ExecutorRunsPlannedSparseConvs) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(10);
  for (const Case& c :
       {Case{2, 12, 32, 32, 16, 3, 1, 1, 1, 1, 1, 0}, Case{2, 12, 17, 15, 24, 3, 2, 1, 1, 1, 1, 0},
        Case{1, 40, 9, 9, 20, 1, 2, 0, 0, 0, 0, 0}}) {
    SparseGraph s = MakeSparseGraph(c, "conv_sparse", 16, 1, rng);
    const Conv2dParams p = ParamsOf(c);
    Tensor x = Tensor::Create(DataType::kFloat32, {p.n, p.c_in, p.h, p.w}).value();
    const std::vector<float> spikes = MakeInput(p, 0.05, true, true, rng);
    std::copy(spikes.begin(), spikes.end(), x.data<float>());
    const std::vector<Tensor> inputs = {x};
    ASSERT_OK_AND_ASSIGN(auto gpu, GpuExecutor::Create(s.graph, s.plan, 0));
    EXPECT_THAT(gpu->KernelDescriptions()[0], HasSubstr("sparse tile 8"));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, gpu->Run(inputs));
    EXPECT_THAT(gpu->KernelDescriptions()[0], HasSubstr("chosen: "));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> want, testing::RunCpu(s.graph, inputs));
    const double taps = static_cast<double>(c.c_in * c.k * c.k);
    testing::ExpectClose(got[0], want[0], kRelTol, kRelTol * taps, CaseName(c));
  }
}

// The float32 sparse conv counts its tiles in the executor's zeroed bytes
// (cleared once per run with the error flags): run after run on two inputs
// in turn (CUDA graphs on and off), its tile density is that of a fresh
// executor's first run on the same input and the outputs are the same bits
// (counters left from the run before would add its tiles).
TEST(SparseConvGpuTest, EachRunCountsItsOwnTiles) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(12);
  const Case c{2, 12, 32, 32, 16, 3, 1, 1, 1, 1, 1, 0};
  SparseGraph s = MakeSparseGraph(c, "conv_sparse", 16, 1, rng);
  s.plan.sparse_mode = SparseMode::kOn;
  const Conv2dParams p = ParamsOf(c);
  // One spike inside one tile of image 0; then also one inside a tile of
  // image 1 (8x8 tiles: 1 and 2 of the 32 active).
  std::vector<Tensor> in[2];
  for (int k = 0; k < 2; ++k) {
    Tensor x = Tensor::Create(DataType::kFloat32, {p.n, p.c_in, p.h, p.w}).value();
    float* v = x.data<float>();
    std::fill(v, v + x.num_elements(), 0.0f);
    v[(0 * p.c_in + 0) * p.h * p.w + 1 * p.w + 1] = 1.0f;
    if (k == 1) v[(1 * p.c_in + 5) * p.h * p.w + 20 * p.w + 20] = 1.0f;
    in[k] = {x};
  }
  for (const bool graphs : {true, false}) {
    ExecutorOptions o;
    o.profile_nodes = true;  // the counters go to the step stats
    o.cuda_graphs = graphs;
    double want[2];
    std::vector<Tensor> want_out[2];
    for (int k = 0; k < 2; ++k) {
      ASSERT_OK_AND_ASSIGN(auto fresh, GpuExecutor::Create(s.graph, s.plan, 0, o));
      ASSERT_OK_AND_ASSIGN(want_out[k], fresh->Run(in[k]));
      want[k] = fresh->LastStepStats()[0].tile_density;
    }
    ASSERT_EQ(want[0], 1.0 / 32);
    ASSERT_EQ(want[1], 2.0 / 32);
    ASSERT_OK_AND_ASSIGN(auto exec, GpuExecutor::Create(s.graph, s.plan, 0, o));
    for (int run = 0; run < 6; ++run) {
      const int k = run % 2;
      ASSERT_OK_AND_ASSIGN(std::vector<Tensor> got, exec->Run(in[k]));
      EXPECT_EQ(exec->LastStepStats()[0].tile_density, want[k])
          << "run " << run << (graphs ? ", graphs" : ", no graphs");
      ASSERT_EQ(got[0].nbytes(), want_out[k][0].nbytes());
      EXPECT_EQ(std::memcmp(got[0].raw_data(), want_out[k][0].raw_data(), got[0].nbytes()), 0)
          << "run " << run;
    }
  }
}

TEST(SparseConvGpuTest, ExecutorRejectsConvTheSparseKernelCannotRun) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(11);
  SparseGraph s = MakeSparseGraph(Case{1, 4, 12, 12, 4, 3, 1, 2, 2, 2, 2, 0}, "conv_3", 8, 2, rng);
  EXPECT_THAT(GpuExecutor::Create(s.graph, s.plan, 0).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("conv_3")));
}

// One sparse conv GpuKernel of `mode` prepared for the conv of `s` on its own
// stream and cuDNN handle, with device copies of the graph's constants.
class KernelRig {
 public:
  static absl::StatusOr<KernelRig> Create(const SparseGraph& s, SparseMode mode) {
    KernelRig rig;
    SF_ASSIGN_OR_RETURN(rig.stream_, cuda::Stream::Create(0));
    SF_ASSIGN_OR_RETURN(rig.cudnn_, cuda::CudnnHandle::Create(0, rig.stream_.get()));
    rig.kernel_ = CreateSparseConvGpuKernel(s.plan.steps[0].block, ValueClass::kBinary, mode);
    const Node& node = s.graph.node(0);
    SF_RETURN_IF_ERROR(
        rig.kernel_->Prepare(s.graph, node, GpuPrepareContext{0, rig.cudnn_.get(), 256 << 20}));
    for (int i = 1; i < 3; ++i) {
      const Tensor& t = *s.graph.value(node.inputs[i]).constant;
      SF_ASSIGN_OR_RETURN(rig.constants_[i - 1], Upload(std::vector<float>(
                                                     t.data<float>(),
                                                     t.data<float>() + t.num_elements())));
    }
    SF_ASSIGN_OR_RETURN(rig.workspace_,
                        cuda::DeviceBuffer::Create(0, std::max<size_t>(
                                                          rig.kernel_->workspace_bytes(), 1)));
    return rig;
  }

  GpuKernel& kernel() { return *kernel_; }
  cudaStream_t stream() const { return stream_.get(); }

  // Enqueues the kernel on x (device) into y (device); no synchronisation.
  absl::Status Enqueue(const cuda::DeviceBuffer& x, cuda::DeviceBuffer& y) {
    const std::vector<const void*> in = {x.data(), constants_[0].data(), constants_[1].data()};
    const std::vector<void*> out = {y.data()};
    const GpuRunContext ctx{stream_.get(), cudnn_.get(), nullptr, workspace_.data(), nullptr};
    return kernel_->Enqueue(ctx, in, out);
  }

 private:
  cuda::Stream stream_;
  cuda::CudnnHandle cudnn_;
  std::unique_ptr<GpuKernel> kernel_;
  cuda::DeviceBuffer constants_[2];  // weights [c_out][c_in][k][k], bias [c_out]
  cuda::DeviceBuffer workspace_;
};

absl::StatusOr<Tensor> Download(const cuda::DeviceBuffer& y, const Tensor& like) {
  Tensor t = Tensor::Create(like.dtype(), like.dims()).value();
  SF_CUDA_RETURN_IF_ERROR(cudaMemcpy(t.raw_data(), y.data(), t.nbytes(), cudaMemcpyDeviceToHost));
  return t;
}

struct ModeCase {
  Case conv;
  SparseMode mode;
  const char* chosen;  // what Describe() says after the first run
};

TEST(SparseConvKernelTest, EveryModeAndChoiceMatchesCpu) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(12);
  const Case k3s1{2, 24, 20, 20, 32, 3, 1, 1, 1, 1, 1, 0};
  const Case k3s2{2, 16, 17, 15, 24, 3, 2, 1, 1, 1, 1, 0};
  const Case k1s2{2, 40, 16, 16, 48, 1, 2, 0, 0, 0, 0, 0};
  const Case asym{1, 9, 13, 11, 12, 3, 1, 1, 0, 0, 1, 0};  // cuDNN has no asymmetric pads
  const std::vector<ModeCase> cases = {
      {k3s1, SparseMode::kOn, "chosen: sparse, sparse mode on"},
      {k3s1, SparseMode::kOff, "chosen: cudnn"},
      {k3s1, SparseMode::kAuto, "x faster: sparse "},
      {k3s2, SparseMode::kOn, "chosen: sparse, sparse mode on"},
      {k3s2, SparseMode::kOff, "chosen: cudnn"},
      {k3s2, SparseMode::kAuto, "x faster: sparse "},
      {k1s2, SparseMode::kOn, "chosen: sparse, sparse mode on"},
      {k1s2, SparseMode::kOff, "chosen: cudnn"},
      {k1s2, SparseMode::kAuto, "static rule, 1x1 stride 2"},
      {asym, SparseMode::kOn, "chosen: sparse, sparse mode on"},
      {asym, SparseMode::kAuto, "chosen: sparse, cudnn cannot run it"},
  };
  for (const ModeCase& mc : cases) {
    for (double density : {0.0, 0.01, 0.1, 1.0}) {
      const std::string what = absl::StrCat(CaseName(mc.conv), " mode ", ToString(mc.mode),
                                            " density ", density);
      SparseGraph s = MakeSparseGraph(mc.conv, "conv_mode", 8, 1, rng);
      ASSERT_OK_AND_ASSIGN(KernelRig rig, KernelRig::Create(s, mc.mode));
      const Conv2dParams p = ParamsOf(mc.conv);
      Tensor x = Tensor::Create(DataType::kFloat32, {p.n, p.c_in, p.h, p.w}).value();
      const std::vector<float> spikes = MakeInput(p, density, true, true, rng);
      std::copy(spikes.begin(), spikes.end(), x.data<float>());
      ASSERT_OK_AND_ASSIGN(std::vector<Tensor> want, testing::RunCpu(s.graph, {x}));
      ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer dx, Upload(spikes));
      ASSERT_OK_AND_ASSIGN(
          cuda::DeviceBuffer dy,
          Upload(std::vector<float>(static_cast<size_t>(want[0].num_elements()), std::nanf(""))));
      const double taps = static_cast<double>(p.c_in * mc.conv.k * mc.conv.k);
      for (int run = 0; run < 2; ++run) {  // the first run of kAuto measures and chooses
        ASSERT_OK(rig.Enqueue(dx, dy));
        ASSERT_EQ(cudaStreamSynchronize(rig.stream()), cudaSuccess);
        ASSERT_OK_AND_ASSIGN(Tensor got, Download(dy, want[0]));
        testing::ExpectClose(got, want[0], kRelTol, kRelTol * taps,
                             absl::StrCat(what, " run ", run));
        EXPECT_THAT(rig.kernel().Describe(), HasSubstr(mc.chosen)) << what;
        EXPECT_THAT(rig.kernel().Describe(), HasSubstr("sparse tile 8 binary")) << what;
      }
    }
  }
}

TEST(SparseConvKernelTest, OffModeFailsWhereCudnnCannotRun) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(13);
  SparseGraph s = MakeSparseGraph(Case{1, 9, 13, 11, 12, 3, 1, 1, 0, 0, 1, 0}, "conv_7", 8, 1, rng);
  EXPECT_THAT(KernelRig::Create(s, SparseMode::kOff).status(),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("conv_7")));
}

// Under CUDA-graph capture an undecided kAuto kernel queues cuDNN and decides
// nothing; the next uncaptured run measures.
TEST(SparseConvKernelTest, AutoDoesNotMeasureUnderCapture) {
  SF_SKIP_WITHOUT_GPU();
  std::mt19937 rng(14);
  const Case c{2, 16, 16, 16, 16, 3, 1, 1, 1, 1, 1, 0};
  SparseGraph s = MakeSparseGraph(c, "conv_cap", 8, 1, rng);
  ASSERT_OK_AND_ASSIGN(KernelRig rig, KernelRig::Create(s, SparseMode::kAuto));
  const Conv2dParams p = ParamsOf(c);
  Tensor x = Tensor::Create(DataType::kFloat32, {p.n, p.c_in, p.h, p.w}).value();
  const std::vector<float> spikes = MakeInput(p, 0.05, true, false, rng);
  std::copy(spikes.begin(), spikes.end(), x.data<float>());
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> want, testing::RunCpu(s.graph, {x}));
  ASSERT_OK_AND_ASSIGN(cuda::DeviceBuffer dx, Upload(spikes));
  ASSERT_OK_AND_ASSIGN(
      cuda::DeviceBuffer dy,
      Upload(std::vector<float>(static_cast<size_t>(want[0].num_elements()), std::nanf(""))));
  const double tol = kRelTol * p.c_in * 9;

  ASSERT_EQ(cudaStreamBeginCapture(rig.stream(), cudaStreamCaptureModeThreadLocal), cudaSuccess);
  const absl::Status queued = rig.Enqueue(dx, dy);
  cudaGraph_t graph = nullptr;
  ASSERT_EQ(cudaStreamEndCapture(rig.stream(), &graph), cudaSuccess);
  ASSERT_OK(queued);
  EXPECT_THAT(rig.kernel().Describe(), HasSubstr("auto: sparse vs cudnn timed on the first run"));
  cudaGraphExec_t exec = nullptr;
  ASSERT_EQ(cudaGraphInstantiate(&exec, graph, 0), cudaSuccess);
  ASSERT_EQ(cudaGraphLaunch(exec, rig.stream()), cudaSuccess);
  ASSERT_EQ(cudaStreamSynchronize(rig.stream()), cudaSuccess);
  cudaGraphExecDestroy(exec);
  cudaGraphDestroy(graph);
  ASSERT_OK_AND_ASSIGN(Tensor captured, Download(dy, want[0]));
  testing::ExpectClose(captured, want[0], kRelTol, tol, "captured run");

  ASSERT_OK(rig.Enqueue(dx, dy));
  ASSERT_EQ(cudaStreamSynchronize(rig.stream()), cudaSuccess);
  EXPECT_THAT(rig.kernel().Describe(), HasSubstr("x faster: sparse "));
  ASSERT_OK_AND_ASSIGN(Tensor measured, Download(dy, want[0]));
  testing::ExpectClose(measured, want[0], kRelTol, tol, "measured run");
}

}  // namespace
}  // namespace sf
