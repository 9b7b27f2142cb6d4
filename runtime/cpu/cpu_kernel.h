// CPU reference kernels: plain, clearly correct float32 code that every fast
// kernel is tested against.
//
// An op is a small class (ncnn style): Prepare() runs once at plan time with the
// node and its concrete input/output types and shapes (parse and check attributes,
// precompute); Compute() runs it. Outputs arrive allocated with the inferred dtype
// and shape; Compute writes every element and allocates nothing.
// A kernel instance is used by one thread at a time.
#ifndef SF_RUNTIME_CPU_CPU_KERNEL_H_
#define SF_RUNTIME_CPU_CPU_KERNEL_H_

#include <memory>
#include <span>

#include "absl/status/status.h"
#include "graph/graph.h"
#include "graph/tensor.h"

namespace sf {

class CpuKernel {
 public:
  virtual ~CpuKernel() = default;
  // `graph` has concrete shapes for the node's inputs and outputs.
  virtual absl::Status Prepare(const Graph& graph, const Node& node) = 0;
  // inputs[i] is nullptr for an omitted optional input.
  virtual absl::Status Compute(std::span<const Tensor* const> inputs,
                               std::span<Tensor* const> outputs) = 0;
  // Kernels of a Node::carries_state node (a streamed neuron or time
  // reduction) keep state across Compute calls; this returns it to the state
  // right after Prepare. No-op for the others.
  virtual void ResetState() {}
  // The input whose bytes output 0 may take over (-1: none): Compute reads
  // each element of it before writing the output element of the same index,
  // and reads nothing else of it. The executor decides whether to alias.
  virtual int InPlaceInput() const { return -1; }
  // Block-sparse kernels: fraction of output tiles the last Compute found
  // active (not skipped); -1 for every other kernel and before a Compute.
  virtual double LastTileDensity() const { return -1; }
};

// The kernel for `op` from the explicit registry table in cpu_kernels.cc;
// nullptr when the CPU backend has none.
std::unique_ptr<CpuKernel> CreateCpuKernel(OpType op);

}  // namespace sf

#endif  // SF_RUNTIME_CPU_CPU_KERNEL_H_
