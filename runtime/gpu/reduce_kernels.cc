// GPU ReduceMean / ReduceSum / GlobalAveragePool (float32 or float16,
// accumulated in double like the CPU GlobalAveragePool; GlobalAveragePool
// also NHWC for a Node::channels_last node) and Softmax (float32).
#include <algorithm>
#include <vector>

#include "cuda/cuda_status.h"
#include "cuda/resources.h"
#include "cuda/kernels/reduction.h"
#include "graph/status.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/gpu/float_type.h"
#include "runtime/gpu/gpu_kernel_factories.h"
#include "runtime/gpu/indexing.h"

namespace sf {
namespace {

class ReduceKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node,
                       const GpuPrepareContext& ctx) override {
    SF_RETURN_IF_ERROR(CheckArity(node, 1, 1, 1, 1));
    SF_ASSIGN_OR_RETURN(type_, CheckGpuFloatType(graph, node, /*allow_half=*/true));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> x, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
    const int64_t rank = static_cast<int64_t>(x.size());
    std::vector<bool> reduce(x.size(), false);
    mean_ = node.op != OpType::kReduceSum;
    if (node.op == OpType::kGlobalAveragePool) {
      if (rank < 3) return NodeError(node, "input rank must be >= 3");
      if (node.channels_last) {  // [N, H, W, C]: over H and W
        std::fill(reduce.begin() + 1, reduce.end() - 1, true);
      } else {
        std::fill(reduce.begin() + 2, reduce.end(), true);
      }
    } else {
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, node.attrs.GetIntsOr("axes", {}));
      SF_ASSIGN_OR_RETURN(int64_t noop, node.attrs.GetIntOr("noop_with_empty_axes", 0));
      if (axes.empty() && noop == 0) std::fill(reduce.begin(), reduce.end(), true);
      for (int64_t a : axes) {
        SF_ASSIGN_OR_RETURN(int axis, NormalizeAxis(node, a, rank));
        reduce[axis] = true;
      }
    }
    const std::vector<int64_t> strides = ContiguousStrides(x);
    std::vector<int64_t> kept_dims, kept_strides, red_dims, red_strides;
    for (size_t d = 0; d < x.size(); ++d) {
      (reduce[d] ? red_dims : kept_dims).push_back(x[d]);
      (reduce[d] ? red_strides : kept_strides).push_back(strides[d]);
    }
    num_outputs_ = Product(kept_dims);
    num_reduced_ = Product(red_dims);
    if (Product(y) != num_outputs_) {
      return NodeError(node, "output shape ", ShapeToString(y), " does not match the reduction");
    }
    const std::vector<std::vector<int64_t>> kept = {kept_strides}, red = {red_strides};
    SF_ASSIGN_OR_RETURN(outputs_, MakeIndexer(node, kept_dims, kept));
    SF_ASSIGN_OR_RETURN(reduced_, MakeIndexer(node, red_dims, red));
    if (node.carries_state) {
      // A streamed time reduction reduces one step: an axis of size 1.
      if (num_reduced_ != 1) return NodeError(node, "a streamed time reduction needs one step");
      SF_ASSIGN_OR_RETURN(state_, cuda::DeviceBuffer::Create(
                                      ctx.device, sizeof(double) * (num_outputs_ + 1)));
    }
    return absl::OkStatus();
  }
  absl::Status ResetState(cudaStream_t stream) override {
    if (state_.data() != nullptr) {
      SF_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(state_.data(), 0, state_.bytes(), stream));
    }
    return absl::OkStatus();
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    if (state_.data() != nullptr) {
      double* acc = static_cast<double*>(state_.data());
      SF_CUDA_RETURN_IF_ERROR(cuda::LaunchTimeAccumulate(
          mean_, num_outputs_, static_cast<const float*>(in[0]), acc,
          reinterpret_cast<int64_t*>(acc + num_outputs_), static_cast<float*>(out[0]),
          ctx.stream));
      return absl::OkStatus();
    }
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchReduce(mean_, outputs_, num_outputs_, reduced_,
                                               num_reduced_, type_, in[0], out[0], ctx.stream));
    return absl::OkStatus();
  }

 private:
  bool mean_ = true;
  DataType type_ = DataType::kFloat32;
  cuda::Indexer outputs_, reduced_;
  int64_t num_outputs_ = 0, num_reduced_ = 0;
  // Streamed (Node::carries_state): num_outputs_ running sums in double, then
  // the run count as an int64 in the last double's bytes.
  cuda::DeviceBuffer state_;
};

class SoftmaxKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_RETURN_IF_ERROR(CheckArity(node, 1, 1, 1, 1));
    SF_RETURN_IF_ERROR(CheckGpuFloatType(graph, node, /*allow_half=*/false).status());
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> x, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
    if (x != y || x.empty()) return NodeError(node, "output must have the input's shape");
    SF_ASSIGN_OR_RETURN(int64_t axis_attr, node.attrs.GetIntOr("axis", -1));
    SF_ASSIGN_OR_RETURN(int64_t coerce_2d, node.attrs.GetIntOr("coerce_2d", 0));
    SF_ASSIGN_OR_RETURN(int axis, NormalizeAxis(node, axis_attr, static_cast<int64_t>(x.size())));
    outer_ = Product(x, 0, axis);
    axis_ = coerce_2d != 0 ? Product(x, axis, x.size()) : x[axis];
    inner_ = coerce_2d != 0 ? 1 : Product(x, axis + 1, x.size());
    return absl::OkStatus();
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchSoftmax(outer_, axis_, inner_,
                                                static_cast<const float*>(in[0]),
                                                static_cast<float*>(out[0]), ctx.stream));
    return absl::OkStatus();
  }

 private:
  int64_t outer_ = 1, axis_ = 1, inner_ = 1;
};

// float32 (the float16 pass keeps it float32, with Casts around).
class LayerNormKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_ASSIGN_OR_RETURN(g_, LayerNormGeometryOf(graph, node));
    return absl::OkStatus();
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    const float* bias = in.size() > 2 ? static_cast<const float*>(in[2]) : nullptr;
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchLayerNorm(
        g_.rows, g_.cols, static_cast<const float*>(in[0]), static_cast<const float*>(in[1]),
        g_.params[0], bias, g_.params[1], g_.epsilon, static_cast<float*>(out[0]), ctx.stream));
    return absl::OkStatus();
  }

 private:
  LayerNormGeometry g_;
};

}  // namespace

std::unique_ptr<GpuKernel> MakeGpuReduceKernel(OpType) { return std::make_unique<ReduceKernel>(); }
std::unique_ptr<GpuKernel> MakeGpuLayerNormKernel(OpType) {
  return std::make_unique<LayerNormKernel>();
}
std::unique_ptr<GpuKernel> MakeGpuSoftmaxKernel(OpType) {
  return std::make_unique<SoftmaxKernel>();
}

}  // namespace sf
