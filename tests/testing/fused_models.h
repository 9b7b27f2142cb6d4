// Models for the elementwise fusion tests (graph/passes/fuse_elementwise.h),
// on the CPU and on CUDA: a LIF written with primitive ops and unrolled over
// T steps, and random chains of the ops the pass fuses, with ops it does not
// fuse between them.
#ifndef SF_TESTS_TESTING_FUSED_MODELS_H_
#define SF_TESTS_TESTING_FUSED_MODELS_H_

#include <cmath>
#include <cstdint>
#include <cstring>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/tensor.h"
#include "tests/testing/onnx_model_builder.h"

namespace sf::testing {

// x [T*N, C, S, S] -> a LIF (tau 2, threshold 1, hard reset to 0, decay
// input) written as SpikingJelly's torch loop exports it: Reshape to
// [T, N, ...], per step Gather, Sub, Div, Add, GreaterOrEqual, Cast, and the
// reset as Mul/Sub/Mul/Add; the spikes Concat along axis 0. With `conv`, a
// 3x3 conv reads the spikes ("conv", output "y"); without, the spikes are
// output "y". The membrane after the last step is output "v" when `membrane`.
// With `nhwc_io` (and no conv), x is [T*N, S, S, C] and y too, with
// Transposes to NCHW before the Reshape and back after the Concat.
inline std::string UnrolledLifModel(int64_t t, int64_t n, int64_t c, int64_t s, bool conv,
                                    bool membrane = false, bool nhwc_io = false) {
  OnnxModelBuilder b(17, /*sparseflow_domain=*/false);
  b.Input("x",
          nhwc_io ? std::vector<int64_t>{t * n, s, s, c} : std::vector<int64_t>{t * n, c, s, s});
  b.Output("y");
  if (membrane) b.Output("v");
  b.InitializerInt64("shape", {5}, {t, n, c, s, s});
  if (nhwc_io) b.Node("Transpose", {"x"}, {"x_nchw"}, "to_nchw").Ints("perm", {0, 3, 1, 2});
  b.Initializer("tau", {}, {2.0f});
  b.Initializer("vth", {}, {1.0f});
  b.Initializer("one", {}, {1.0f});
  b.Initializer("zero", {}, {0.0f});
  b.Node("Reshape", {nhwc_io ? "x_nchw" : "x", "shape"}, {"xr"}, "lif/reshape");
  std::string v = "zero";
  std::vector<std::string> spikes;
  for (int64_t k = 0; k < t; ++k) {
    const std::string p = absl::StrCat("lif/t", k, "/");
    b.InitializerInt64(p + "idx", {}, {k});
    b.Node("Gather", {"xr", p + "idx"}, {p + "x"}, p + "gather").Int("axis", 0);
    b.Node("Sub", {p + "x", v}, {p + "d"}, p + "sub");
    b.Node("Div", {p + "d", "tau"}, {p + "q"}, p + "div");
    b.Node("Add", {v, p + "q"}, {p + "h"}, p + "add");
    b.Node("GreaterOrEqual", {p + "h", "vth"}, {p + "ge"}, p + "ge");
    b.Node("Cast", {p + "ge"}, {p + "s"}, p + "cast").Int("to", 1);
    b.Node("Sub", {"one", p + "s"}, {p + "keep"}, p + "keep");
    b.Node("Mul", {p + "h", p + "keep"}, {p + "hk"}, p + "hk");
    b.Node("Mul", {"zero", p + "s"}, {p + "r"}, p + "r");
    const std::string next = k + 1 == t && membrane ? "v" : p + "v";
    b.Node("Add", {p + "hk", p + "r"}, {next}, p + "v");
    v = next;
    spikes.push_back(p + "s");
  }
  const std::string spike_out = conv || nhwc_io ? "spikes" : "y";
  b.Node("Concat", spikes, {spike_out}, "lif/concat").Int("axis", 0);
  if (nhwc_io) b.Node("Transpose", {"spikes"}, {"y"}, "to_nhwc").Ints("perm", {0, 2, 3, 1});
  if (conv) {
    std::vector<float> w(static_cast<size_t>(4 * c * 9));
    for (size_t i = 0; i < w.size(); ++i) w[i] = 0.05f * static_cast<float>(i % 7) - 0.1f;
    b.Initializer("w", {4, c, 3, 3}, w);
    b.Node("Conv", {"spikes", "w"}, {"y"}, "conv").Ints("pads", {1, 1, 1, 1});
  }
  return b.Serialize();
}

// A random chain over inputs a, b, c of `dims`, n (channels-last, through a
// Transpose) and r of [2 * dims[0], ...] (read through Reshape to [2, dims...]
// and Gathers): arithmetic, comparisons,
// Casts, Neg/Abs/Not, views, with Relu and Sigmoid (not fused) between them;
// some intermediates and a Concat along axis 0 are outputs "o0".."oK".
inline std::string RandomElementwiseModel(unsigned seed, const std::vector<int64_t>& dims, int ops,
                                          int* num_outputs) {
  std::mt19937 rng(seed);
  OnnxModelBuilder b(17, /*sparseflow_domain=*/false);
  for (const char* name : {"a", "b", "c"}) b.Input(name, dims);
  // "n" is channels-last [d0, d2, d3, d1], read through a Transpose to NCHW.
  b.Input("n", {dims[0], dims[2], dims[3], dims[1]});
  b.Node("Transpose", {"n"}, {"n_nchw"}, "n_to_nchw").Ints("perm", {0, 3, 1, 2});
  std::vector<int64_t> rows = dims;
  rows[0] *= 2;
  b.Input("r", rows);
  std::vector<int64_t> split = {2};
  split.insert(split.end(), dims.begin(), dims.end());
  b.InitializerInt64("split", {static_cast<int64_t>(split.size())}, split);
  b.InitializerInt64("dims", {static_cast<int64_t>(dims.size())}, dims);
  b.InitializerInt64("flat", {1}, {-1});
  b.InitializerInt64("i0", {}, {0});
  b.InitializerInt64("i1", {}, {-1});
  const float scalars[] = {0.5f, -1.25f, 2.0f, 0.0f, 1e-3f, 3.0f};
  for (int k = 0; k < 6; ++k) b.Initializer(absl::StrCat("k", k), {}, {scalars[k]});
  b.Node("Reshape", {"r", "split"}, {"rs"}, "split_rows");
  std::vector<std::string> floats = {"a", "b", "c", "n_nchw"}, bools;
  auto pick = [&](const std::vector<std::string>& from) {
    return from[std::uniform_int_distribution<size_t>(0, from.size() - 1)(rng)];
  };
  auto chance = [&](int percent) {
    return std::uniform_int_distribution<int>(0, 99)(rng) < percent;
  };
  std::vector<std::string> outputs;
  for (int i = 0; i < ops; ++i) {
    const std::string out = absl::StrCat("v", i), name = absl::StrCat("op", i);
    const int kind = std::uniform_int_distribution<int>(0, 11)(rng);
    bool is_bool = false;
    if (kind <= 3) {
      static const char* kArith[] = {"Add", "Sub", "Mul", "Div", "Max", "Min"};
      const std::string op = kArith[std::uniform_int_distribution<int>(0, 5)(rng)];
      std::string lhs = pick(floats), rhs = pick(floats);
      if (chance(35))
        rhs = op == "Div" ? "k2" : absl::StrCat("k", std::uniform_int_distribution<int>(0, 5)(rng));
      if (chance(15)) std::swap(lhs, rhs);
      b.Node(op, {lhs, rhs}, {out}, name);
    } else if (kind == 4) {
      static const char* kCompare[] = {"Equal", "Greater", "GreaterOrEqual", "Less", "LessOrEqual"};
      b.Node(kCompare[std::uniform_int_distribution<int>(0, 4)(rng)],
             {pick(floats), chance(50) ? pick(floats) : "k3"}, {out}, name);
      is_bool = true;
    } else if (kind == 5) {
      if (!bools.empty() && chance(60)) {
        b.Node("Cast", {pick(bools)}, {out}, name).Int("to", 1);
      } else {
        b.Node("Cast", {pick(floats)}, {out}, name).Int("to", 9);
        is_bool = true;
      }
    } else if (kind == 6) {
      if (!bools.empty() && chance(40)) {
        b.Node("Not", {pick(bools)}, {out}, name);
        is_bool = true;
      } else {
        b.Node(chance(50) ? "Neg" : "Abs", {pick(floats)}, {out}, name);
      }
    } else if (kind == 7) {
      b.Node(chance(50) ? "Relu" : "Sigmoid", {pick(floats)}, {out}, name);  // not fused
    } else if (kind == 8) {
      b.Node("Reshape", {pick(floats), "flat"}, {out + "_flat"}, name + "_flat");
      b.Node("Reshape", {out + "_flat", "dims"}, {out}, name);
    } else if (kind == 9) {
      b.Node("Gather", {"rs", chance(50) ? "i0" : "i1"}, {out}, name).Int("axis", 0);
    } else if (kind == 10 && !bools.empty()) {
      b.Node("Cast", {pick(bools)}, {out}, name).Int("to", 1);
    } else {
      b.Node("Mul", {pick(floats), pick(floats)}, {out}, name);
    }
    (is_bool ? bools : floats).push_back(out);
    if (chance(12)) outputs.push_back(out);
  }
  b.Node("Concat", {floats.back(), floats[floats.size() / 2]}, {"cat"}, "cat").Int("axis", 0);
  outputs.push_back("cat");
  // A value only a Transpose to channels-last reads, and the Concat's rows in NHWC.
  b.Node("Neg", {floats[floats.size() / 3]}, {"to_nhwc_in"}, "to_nhwc_in");
  b.Node("Transpose", {"to_nhwc_in"}, {"nhwc_out"}, "to_nhwc").Ints("perm", {0, 2, 3, 1});
  outputs.push_back("nhwc_out");
  outputs.push_back(floats.back());
  if (!bools.empty()) outputs.push_back(bools.back());
  for (size_t k = 0; k < outputs.size(); ++k) {
    const std::string name = absl::StrCat("o", k);
    b.Node("Identity", {outputs[k]}, {name}, name);
    const bool is_bool = std::find(bools.begin(), bools.end(), outputs[k]) != bools.end();
    b.Output(name, is_bool ? onnx::TensorProto::BOOL : onnx::TensorProto::FLOAT);
  }
  *num_outputs = static_cast<int>(outputs.size());
  return b.Serialize();
}

// Uniform floats in [lo, hi).
inline Tensor UniformTensor(std::vector<int64_t> dims, unsigned seed, float lo, float hi) {
  Tensor t = Tensor::Create(DataType::kFloat32, std::move(dims)).value();
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> u(lo, hi);
  for (float& v : t.span<float>()) v = u(rng);
  return t;
}

// Inputs for RandomElementwiseModel(seed, dims, ...): a, b, c, n, r.
inline std::map<std::string, Tensor> RandomElementwiseInputs(unsigned seed,
                                                             const std::vector<int64_t>& dims) {
  std::vector<int64_t> nhwc = {dims[0], dims[2], dims[3], dims[1]}, rows = dims;
  rows[0] *= 2;
  return {{"a", UniformTensor(dims, seed, -2, 2)},
          {"b", UniformTensor(dims, seed + 100, -2, 2)},
          {"c", UniformTensor(dims, seed + 200, -1, 1)},
          {"n", UniformTensor(nhwc, seed + 400, -2, 2)},
          {"r", UniformTensor(rows, seed + 300, -3, 3)}};
}

// Same dtype, dims and bytes; NaNs of any payload count as equal.
inline bool SameBitsOrBothNan(const Tensor& a, const Tensor& b) {
  if (a.dtype() != b.dtype() || a.dims() != b.dims()) return false;
  if (a.dtype() == DataType::kFloat32) {
    for (int64_t i = 0; i < a.num_elements(); ++i) {
      const float x = a.data<float>()[i], y = b.data<float>()[i];
      if (std::isnan(x) && std::isnan(y)) continue;
      if (std::memcmp(&x, &y, sizeof(float)) != 0) return false;
    }
    return true;
  }
  return std::memcmp(a.data<void>(), b.data<void>(), a.nbytes()) == 0;
}

}  // namespace sf::testing

#endif  // SF_TESTS_TESTING_FUSED_MODELS_H_
