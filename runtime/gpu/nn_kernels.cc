// GPU Conv (cuDNN), IF/LIF/PLIF neurons (bit-exact with the CPU), inference
// BatchNormalization and 2-D Max/Average pooling, NCHW (Conv and pooling also
// NHWC for a Node::channels_last node). float32, and float16 for all but
// BatchNormalization (computed in float32: cuDNN's FLOAT compute type with
// tensor-op math, float32 membranes and pooling sums).
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cuda/cuda_status.h"
#include "cuda/cudnn_conv.h"
#include "cuda/kernels/neuron.h"
#include "cuda/kernels/reduction.h"
#include "cuda/resources.h"
#include "graph/passes/layout.h"
#include "graph/status.h"
#include "runtime/cpu/conv.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/gpu/float_type.h"
#include "runtime/gpu/gpu_kernel_factories.h"
#include "runtime/gpu/neuron_params.h"
#include "runtime/gpu/occupancy_marks.h"

namespace sf {
namespace {

class ConvKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node,
                       const GpuPrepareContext& ctx) override {
    SF_ASSIGN_OR_RETURN(const DataType type, CheckGpuFloatType(graph, node, /*allow_half=*/true));
    SF_ASSIGN_OR_RETURN(Conv2dParams p, GetConv2dParams(graph, node));
    if (p.pad_top != p.pad_bottom || p.pad_left != p.pad_right) {
      return NodeError(node, "asymmetric pads [", p.pad_top, ",", p.pad_left, ",", p.pad_bottom,
                       ",", p.pad_right, "] are not supported by the CUDA conv yet");
    }
    const cuda::ConvShape shape{p.n,        p.c_in,     p.h,       p.w,       p.c_out,
                                p.kh,       p.kw,       p.stride_h, p.stride_w, p.pad_top,
                                p.pad_left, p.dil_h,    p.dil_w,   p.group,   p.out_h,
                                p.out_w};
    auto conv =
        cuda::CudnnConv::Create(ctx.cudnn, shape, ctx.workspace_limit, ctx.allow_tf32,
                                ctx.conv_algo_search != ConvAlgoSearch::kHeuristic, type,
                                node.channels_last ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW,
                                /*gemm_only=*/ctx.conv_algo_search == ConvAlgoSearch::kTimedGemm,
                                /*with_bias=*/node.inputs.size() > 2 && HasInput(node, 2));
    if (!conv.ok()) return NodeError(node, conv.status().message());
    conv_ = std::move(*conv);
    return absl::OkStatus();
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    const void* bias = in.size() > 2 ? in[2] : nullptr;
    return conv_.Forward(ctx.cudnn, in[0], in[1], bias, out[0], ctx.workspace);
  }
  size_t workspace_bytes() const override { return conv_.workspace_bytes(); }
  std::string Describe() const override { return "cudnn " + conv_.Describe(); }

 private:
  cuda::CudnnConv conv_;
};

class NeuronKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node,
                       const GpuPrepareContext& ctx) override {
    SF_RETURN_IF_ERROR(CheckArity(node, 1, 1, 1, 1));
    SF_ASSIGN_OR_RETURN(type_, CheckGpuFloatType(graph, node, /*allow_half=*/true));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> in, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> out, OutputDims(graph, node, 0));
    if (in != out || in.empty()) return NodeError(node, "output must have the input's shape");
    SF_ASSIGN_OR_RETURN(params_, GetNeuronParams(node, in));
    if (node.carries_state) {
      SF_ASSIGN_OR_RETURN(state_, cuda::DeviceBuffer::Create(
                                      ctx.device, sizeof(float) * params_.step_elements));
      params_.state = static_cast<float*>(state_.data());
    }
    return absl::OkStatus();
  }
  // Each spike is written after the input of the same element and step is read.
  int InPlaceInput() const override { return 0; }
  absl::Status ResetState(cudaStream_t stream) override {
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchNeuronStateReset(params_, stream));
    return absl::OkStatus();
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    SF_CUDA_RETURN_IF_ERROR(
        cuda::LaunchNeuron(params_, type_, in[0], out[0], ctx.stream, marks_.ForRun()));
    return absl::OkStatus();
  }
  bool AcceptSpikeOccupancy(SpikeOccupancyLink* link) override {
    return marks_.Accept(link, type_, params_);
  }
  std::string Describe() const override {
    return absl::StrCat(type_ == DataType::kFloat16 ? "cuda fp16" : "cuda", marks_.Describe());
  }

 private:
  OccupancyMarks marks_;
  cuda::NeuronParams params_;
  cuda::DeviceBuffer state_;  // streamed: the membrane between runs
  DataType type_ = DataType::kFloat32;
};

// A residual Add fused with a neuron (PlanStep::fused_neuron on an Add,
// PlanStep::fused_add on a neuron): one pass over the tensors instead of two,
// the intermediate never stored. add_first: prepared on the Add node, reads
// its two inputs and writes the neuron's spikes. Otherwise prepared on the
// neuron, reads its input and then the Add's other input (the executor's
// extra input) and writes the Add's output. Bit-identical to the two kernels.
class NeuronAddKernel : public GpuKernel {
 public:
  NeuronAddKernel(bool add_first, int partner) : add_first_(add_first), partner_(partner) {}
  absl::Status Prepare(const Graph& graph, const Node& node,
                       const GpuPrepareContext&) override {
    if (partner_ < 0 || partner_ >= graph.num_nodes()) {
      return NodeError(node, "fused partner node ", partner_, " is not in the graph");
    }
    const Node& add = add_first_ ? node : graph.node(partner_);
    const Node& neuron = add_first_ ? graph.node(partner_) : node;
    if (add.op != OpType::kAdd || !IsNeuron(neuron.op) || neuron.carries_state) {
      return NodeError(node, "only an Add and a neuron without carried state fuse");
    }
    SF_RETURN_IF_ERROR(CheckArity(add, 2, 2, 1, 1));
    SF_RETURN_IF_ERROR(CheckArity(neuron, 1, 1, 1, 1));
    SF_ASSIGN_OR_RETURN(type_, CheckGpuFloatType(graph, neuron, /*allow_half=*/true));
    SF_ASSIGN_OR_RETURN(const DataType add_type, CheckGpuFloatType(graph, add, true));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, OutputDims(graph, add, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> neuron_in, InputDims(graph, neuron, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> neuron_out, OutputDims(graph, neuron, 0));
    for (int i = 0; i < 2; ++i) {
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> in, InputDims(graph, add, i));
      if (in != dims) return NodeError(add, "a fused Add needs inputs of its output's shape");
    }
    const ValueId link = add_first_ ? add.outputs[0] : neuron.outputs[0];
    const bool linked = add_first_ ? neuron.inputs[0] == link
                                   : (add.inputs[0] == link) != (add.inputs[1] == link);
    if (add_type != type_ || neuron_in != dims || neuron_out != dims || dims.empty() || !linked) {
      return NodeError(node, "the Add and the neuron do not fuse (types, shapes or links)");
    }
    SF_ASSIGN_OR_RETURN(params_, GetNeuronParams(neuron, dims));
    what_ = add_first_ ? absl::StrCat("add+", ToString(neuron.op), " '", neuron.name, "'")
                       : absl::StrCat(ToString(neuron.op), "+add '", add.name, "'");
    return absl::OkStatus();
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    if (in.size() != 2 || out.size() != 1) {
      return absl::InternalError("a fused Add + neuron takes two inputs and one output");
    }
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchNeuronAdd(
        params_, add_first_ ? cuda::NeuronAdd::kBefore : cuda::NeuronAdd::kAfter, type_, in[0],
        in[1], out[0], ctx.stream, marks_.ForRun()));
    return absl::OkStatus();
  }
  bool AcceptSpikeOccupancy(SpikeOccupancyLink* link) override {
    return marks_.Accept(link, type_, params_);
  }
  std::string Describe() const override {
    return absl::StrCat("cuda ", what_, " fused", type_ == DataType::kFloat16 ? " fp16" : "",
                        marks_.Describe());
  }

 private:
  OccupancyMarks marks_;
  bool add_first_;
  int partner_;
  cuda::NeuronParams params_;
  DataType type_ = DataType::kFloat32;
  std::string what_;
};

class BatchNormKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_RETURN_IF_ERROR(CheckArity(node, 5, 5, 1, 1));
    SF_RETURN_IF_ERROR(CheckGpuFloatType(graph, node, /*allow_half=*/false).status());
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> x, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
    if (x.size() < 2 || x != y) return NodeError(node, "input must be [N, C, ...] like the output");
    for (int i = 1; i < 5; ++i) {
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> d, InputDims(graph, node, i));
      if (d != std::vector<int64_t>{x[1]}) {
        return NodeError(node, "input ", i, " must have shape [", x[1], "]");
      }
    }
    SF_ASSIGN_OR_RETURN(float epsilon, node.attrs.GetFloatOr("epsilon", 1e-5f));
    shape_ = cuda::BatchNormShape{x[0], x[1], Product(x, 2, x.size()), epsilon};
    return absl::OkStatus();
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    auto f = [&](int i) { return static_cast<const float*>(in[i]); };
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchBatchNorm(shape_, f(0), f(1), f(2), f(3), f(4),
                                                  static_cast<float*>(out[0]), ctx.stream));
    return absl::OkStatus();
  }

 private:
  cuda::BatchNormShape shape_;
};

class PoolKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_RETURN_IF_ERROR(CheckArity(node, 1, 1, 1, 1));
    SF_ASSIGN_OR_RETURN(type_, CheckGpuFloatType(graph, node, /*allow_half=*/true));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> x, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
    x = LogicalDims(node, std::move(x));
    y = LogicalDims(node, std::move(y));
    if (x.size() != 4 || y.size() != 4 || y[0] != x[0] || y[1] != x[1]) {
      return NodeError(node, "only 2-D pooling (NCHW or NHWC) is supported");
    }
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> kernel, node.attrs.GetIntsOr("kernel_shape", {}));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> strides, node.attrs.GetIntsOr("strides", {1, 1}));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> dils, node.attrs.GetIntsOr("dilations", {1, 1}));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> pads, node.attrs.GetIntsOr("pads", {0, 0, 0, 0}));
    SF_ASSIGN_OR_RETURN(std::string auto_pad, node.attrs.GetStringOr("auto_pad", "NOTSET"));
    SF_ASSIGN_OR_RETURN(int64_t include_pad, node.attrs.GetIntOr("count_include_pad", 0));
    if (kernel.size() != 2 || strides.size() != 2 || dils.size() != 2 || pads.size() != 4) {
      return NodeError(node, "kernel_shape/strides/dilations need 2 values and pads 4");
    }
    shape_.planes = x[0] * x[1];
    shape_.channels = x[1];
    shape_.channels_last = node.channels_last;
    shape_.is_max = node.op == OpType::kMaxPool;
    shape_.count_include_pad = include_pad != 0;
    cuda::PoolDim* dims[2] = {&shape_.h, &shape_.w};
    for (int i = 0; i < 2; ++i) {
      cuda::PoolDim& d = *dims[i];
      d = cuda::PoolDim{x[2 + i], kernel[i], strides[i], dils[i], pads[i], pads[2 + i], y[2 + i]};
      if (d.k < 1 || d.stride < 1 || d.dil < 1 || d.pad_begin < 0 || d.pad_end < 0 ||
          (!shape_.is_max && d.dil != 1)) {
        return NodeError(node, "bad kernel_shape, strides, dilations or pads");
      }
      SF_RETURN_IF_ERROR(
          ResolveAutoPad(node, auto_pad, d.in, d.k, d.stride, d.dil, &d.pad_begin, &d.pad_end));
      // Every window must start inside the padded input (as the output shape implies).
      if (d.out < 1 || (d.out - 1) * d.stride - d.pad_begin >= d.in) {
        return NodeError(node, "output shape ", ShapeToString(y), " has windows past the input");
      }
    }
    return absl::OkStatus();
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchPool2d(shape_, type_, in[0], out[0], ctx.stream));
    return absl::OkStatus();
  }

 private:
  cuda::PoolShape shape_;
  DataType type_ = DataType::kFloat32;
};

}  // namespace

std::unique_ptr<GpuKernel> MakeGpuConvKernel(OpType) { return std::make_unique<ConvKernel>(); }
std::unique_ptr<GpuKernel> MakeGpuNeuronKernel(OpType) { return std::make_unique<NeuronKernel>(); }
std::unique_ptr<GpuKernel> CreateNeuronAddGpuKernel(bool add_first, int partner) {
  return std::make_unique<NeuronAddKernel>(add_first, partner);
}
std::unique_ptr<GpuKernel> MakeGpuBatchNormKernel(OpType) {
  return std::make_unique<BatchNormKernel>();
}
std::unique_ptr<GpuKernel> MakeGpuPoolKernel(OpType) { return std::make_unique<PoolKernel>(); }

}  // namespace sf
