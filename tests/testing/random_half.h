// Random float16-representable test data without GoogleTest, so that the perf
// programs (tests/perf) share it with the tests.
#ifndef SF_TESTS_TESTING_RANDOM_HALF_H_
#define SF_TESTS_TESTING_RANDOM_HALF_H_

#include <cstdint>
#include <random>
#include <utility>
#include <vector>

#include "graph/float16.h"
#include "graph/tensor.h"

namespace sf::testing {

// Uniform in [lo, hi], rounded to the nearest float16 value (kept as float32).
// Draws as RandomTensor(kFloat32, ...) of tests/cuda/gpu_test_util.h does.
inline Tensor RandomHalf(std::vector<int64_t> dims, std::mt19937& rng, double lo = -1.0,
                         double hi = 1.0) {
  Tensor t = Tensor::Create(DataType::kFloat32, std::move(dims)).value();
  std::uniform_real_distribution<double> u(lo, hi);
  for (float& v : t.span<float>()) v = HalfToFloat(FloatToHalf(static_cast<float>(u(rng))));
  return t;
}

}  // namespace sf::testing

#endif  // SF_TESTS_TESTING_RANDOM_HALF_H_
