// Runs one CPU kernel on a OneNodeGraph: create from the registry, Prepare,
// allocate the outputs from the graph's dtypes and concrete shapes, Compute.
#ifndef SF_TESTS_CPU_KERNEL_RUNNER_H_
#define SF_TESTS_CPU_KERNEL_RUNNER_H_

#include <vector>

#include "absl/status/statusor.h"
#include "graph/status.h"
#include "runtime/cpu/cpu_kernel.h"
#include "tests/testing/graph_builder.h"

namespace sf::testing {

// `inputs` are the node's input tensors in order; an empty Tensor stands for
// an omitted optional input and constant inputs may be passed as empty Tensors
// (their Value::constant is used).
inline absl::StatusOr<std::vector<Tensor>> RunKernel(const OneNodeGraph& g,
                                                     std::vector<Tensor> inputs) {
  const Node& node = g.graph.node(g.node);
  std::unique_ptr<CpuKernel> kernel = CreateCpuKernel(node.op);
  if (kernel == nullptr) return absl::UnimplementedError("no CPU kernel");
  SF_RETURN_IF_ERROR(kernel->Prepare(g.graph, node));
  std::vector<const Tensor*> in_ptrs;
  for (size_t i = 0; i < node.inputs.size(); ++i) {
    const ValueId id = node.inputs[i];
    if (i < inputs.size() && !inputs[i].empty()) {
      in_ptrs.push_back(&inputs[i]);
    } else if (id != kNoValue && g.graph.value(id).constant.has_value()) {
      in_ptrs.push_back(&*g.graph.value(id).constant);
    } else {
      in_ptrs.push_back(nullptr);
    }
  }
  std::vector<Tensor> outputs;
  for (ValueId id : node.outputs) {
    const Value& v = g.graph.value(id);
    SF_ASSIGN_OR_RETURN(Tensor t, Tensor::Create(v.dtype, *ConcreteDims(*v.shape), v.name));
    outputs.push_back(std::move(t));
  }
  std::vector<Tensor*> out_ptrs;
  for (Tensor& t : outputs) out_ptrs.push_back(&t);
  SF_RETURN_IF_ERROR(kernel->Compute(in_ptrs, out_ptrs));
  return outputs;
}

template <typename T>
std::vector<T> Values(const Tensor& t) {
  return std::vector<T>(t.data<T>(), t.data<T>() + t.num_elements());
}

}  // namespace sf::testing

#endif  // SF_TESTS_CPU_KERNEL_RUNNER_H_
