#include "runtime/gpu/sparse_conv_kernel.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cuda/cuda_status.h"
#include "cuda/kernels/sparse_conv.h"
#include "cuda/resources.h"
#include "graph/status.h"
#include "runtime/cpu/conv.h"
#include "runtime/cpu/kernel_util.h"

namespace sf {
namespace {

class SparseConvGpuKernel : public GpuKernel {
 public:
  SparseConvGpuKernel(int block, ValueClass input_class)
      : block_(block), binary_(input_class == ValueClass::kBinary) {}

  absl::Status Prepare(const Graph& graph, const Node& node,
                       const GpuPrepareContext& ctx) override {
    if (block_ < 1) return NodeError(node, "sparse conv block must be >= 1, got ", block_);
    SF_ASSIGN_OR_RETURN(Conv2dParams p, GetConv2dParams(graph, node));
    for (int i = 0; i < static_cast<int>(node.inputs.size()); ++i) {
      if (HasInput(node, i) && InputType(graph, node, i) != DataType::kFloat32) {
        return NodeError(node, "input ", i, " must be float32 for the CUDA sparse conv");
      }
    }
    if (OutputType(graph, node, 0) != DataType::kFloat32) {
      return NodeError(node, "output must be float32 for the CUDA sparse conv");
    }
    if (p.group != 1 || p.dil_h != 1 || p.dil_w != 1 || p.kh != p.kw || p.stride_h != p.stride_w) {
      return NodeError(node,
                       "the CUDA sparse conv needs group 1, dilation 1, a square kernel "
                       "and equal strides");
    }
    shape_ = cuda::SparseConvShape{p.n,
                                   p.c_in,
                                   p.h,
                                   p.w,
                                   p.c_out,
                                   p.out_h,
                                   p.out_w,
                                   static_cast<int>(p.kh),
                                   static_cast<int>(p.stride_h),
                                   p.pad_top,
                                   p.pad_left,
                                   cuda::SparseConvTileFor(block_),
                                   binary_};
    if (const std::string why = cuda::SparseConvUnsupportedReason(shape_); !why.empty()) {
      return NodeError(node, "the CUDA sparse conv does not run this conv: ", why);
    }
    const Value& w = graph.value(node.inputs[1]);
    if (!w.constant) {
      return NodeError(node, "the CUDA sparse conv needs constant weights, '", w.name,
                       "' is computed");
    }
    std::vector<float> packed(static_cast<size_t>(w.constant->num_elements()));
    cuda::RepackSparseConvWeights(w.constant->data<float>(), p.c_out, p.c_in,
                                  static_cast<int>(p.kh), packed.data());
    SF_ASSIGN_OR_RETURN(weights_,
                        cuda::DeviceBuffer::Create(ctx.device, packed.size() * sizeof(float)));
    SF_CUDA_RETURN_IF_ERROR(cudaMemcpy(weights_.data(), packed.data(),
                                       packed.size() * sizeof(float), cudaMemcpyHostToDevice));
    return absl::OkStatus();
  }

  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    const float* bias = in.size() > 2 ? static_cast<const float*>(in[2]) : nullptr;
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSparseConv(
        shape_, static_cast<const float*>(in[0]), static_cast<const float*>(weights_.data()), bias,
        static_cast<float*>(out[0]), ctx.workspace, ctx.stream));
    return absl::OkStatus();
  }

  size_t workspace_bytes() const override { return cuda::SparseConvWorkspaceBytes(shape_); }

  std::string Describe() const override {
    return absl::StrCat("cuda sparse tile ", shape_.tile, " ", binary_ ? "binary" : "values", " (",
                        cuda::kSparseConvChannelGroup, "-channel groups)");
  }

 private:
  int block_;
  bool binary_;
  cuda::SparseConvShape shape_;
  cuda::DeviceBuffer weights_;  // [c_in][k][k][c_out]
};

}  // namespace

std::unique_ptr<GpuKernel> CreateSparseConvGpuKernel(int block, ValueClass input_class) {
  return std::make_unique<SparseConvGpuKernel>(block, input_class);
}

}  // namespace sf
