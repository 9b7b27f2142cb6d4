#include "runtime/gpu/neuron_params.h"

#include <cmath>

#include "graph/status.h"
#include "runtime/cpu/kernel_util.h"

namespace sf {

absl::StatusOr<cuda::NeuronParams> GetNeuronParams(const Node& node) {
  if (!IsNeuron(node.op)) return NodeError(node, "not a neuron");
  cuda::NeuronParams p;
  SF_ASSIGN_OR_RETURN(p.steps, node.attrs.GetInt("steps"));
  SF_ASSIGN_OR_RETURN(p.v_threshold, node.attrs.GetFloatOr("v_threshold", 1.0f));
  SF_ASSIGN_OR_RETURN(p.v_reset, node.attrs.GetFloatOr("v_reset", 0.0f));
  SF_ASSIGN_OR_RETURN(int64_t soft_reset, node.attrs.GetIntOr("soft_reset", 0));
  SF_ASSIGN_OR_RETURN(int64_t decay_input, node.attrs.GetIntOr("decay_input", 1));
  if (p.steps < 1) return NodeError(node, "steps must be >= 1, got ", p.steps);
  if (!std::isfinite(p.v_threshold) || !std::isfinite(p.v_reset)) {
    return NodeError(node, "v_threshold and v_reset must be finite");
  }
  p.soft_reset = soft_reset != 0;
  p.vr = p.soft_reset ? 0.0f : p.v_reset;
  if (node.op == OpType::kIF) {
    p.charge = cuda::NeuronCharge::kIf;
    return p;
  }
  const bool plif = node.op == OpType::kPLIF;
  if (plif) {
    SF_ASSIGN_OR_RETURN(float w, node.attrs.GetFloat("w"));
    if (!std::isfinite(w)) return NodeError(node, "w must be finite");
    p.k = 1.0f / (1.0f + std::exp(-w));
    p.c = 1.0f - p.k;
  } else {
    SF_ASSIGN_OR_RETURN(p.tau, node.attrs.GetFloat("tau"));
    if (!std::isfinite(p.tau) || p.tau <= 0.0f) {
      return NodeError(node, "tau must be finite and > 0, got ", p.tau);
    }
    p.c = static_cast<float>(1.0 - 1.0 / static_cast<double>(p.tau));
  }
  if (decay_input != 0) {
    p.charge = plif ? cuda::NeuronCharge::kDecayMul : cuda::NeuronCharge::kDecayDiv;
  } else if (p.vr == 0.0f) {
    p.charge = cuda::NeuronCharge::kScaled;
  } else {
    p.charge = plif ? cuda::NeuronCharge::kLeakMul : cuda::NeuronCharge::kLeakDiv;
  }
  // tau a power of two (tau = 2, the usual LIF): y / tau and y * (1 / tau) are
  // both the correctly rounded value of the same exact real, so the multiply
  // is bit-identical to the spec's division and much cheaper on the GPU.
  int exp = 0;
  if (!plif && std::frexp(p.tau, &exp) == 0.5f && exp > -125 && exp < 126) {
    const float inv = std::ldexp(1.0f, 1 - exp);  // 1 / tau, exact
    if (p.charge == cuda::NeuronCharge::kDecayDiv) {
      p.charge = cuda::NeuronCharge::kDecayMul;
      p.k = inv;
    } else if (p.charge == cuda::NeuronCharge::kLeakDiv) {
      p.charge = cuda::NeuronCharge::kLeakMul;
      p.k = inv;
    }
  }
  return p;
}

absl::StatusOr<cuda::NeuronParams> GetNeuronParams(const Node& node,
                                                   const std::vector<int64_t>& dims) {
  SF_ASSIGN_OR_RETURN(cuda::NeuronParams p, GetNeuronParams(node));
  if (dims.empty() || dims[0] % p.steps != 0) {
    return NodeError(node, "first dim ", dims.empty() ? 0 : dims[0],
                     " is not divisible by steps ", p.steps);
  }
  p.step_elements = Product(dims) / p.steps;
  return p;
}

}  // namespace sf
