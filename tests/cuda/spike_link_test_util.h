// Helpers shared by the spike occupancy, packed-spike and fused-marks tests
// (tests/cuda/spike_occupancy_test.cc, spike_packed_test.cc,
// fused_spike_marks_test.cc): an IF neuron that fires exactly where its
// input is 2, device downloads, host packing, and the float16 channels-last
// residual block whose neurons feed sparse convs, with a lookup of a node's
// kernel description and the executors with and without links.
#ifndef SF_TESTS_CUDA_SPIKE_LINK_TEST_UTIL_H_
#define SF_TESTS_CUDA_SPIKE_LINK_TEST_UTIL_H_

#include <cuda_runtime_api.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cuda/kernels/neuron.h"
#include "graph/passes/float16.h"
#include "graph/passes/layout.h"
#include "graph/status.h"
#include "runtime/gpu/gpu_executor.h"
#include "runtime/plan.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf::testing {

inline constexpr uint16_t kHalfTwo =
    0x4000;  // 2.0 in FP16: an IF neuron at threshold 1 fires on it

// An IF neuron, threshold 1, hard reset to 0, over `steps`: with inputs of 0
// and 2 only it fires exactly where the input is 2.
inline cuda::NeuronParams IfParams(int64_t steps, int64_t step_elements) {
  cuda::NeuronParams p;
  p.charge = cuda::NeuronCharge::kIf;
  p.steps = steps;
  p.step_elements = step_elements;
  p.v_threshold = 1.0f;
  p.v_reset = 0.0f;
  p.vr = 0.0f;
  return p;
}

template <typename T>
std::vector<T> Download(const void* device, size_t count) {
  std::vector<T> host(count);
  EXPECT_EQ(cudaMemcpy(host.data(), device, count * sizeof(T), cudaMemcpyDeviceToHost),
            cudaSuccess);
  return host;
}

// The packed form of float16 bits `x`: bit b of word j where x[32 j + b] is
// not +-0 (x.size() a multiple of 32).
inline std::vector<uint32_t> PackOnHost(const std::vector<uint16_t>& x) {
  std::vector<uint32_t> words(x.size() / 32, 0);
  for (size_t i = 0; i < x.size(); ++i) {
    if ((x[i] & 0x7fff) != 0) words[i / 32] |= 1u << (i % 32);
  }
  return words;
}

// The residual block with a stem conv (gpu_test_util.h's ResidualBlock(4,
// 32, 16)) in float16 channels-last, every spike-fed conv planned sparse in
// `mode`, no conv + neuron fusion: "lif_in" writes the input of "body_0"
// (3x3/2) and "shortcut" (1x1/2), "lif_mid" that of "body_1". With `fuse`,
// conv + neuron pairs fuse where the plan allows: "body_0" + "lif_mid" (the
// pair on node "body_0" writes the input of "body_1").
struct LinkedBlock {
  Graph graph;
  Plan plan;
};
inline absl::StatusOr<LinkedBlock> MakeLinkedBlock(SparseMode mode, std::mt19937& rng,
                                                   bool fuse = false) {
  LinkedBlock b;
  b.graph = ResidualBlock(4, 32, 16, rng, /*stem=*/true);
  SF_RETURN_IF_ERROR(ConvertToFloat16(b.graph, GpuKernelRunsFloat16).status());
  SF_RETURN_IF_ERROR(ConvertToNhwc(b.graph, GpuKernelRunsNhwc).status());
  PlanOptions po;
  po.device = "cuda";
  po.precision = Precision::kFloat16;
  po.layout = Layout::kNHWC;
  po.sparse = mode;
  po.fuse_neurons = fuse;
  SF_ASSIGN_OR_RETURN(b.plan, BuildPlan(b.graph, po));
  return b;
}

// The description of node `name`'s kernel.
inline std::string DescriptionOf(const GpuExecutor& exec, const Graph& g, const std::string& name) {
  const std::vector<std::string> d = exec.KernelDescriptions();
  for (int i = 0; i < g.num_nodes(); ++i) {
    if (g.node(i).name == name) return d[i];
  }
  return "(no node " + name + ")";
}

// The block's executor (default options but `o`), created while environment
// variable `env` is `value` (nullptr: unset).
inline absl::StatusOr<std::unique_ptr<GpuExecutor>> CreateWithEnv(const LinkedBlock& b,
                                                                  const ExecutorOptions& o,
                                                                  const char* env,
                                                                  const char* value) {
  const ScopedEnv scoped(env, value);
  return GpuExecutor::Create(b.graph, b.plan, 0, o);
}

// Runs `want` and `got` on `rounds` inputs of the block ([4, 32, 16, 16],
// uniform in [0, hi(round))) and expects the same output bits.
inline void ExpectSameBits(GpuExecutor& want, GpuExecutor& got, int rounds,
                           const std::function<double(int)>& hi, std::mt19937& rng) {
  for (int round = 0; round < rounds; ++round) {
    const std::vector<Tensor> in = {
        RandomTensor(DataType::kFloat32, {4, 32, 16, 16}, rng, 0.0, hi(round))};
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> a, want.Run(in));
    ASSERT_OK_AND_ASSIGN(std::vector<Tensor> b, got.Run(in));
    ASSERT_EQ(b.size(), a.size());
    for (size_t i = 0; i < b.size(); ++i) {
      ExpectClose(b[i], a[i], 0, 0, absl::StrCat("round ", round, ", output ", i));
    }
  }
}

// One case of a runtime link test: the block planned in `mode`, its
// executor without links (SF_SPIKE_OCCUPANCY=off) and with them (CUDA graphs
// on or off: ForEachLinkedRun's trace says which), and the random source of
// its inputs. Not movable: the executors refer to `block`.
struct LinkedRun {
  SparseMode mode = SparseMode::kOn;
  std::mt19937 rng;
  LinkedBlock block;
  std::unique_ptr<GpuExecutor> without;
  std::unique_ptr<GpuExecutor> with;

  LinkedRun() = default;
  LinkedRun(const LinkedRun&) = delete;
  LinkedRun& operator=(const LinkedRun&) = delete;

  // Both executors on 5 inputs, an all-zero one first (auto chooses its
  // kernels on it), then spikes at rising density: the same output bits.
  void ExpectSameBitsOverRuns() {
    ExpectSameBits(
        *without, *with, 5, [](int round) { return round == 0 ? 0.0 : 0.4 + 0.3 * round; }, rng);
  }
};

// Calls `check(run)` for sparse modes on and auto, each with and without CUDA
// graphs, on a block made from `seed` (with conv + neuron fusion if `fuse`).
template <typename Check>
void ForEachLinkedRun(uint32_t seed, bool fuse, Check&& check) {
  for (SparseMode mode : {SparseMode::kOn, SparseMode::kAuto}) {
    for (bool graphs : {true, false}) {
      SCOPED_TRACE(absl::StrCat("sparse ", ToString(mode), graphs ? ", graphs" : ", no graphs"));
      LinkedRun r;
      r.mode = mode;
      r.rng.seed(seed);
      ASSERT_OK_AND_ASSIGN(r.block, MakeLinkedBlock(mode, r.rng, fuse));
      ExecutorOptions o;
      o.cuda_graphs = graphs;
      ASSERT_OK_AND_ASSIGN(r.without, CreateWithEnv(r.block, o, "SF_SPIKE_OCCUPANCY", "off"));
      // "on": every link kept on, not timed against its prescan pair (GpuExecutor::TimeLinks).
      ASSERT_OK_AND_ASSIGN(r.with, CreateWithEnv(r.block, o, "SF_SPIKE_OCCUPANCY", "on"));
      check(r);
    }
  }
}

}  // namespace sf::testing

#endif  // SF_TESTS_CUDA_SPIKE_LINK_TEST_UTIL_H_
