// FusedElementwise on CUDA (graph/passes/fuse_elementwise.h). Prepare checks
// the program and compiles it with NVRTC (cuda/fused_jit.h); where that is not
// possible, or SF_FUSED_JIT=off, the interpreter kernel runs the program, which
// is a constant input already in device memory. Both give the same bits.
#include <cstdlib>
#include <cstring>
#include <string>

#include "cuda/cuda_status.h"
#include "cuda/fused_jit.h"
#include "cuda/kernels/fused_elementwise.h"
#include "graph/passes/fuse_elementwise.h"
#include "graph/status.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/gpu/gpu_kernel_factories.h"
#include "spdlog/spdlog.h"

namespace sf {
namespace {

class FusedElementwiseGpuKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node,
                       const GpuPrepareContext& ctx) override {
    SF_ASSIGN_OR_RETURN(FusedNodeProgram p, ReadFusedProgram(graph, node));
    num_instructions_ = p.num_instructions;
    elements_ = p.elements;
    num_inputs_ = node.inputs.size();
    num_outputs_ = node.outputs.size();
    const char* jit = std::getenv("SF_FUSED_JIT");
    if (jit != nullptr && std::strcmp(jit, "off") == 0) {
      why_interpreted_ = "SF_FUSED_JIT=off";
      return absl::OkStatus();
    }
    absl::StatusOr<const void*> compiled = cuda::CompileFusedProgram(p.words, ctx.device);
    if (compiled.ok()) {
      compiled_ = *compiled;
    } else {
      why_interpreted_ = std::string(compiled.status().message());
      spdlog::debug("{}: the fused program runs interpreted: {}", node.name, why_interpreted_);
    }
    return absl::OkStatus();
  }

  std::string Describe() const override {
    return compiled_ != nullptr
               ? absl::StrCat("cuda fused, ", num_instructions_, " instructions compiled (NVRTC)")
               : absl::StrCat("cuda fused, ", num_instructions_, " instructions interpreted (",
                              why_interpreted_, ")");
  }

  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    if (in.size() != num_inputs_ || out.size() != num_outputs_) {
      return absl::InternalError("FusedElementwise: inputs or outputs do not match its program");
    }
    cuda::FusedSlots slots;
    for (size_t i = 0; i + 1 < in.size(); ++i) slots.in[i] = in[i];
    for (size_t i = 0; i < out.size(); ++i) slots.out[i] = out[i];
    if (compiled_ != nullptr) {
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchCompiledFused(compiled_, elements_, slots, ctx.stream));
    } else {
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchFusedElementwise(
          static_cast<const int64_t*>(in.back()), num_instructions_, elements_, slots, ctx.stream));
    }
    return absl::OkStatus();
  }

 private:
  int num_instructions_ = 0;
  int64_t elements_ = 0;
  size_t num_inputs_ = 0, num_outputs_ = 0;
  const void* compiled_ = nullptr;  // the NVRTC kernel, or null: the interpreter
  std::string why_interpreted_;
};

}  // namespace

std::unique_ptr<GpuKernel> MakeGpuFusedElementwiseKernel(OpType) {
  return std::make_unique<FusedElementwiseGpuKernel>();
}

}  // namespace sf
