// FusedElementwise on CUDA (graph/passes/fuse_elementwise.h): the same bits
// as the unfused GPU kernels in float32 and float16, NCHW and NHWC, and as
// the CPU where the ops are exact on both.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "cuda/fused_jit.h"
#include "graph/fused_program.h"
#include "graph/passes/fuse_elementwise.h"
#include "sf/runtime.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/fused_models.h"

namespace sf {
namespace {

struct Config {
  std::string device = "cuda";
  Precision precision = Precision::kFloat32;
  Layout layout = Layout::kNCHW;
  bool cuda_graphs = true;
};

using ::testing::HasSubstr;

std::unique_ptr<Runtime> Load(const std::string& bytes, const Config& c, bool fuse,
                              bool profile = false) {
  Options o;
  o.profile_nodes = profile;
  o.device = c.device;
  o.precision = c.precision;
  o.layout = c.layout;
  o.cuda_graphs = c.cuda_graphs;
  o.fuse_elementwise = fuse;
  // A conv after the neuron runs the sparse kernel in both plans: under
  // `auto` each plan times it against cuDNN on its first run, and a float16
  // conv that picks another kernel in one of them sums in another order.
  o.sparse = SparseMode::kOn;
  auto rt = Runtime::LoadFromBytes(bytes, o);
  EXPECT_TRUE(rt.ok()) << rt.status();
  return rt.ok() ? std::move(rt).value() : nullptr;
}

int FusedSteps(Runtime& rt) {
  auto plan = rt.GetPlan();
  EXPECT_TRUE(plan.ok()) << plan.status();
  int n = 0;
  if (plan.ok()) {
    for (const PlanStep& s : plan->steps) n += s.op == OpType::kFusedElementwise;
  }
  return n;
}

// Runs twice (a CUDA graph is captured on the first run and replayed after).
std::vector<Tensor> RunTwice(Runtime& rt, const std::map<std::string, Tensor>& inputs) {
  auto first = rt.Run(inputs);
  EXPECT_TRUE(first.ok()) << first.status();
  auto second = rt.Run(inputs);
  EXPECT_TRUE(second.ok()) << second.status();
  if (!first.ok() || !second.ok()) return {};
  for (size_t k = 0; k < first->size(); ++k) {
    EXPECT_TRUE(testing::SameBitsOrBothNan((*first)[k], (*second)[k])) << "output " << k;
  }
  return *std::move(second);
}

// Fused and unfused on `c`: the same bits; returns how many fused steps ran.
int ExpectSameBits(const std::string& bytes, const Config& c,
                   const std::map<std::string, Tensor>& inputs) {
  auto fused = Load(bytes, c, true);
  auto plain = Load(bytes, c, false);
  if (fused == nullptr || plain == nullptr) return 0;
  const std::vector<Tensor> a = RunTwice(*fused, inputs);
  const std::vector<Tensor> b = RunTwice(*plain, inputs);
  EXPECT_EQ(a.size(), b.size());
  for (size_t k = 0; k < a.size() && k < b.size(); ++k) {
    EXPECT_TRUE(testing::SameBitsOrBothNan(a[k], b[k])) << "output " << k;
  }
  EXPECT_EQ(FusedSteps(*plain), 0);
  return FusedSteps(*fused);
}

std::vector<Config> AllConfigs() {
  std::vector<Config> out;
  for (Precision p : {Precision::kFloat32, Precision::kFloat16}) {
    for (Layout l : {Layout::kNCHW, Layout::kNHWC}) {
      for (bool graphs : {true, false}) out.push_back({"cuda", p, l, graphs});
    }
  }
  return out;
}

// The NVRTC kernel (default) and the interpreter (SF_FUSED_JIT=off).
TEST(FusedElementwiseGpuTest, UnrolledLifGivesTheUnfusedBits) {
  SF_SKIP_WITHOUT_GPU();
  for (const char* jit : {"on", "off"}) {
    testing::ScopedEnv env("SF_FUSED_JIT", jit);
    for (const Config& c : AllConfigs()) {
      SCOPED_TRACE(absl::StrCat("jit ", jit, " ", ToString(c.precision), " ", ToString(c.layout),
                                " graphs ", c.cuda_graphs));
      // Membrane out, conv after, NHWC in/out; then 24 channels of 18 x 18, where
      // channels-last accesses make the compiled kernel walk 16 x 16 tiles.
      for (int model = 0; model < 5; ++model) {
        const bool conv = model == 1 || model == 4, nhwc = model == 2 || model == 3;
        const int64_t ch = model < 3 ? 5 : 24, side = model < 3 ? 12 : 18;
        const std::string bytes = testing::UnrolledLifModel(4, 3, ch, side, conv, !conv, nhwc);
        const Tensor x = testing::UniformTensor(nhwc ? std::vector<int64_t>{12, side, side, ch}
                                                     : std::vector<int64_t>{12, ch, side, side},
                                                5, -0.5f, 2.5f);
        EXPECT_EQ(ExpectSameBits(bytes, c, {{"x", x}}), 1) << "model " << model;
      }
    }
  }
}

// T = 150: a program of ~1500 instructions, past what the interpreter keeps in
// shared memory (it reads it from global memory then).
TEST(FusedElementwiseGpuTest, LongTimeLoopGivesTheUnfusedBits) {
  SF_SKIP_WITHOUT_GPU();
  const std::string bytes = testing::UnrolledLifModel(150, 2, 3, 5, false, /*membrane=*/true);
  const Tensor x = testing::UniformTensor({300, 3, 5, 5}, 17, -0.5f, 2.5f);
  for (const char* jit : {"on", "off"}) {
    testing::ScopedEnv env("SF_FUSED_JIT", jit);
    for (Precision p : {Precision::kFloat32, Precision::kFloat16}) {
      SCOPED_TRACE(absl::StrCat("jit ", jit, " ", ToString(p)));
      EXPECT_EQ(ExpectSameBits(bytes, Config{"cuda", p}, {{"x", x}}), 1);
    }
  }
}

// What ran is in the node's kernel detail: compiled unless SF_FUSED_JIT=off.
TEST(FusedElementwiseGpuTest, KernelDetailSaysCompiledOrInterpreted) {
  SF_SKIP_WITHOUT_GPU();
  const std::string bytes = testing::UnrolledLifModel(4, 3, 5, 12, false, true);
  const Tensor x = testing::UniformTensor({12, 5, 12, 12}, 5, -0.5f, 2.5f);
  for (const char* jit : {"on", "off"}) {
    testing::ScopedEnv env("SF_FUSED_JIT", jit);
    auto rt = Load(bytes, Config{}, true, /*profile=*/true);
    ASSERT_NE(rt, nullptr);
    ASSERT_TRUE(rt->Run({{"x", x}}).ok());
    int fused = 0;
    for (const NodeTiming& t : rt->LastProfile()) {
      if (t.op != OpType::kFusedElementwise) continue;
      ++fused;
      EXPECT_THAT(t.kernel_detail,
                  HasSubstr(std::string(jit) == "on" ? "compiled (NVRTC)"
                                                     : "interpreted (SF_FUSED_JIT=off)"));
    }
    EXPECT_EQ(fused, 1);
  }
}

// Every opcode and type in one program compiles (no GPU needed: NVRTC only).
TEST(FusedJitTest, EveryOpcodeCompiles) {
  using namespace fused;  // NOLINT
  auto ins = [](Opcode op, RegisterType t, int64_t d, int64_t a, int64_t b) {
    return std::vector<int64_t>{Word0(op, t), d, a, b};
  };
  std::vector<std::vector<int64_t>> code = {
      ins(kLoad, kFloat32, 0, 0, 0),
      ins(kLoad, kFloat16, 1, 1, 0),
      ins(kLoad, kBool, 2, 2, 0),
      ins(kConst, kFloat32, 3, 0, 0x7fc00000),
      ins(kAdd, kFloat32, 4, 0, 3),
      ins(kSub, kFloat32, 4, 4, 0),
      ins(kMul, kFloat32, 4, 4, 0),
      ins(kDiv, kFloat32, 4, 4, 3),
      ins(kMax, kFloat32, 4, 4, 0),
      ins(kMin, kFloat32, 4, 4, 0),
      ins(kNeg, kFloat32, 4, 4, 0),
      ins(kAbs, kFloat32, 4, 4, 0),
      ins(kAdd, kFloat16, 5, 1, 1),
      ins(kCast, kFloat32, 6, 5, 0),
      ins(kCast, kFloat16, 7, 4, 0),
      ins(kEqual, kBool, 8, 4, 6),
      ins(kGreater, kBool, 9, 4, 6),
      ins(kGreaterOrEqual, kBool, 10, 4, 6),
      ins(kLess, kBool, 11, 5, 7),
      ins(kLessOrEqual, kBool, 12, 5, 7),
      ins(kNot, kBool, 13, 2, 0),
      ins(kCast, kBool, 14, 4, 0),
      ins(kStore, kFloat32, 0, 4, 0),
      ins(kStore, kFloat16, 1, 7, 0),
      ins(kStore, kBool, 2, 13, 0),
      // Channels-last (C 4, HW 8) load and store.
      {Word0(kLoad, kFloat32, 4, 8), 15, 0, 0},
      {Word0(kStore, kFloat32, 4, 8), 3, 15, 0},
  };
  std::vector<int64_t> words;
  for (const auto& i : code) words.insert(words.end(), i.begin(), i.end());
  const FusedSlot in[] = {
      {DataType::kFloat32, 64}, {DataType::kFloat16, 64}, {DataType::kBool, 64}};
  const FusedSlot out[] = {{DataType::kFloat32, 64},
                           {DataType::kFloat16, 64},
                           {DataType::kBool, 64},
                           {DataType::kFloat32, 64}};
  ASSERT_TRUE(CheckFusedProgram(words, 64, in, out).ok()) << CheckFusedProgram(words, 64, in, out);
  const std::string src = cuda::FusedProgramSource(words);
  EXPECT_THAT(src, HasSubstr("r4 = r4 / r3;"));
  EXPECT_THAT(src, HasSubstr("r5 = RoundF16(r1 + r1);"));
  EXPECT_THAT(src, HasSubstr("__int_as_float((int)0x7fc00000u)"));
  EXPECT_THAT(src, HasSubstr("r15 = ((const float*)s.in[0])[Nhwc(0LL + i, 4LL, 8LL)];"));
  EXPECT_THAT(src, ::testing::Not(HasSubstr("tiles_c")));  // 4 channels: the linear loop
  absl::StatusOr<std::vector<char>> cubin = cuda::CompileFusedSource(src, "sm_80");
  if (absl::IsUnavailable(cubin.status())) GTEST_SKIP() << cubin.status();
  ASSERT_TRUE(cubin.ok()) << cubin.status() << "\n" << src;
  EXPECT_GT(cubin->size(), 0u);
  // Channels-last slots of 32 channels x 64 pixels beside a plain one: the
  // lanes walk 16 x 16 tiles, and the source compiles.
  const std::vector<int64_t> tiled = {
      Word0(kLoad, kFloat16, 32, 64), 0, 0, 0, Word0(kLoad, kFloat16),          1, 1, 0,
      Word0(kAdd, kFloat16),          2, 0, 1, Word0(kStore, kFloat16, 32, 64), 0, 2, 0,
      Word0(kStore, kFloat16),        1, 2, 0};
  const FusedSlot half_in[] = {{DataType::kFloat16, 4096}, {DataType::kFloat16, 4096}};
  const FusedSlot half_out[] = {{DataType::kFloat16, 4096}, {DataType::kFloat16, 4096}};
  ASSERT_TRUE(CheckFusedProgram(tiled, 4096, half_in, half_out).ok())
      << CheckFusedProgram(tiled, 4096, half_in, half_out);
  const std::string tiled_src = cuda::FusedProgramSource(tiled);
  EXPECT_THAT(tiled_src, HasSubstr("constexpr long long kC = 32LL, kHW = 64LL;"));
  EXPECT_THAT(tiled_src, HasSubstr("tiles_c"));
  ASSERT_TRUE(cuda::CompileFusedSource(tiled_src, "sm_80").ok()) << tiled_src;
  // A source that does not compile says so, with NVRTC's log.
  EXPECT_FALSE(cuda::CompileFusedSource("this is not CUDA", "sm_80").ok());
}

// float32 spikes and membrane on the GPU equal the CPU's: every op of the
// neuron is exact IEEE arithmetic on both.
TEST(FusedElementwiseGpuTest, UnrolledLifMatchesTheCpu) {
  SF_SKIP_WITHOUT_GPU();
  const std::string bytes = testing::UnrolledLifModel(4, 3, 5, 12, false, true);
  const Tensor x = testing::UniformTensor({12, 5, 12, 12}, 9, -0.5f, 2.5f);
  Config cpu;
  cpu.device = "cpu";
  auto gpu_rt = Load(bytes, Config{}, true);
  auto cpu_rt = Load(bytes, cpu, true);
  ASSERT_NE(gpu_rt, nullptr);
  ASSERT_NE(cpu_rt, nullptr);
  const std::vector<Tensor> g = RunTwice(*gpu_rt, {{"x", x}});
  const std::vector<Tensor> h = RunTwice(*cpu_rt, {{"x", x}});
  ASSERT_EQ(g.size(), 2u);
  ASSERT_EQ(h.size(), 2u);
  for (size_t k = 0; k < 2; ++k) EXPECT_TRUE(testing::SameBitsOrBothNan(g[k], h[k])) << k;
  double ones = 0;
  for (float v : g[0].span<const float>()) ones += v;
  EXPECT_GT(ones, 0);
  EXPECT_LT(ones, static_cast<double>(g[0].num_elements()));
}

TEST(FusedElementwiseGpuTest, RandomChainsGiveTheUnfusedBits) {
  SF_SKIP_WITHOUT_GPU();
  int total = 0;
  for (const Config& c : AllConfigs()) {
    if (!c.cuda_graphs) continue;
    for (unsigned seed = 1; seed <= 12; ++seed) {
      // Half the seeds run the interpreter.
      testing::ScopedEnv env("SF_FUSED_JIT", seed % 2 == 0 ? "off" : "on");
      SCOPED_TRACE(absl::StrCat(ToString(c.precision), " ", ToString(c.layout), " seed ", seed));
      const std::vector<int64_t> dims = {3, 7, 19, 23};  // 9177 elements: many blocks
      int outputs = 0;
      const std::string bytes =
          testing::RandomElementwiseModel(seed, dims, 10 + seed % 25, &outputs);
      const auto inputs = testing::RandomElementwiseInputs(seed, dims);
      total += ExpectSameBits(bytes, c, inputs);
    }
  }
  EXPECT_GT(total, 4 * 12);
}

}  // namespace
}  // namespace sf
