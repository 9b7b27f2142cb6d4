// Elementwise fusion: chains of elementwise ops become FusedElementwise nodes
// (graph/fused_program.h), one kernel launch each instead of one per op.
//
// This is for neurons written with primitive ops (neuron-ops.md, section 2): a
// LIF unrolled over T time steps is a Reshape to [T, N, ...], one Gather per
// step, ~6 arithmetic ops and a Cast(GreaterOrEqual) per step, and a Concat of
// the spikes along axis 0 — some 30 nodes for T = 4, each a launch. Fused, it
// is one node reading the Reshape's input and writing the Concat's output.
//
// A fused region has one element count M. It takes:
//   - Add, Sub, Mul, Div, Max and Min of two inputs, the comparisons, Cast,
//     Neg, Abs and Not on float32, float16 (`allow_float16`) and bool values
//     whose inputs have the output's dims or are single-element constants;
//   - a Gather along axis 0 by a constant index, of M elements: a load of the
//     gathered rows (through any Reshape/Flatten/Squeeze/Unsqueeze before it);
//   - Reshape, Flatten, Squeeze, Unsqueeze, Identity of a region value;
//   - a Concat along axis 0 of region values: each input stored at its rows.
// A region is convex (nothing outside it both reads from it and feeds it) and
// has at least two such ops; values read outside it become the node's outputs.
// Bits: each op is evaluated and rounded as its own kernel does, so fused and
// unfused runs give the same outputs (tests/passes/fuse_elementwise_test.cc).
#ifndef SF_GRAPH_PASSES_FUSE_ELEMENTWISE_H_
#define SF_GRAPH_PASSES_FUSE_ELEMENTWISE_H_

#include <cstdint>
#include <span>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "graph/dtype.h"
#include "graph/graph.h"

namespace sf {

// Rewrites `graph` (concrete shapes, topologically sorted, after the float16
// and layout passes) in place; returns how many FusedElementwise nodes it made.
// Each records, in its "output_classes" attribute, the spike analysis class of
// each output as the unfused graph had it (graph/passes/spike_analysis.h).
absl::StatusOr<int> FuseElementwise(Graph& graph, bool allow_float16);

// One load or store slot of a program: its element type and element count.
struct FusedSlot {
  DataType dtype = DataType::kUndefined;
  int64_t elements = 0;
};

// Checks a FusedElementwise program (graph/fused_program.h) against its slots
// and element count M before anything runs it: known opcodes and types,
// registers below kMaxRegisters and written before they are read, operand
// types that fit each op, loads and stores within their slots (offset + M <=
// elements) and of their slots' types, and every output element stored
// exactly once. InvalidArgument saying what is wrong.
absl::Status CheckFusedProgram(std::span<const int64_t> words, int64_t elements,
                               std::span<const FusedSlot> inputs,
                               std::span<const FusedSlot> outputs);

// The node's program (its last input) and its slots, checked by CheckFusedProgram.
struct FusedNodeProgram {
  std::span<const int64_t> words;
  int64_t elements = 0;
  int num_instructions = 0;
};
absl::StatusOr<FusedNodeProgram> ReadFusedProgram(const Graph& graph, const Node& node);

}  // namespace sf

#endif  // SF_GRAPH_PASSES_FUSE_ELEMENTWISE_H_
