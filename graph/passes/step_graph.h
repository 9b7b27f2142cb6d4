// Streaming (sf::Runtime::Step): the graph that runs ONE time step of a
// multi-step SNN and carries its state to the next call.
//
// A model's inputs are T-major [T*N, ...] (neuron-ops.md: time step t of sample
// n is row t*N + n) and its neurons run all T steps in one op. The step graph
// takes [N, ...] per input, and:
//   - every IF/LIF/PLIF runs one step (steps = 1) and keeps its membrane between
//     runs (Node::carries_state);
//   - the time reduction at the end — Reshape to [T, ...] then ReduceMean or
//     ReduceSum over axis 0, how SpikingJelly models average their outputs —
//     becomes Reshape to [1, ...] and a reduction that accumulates over runs
//     (Node::carries_state): after t steps it holds the sum (ReduceSum) or the
//     mean (ReduceMean) of steps 0..t-1, so after T steps it is the all-T result;
//   - every other op must treat time steps independently (convs, pools,
//     elementwise, Gemm, ... on rows; nothing that mixes rows or steps).
// A static input — one the model repeats over time itself with a Concat of T
// copies along axis 0 (direct encoding of an image) — keeps its [N, ...] shape
// and is given whole at every step; the Concat becomes a copy.
// A graph output that keeps rows ([T*N, ...] in the all-T run) gives the step's
// N rows; a time-reduced output gives the running result.
#ifndef SF_GRAPH_PASSES_STEP_GRAPH_H_
#define SF_GRAPH_PASSES_STEP_GRAPH_H_

#include <cstdint>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace sf {

// The common `steps` (T) of the graph's neurons. FailedPrecondition when it has
// none or they disagree (streaming needs one clock).
absl::StatusOr<int64_t> StreamingSteps(const Graph& graph);

// Rewrites `graph`, specialised and folded for inputs of T*N rows (T =
// StreamingSteps), into its step graph: inputs get N rows; neurons, the time
// reshape and the time reduction are rewritten as above. Shapes other than the
// inputs' are stale afterwards: run InferShapesAndFold. Unimplemented, naming
// the node, when an op mixes time steps or rows (Slice or Gather over axis 0,
// a Reshape that regroups rows, an unrolled primitive-op neuron, ...).
absl::Status MakeStepGraph(Graph& graph);

// Per graph input: whether it is static (above). All false without neurons.
std::vector<bool> StaticInputs(const Graph& graph);

}  // namespace sf

#endif  // SF_GRAPH_PASSES_STEP_GRAPH_H_
