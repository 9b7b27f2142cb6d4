// GPU ops that only move elements: shape-only ops as device copies (Reshape,
// Flatten, Squeeze, Unsqueeze, Identity, Dropout), Transpose, Slice (constant
// starts/ends/axes/steps), Concat, Expand, Gather and ConstantOfShape. Any
// element type.
//
// Shape has no kernel: with the concrete input shapes a GPU executor is built
// for, constant folding always replaces it by its (small) result. A
// ConstantOfShape can remain, when its output exceeds the folding limit
// (FoldOptions::max_folded_elements). Slice (and Pad) parameters computed at
// run time are refused at Prepare with the node's name: a kernel would need
// them on the host, and Enqueue may not synchronise.
#include <algorithm>
#include <vector>

#include "cuda/cuda_status.h"
#include "cuda/kernels/data_movement.h"
#include "cuda/resources.h"
#include "graph/status.h"
#include "runtime/cpu/kernel_util.h"
#include "runtime/gpu/gpu_kernel_factories.h"
#include "runtime/gpu/indexing.h"

namespace sf {
namespace {

absl::StatusOr<std::vector<int64_t>> ConstantInts(const Graph& graph, const Node& node, int i,
                                                  const char* what) {
  const Value& v = graph.value(node.inputs[i]);
  if (!v.constant.has_value()) {
    return NodeError(node, what, " ('", v.name,
                     "') is computed at run time; the CUDA kernel needs it constant when the "
                     "plan is built");
  }
  return v.constant->ToInt64Vector();
}

// One launch of the strided copy: in[off0] -> out[off1] over ix.
struct CopyLaunch {
  int input = 0;
  int output = 0;
  cuda::Indexer ix;
  int64_t n = 0;
};

// Base for ops that are a list of strided copies fixed at Prepare.
class StridedCopyKernel : public GpuKernel {
 public:
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    for (const CopyLaunch& c : launches_) {
      SF_CUDA_RETURN_IF_ERROR(
          cuda::LaunchStridedCopy(elem_bytes_, c.ix, c.n, in[c.input], out[c.output], ctx.stream));
    }
    return absl::OkStatus();
  }

 protected:
  // Adds a copy walking `dims` that reads input `input` with `in_strides` from
  // `in_base` and writes the output with `out_strides` from `out_base`.
  absl::Status AddLaunch(const Node& node, int input, std::span<const int64_t> dims,
                         std::vector<int64_t> in_strides, int64_t in_base,
                         std::vector<int64_t> out_strides, int64_t out_base, int output = 0) {
    const std::vector<std::vector<int64_t>> strides = {std::move(in_strides),
                                                       std::move(out_strides)};
    const int64_t bases[] = {in_base, out_base};
    SF_ASSIGN_OR_RETURN(cuda::Indexer ix, MakeIndexer(node, dims, strides, bases));
    launches_.push_back(CopyLaunch{input, output, ix, Product(dims)});
    return absl::OkStatus();
  }
  absl::Status SetElementType(const Graph& graph, const Node& node) {
    const DataType t = InputType(graph, node, 0);
    elem_bytes_ = SizeOf(t);
    if (OutputType(graph, node, 0) != t) {
      return NodeError(node, "output must have the input's element type");
    }
    if (elem_bytes_ != 1 && elem_bytes_ != 2 && elem_bytes_ != 4 && elem_bytes_ != 8) {
      return NodeError(node, "unsupported element type ", ToString(t));
    }
    return absl::OkStatus();
  }

 private:
  size_t elem_bytes_ = 4;
  std::vector<CopyLaunch> launches_;
};

// ConstantOfShape: the "value" attribute, uploaded once at Prepare, read with
// zero strides into every output element.
class ConstantOfShapeKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node,
                       const GpuPrepareContext& ctx) override {
    SF_ASSIGN_OR_RETURN(Tensor value, ConstantOfShapeValue(graph, node));
    elem_bytes_ = SizeOf(value.dtype());
    if (elem_bytes_ != 1 && elem_bytes_ != 2 && elem_bytes_ != 4 && elem_bytes_ != 8) {
      return NodeError(node, "unsupported element type ", ToString(value.dtype()));
    }
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> out, OutputDims(graph, node, 0));
    const std::vector<std::vector<int64_t>> strides = {std::vector<int64_t>(out.size(), 0),
                                                       ContiguousStrides(out)};
    SF_ASSIGN_OR_RETURN(ix_, MakeIndexer(node, out, strides));
    n_ = Product(out);
    SF_ASSIGN_OR_RETURN(value_, cuda::DeviceBuffer::Create(ctx.device, elem_bytes_));
    SF_CUDA_RETURN_IF_ERROR(
        cudaMemcpy(value_.data(), value.raw_data(), elem_bytes_, cudaMemcpyHostToDevice));
    return absl::OkStatus();
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const>,
                       std::span<void* const> out) override {
    if (n_ == 0) return absl::OkStatus();
    SF_CUDA_RETURN_IF_ERROR(
        cuda::LaunchStridedCopy(elem_bytes_, ix_, n_, value_.data(), out[0], ctx.stream));
    return absl::OkStatus();
  }

 private:
  size_t elem_bytes_ = 4;
  cuda::Indexer ix_;
  int64_t n_ = 0;
  cuda::DeviceBuffer value_;  // the one fill element
};

// Copies `bytes` from in to out, or nothing when they are one buffer (the
// memory plan ran the step in place).
absl::Status CopyBytesUnlessInPlace(const GpuRunContext& ctx, const void* in, void* out,
                                    size_t bytes) {
  if (in != out && bytes > 0) {
    SF_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(out, in, bytes, cudaMemcpyDeviceToDevice, ctx.stream));
  }
  return absl::OkStatus();
}

// Reshape/Flatten/Squeeze/Unsqueeze/Identity/Dropout: the bytes are unchanged.
class CopyKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_RETURN_IF_ERROR(CheckArity(node, 1, 3, 1, 2));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> in, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> out, OutputDims(graph, node, 0));
    if (Product(in) != Product(out) || InputType(graph, node, 0) != OutputType(graph, node, 0)) {
      return NodeError(node, "output must hold the input's elements and type");
    }
    bytes_ = static_cast<size_t>(Product(in)) * SizeOf(InputType(graph, node, 0));
    if (node.outputs.size() == 2) {  // Dropout's mask: all true in inference
      if (node.op != OpType::kDropout) return NodeError(node, "expects 1 output");
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> mask, OutputDims(graph, node, 1));
      mask_bytes_ = static_cast<size_t>(Product(mask)) * SizeOf(OutputType(graph, node, 1));
    }
    return absl::OkStatus();
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    SF_RETURN_IF_ERROR(CopyBytesUnlessInPlace(ctx, in[0], out[0], bytes_));
    if (mask_bytes_ > 0 && out[1] != nullptr) {
      SF_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(out[1], 1, mask_bytes_, ctx.stream));
    }
    return absl::OkStatus();
  }
  // In place the copy is skipped (same bytes).
  int InPlaceInput() const override { return 0; }

 private:
  size_t bytes_ = 0;
  size_t mask_bytes_ = 0;
};

// A permutation that only moves axes of size 1 keeps every element at its
// byte offset (NCHW <-> NHWC of a 1-channel image or a 1x1 map): such a
// Transpose is a plain copy, run in place (no work) where the memory plan
// lets its output share the input's bytes.
class TransposeKernel : public StridedCopyKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_RETURN_IF_ERROR(CheckArity(node, 1, 1, 1, 1));
    SF_RETURN_IF_ERROR(SetElementType(graph, node));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> in, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> out, OutputDims(graph, node, 0));
    std::vector<int64_t> reversed(in.size());
    for (size_t d = 0; d < in.size(); ++d) reversed[d] = static_cast<int64_t>(in.size() - 1 - d);
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> perm, node.attrs.GetIntsOr("perm", reversed));
    if (perm.size() != in.size() || out.size() != in.size()) {
      return NodeError(node, "perm must list every axis once");
    }
    const std::vector<int64_t> in_strides = ContiguousStrides(in);
    std::vector<int64_t> strides(in.size());
    std::vector<bool> seen(in.size(), false);
    int last = -1;  // the last axis of size > 1 taken so far
    keeps_bytes_ = true;
    for (size_t d = 0; d < perm.size(); ++d) {
      SF_ASSIGN_OR_RETURN(int axis, NormalizeAxis(node, perm[d], static_cast<int64_t>(in.size())));
      if (seen[axis] || out[d] != in[axis]) return NodeError(node, "bad perm or output shape");
      seen[axis] = true;
      strides[d] = in_strides[axis];
      if (in[axis] != 1) {
        keeps_bytes_ = keeps_bytes_ && axis > last;
        last = axis;
      }
    }
    bytes_ = static_cast<size_t>(Product(in)) * SizeOf(InputType(graph, node, 0));
    return AddLaunch(node, 0, out, strides, 0, ContiguousStrides(out), 0);
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    if (!keeps_bytes_) return StridedCopyKernel::Enqueue(ctx, in, out);
    return CopyBytesUnlessInPlace(ctx, in[0], out[0], bytes_);
  }
  // Only a byte-preserving permutation: a real transpose reads across elements.
  int InPlaceInput() const override { return keeps_bytes_ ? 0 : -1; }

 private:
  bool keeps_bytes_ = false;
  size_t bytes_ = 0;
};

// Split: one strided copy per part (the input read from the part's offset along
// the axis with the input's strides).
class SplitKernel : public StridedCopyKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_ASSIGN_OR_RETURN(SplitParts p, SplitPartsOf(graph, node));
    SF_RETURN_IF_ERROR(SetElementType(graph, node));
    const std::vector<int64_t> in_strides = ContiguousStrides(p.x_dims);
    int64_t start = 0;
    for (int k = 0; k < static_cast<int>(p.sizes.size()); ++k) {
      std::vector<int64_t> out = p.x_dims;
      out[p.axis] = p.sizes[k];
      if (Product(out) > 0) {
        SF_RETURN_IF_ERROR(AddLaunch(node, 0, out, in_strides, start * in_strides[p.axis],
                                     ContiguousStrides(out), 0, k));
      }
      start += p.sizes[k];
    }
    return absl::OkStatus();
  }
};

class SliceKernel : public StridedCopyKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_RETURN_IF_ERROR(CheckArity(node, 3, 5, 1, 1));
    SF_RETURN_IF_ERROR(SetElementType(graph, node));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> in, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> out, OutputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> starts, ConstantInts(graph, node, 1, "starts"));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> ends, ConstantInts(graph, node, 2, "ends"));
    const int64_t rank = static_cast<int64_t>(in.size());
    std::vector<int64_t> axes(starts.size()), steps(starts.size(), 1);
    for (size_t i = 0; i < axes.size(); ++i) axes[i] = static_cast<int64_t>(i);
    if (HasInput(node, 3)) {
      SF_ASSIGN_OR_RETURN(axes, ConstantInts(graph, node, 3, "axes"));
    }
    if (HasInput(node, 4)) {
      SF_ASSIGN_OR_RETURN(steps, ConstantInts(graph, node, 4, "steps"));
    }
    if (ends.size() != starts.size() || axes.size() != starts.size() ||
        steps.size() != starts.size() || out.size() != in.size()) {
      return NodeError(node, "starts, ends, axes and steps must have one entry per sliced axis");
    }
    std::vector<int64_t> begin(in.size(), 0), step(in.size(), 1);
    for (size_t i = 0; i < axes.size(); ++i) {
      SF_ASSIGN_OR_RETURN(int axis, NormalizeAxis(node, axes[i], rank));
      if (steps[i] == 0) return NodeError(node, "steps must not be 0");
      const int64_t dim = in[axis];
      int64_t s = starts[i] < 0 ? starts[i] + dim : starts[i];
      s = steps[i] > 0 ? std::clamp<int64_t>(s, 0, dim) : std::clamp<int64_t>(s, std::min<int64_t>(0, dim - 1), dim - 1);
      begin[axis] = s;
      step[axis] = steps[i];
    }
    const std::vector<int64_t> in_strides = ContiguousStrides(in);
    std::vector<int64_t> strides(in.size());
    int64_t base = 0;
    for (size_t d = 0; d < in.size(); ++d) {
      const int64_t last = begin[d] + (out[d] - 1) * step[d];
      if (out[d] > 0 && (last < 0 || last >= in[d] || out[d] > in[d])) {
        return NodeError(node, "output shape ", ShapeToString(out), " does not fit the slice");
      }
      strides[d] = in_strides[d] * step[d];
      if (out[d] > 0) base += begin[d] * in_strides[d];
    }
    return AddLaunch(node, 0, out, strides, base, ContiguousStrides(out), 0);
  }
};

class ConcatKernel : public StridedCopyKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_RETURN_IF_ERROR(CheckArity(node, 1, 1 << 20, 1, 1));
    SF_RETURN_IF_ERROR(SetElementType(graph, node));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> out, OutputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(int64_t axis_attr, node.attrs.GetInt("axis"));
    SF_ASSIGN_OR_RETURN(int axis, NormalizeAxis(node, axis_attr, static_cast<int64_t>(out.size())));
    const std::vector<int64_t> out_strides = ContiguousStrides(out);
    int64_t offset = 0;
    for (size_t i = 0; i < node.inputs.size(); ++i) {
      const int idx = static_cast<int>(i);
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> in, InputDims(graph, node, idx));
      if (InputType(graph, node, idx) != InputType(graph, node, 0) || in.size() != out.size()) {
        return NodeError(node, "inputs must share the element type and rank");
      }
      SF_RETURN_IF_ERROR(AddLaunch(node, idx, in, ContiguousStrides(in), 0, out_strides,
                                   offset * out_strides[axis]));
      offset += in[axis];
    }
    if (offset != out[axis]) return NodeError(node, "inputs do not add up to the output");
    return absl::OkStatus();
  }
};

class ExpandKernel : public StridedCopyKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_RETURN_IF_ERROR(CheckArity(node, 2, 2, 1, 1));
    SF_RETURN_IF_ERROR(SetElementType(graph, node));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> in, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> out, OutputDims(graph, node, 0));
    if (in.size() > out.size()) return NodeError(node, "output rank is below the input's");
    for (size_t d = 0; d < in.size(); ++d) {
      const int64_t o = out[out.size() - in.size() + d];
      if (in[d] != 1 && in[d] != o) return NodeError(node, "input does not broadcast to output");
    }
    return AddLaunch(node, 0, out, BroadcastStrides(in, out), 0, ContiguousStrides(out), 0);
  }
};

// Pad, mode "constant" with a zero value and non-negative pads: the output is
// zero-filled, then the input is copied into its interior. Other modes are refused.
class PadKernel : public StridedCopyKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_RETURN_IF_ERROR(CheckArity(node, 2, 4, 1, 1));
    SF_RETURN_IF_ERROR(SetElementType(graph, node));
    SF_ASSIGN_OR_RETURN(std::string mode, node.attrs.GetStringOr("mode", "constant"));
    if (mode != "constant") return NodeError(node, "Pad mode '", mode, "' has no CUDA kernel yet");
    if (HasInput(node, 2)) {
      const Value& v = graph.value(node.inputs[2]);
      if (!v.constant.has_value()) return NodeError(node, "constant_value must be a constant");
      const auto* bytes = static_cast<const unsigned char*>(v.constant->raw_data());
      for (size_t i = 0; i < v.constant->nbytes(); ++i) {
        if (bytes[i] != 0) return NodeError(node, "a non-zero pad value has no CUDA kernel yet");
      }
    }
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> in, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> out, OutputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> pads, ConstantInts(graph, node, 1, "pads"));
    const size_t rank = in.size();
    std::vector<int64_t> axes(rank);
    for (size_t d = 0; d < rank; ++d) axes[d] = static_cast<int64_t>(d);
    if (HasInput(node, 3)) {
      SF_ASSIGN_OR_RETURN(axes, ConstantInts(graph, node, 3, "axes"));
    }
    if (pads.size() != 2 * axes.size() || out.size() != rank) {
      return NodeError(node, "pads must hold a begin and an end per padded axis");
    }
    std::vector<int64_t> begin(rank, 0);
    for (size_t i = 0; i < axes.size(); ++i) {
      SF_ASSIGN_OR_RETURN(int axis, NormalizeAxis(node, axes[i], static_cast<int64_t>(rank)));
      const int64_t b = pads[i], e = pads[i + axes.size()];
      if (b < 0 || e < 0) return NodeError(node, "negative pads have no CUDA kernel yet");
      if (in[axis] + b + e != out[axis]) return NodeError(node, "output shape does not match pads");
      begin[axis] = b;
    }
    const std::vector<int64_t> out_strides = ContiguousStrides(out);
    int64_t base = 0;
    for (size_t d = 0; d < rank; ++d) base += begin[d] * out_strides[d];
    out_bytes_ = static_cast<size_t>(Product(out)) * SizeOf(OutputType(graph, node, 0));
    return AddLaunch(node, 0, in, ContiguousStrides(in), 0, out_strides, base);
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    if (out_bytes_ > 0) SF_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(out[0], 0, out_bytes_, ctx.stream));
    return StridedCopyKernel::Enqueue(ctx, in, out);
  }

 private:
  size_t out_bytes_ = 0;
};

class GatherKernel : public GpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node, const GpuPrepareContext&) override {
    SF_RETURN_IF_ERROR(CheckArity(node, 2, 2, 1, 1));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> data, InputDims(graph, node, 0));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> indices, InputDims(graph, node, 1));
    SF_ASSIGN_OR_RETURN(int64_t axis_attr, node.attrs.GetIntOr("axis", 0));
    SF_ASSIGN_OR_RETURN(int axis, NormalizeAxis(node, axis_attr, static_cast<int64_t>(data.size())));
    const DataType index_type = InputType(graph, node, 1);
    if (index_type != DataType::kInt32 && index_type != DataType::kInt64) {
      return NodeError(node, "indices must be int32 or int64");
    }
    index_bytes_ = SizeOf(index_type);
    elem_bytes_ = SizeOf(InputType(graph, node, 0));
    shape_ = cuda::GatherShape{Product(data, 0, axis), data[axis], Product(indices),
                               Product(data, axis + 1, data.size())};
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> out, OutputDims(graph, node, 0));
    if (Product(out) != shape_.outer * shape_.count * shape_.inner) {
      return NodeError(node, "output shape ", ShapeToString(out), " does not match");
    }
    return absl::OkStatus();
  }
  absl::Status Enqueue(const GpuRunContext& ctx, std::span<const void* const> in,
                       std::span<void* const> out) override {
    SF_CUDA_RETURN_IF_ERROR(cuda::LaunchGather(elem_bytes_, shape_, in[0], in[1], index_bytes_,
                                               out[0], ctx.error_flag, ctx.stream));
    return absl::OkStatus();
  }

 private:
  cuda::GatherShape shape_;
  size_t elem_bytes_ = 4, index_bytes_ = 8;
};

}  // namespace

std::unique_ptr<GpuKernel> MakeGpuCopyKernel(OpType) { return std::make_unique<CopyKernel>(); }
std::unique_ptr<GpuKernel> MakeGpuTransposeKernel(OpType) {
  return std::make_unique<TransposeKernel>();
}
std::unique_ptr<GpuKernel> MakeGpuSliceKernel(OpType) { return std::make_unique<SliceKernel>(); }
std::unique_ptr<GpuKernel> MakeGpuSplitKernel(OpType) { return std::make_unique<SplitKernel>(); }
std::unique_ptr<GpuKernel> MakeGpuPadKernel(OpType) { return std::make_unique<PadKernel>(); }
std::unique_ptr<GpuKernel> MakeGpuConcatKernel(OpType) { return std::make_unique<ConcatKernel>(); }
std::unique_ptr<GpuKernel> MakeGpuExpandKernel(OpType) { return std::make_unique<ExpandKernel>(); }
std::unique_ptr<GpuKernel> MakeGpuGatherKernel(OpType) { return std::make_unique<GatherKernel>(); }
std::unique_ptr<GpuKernel> MakeGpuConstantOfShapeKernel(OpType) {
  return std::make_unique<ConstantOfShapeKernel>();
}

}  // namespace sf
