// Conv test cases shared by the FP16 and NHWC GPU tests: one-node Conv graphs
// with fp16-representable random weights and inputs.
#ifndef SF_TESTS_CUDA_CONV_CASES_H_
#define SF_TESTS_CUDA_CONV_CASES_H_

#include <cmath>
#include <random>
#include <utility>
#include <vector>

#include "graph/float16.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/graph_builder.h"
#include "tests/testing/random_half.h"

namespace sf::testing {

struct ConvCase {
  std::vector<int64_t> x;  // N, C, H, W
  int64_t c_out, k, stride, pad;
  bool bias;
};

// A float32 graph of one Conv "conv_0" for `c`, weights (and bias) from `rng`.
inline OneNodeGraph ConvCaseGraph(const ConvCase& c, std::mt19937& rng) {
  const int64_t oh = (c.x[2] + 2 * c.pad - c.k) / c.stride + 1;
  const int64_t ow = (c.x[3] + 2 * c.pad - c.k) / c.stride + 1;
  OneNodeGraphBuilder b(OpType::kConv, "conv_0");
  b.Input(DataType::kFloat32, c.x)
      .ConstantInput(RandomHalf({c.c_out, c.x[1], c.k, c.k}, rng))
      .Attr("kernel_shape", std::vector<int64_t>{c.k, c.k})
      .Attr("strides", std::vector<int64_t>{c.stride, c.stride})
      .Attr("pads", std::vector<int64_t>{c.pad, c.pad, c.pad, c.pad});
  if (c.bias) b.ConstantInput(RandomHalf({c.c_out}, rng));
  return b.Output(DataType::kFloat32, {c.x[0], c.c_out, oh, ow}).Build();
}

// Sums of K = C_in*k*k products of values in [-1, 1]: |y| ~ sqrt(K)/3; float16
// output rounding is 4.9e-4 of that: the absolute tolerance of an fp16 conv.
inline double ConvFp16Atol(const ConvCase& c) {
  return 1e-3 * std::sqrt(static_cast<double>(c.x[1] * c.k * c.k));
}

}  // namespace sf::testing

#endif  // SF_TESTS_CUDA_CONV_CASES_H_
