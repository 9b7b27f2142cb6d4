// Helpers for the streaming (Runtime::Step) tests on CPU and GPU.
#ifndef SF_TESTS_TESTING_STEP_TEST_UTIL_H_
#define SF_TESTS_TESTING_STEP_TEST_UTIL_H_

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/status.h"
#include "graph/tensor.h"
#include "runtime/npy.h"
#include "sf/runtime.h"
#include "tests/testing/onnx_model_builder.h"

namespace sf::testing {

// x [T*N, 5] -> Gemm 5->6 -> h -> LIF(T) -> spikes [T*N, 6] (output 0);
// spikes -> Reshape [T, -1, 6] -> ReduceSum over axis 0 -> [N, 6] (output 1);
// h -> Reshape [T, -1, 6] -> ReduceMean over axis 0 -> [N, 6] (output 2);
// x -> Reshape [T, -1, 5] -> ReduceMean over axis 0 -> [N, 5] (output 3).
inline std::string RowsModel(int64_t steps) {
  OnnxModelBuilder b;
  b.Input("x", {-1, 5}).Output("spikes").Output("spike_sum").Output("h_mean").Output("x_mean");
  std::vector<float> w(30), bias(6);
  for (int i = 0; i < 30; ++i) w[i] = 0.37f * static_cast<float>((i * 7) % 11) - 1.3f;
  for (int i = 0; i < 6; ++i) bias[i] = 0.11f * static_cast<float>(i) - 0.2f;
  b.Initializer("w", {6, 5}, w).Initializer("b", {6}, bias);
  b.InitializerInt64("shape", {3}, {steps, -1, 6}).InitializerInt64("shape5", {3}, {steps, -1, 5}).InitializerInt64("axis0", {1}, {0});
  b.Node("Gemm", {"x", "w", "b"}, {"h"}, "fc").Int("transB", 1);
  b.Node("LIF", {"h"}, {"spikes"}, "lif", "sparseflow").Int("steps", steps).Float("tau", 2.0f);
  b.Node("Reshape", {"spikes", "shape"}, {"s3"}, "split_spikes");
  b.Node("ReduceSum", {"s3", "axis0"}, {"spike_sum"}, "sum_t").Int("keepdims", 0);
  b.Node("Reshape", {"h", "shape"}, {"h3"}, "split_h");
  b.Node("ReduceMean", {"h3"}, {"h_mean"}, "mean_t").Ints("axes", {0}).Int("keepdims", 0);
  b.Node("Reshape", {"x", "shape5"}, {"x3"}, "split_x");
  b.Node("ReduceMean", {"x3"}, {"x_mean"}, "mean_x").Ints("axes", {0}).Int("keepdims", 0);
  return b.Serialize();
}

// [rows, cols] float32, uniform in [-1, 2] (neurons fire often).
inline Tensor RandomRows(int64_t rows, int64_t cols, unsigned seed) {
  Tensor t = Tensor::Create(DataType::kFloat32, {rows, cols}).value();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(-1.0f, 2.0f);
  for (int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = u(rng);
  return t;
}

// Rows [step*n, (step+1)*n) of a T-major tensor: time step `step` of N = n.
inline Tensor Rows(const Tensor& x, int64_t step, int64_t n) {
  std::vector<int64_t> dims = x.dims();
  const int64_t row_elements = x.num_elements() / dims[0];
  dims[0] = n;
  Tensor t = Tensor::Create(x.dtype(), dims).value();
  const size_t bytes = static_cast<size_t>(n * row_elements) * SizeOf(x.dtype());
  std::memcpy(t.raw_data(), static_cast<const char*>(x.raw_data()) + step * bytes, bytes);
  return t;
}

inline bool BitEqual(const Tensor& a, const Tensor& b) {
  return a.dtype() == b.dtype() && a.dims() == b.dims() &&
         std::memcmp(a.raw_data(), b.raw_data(),
                     static_cast<size_t>(a.num_elements()) * SizeOf(a.dtype())) == 0;
}

// A shipped model (models/NAME) on its test input: the all-T Run, and the last
// Step() outputs of `rounds` streams (ResetState between them). fmnist_snn
// repeats a static image over T inside the model (the same input every step);
// the others take T-major rows (step t gets rows [t*N, (t+1)*N)).
struct StreamedModel {
  std::vector<Tensor> all;
  std::vector<std::vector<Tensor>> streamed;  // per round
};
inline absl::StatusOr<StreamedModel> StreamShippedModel(const std::string& name,
                                                        const std::string& device, int rounds) {
  const std::string dir = std::string(SF_SOURCE_DIR) + "/models/" + name;
  Options options;
  options.device = device;
  SF_ASSIGN_OR_RETURN(auto rt, Runtime::Load(dir + "/model.onnx", options));
  SF_ASSIGN_OR_RETURN(Tensor x, ReadNpy(dir + "/test_input.npy"));
  const std::string in = rt->InputInfo()[0].name;
  StreamedModel result;
  SF_ASSIGN_OR_RETURN(result.all, rt->Run({{in, x}}));
  const int64_t t = rt->NeuronSteps();
  const bool is_static = name == "fmnist_snn";
  const int64_t n = is_static ? x.dims()[0] : x.dims()[0] / t;
  for (int round = 0; round < rounds; ++round) {
    std::vector<Tensor> out;
    for (int64_t s = 0; s < t; ++s) {
      SF_ASSIGN_OR_RETURN(out, rt->Step({{in, is_static ? x : Rows(x, s, n)}}));
    }
    result.streamed.push_back(std::move(out));
    SF_RETURN_IF_ERROR(rt->ResetState());
  }
  return result;
}

}  // namespace sf::testing

#endif  // SF_TESTS_TESTING_STEP_TEST_UTIL_H_
