#include "runtime/gpu/gpu_executor.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "cuda/cuda_status.h"
#include "graph/status.h"
#include "runtime/gpu/sparse_conv_kernel.h"

namespace sf {
namespace {

constexpr int64_t kDeviceAlignment = 256;
// Most workspace one cuDNN algorithm may ask for.
constexpr size_t kWorkspaceLimit = size_t{256} << 20;

int64_t AlignUp(int64_t v) { return (v + kDeviceAlignment - 1) / kDeviceAlignment * kDeviceAlignment; }

absl::Status WithNode(const absl::Status& s, const Node& node) {
  if (s.ok()) return s;
  return absl::Status(s.code(), absl::StrCat("node '", node.name, "' (", ToString(node.op),
                                             "): ", s.message()));
}

absl::StatusOr<std::vector<int64_t>> ValueDims(const Value& value) {
  auto concrete = value.shape ? ConcreteDims(*value.shape) : std::nullopt;
  if (!concrete) {
    return absl::InvalidArgumentError(absl::StrCat("value '", value.name, "' has shape ",
                                                   ShapeToString(value.shape),
                                                   " that is not concrete after inference"));
  }
  return *concrete;
}

}  // namespace

absl::StatusOr<std::unique_ptr<GpuExecutor>> GpuExecutor::Create(Graph graph, const Plan& plan,
                                                                 int device) {
  auto exec = std::unique_ptr<GpuExecutor>(new GpuExecutor());
  exec->device_ = device;
  const int num_nodes = graph.num_nodes();
  if (static_cast<int>(plan.steps.size()) != num_nodes) {
    return absl::InternalError("plan does not match the graph");
  }
  SF_CUDA_RETURN_IF_ERROR(cudaSetDevice(device));
  SF_ASSIGN_OR_RETURN(exec->stream_, cuda::Stream::Create(device));
  SF_ASSIGN_OR_RETURN(exec->cudnn_, cuda::CudnnHandle::Create(device, exec->stream_.get()));
  SF_ASSIGN_OR_RETURN(exec->cublas_, cuda::CublasHandle::Create(device, exec->stream_.get()));

  const GpuPrepareContext ctx{device, exec->cudnn_.get(), kWorkspaceLimit};
  for (int i = 0; i < num_nodes; ++i) {
    if (plan.steps[i].node != i) return absl::InternalError("plan steps out of node order");
    const Node& node = graph.node(i);
    const PlanStep& step = plan.steps[i];
    std::unique_ptr<GpuKernel> kernel =
        step.kernel == "sparse" && node.op == OpType::kConv && step.block > 0
            ? CreateSparseConvGpuKernel(step.block, step.input_class)
            : CreateGpuKernel(node.op);
    if (kernel == nullptr) {
      return absl::UnimplementedError(absl::StrCat("node '", node.name, "': op ",
                                                   ToString(node.op), " has no CUDA kernel yet"));
    }
    SF_RETURN_IF_ERROR(WithNode(kernel->Prepare(graph, node, ctx), node));
    exec->kernels_.push_back(std::move(kernel));
  }
  exec->graph_ = std::move(graph);
  exec->slots_.assign(exec->graph_.num_values(), nullptr);
  SF_RETURN_IF_ERROR(exec->UploadConstants());
  SF_RETURN_IF_ERROR(exec->PlanArena());
  return exec;
}

absl::Status GpuExecutor::UploadConstants() {
  std::vector<int64_t> offsets(graph_.num_values(), -1);
  int64_t total = 0;
  for (ValueId v = 0; v < graph_.num_values(); ++v) {
    if (!graph_.value(v).constant) continue;
    offsets[v] = total;
    total += AlignUp(static_cast<int64_t>(graph_.value(v).constant->nbytes()));
  }
  SF_ASSIGN_OR_RETURN(weights_, cuda::DeviceBuffer::Create(device_, static_cast<size_t>(total)));
  char* base = static_cast<char*>(weights_.data());
  for (ValueId v = 0; v < graph_.num_values(); ++v) {
    if (offsets[v] < 0) continue;
    const Tensor& t = *graph_.value(v).constant;
    slots_[v] = base + offsets[v];
    if (t.nbytes() > 0) {
      SF_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(slots_[v], t.raw_data(), t.nbytes(),
                                              cudaMemcpyHostToDevice, stream_.get()));
    }
  }
  return stream_.Synchronize();
}

absl::Status GpuExecutor::PlanArena() {
  // Lifetimes as in CpuExecutor; graph inputs live from step 0.
  const int num_nodes = graph_.num_nodes();
  std::vector<int> last_use(graph_.num_values(), -1);
  for (int i = 0; i < num_nodes; ++i) {
    for (ValueId in : graph_.node(i).inputs) {
      if (in != kNoValue) last_use[in] = i;
    }
  }
  for (ValueId out : graph_.outputs()) last_use[out] = num_nodes;
  std::vector<ValueId> planned;
  std::vector<TensorLifetime> lifetimes;
  for (ValueId v = 0; v < graph_.num_values(); ++v) {
    const Value& value = graph_.value(v);
    if (value.constant) continue;
    const bool is_input =
        std::find(graph_.inputs().begin(), graph_.inputs().end(), v) != graph_.inputs().end();
    if (value.producer < 0 && !is_input) continue;
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ValueDims(value));
    SF_ASSIGN_OR_RETURN(int64_t count, CheckedElementCount(dims, value.name));
    const int first = std::max(value.producer, 0);
    planned.push_back(v);
    lifetimes.push_back(TensorLifetime{count * static_cast<int64_t>(SizeOf(value.dtype)), first,
                                       std::max(last_use[v], first)});
  }
  memory_plan_ = PlanMemory(lifetimes, kDeviceAlignment);
  size_t workspace = 0;
  for (const auto& k : kernels_) workspace = std::max(workspace, k->workspace_bytes());
  const int64_t workspace_at = AlignUp(memory_plan_.arena_bytes);
  const int64_t flags_at = workspace_at + AlignUp(static_cast<int64_t>(workspace));
  const int64_t total = flags_at + static_cast<int64_t>(sizeof(int)) * std::max(num_nodes, 1);
  if (total > kMaxTensorBytes) {
    return absl::ResourceExhaustedError(absl::StrCat("the model needs a ", total,
                                                     "-byte device arena, above the limit of ",
                                                     kMaxTensorBytes));
  }
  SF_ASSIGN_OR_RETURN(arena_, cuda::DeviceBuffer::Create(device_, static_cast<size_t>(total)));
  char* base = static_cast<char*>(arena_.data());
  for (size_t i = 0; i < planned.size(); ++i) slots_[planned[i]] = base + memory_plan_.offsets[i];
  workspace_ = base + workspace_at;
  error_flags_ = reinterpret_cast<int*>(base + flags_at);
  host_flags_.assign(std::max(num_nodes, 1), 0);
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Tensor>> GpuExecutor::Run(std::span<const Tensor> inputs) {
  if (inputs.size() != graph_.inputs().size()) {
    return absl::InvalidArgumentError(absl::StrCat("expected ", graph_.inputs().size(),
                                                   " inputs, got ", inputs.size()));
  }
  SF_CUDA_RETURN_IF_ERROR(cudaSetDevice(device_));
  cudaStream_t stream = stream_.get();
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value& value = graph_.value(graph_.inputs()[i]);
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ValueDims(value));
    if (inputs[i].dtype() != value.dtype || inputs[i].dims() != dims) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", value.name, "' must be ", ToString(value.dtype), ShapeToString(dims),
          ", got ", ToString(inputs[i].dtype()), ShapeToString(inputs[i].dims())));
    }
    if (inputs[i].nbytes() > 0) {
      SF_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(slots_[graph_.inputs()[i]], inputs[i].raw_data(),
                                              inputs[i].nbytes(), cudaMemcpyHostToDevice,
                                              stream));
    }
  }
  SF_CUDA_RETURN_IF_ERROR(
      cudaMemsetAsync(error_flags_, 0, sizeof(int) * host_flags_.size(), stream));

  std::vector<const void*> in_ptrs;
  std::vector<void*> out_ptrs;
  GpuRunContext ctx{stream, cudnn_.get(), cublas_.get(), workspace_, nullptr};
  for (int i = 0; i < graph_.num_nodes(); ++i) {
    const Node& node = graph_.node(i);
    in_ptrs.clear();
    out_ptrs.clear();
    for (ValueId in : node.inputs) in_ptrs.push_back(in == kNoValue ? nullptr : slots_[in]);
    for (ValueId out : node.outputs) out_ptrs.push_back(out == kNoValue ? nullptr : slots_[out]);
    ctx.error_flag = error_flags_ + i;
    SF_RETURN_IF_ERROR(WithNode(kernels_[i]->Enqueue(ctx, in_ptrs, out_ptrs), node));
  }

  std::vector<Tensor> outputs;
  outputs.reserve(graph_.outputs().size());
  for (ValueId out : graph_.outputs()) {
    const Value& value = graph_.value(out);
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ValueDims(value));
    SF_ASSIGN_OR_RETURN(Tensor t, Tensor::Create(value.dtype, dims, value.name));
    if (t.nbytes() > 0) {
      SF_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(t.raw_data(), slots_[out], t.nbytes(),
                                              cudaMemcpyDeviceToHost, stream));
    }
    outputs.push_back(std::move(t));
  }
  SF_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(host_flags_.data(), error_flags_,
                                          sizeof(int) * host_flags_.size(),
                                          cudaMemcpyDeviceToHost, stream));
  SF_RETURN_IF_ERROR(stream_.Synchronize());
  for (int i = 0; i < graph_.num_nodes(); ++i) {
    if (host_flags_[i] != 0) {
      const Node& node = graph_.node(i);
      return absl::InvalidArgumentError(absl::StrCat("node '", node.name, "' (",
                                                     ToString(node.op),
                                                     "): an index is out of range"));
    }
  }
  return outputs;
}

std::vector<std::string> GpuExecutor::KernelDescriptions() const {
  std::vector<std::string> out;
  for (const auto& k : kernels_) out.push_back(k->Describe());
  return out;
}

}  // namespace sf
