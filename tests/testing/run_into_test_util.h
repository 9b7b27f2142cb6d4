// Models and helpers shared by the Runtime::RunInto tests (tests/runtime on
// the CPU, tests/cuda on a GPU).
#ifndef SF_TESTS_TESTING_RUN_INTO_TEST_UTIL_H_
#define SF_TESTS_TESTING_RUN_INTO_TEST_UTIL_H_

#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "graph/tensor.h"
#include "sf/runtime.h"
#include "tests/testing/onnx_model_builder.h"

namespace sf::testing {

// x [N,2,8,8] -> Conv "conv" (3 channels, 3x3, pad 1) -> c -> Relu "relu" -> y.
// Outputs c (also read by the Relu) and y.
inline std::string ConvReluModel() {
  std::vector<float> w(3 * 2 * 3 * 3), b = {0.1f, -0.2f, 0.05f};
  for (size_t i = 0; i < w.size(); ++i) w[i] = static_cast<float>((i * 7) % 11) / 11.0f - 0.45f;
  OnnxModelBuilder m;
  m.Input("x", {-1, 2, 8, 8}).Output("c").Output("y");
  m.Initializer("w", {3, 2, 3, 3}, w).Initializer("b", {3}, b);
  m.Node("Conv", {"x", "w", "b"}, {"c"}, "conv").Ints("pads", {1, 1, 1, 1});
  m.Node("Relu", {"c"}, {"y"}, "relu");
  return m.Serialize();
}

// x [N,4] -> Relu -> y. Outputs y, x itself and the initializer k [3]: the
// last two can only be copied into a caller's view.
inline std::string PassThroughModel() {
  OnnxModelBuilder m;
  m.Input("x", {-1, 4}).Output("y").Output("x").Output("k");
  m.Initializer("k", {3}, {1.5f, -2.0f, 3.25f});
  m.Node("Relu", {"x"}, {"y"}, "relu");
  return m.Serialize();
}

// Uniform float32 values in [-1, 1].
inline Tensor RandomFloats(std::vector<int64_t> dims, unsigned seed) {
  Tensor t = Tensor::Create(DataType::kFloat32, std::move(dims)).value();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  for (float& v : t.span<float>()) v = u(rng);
  return t;
}

inline TensorView ViewOf(Tensor& t, MemoryKind memory = MemoryKind::kHost) {
  return TensorView{t.raw_data(), t.dtype(), t.dims(), memory};
}

}  // namespace sf::testing

#endif  // SF_TESTS_TESTING_RUN_INTO_TEST_UTIL_H_
