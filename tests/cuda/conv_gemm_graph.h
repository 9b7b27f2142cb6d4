// A small float32 model for the GPU executor option tests (CUDA graphs, TF32):
// conv(c_in -> c_out, 3x3, pad 1, bias) -> LIF(T=2) -> Flatten -> Gemm(-> 10),
// on x [4, c_in, h, w], random weights. Outputs: the spikes and the logits.
#ifndef SF_TESTS_CUDA_CONV_GEMM_GRAPH_H_
#define SF_TESTS_CUDA_CONV_GEMM_GRAPH_H_

#include <random>
#include <string>
#include <vector>

#include "graph/graph.h"
#include "tests/cuda/gpu_test_util.h"

namespace sf::testing {

inline Graph ConvLifGemmGraph(int64_t c_in, int64_t c_out, int64_t h, int64_t w,
                              std::mt19937& rng) {
  using Dims = std::vector<int64_t>;
  Graph g;
  const ValueId x = g.AddValue("x", DataType::kFloat32, MakeShape(Dims{4, c_in, h, w}));
  g.AddInput(x);
  auto node = [&](OpType op, const std::string& name, std::vector<ValueId> in, Dims out,
                  Attrs attrs) {
    const ValueId y = g.AddValue(name + "_out", DataType::kFloat32, MakeShape(out));
    g.AddNode(Node{name, op, std::move(in), {y}, std::move(attrs)});
    return y;
  };
  auto constant = [&](const std::string& name, Dims dims) {
    return g.AddConstant(name, RandomTensor(DataType::kFloat32, std::move(dims), rng, -0.2, 0.2));
  };
  Attrs conv;
  conv.Set("kernel_shape", Dims{3, 3});
  conv.Set("pads", Dims{1, 1, 1, 1});
  const ValueId y =
      node(OpType::kConv, "conv_0", {x, constant("w", {c_out, c_in, 3, 3}), constant("b", {c_out})},
           {4, c_out, h, w}, conv);
  const Attrs lif = LifAttrs(0.5f);
  const ValueId spikes = node(OpType::kLIF, "lif_0", {y}, {4, c_out, h, w}, lif);
  Attrs flatten;
  flatten.Set("axis", int64_t{1});
  const int64_t features = c_out * h * w;
  const ValueId flat = node(OpType::kFlatten, "flatten_0", {spikes}, {4, features}, flatten);
  Attrs gemm;
  gemm.Set("transB", int64_t{1});
  const ValueId logits =
      node(OpType::kGemm, "fc_0", {flat, constant("fc_w", {10, features}), constant("fc_b", {10})},
           {4, 10}, gemm);
  g.AddOutput(spikes);
  g.AddOutput(logits);
  return g;
}

}  // namespace sf::testing

#endif  // SF_TESTS_CUDA_CONV_GEMM_GRAPH_H_
