// Helpers for the GPU tests: skip without a GPU, run a graph through both
// CpuExecutor (the reference) and GpuExecutor, random inputs, comparisons.
#ifndef SF_TESTS_CUDA_GPU_TEST_UTIL_H_
#define SF_TESTS_CUDA_GPU_TEST_UTIL_H_

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cuda/device.h"
#include "graph/status.h"
#include "runtime/cpu_executor.h"
#include "runtime/gpu/gpu_executor.h"
#include "runtime/npy.h"
#include "sf/runtime.h"
#include "tests/testing/graph_builder.h"

namespace sf::testing {

// Skips the current test (with a clear message) on machines without a GPU.
#define SF_SKIP_WITHOUT_GPU()                                               \
  do {                                                                      \
    if (::sf::cuda::ListDevices().empty()) {                                \
      GTEST_SKIP() << "no CUDA GPU present (cuda::ListDevices() is empty)"; \
    }                                                                       \
  } while (0)

// Sets environment variable `name` to `value` (unsets it for nullptr) for its
// lifetime; the destructor restores the previous value, or its absence.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    if (const char* old = std::getenv(name); old != nullptr) old_ = old;
    if (value != nullptr) {
      setenv(name, value, /*overwrite=*/1);
    } else {
      unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (old_.has_value()) {
      setenv(name_.c_str(), old_->c_str(), /*overwrite=*/1);
    } else {
      unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

// One dense step per node, in node order.
// The shipped models/fmnist_snn loaded for CUDA (default options) with its
// test input bound to the model's input name.
struct FmnistOnGpu {
  std::unique_ptr<Runtime> rt;
  std::string input;  // the model's input name
  Tensor images;
  std::map<std::string, Tensor> inputs;  // {input, images}
};
inline absl::StatusOr<FmnistOnGpu> LoadFmnistOnGpu() {
  const std::string dir = std::string(SF_SOURCE_DIR) + "/models/fmnist_snn/";
  FmnistOnGpu m;
  SF_ASSIGN_OR_RETURN(m.images, ReadNpy(dir + "test_input.npy"));
  Options o;
  o.device = "cuda";
  SF_ASSIGN_OR_RETURN(m.rt, Runtime::Load(dir + "model.onnx", o));
  m.input = m.rt->InputInfo().at(0).name;
  m.inputs = {{m.input, m.images}};
  return m;
}

// Attributes of a hard-reset LIF over two time steps (tau 2, decay_input,
// v_reset 0) firing at `threshold`: the neuron the executor tests put after
// a conv.
inline Attrs LifAttrs(float threshold) {
  Attrs lif;
  lif.Set("steps", int64_t{2});
  lif.Set("v_threshold", threshold);
  lif.Set("v_reset", 0.0f);
  lif.Set("soft_reset", int64_t{0});
  lif.Set("tau", 2.0f);
  lif.Set("decay_input", int64_t{1});
  return lif;
}

inline Plan PlanFor(const Graph& graph) {
  Plan plan;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    PlanStep step;
    step.node = i;
    step.name = graph.node(i).name;
    step.op = graph.node(i).op;
    step.kernel = "dense";
    plan.steps.push_back(step);
  }
  return plan;
}

inline absl::StatusOr<std::vector<Tensor>> RunCpu(const Graph& graph,
                                                  const std::vector<Tensor>& inputs) {
  SF_ASSIGN_OR_RETURN(auto exec, CpuExecutor::Create(graph, PlanFor(graph)));
  return exec->Run(inputs);
}

inline absl::StatusOr<std::vector<Tensor>> RunGpu(const Graph& graph,
                                                  const std::vector<Tensor>& inputs) {
  SF_ASSIGN_OR_RETURN(auto exec, GpuExecutor::Create(graph, PlanFor(graph), 0));
  return exec->Run(inputs);
}

// Uniform values in [lo, hi] (integers rounded; bool: 50% true).
inline Tensor RandomTensor(DataType dtype, std::vector<int64_t> dims, std::mt19937& rng,
                           double lo = -1.0, double hi = 1.0) {
  Tensor t = Tensor::Create(dtype, std::move(dims)).value();
  std::uniform_real_distribution<double> u(lo, hi);
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    const double v = u(rng);
    switch (dtype) {
      case DataType::kFloat32:
        t.data<float>()[i] = static_cast<float>(v);
        break;
      case DataType::kFloat64:
        t.data<double>()[i] = v;
        break;
      case DataType::kInt32:
        t.data<int32_t>()[i] = static_cast<int32_t>(std::lround(v));
        break;
      case DataType::kInt64:
        t.data<int64_t>()[i] = std::llround(v);
        break;
      case DataType::kBool:
        t.data<bool>()[i] = v > (lo + hi) / 2;
        break;
      default:
        ADD_FAILURE() << "RandomTensor: unsupported dtype";
        break;
    }
  }
  return t;
}

inline double ElementAsDouble(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DataType::kFloat32:
      return t.data<float>()[i];
    case DataType::kFloat64:
      return t.data<double>()[i];
    case DataType::kInt32:
      return t.data<int32_t>()[i];
    case DataType::kInt64:
      return static_cast<double>(t.data<int64_t>()[i]);
    case DataType::kBool:
      return t.data<bool>()[i] ? 1.0 : 0.0;
    case DataType::kInt8:
      return t.data<int8_t>()[i];
    case DataType::kUInt8:
      return t.data<uint8_t>()[i];
    default:
      return std::nan("");
  }
}

// |gpu - cpu| <= atol + rtol * |cpu| everywhere (NaN must match NaN); rtol =
// atol = 0 asks for bit-identical values.
inline void ExpectClose(const Tensor& gpu, const Tensor& cpu, double rtol, double atol,
                        const std::string& what) {
  ASSERT_EQ(gpu.dtype(), cpu.dtype()) << what;
  ASSERT_EQ(gpu.dims(), cpu.dims()) << what;
  if (rtol == 0 && atol == 0) {
    int64_t bad = -1;
    const size_t es = SizeOf(cpu.dtype());
    for (int64_t i = 0; i < cpu.num_elements() && bad < 0; ++i) {
      const char* g = static_cast<const char*>(gpu.raw_data()) + i * es;
      const char* c = static_cast<const char*>(cpu.raw_data()) + i * es;
      if (std::memcmp(g, c, es) != 0) bad = i;
    }
    EXPECT_EQ(bad, -1) << what << ": first differing element " << bad << ": gpu "
                       << ElementAsDouble(gpu, bad) << " vs cpu " << ElementAsDouble(cpu, bad);
    return;
  }
  int64_t bad = 0;
  double worst = 0;
  int64_t worst_at = -1;
  for (int64_t i = 0; i < cpu.num_elements(); ++i) {
    const double g = ElementAsDouble(gpu, i), c = ElementAsDouble(cpu, i);
    if (std::isnan(c) && std::isnan(g)) continue;
    const double err = std::fabs(g - c);
    if (!(err <= atol + rtol * std::fabs(c))) {
      ++bad;
      if (!(err <= worst)) {
        worst = err;
        worst_at = i;
      }
    }
  }
  EXPECT_EQ(bad, 0) << what << ": " << bad << " of " << cpu.num_elements()
                    << " elements out of tolerance; worst at " << worst_at << ": gpu "
                    << (worst_at >= 0 ? ElementAsDouble(gpu, worst_at) : 0) << " vs cpu "
                    << (worst_at >= 0 ? ElementAsDouble(cpu, worst_at) : 0);
}

// Runs the graph on both executors and compares every output.
inline void ExpectGpuMatchesCpu(const Graph& graph, const std::vector<Tensor>& inputs, double rtol,
                                double atol, const std::string& what) {
  absl::StatusOr<std::vector<Tensor>> cpu = RunCpu(graph, inputs);
  ASSERT_TRUE(cpu.ok()) << what << ": CPU: " << cpu.status();
  absl::StatusOr<std::vector<Tensor>> gpu = RunGpu(graph, inputs);
  ASSERT_TRUE(gpu.ok()) << what << ": GPU: " << gpu.status();
  ASSERT_EQ(gpu->size(), cpu->size());
  for (size_t i = 0; i < cpu->size(); ++i) {
    ExpectClose((*gpu)[i], (*cpu)[i], rtol, atol, what + " output " + std::to_string(i));
  }
}

inline std::string DimsString(const std::vector<int64_t>& d) { return ShapeToString(d); }

// x [N, C, H, W] -> LIF -> s; main path conv 3x3/2 (C -> 2C) -> LIF -> conv
// 3x3 (2C -> 2C) -> a; shortcut conv 1x1/2 (C -> 2C) on s -> b; a + b -> LIF
// -> y. Nodes in the order exporters write them: the shortcut after the main
// path. Outputs: y and the shortcut's b (read by the Add and the graph).
// With `stem` a conv 3x3 (C -> C) named "stem" comes first, so that (in
// channels-last) the block's input neuron runs channels-last too.
inline Graph ResidualBlock(int64_t n, int64_t c, int64_t h, std::mt19937& rng, bool stem = false) {
  using Dims = std::vector<int64_t>;
  Graph g;
  const ValueId x = g.AddValue("x", DataType::kFloat32, MakeShape(Dims{n, c, h, h}));
  g.AddInput(x);
  const Attrs lif = LifAttrs(0.3f);
  auto node = [&](OpType op, const std::string& name, std::vector<ValueId> in, Dims out,
                  Attrs attrs) {
    const ValueId y = g.AddValue(name + "_out", DataType::kFloat32, MakeShape(out));
    g.AddNode(Node{name, op, std::move(in), {y}, std::move(attrs)});
    return y;
  };
  auto conv = [&](const std::string& name, ValueId in, int64_t c_in, int64_t k, int64_t stride,
                  Dims out) {
    Attrs a;
    a.Set("kernel_shape", Dims{k, k});
    a.Set("strides", Dims{stride, stride});
    a.Set("pads", Dims{k / 2, k / 2, k / 2, k / 2});
    const ValueId w = g.AddConstant(
        name + "_w", RandomTensor(DataType::kFloat32, {out[1], c_in, k, k}, rng, -0.3, 0.3));
    const ValueId b =
        g.AddConstant(name + "_b", RandomTensor(DataType::kFloat32, {out[1]}, rng, -0.1, 0.1));
    return node(OpType::kConv, name, {in, w, b}, std::move(out), a);
  };
  const int64_t h2 = (h + 1) / 2;
  const Dims half = {n, 2 * c, h2, h2};
  const ValueId in = stem ? conv("stem", x, c, 3, 1, {n, c, h, h}) : x;
  const ValueId s = node(OpType::kLIF, "lif_in", {in}, {n, c, h, h}, lif);
  const ValueId m1 = node(OpType::kLIF, "lif_mid", {conv("body_0", s, c, 3, 2, half)}, half, lif);
  const ValueId a = conv("body_1", m1, 2 * c, 3, 1, half);
  const ValueId b = conv("shortcut", s, c, 1, 2, half);
  const ValueId sum = node(OpType::kAdd, "add", {a, b}, half, {});
  g.AddOutput(node(OpType::kLIF, "lif_out", {sum}, half, lif));
  g.AddOutput(b);
  return g;
}

}  // namespace sf::testing

#endif  // SF_TESTS_CUDA_GPU_TEST_UTIL_H_
