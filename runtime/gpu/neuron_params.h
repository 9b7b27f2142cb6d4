// Host-side preparation of a neuron node for cuda::LaunchNeuron: reads the
// attributes the importer wrote (../shared/spec/neuron-ops.md) and computes the
// charge constants in float32 exactly as the CPU reference does
// (k = sigmoid(w) in float32; c = float32(1 - 1/tau) with 1/tau in double).
// A LIF whose tau is a power of two gets the multiplying charge with k = 1/tau
// (exact): bit-identical to the spec's division, without a division per step.
#ifndef SF_RUNTIME_GPU_NEURON_PARAMS_H_
#define SF_RUNTIME_GPU_NEURON_PARAMS_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "cuda/kernels/neuron.h"
#include "graph/graph.h"

namespace sf {

// Everything but step_elements. InvalidArgument naming the node for a missing
// or out-of-range attribute (steps < 1, tau <= 0, NaN/Inf).
absl::StatusOr<cuda::NeuronParams> GetNeuronParams(const Node& node);

// GetNeuronParams with step_elements for a [T * N, ...] tensor of `dims`;
// InvalidArgument naming the node when `steps` does not divide the first dim.
absl::StatusOr<cuda::NeuronParams> GetNeuronParams(const Node& node,
                                                   const std::vector<int64_t>& dims);

}  // namespace sf

#endif  // SF_RUNTIME_GPU_NEURON_PARAMS_H_
