// IF / LIF / PLIF spiking neurons, exactly as /work/shared/spec/neuron-ops.md
// (SpikingJelly's multi-step torch backend on CPU): float32 arithmetic in the
// spec's order, no contraction (the build uses -ffp-contract=off).
//
// The input is [T*N, ...] T-major; each of the M = numel / T elements of a time
// step keeps its membrane V across t in a buffer allocated in Prepare. A
// streamed neuron (Node::carries_state) keeps V across Compute calls too.
#include <algorithm>
#include <cmath>
#include <vector>

#include "graph/status.h"
#include "runtime/cpu/kernel_factories.h"
#include "runtime/cpu/kernel_util.h"

namespace sf {
namespace {

// How the charge equation H(V, X) is evaluated (the spec's table rows).
enum class Charge {
  kIf,               // H = V + X
  kLifDecayInput,    // H = V + (X - (V - vr)) / tau
  kLifDecayZero,     // H = V * c + X,  c = float32(1 - 1/tau), 1/tau in double
  kLifNoDecay,       // H = V - (V - vr) / tau + X
  kPlifDecayInput,   // H = V + (X - (V - vr)) * k
  kPlifDecayZero,    // H = V * (1 - k) + X
  kPlifNoDecay,      // H = V - (V - vr) * k + X
};

class NeuronKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_RETURN_IF_ERROR(CheckArity(node, 1, 1, 1, 1));
    if (InputType(graph, node, 0) != DataType::kFloat32 ||
        OutputType(graph, node, 0) != DataType::kFloat32) {
      return NodeError(node, "input and output must be float32");
    }
    SF_ASSIGN_OR_RETURN(dims_, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
    if (y != dims_) return NodeError(node, "output shape must equal the input shape");
    SF_ASSIGN_OR_RETURN(steps_, node.attrs.GetInt("steps"));
    SF_ASSIGN_OR_RETURN(v_threshold_, node.attrs.GetFloatOr("v_threshold", 1.0f));
    SF_ASSIGN_OR_RETURN(v_reset_, node.attrs.GetFloatOr("v_reset", 0.0f));
    SF_ASSIGN_OR_RETURN(int64_t soft_reset, node.attrs.GetIntOr("soft_reset", 0));
    soft_reset_ = soft_reset != 0;
    if (steps_ < 1) return NodeError(node, "steps must be >= 1, got ", steps_);
    if (dims_.empty() || dims_[0] % steps_ != 0) {
      return NodeError(node, "first dim of ", ShapeToString(dims_), " is not divisible by steps ",
                       steps_);
    }
    vr_ = soft_reset_ ? 0.0f : v_reset_;
    SF_RETURN_IF_ERROR(ChooseCharge(node));
    carries_state_ = node.carries_state;
    v_.assign(Product(dims_) / steps_, 0.0f);
    ResetState();
    return absl::OkStatus();
  }

  // Each spike is written after the input of the same element and step is read.
  int InPlaceInput() const override { return 0; }

  void ResetState() override {
    std::fill(v_.begin(), v_.end(), soft_reset_ ? 0.0f : v_reset_);
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], DataType::kFloat32, dims_, "input"));
    const float* x = inputs[0]->data<float>();
    float* s = outputs[0]->data<float>();
    const int64_t m = static_cast<int64_t>(v_.size());
    if (!carries_state_) ResetState();
    float* v = v_.data();
    for (int64_t t = 0; t < steps_; ++t) {
      const float* xt = x + t * m;
      float* st = s + t * m;
      for (int64_t i = 0; i < m; ++i) {
        const float h = ChargeOf(v[i], xt[i]);
        const float spike = h >= v_threshold_ ? 1.0f : 0.0f;
        st[i] = spike;
        if (soft_reset_) {
          v[i] = h - v_threshold_ * spike;
        } else {
          v[i] = h * (1.0f - spike) + v_reset_ * spike;
        }
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::Status ChooseCharge(const Node& node) {
    if (node.op == OpType::kIF) {
      charge_ = Charge::kIf;
      return absl::OkStatus();
    }
    SF_ASSIGN_OR_RETURN(int64_t decay_input, node.attrs.GetIntOr("decay_input", 1));
    const bool vr_zero = vr_ == 0.0f;
    if (node.op == OpType::kLIF) {
      SF_ASSIGN_OR_RETURN(tau_, node.attrs.GetFloat("tau"));
      if (!(tau_ > 0.0f) || !std::isfinite(tau_)) return NodeError(node, "tau must be > 0");
      c_ = static_cast<float>(1.0 - 1.0 / static_cast<double>(tau_));
      charge_ = decay_input != 0 ? Charge::kLifDecayInput
                                 : (vr_zero ? Charge::kLifDecayZero : Charge::kLifNoDecay);
      return absl::OkStatus();
    }
    if (node.op == OpType::kPLIF) {
      SF_ASSIGN_OR_RETURN(float w, node.attrs.GetFloat("w"));
      if (!std::isfinite(w)) return NodeError(node, "w must be finite");
      k_ = 1.0f / (1.0f + std::exp(-w));
      one_minus_k_ = 1.0f - k_;
      charge_ = decay_input != 0 ? Charge::kPlifDecayInput
                                 : (vr_zero ? Charge::kPlifDecayZero : Charge::kPlifNoDecay);
      return absl::OkStatus();
    }
    return NodeError(node, "not a neuron op");
  }

  float ChargeOf(float v, float x) const {
    switch (charge_) {
      case Charge::kIf: return v + x;
      case Charge::kLifDecayInput: return v + (x - (v - vr_)) / tau_;
      case Charge::kLifDecayZero: return v * c_ + x;
      case Charge::kLifNoDecay: return v - (v - vr_) / tau_ + x;
      case Charge::kPlifDecayInput: return v + (x - (v - vr_)) * k_;
      case Charge::kPlifDecayZero: return v * one_minus_k_ + x;
      case Charge::kPlifNoDecay: return v - (v - vr_) * k_ + x;
    }
    return 0.0f;
  }

  Node label_;
  std::vector<int64_t> dims_;
  int64_t steps_ = 1;
  float v_threshold_ = 1.0f, v_reset_ = 0.0f, vr_ = 0.0f;
  bool soft_reset_ = false;
  bool carries_state_ = false;  // streamed: V carries over to the next Compute
  Charge charge_ = Charge::kIf;
  float tau_ = 1.0f, c_ = 0.0f, k_ = 0.0f, one_minus_k_ = 1.0f;
  std::vector<float> v_;  // scratch: membrane per element of one time step
};

}  // namespace

std::unique_ptr<CpuKernel> MakeNeuronKernel(OpType) { return std::make_unique<NeuronKernel>(); }

}  // namespace sf
