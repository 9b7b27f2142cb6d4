// FusedElementwise on CUDA (graph/passes/fuse_elementwise.h): the program,
// a constant input, is already in device memory; Prepare checks it.
#include "cuda/cuda_status.h"
#include "cuda/kernels/fused_elementwise.h"
#include "graph/passes/fuse_elementwise.h"
#include "graph/status.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/gpu/gpu_kernel_factories.h"

namespace sf {
namespace {

class FusedElementwiseGpuKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_ASSIGN_OR_RETURN(FusedNodeProgram p, ReadFusedProgram(graph, node));
    num_instructions_ = p.num_instructions;
    elements_ = p.elements;
    num_inputs_ = node.inputs.size();
    num_outputs_ = node.outputs.size();
    return absl::OkStatus();
  }

  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    if (in.size() != num_inputs_ || out.size() != num_outputs_) {
      return absl::InternalError("FusedElementwise: inputs or outputs do not match its program");
    }
    cuda::FusedSlots slots;
    for (size_t i = 0; i + 1 < in.size(); ++i) slots.in[i] = in[i];
    for (size_t i = 0; i < out.size(); ++i) slots.out[i] = out[i];
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchFusedElementwise(static_cast<const int64_t*>(in.back()),
                                                         num_instructions_, elements_, slots,
                                                         ctx.stream));
    return absl::OkStatus();
  }

 private:
  int num_instructions_ = 0;
  int64_t elements_ = 0;
  size_t num_inputs_ = 0, num_outputs_ = 0;
};

}  // namespace

std::unique_ptr<GpuKernel> MakeGpuFusedElementwiseKernel(OpType) {
  return std::make_unique<FusedElementwiseGpuKernel>();
}

}  // namespace sf
