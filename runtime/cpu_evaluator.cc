#include "runtime/cpu_evaluator.h"

#include "absl/strings/str_cat.h"
#include "graph/status.h"
#include "runtime/cpu/cpu_kernel.h"

namespace sf {

NodeEvaluator CpuNodeEvaluator() {
  return [](const Graph& graph, int node_index,
            std::span<const Tensor> inputs) -> absl::StatusOr<std::vector<Tensor>> {
    const Node& node = graph.node(node_index);
    std::unique_ptr<CpuKernel> kernel = CreateCpuKernel(node.op);
    if (kernel == nullptr) {
      return absl::UnimplementedError(
          absl::StrCat("node '", node.name, "': no CPU kernel for ", ToString(node.op)));
    }
    SF_RETURN_IF_ERROR(kernel->Prepare(graph, node));
    std::vector<Tensor> outputs;
    for (ValueId out : node.outputs) {
      const Value& v = graph.value(out);
      auto dims = v.shape ? ConcreteDims(*v.shape) : std::nullopt;
      if (!dims) {
        return absl::InvalidArgumentError(
            absl::StrCat("node '", node.name, "': output '", v.name, "' has no concrete shape"));
      }
      SF_ASSIGN_OR_RETURN(Tensor t, Tensor::Create(v.dtype, *dims, v.name));
      outputs.push_back(std::move(t));
    }
    std::vector<const Tensor*> in_ptrs;
    for (const Tensor& t : inputs) in_ptrs.push_back(t.empty() ? nullptr : &t);
    std::vector<Tensor*> out_ptrs;
    for (Tensor& t : outputs) out_ptrs.push_back(&t);
    SF_RETURN_IF_ERROR(kernel->Compute(in_ptrs, out_ptrs));
    return outputs;
  };
}

}  // namespace sf
