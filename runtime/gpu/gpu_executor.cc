#include "runtime/gpu/gpu_executor.h"

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string>

#include "absl/cleanup/cleanup.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "cuda/cuda_status.h"
#include "graph/status.h"
#include "runtime/gpu/cuda_graph.h"
#include "runtime/gpu/gpu_kernel_factories.h"
#include "runtime/gpu/replay_timing.h"
#include "runtime/gpu/sparse_conv_kernel.h"
#include "runtime/latency_stats.h"
#include "runtime/value_lifetimes.h"
#include "spdlog/spdlog.h"

namespace sf {
namespace {

using cuda::AlignUpToDevice;
using cuda::kDeviceAlignment;
// Most workspace one cuDNN algorithm may ask for.
constexpr size_t kWorkspaceLimit = size_t{256} << 20;

// Setting it to "1" turns on ExecutorOptions::debug_separate_allocations, so
// that sanitizer runs need no code change (scripts/gpu-check.sh sanitize).
constexpr char kArenaBypassEnv[] = "SF_CUDA_ARENA_BYPASS";

bool ArenaBypassFromEnv() {
  const char* v = std::getenv(kArenaBypassEnv);
  return v != nullptr && std::string(v) == "1";
}

// Rounds of ProfileSteps per step; the median round is reported.
constexpr int kProfileRounds = 5;

absl::StatusOr<double> ElapsedUs(const cuda::Event& start, const cuda::Event& end) {
  SF_ASSIGN_OR_RETURN(float ms, cuda::Event::ElapsedMs(start, end));
  return static_cast<double>(ms) * 1000.0;
}

}  // namespace

absl::StatusOr<std::unique_ptr<GpuExecutor>> GpuExecutor::Create(Graph graph, const Plan& plan,
                                                                 int device,
                                                                 const ExecutorOptions& options) {
  auto exec = std::unique_ptr<GpuExecutor>(new GpuExecutor());
  exec->device_ = device;
  exec->profiling_ = options.profiling;
  exec->profile_nodes_ = options.profile_nodes;
  exec->separate_allocations_ = options.debug_separate_allocations || ArenaBypassFromEnv();
  exec->arena_limit_bytes_ = options.arena_limit_bytes;
  // Per-node events cannot be read out of a replayed graph; a captured graph
  // would also keep the separate allocations' addresses out of the sanitizer.
  exec->cuda_graphs_ =
      options.cuda_graphs && !options.profile_nodes && !exec->separate_allocations_;
  const int num_nodes = graph.num_nodes();
  if (static_cast<int>(plan.steps.size()) != num_nodes) {
    return absl::InternalError("plan does not match the graph");
  }
  SF_CUDA_RETURN_IF_ERROR(cudaSetDevice(device));
  SF_ASSIGN_OR_RETURN(exec->stream_, cuda::Stream::Create(device));
  SF_ASSIGN_OR_RETURN(exec->cudnn_, cuda::CudnnHandle::Create(device, exec->stream_.get()));
  SF_ASSIGN_OR_RETURN(exec->cublas_,
                      cuda::CublasHandle::Create(device, exec->stream_.get(), options.allow_tf32));
  for (cuda::Event& e : exec->events_) {
    SF_ASSIGN_OR_RETURN(e, cuda::Event::Create(device));
  }
  SF_ASSIGN_OR_RETURN(exec->caller_ready_, cuda::Event::Create(device));
  SF_ASSIGN_OR_RETURN(exec->run_done_, cuda::Event::Create(device));
  if (exec->profile_nodes_) {
    exec->node_events_.resize(static_cast<size_t>(num_nodes) + 1);
    for (cuda::Event& e : exec->node_events_) {
      SF_ASSIGN_OR_RETURN(e, cuda::Event::Create(device));
    }
  }
  exec->step_us_.assign(num_nodes, 0.0);

  const GpuPrepareContext ctx{device,
                              exec->cudnn_.get(),
                              kWorkspaceLimit,
                              options.allow_tf32,
                              options.conv_algo_search,
                              options.profile_nodes,
                              options.profiling};
  std::vector<bool> launches;  // per step: queues work (not fused into another step)
  for (int i = 0; i < num_nodes; ++i) {
    if (plan.steps[i].node != i) return absl::InternalError("plan steps out of node order");
    const Node& node = graph.node(i);
    const PlanStep& step = plan.steps[i];
    const bool sparse = step.kernel == "sparse" && node.op == OpType::kConv && step.block > 0;
    launches.push_back(step.fused_into < 0);
    std::unique_ptr<GpuKernel> kernel;
    int writes = i;             // whose outputs the step writes
    ValueId extra = kNoValue;  // an input the step reads beyond its node's
    auto fused_with = [&](int other) {
      return other >= 0 && other < num_nodes && plan.steps[other].fused_into == i;
    };
    if (step.fused_neuron >= 0 || step.fused_add >= 0) {
      const int other = step.fused_neuron >= 0 ? step.fused_neuron : step.fused_add;
      if (!fused_with(other) || (step.fused_neuron >= 0 && step.fused_add >= 0)) {
        return absl::InternalError("plan fusion does not match the graph");
      }
      writes = other;
      if (node.op == OpType::kConv && step.fused_neuron >= 0) {
        // A dense conv (block 0) fuses through the direct kernel.
        kernel = CreateConvNeuronGpuKernel(sparse ? step.block : 0, step.input_class,
                                           plan.sparse_mode, step.fused_neuron);
      } else if (node.op == OpType::kAdd && step.fused_neuron >= 0) {
        kernel = CreateNeuronAddGpuKernel(/*add_first=*/true, other);
      } else if (IsNeuron(node.op) && step.fused_add >= 0) {
        kernel = CreateNeuronAddGpuKernel(/*add_first=*/false, other);
        const Node& add = graph.node(other);
        if (add.inputs.size() != 2 || node.outputs.empty()) {
          return absl::InternalError("plan fusion does not match the graph");
        }
        extra = add.inputs[0] == node.outputs[0] ? add.inputs[1] : add.inputs[0];
      } else {
        return absl::InternalError("plan fusion does not match the graph");
      }
    } else if (step.fused_into >= 0) {
      const int into = step.fused_into;
      if (into >= num_nodes ||
          (plan.steps[into].fused_neuron != i && plan.steps[into].fused_add != i)) {
        return absl::InternalError("plan fusion does not match the graph");
      }
      kernel = CreateFusedAwayGpuKernel(graph.node(into).name);
    } else if (sparse) {
      kernel = CreateSparseConvGpuKernel(step.block, step.input_class, plan.sparse_mode);
    } else {
      kernel = CreateGpuKernel(node.op);
    }
    exec->writes_outputs_of_.push_back(writes);
    exec->extra_input_.push_back(extra);
    if (kernel == nullptr) {
      return absl::UnimplementedError(absl::StrCat("node '", node.name, "': op ", ToString(node.op),
                                                   " has no CUDA kernel yet"));
    }
    SF_RETURN_IF_ERROR(WithNode(kernel->Prepare(graph, node, ctx), node));
    exec->kernels_.push_back(std::move(kernel));
  }
  const auto [widest_in, widest_out] = WidestNode(graph);
  exec->step_inputs_.reserve(widest_in + 1);  // + a fused Add's other input
  exec->step_outputs_.reserve(widest_out);
  exec->graph_ = std::move(graph);
  SF_RETURN_IF_ERROR(exec->LinkSpikeOccupancy(launches));
  exec->slots_.assign(exec->graph_.num_values(), nullptr);
  exec->side_index_.assign(num_nodes, -1);
  if (options.overlap_branches) {
    SF_RETURN_IF_ERROR(exec->PlanSideStream(launches, options.allow_tf32));
  }
  SF_RETURN_IF_ERROR(exec->UploadConstants());
  SF_RETURN_IF_ERROR(exec->PlanArena());
  exec->home_slots_ = exec->slots_;
  for (const std::vector<ValueId>* io : {&exec->graph_.inputs(), &exec->graph_.outputs()}) {
    for (ValueId v : *io) {
      SF_ASSIGN_OR_RETURN(int64_t bytes, ConcreteValueBytes(exec->graph_.value(v)));
      exec->io_bytes_.push_back(static_cast<size_t>(bytes));
    }
  }
  exec->io_addresses_.assign(exec->io_bytes_.size(), nullptr);
  exec->bound_graph_addresses_ = exec->io_addresses_;
  exec->last_bound_addresses_ = exec->io_addresses_;
  exec->output_bound_.assign(exec->graph_.outputs().size(), false);
  SF_RETURN_IF_ERROR(exec->ResetState());
  return exec;
}

namespace {

// A link's masks or packed spikes rounded up to 16 bytes (their place in the arena).
int64_t AlignedLinkBytes(const SpikeOccupancyLink& link) {
  return (static_cast<int64_t>(SpikeLinkBytes(link)) + 15) / 16 * 16;
}

// Where each link's buffer lies from the first mask (`links` masks first, as
// LinkSpikeOccupancy orders them): the masks one after another, then one
// buffer of packed spikes per producer, which all its packed links share.
GpuExecutor::LinkLayout LayOutLinks(const std::vector<SpikeOccupancyLink*>& links) {
  GpuExecutor::LinkLayout layout;
  std::map<std::string, int64_t> packed_at;  // producer -> its buffer's offset
  int64_t at = 0;
  for (const SpikeOccupancyLink* link : links) {
    if (link->packed) {
      const auto [it, fresh] = packed_at.try_emplace(link->producer, at);
      layout.offsets.push_back(it->second);
      if (!fresh) continue;  // shares its producer's buffer
      layout.packed_bytes += AlignedLinkBytes(*link);
    } else {
      layout.offsets.push_back(at);
      layout.mask_bytes += AlignedLinkBytes(*link);
    }
    at += AlignedLinkBytes(*link);
  }
  return layout;
}

}  // namespace

absl::Status GpuExecutor::LinkSpikeOccupancy(const std::vector<bool>& launches) {
  std::vector<int> writer(static_cast<size_t>(graph_.num_values()), -1);
  for (int i = 0; i < graph_.num_nodes(); ++i) {
    if (!launches[i]) continue;
    for (ValueId v : graph_.node(writes_outputs_of_[i]).outputs) {
      if (v != kNoValue) writer[v] = i;
    }
  }
  for (int i = 0; i < graph_.num_nodes(); ++i) {
    const Node& node = graph_.node(i);
    if (!launches[i] || node.inputs.empty() || node.inputs[0] == kNoValue) continue;
    absl::StatusOr<std::vector<SpikeOccupancyLink*>> links = kernels_[i]->SpikeOccupancyConsumer();
    if (!links.ok()) return WithNode(links.status(), node);
    const int from = writer[node.inputs[0]];
    for (SpikeOccupancyLink* link : *links) {
      if (link != nullptr && from >= 0 && kernels_[from]->AcceptSpikeOccupancy(link)) {
        link->producer = graph_.node(from).name;
        link->producer_step = from;
        link->consumer_step = i;
        occupancy_links_.push_back(link);
      }
    }
  }
  // SF_SPIKE_OCCUPANCY=on: every link stays on, untimed (TimeLinks).
  const char* env = std::getenv("SF_SPIKE_OCCUPANCY");
  links_timed_ = env != nullptr && std::string(env) == "on";
  // The masks first (cleared every run, PlanArena), then the packed spikes.
  std::stable_partition(occupancy_links_.begin(), occupancy_links_.end(),
                        [](const SpikeOccupancyLink* link) { return !link->packed; });
  return absl::OkStatus();
}

absl::Status GpuExecutor::ResetState() {
  for (size_t i = 0; i < kernels_.size(); ++i) {
    SF_RETURN_IF_ERROR(WithNode(kernels_[i]->ResetState(stream_.get()), graph_.node(i)));
  }
  return stream_.Synchronize();
}

absl::StatusOr<void*> GpuExecutor::SeparateAllocation(size_t bytes) {
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer buffer, cuda::DeviceBuffer::Create(device_, bytes));
  separate_.push_back(std::move(buffer));
  return separate_.back().data();
}

absl::Status GpuExecutor::PlanSideStream(const std::vector<bool>& launches, bool allow_tf32) {
  const int num_nodes = graph_.num_nodes();
  std::vector<StepAccess> steps(num_nodes);
  for (int i = 0; i < num_nodes; ++i) {
    const Node& node = graph_.node(i);
    const Node& written = graph_.node(writes_outputs_of_[i]);
    StepAccess& s = steps[i];
    s.launches = launches[i];
    // Convs only: stateless, and the only steps long enough to be worth a
    // second stream's events.
    s.may_branch = node.op == OpType::kConv && !node.carries_state && !written.carries_state;
    for (ValueId v : node.inputs) {
      if (v != kNoValue && !graph_.value(v).constant) s.reads.push_back(v);
    }
    if (extra_input_[i] != kNoValue) s.reads.push_back(extra_input_[i]);
    if (!s.launches) continue;  // fused into another step, which lists what it does
    for (ValueId v : written.outputs) {
      if (v != kNoValue) s.writes.push_back(v);
    }
  }
  side_branches_ = PlanSideBranches(steps, graph_.num_values());
  if (side_branches_.empty()) return absl::OkStatus();
  for (size_t b = 0; b < side_branches_.size(); ++b) {
    const SideBranch& branch = side_branches_[b];
    spdlog::debug("side stream: step {} '{}' after step {}, joined before step {}", branch.step,
                  graph_.node(branch.step).name, branch.fork_after, branch.join_before);
    side_index_[branch.step] = static_cast<int>(b);
    SF_ASSIGN_OR_RETURN(side_forked_.emplace_back(), cuda::Event::Create(device_, false));
    SF_ASSIGN_OR_RETURN(side_done_.emplace_back(), cuda::Event::Create(device_, false));
  }
  SF_ASSIGN_OR_RETURN(side_stream_, cuda::Stream::Create(device_));
  SF_ASSIGN_OR_RETURN(side_cudnn_, cuda::CudnnHandle::Create(device_, side_stream_.get()));
  SF_ASSIGN_OR_RETURN(side_cublas_,
                      cuda::CublasHandle::Create(device_, side_stream_.get(), allow_tf32));
  return absl::OkStatus();
}

std::string GpuExecutor::StepDescription(int i) const {
  std::string d = kernels_[i]->Describe();
  if (side_index_[i] >= 0) {
    const SideBranch& b = side_branches_[side_index_[i]];
    absl::StrAppend(&d, "; side stream, beside steps ", b.fork_after + 1, "..", b.join_before - 1);
  }
  return d;
}

absl::Status GpuExecutor::UploadConstants() {
  std::vector<int64_t> offsets(graph_.num_values(), -1);
  int64_t total = 0;
  for (ValueId v = 0; v < graph_.num_values(); ++v) {
    if (!graph_.value(v).constant) continue;
    offsets[v] = total;
    total += AlignUpToDevice(static_cast<int64_t>(graph_.value(v).constant->nbytes()));
  }
  if (!separate_allocations_) {
    SF_ASSIGN_OR_RETURN(weights_, cuda::DeviceBuffer::Create(device_, static_cast<size_t>(total)));
  }
  char* base = static_cast<char*>(weights_.data());
  for (ValueId v = 0; v < graph_.num_values(); ++v) {
    if (offsets[v] < 0) continue;
    const Tensor& t = *graph_.value(v).constant;
    if (separate_allocations_) {
      SF_ASSIGN_OR_RETURN(slots_[v], SeparateAllocation(t.nbytes()));
    } else {
      slots_[v] = base + offsets[v];
    }
    if (t.nbytes() > 0) {
      SF_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(slots_[v], t.raw_data(), t.nbytes(),
                                              cudaMemcpyHostToDevice, stream_.get()));
    }
  }
  return stream_.Synchronize();
}

absl::Status GpuExecutor::PlanArena() {
  // Graph inputs live from step 0; outputs share an input's bytes where the
  // kernel allows (GpuKernel::InPlaceInput).
  const int num_nodes = graph_.num_nodes();
  // A fused conv writes its neuron's output, which lives from the conv's step;
  // the conv's own output is written by no kernel and gets no memory.
  std::vector<int> written_at(graph_.num_values(), -1);
  std::vector<bool> unmaterialized(graph_.num_values(), false);
  for (int i = 0; i < num_nodes; ++i) {
    if (writes_outputs_of_[i] == i) continue;
    for (ValueId v : graph_.node(writes_outputs_of_[i]).outputs) {
      if (v != kNoValue) written_at[v] = i;
    }
    for (ValueId v : graph_.node(i).outputs) {
      if (v != kNoValue) unmaterialized[v] = true;
    }
  }
  SF_ASSIGN_OR_RETURN(
      PlannedValues planned,
      PlanValueLifetimes(
          graph_, {.include_inputs = true,
                   .profiling = profiling_,
                   .in_place_input = [this](int i) { return kernels_[i]->InPlaceInput(); },
                   .unmaterialized = [&unmaterialized](ValueId v) { return unmaterialized[v]; },
                   .written_at = [&written_at](ValueId v) { return written_at[v]; },
                   .runs_during =
                       [this](int i) {
                         if (side_index_[i] < 0) return std::pair<int, int>{i, i};
                         const SideBranch& b = side_branches_[side_index_[i]];
                         return std::pair<int, int>{b.fork_after + 1, b.join_before};
                       }}));
  const std::vector<TensorLifetime>& lifetimes = planned.lifetimes;
  memory_plan_ = PlanMemory(lifetimes, kDeviceAlignment);
  // One workspace for the main stream's steps (and for every step when all
  // run on it), one for the side stream's.
  size_t workspace = 0, side_workspace = 0;
  for (const auto& k : kernels_) workspace = std::max(workspace, k->workspace_bytes());
  for (const SideBranch& b : side_branches_) {
    side_workspace = std::max(side_workspace, kernels_[b.step]->workspace_bytes());
  }
  const int64_t workspace_at = AlignUpToDevice(memory_plan_.arena_bytes);
  const int64_t side_workspace_at = workspace_at + AlignUpToDevice(static_cast<int64_t>(workspace));
  const int64_t flags_at =
      side_workspace_at + AlignUpToDevice(static_cast<int64_t>(side_workspace));
  // Right after the flags, cleared with them at the start of every run: each
  // step's zeroed bytes (GpuKernel::zeroed_bytes), then the spike occupancy
  // masks of the links (LinkSpikeOccupancy), each 16-byte aligned; then, not
  // cleared (written whole by their producer), the links' packed spikes.
  const int64_t flag_bytes = static_cast<int64_t>(sizeof(int)) * std::max(num_nodes, 1);
  int64_t masks_at = flags_at + (flag_bytes + 15) / 16 * 16;
  std::vector<int64_t> zeroed_at(kernels_.size(), -1);
  for (size_t i = 0; i < kernels_.size(); ++i) {
    const auto slot = static_cast<int64_t>(ZeroedSlotBytes(*kernels_[i]));
    if (slot == 0) continue;
    zeroed_at[i] = masks_at - flags_at;
    masks_at += slot;
  }
  link_layout_ = LayOutLinks(occupancy_links_);
  const int64_t mask_bytes = link_layout_.mask_bytes, packed_bytes = link_layout_.packed_bytes;
  const int64_t cleared_end = masks_at + mask_bytes;  // flags, zeroed bytes, masks
  const int64_t total = cleared_end + packed_bytes;
  cleared_bytes_ = static_cast<size_t>(cleared_end - flags_at);
  if (total > kMaxTensorBytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the model needs a ", total, "-byte device arena, above the limit of ", kMaxTensorBytes));
  }
  SF_RETURN_IF_ERROR(CheckArenaLimit(total, arena_limit_bytes_, "device arena"));
  host_flags_.assign(std::max(num_nodes, 1), 0);
  if (separate_allocations_) {
    for (size_t i = 0; i < planned.values.size(); ++i) {
      SF_ASSIGN_OR_RETURN(slots_[planned.values[i]],
                          SeparateAllocation(static_cast<size_t>(lifetimes[i].bytes)));
    }
    SF_ASSIGN_OR_RETURN(workspace_, SeparateAllocation(workspace));
    SF_ASSIGN_OR_RETURN(side_workspace_, SeparateAllocation(side_workspace));
    SF_ASSIGN_OR_RETURN(void* flags, SeparateAllocation(static_cast<size_t>(total - flags_at)));
    error_flags_ = static_cast<int*>(flags);
    PlaceZeroed(zeroed_at);
    PlaceOccupancyMasks(static_cast<char*>(flags) + (masks_at - flags_at));
    return absl::OkStatus();
  }
  SF_ASSIGN_OR_RETURN(arena_, cuda::DeviceBuffer::Create(device_, static_cast<size_t>(total)));
  char* base = static_cast<char*>(arena_.data());
  for (size_t i = 0; i < planned.values.size(); ++i) {
    slots_[planned.values[i]] = base + memory_plan_.offsets[i];
  }
  workspace_ = base + workspace_at;
  side_workspace_ = base + side_workspace_at;
  error_flags_ = reinterpret_cast<int*>(base + flags_at);
  PlaceZeroed(zeroed_at);
  PlaceOccupancyMasks(base + masks_at);
  return absl::OkStatus();
}

void GpuExecutor::PlaceZeroed(const std::vector<int64_t>& offsets) {
  zeroed_.assign(offsets.size(), nullptr);
  for (size_t i = 0; i < offsets.size(); ++i) {
    if (offsets[i] >= 0) zeroed_[i] = reinterpret_cast<char*>(error_flags_) + offsets[i];
  }
}

void GpuExecutor::PlaceOccupancyMasks(char* at) {
  for (size_t i = 0; i < occupancy_links_.size(); ++i) {
    occupancy_links_[i]->target.masks = reinterpret_cast<uint32_t*>(at + link_layout_.offsets[i]);
  }
}

absl::Status GpuExecutor::EnqueueInputs(std::span<const Tensor> inputs) {
  if (inputs.size() != graph_.inputs().size()) {
    return absl::InvalidArgumentError(
        absl::StrCat("expected ", graph_.inputs().size(), " inputs, got ", inputs.size()));
  }
  SF_CUDA_RETURN_IF_ERROR(cudaSetDevice(device_));
  for (size_t i = 0; i < inputs.size(); ++i) {
    const Value& value = graph_.value(graph_.inputs()[i]);
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ConcreteValueDims(value));
    if (inputs[i].dtype() != value.dtype || inputs[i].dims() != dims) {
      return absl::InvalidArgumentError(absl::StrCat(
          "input '", value.name, "' must be ", ToString(value.dtype), ShapeToString(dims), ", got ",
          ToString(inputs[i].dtype()), ShapeToString(inputs[i].dims())));
    }
  }
  const std::function<absl::Status()> copy = [&]() -> absl::Status {
    for (size_t i = 0; i < inputs.size(); ++i) {
      if (inputs[i].nbytes() == 0) continue;
      SF_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(slots_[graph_.inputs()[i]], inputs[i].raw_data(),
                                              inputs[i].nbytes(), cudaMemcpyHostToDevice,
                                              stream_.get()));
    }
    return absl::OkStatus();
  };
  SF_RETURN_IF_ERROR(MaybeTimeLinks(&copy));  // on this run's inputs
  return copy();
}

absl::Status GpuExecutor::EnqueueStep(int i, bool on_side) {
  return EnqueueStepPart(i, std::nullopt, on_side).status();
}

absl::StatusOr<bool> GpuExecutor::EnqueueStepPart(int i, std::optional<KernelPart> part,
                                                  bool on_side) {
  const Node& node = graph_.node(i);
  step_inputs_.clear();
  step_outputs_.clear();
  for (ValueId in : node.inputs) step_inputs_.push_back(in == kNoValue ? nullptr : slots_[in]);
  if (extra_input_[i] != kNoValue) step_inputs_.push_back(slots_[extra_input_[i]]);
  for (ValueId out : graph_.node(writes_outputs_of_[i]).outputs) {
    step_outputs_.push_back(out == kNoValue ? nullptr : slots_[out]);
  }
  // Zeroed bytes only where each queueing has its own (a whole run,
  // EnqueueCompute: each step once after the flag reset; TimeLinks and
  // TimeStepAlone: a slot per call).
  void* zeroed = in_whole_run_ ? zeroed_[i] : nullptr;
  const GpuRunContext ctx =
      on_side ? GpuRunContext{side_stream_.get(), side_cudnn_.get(), side_cublas_.get(),
                              side_workspace_,    error_flags_ + i,  zeroed}
              : GpuRunContext{stream_.get(), cudnn_.get(),     cublas_.get(),
                              workspace_,    error_flags_ + i, zeroed};
  if (!part) {
    SF_RETURN_IF_ERROR(WithNode(kernels_[i]->Enqueue(ctx, step_inputs_, step_outputs_), node));
    return true;
  }
  absl::StatusOr<bool> queued = kernels_[i]->EnqueuePart(*part, ctx, step_inputs_, step_outputs_);
  if (!queued.ok()) return WithNode(queued.status(), node);
  return queued;
}

absl::Status GpuExecutor::EnqueueFlagReset() {
  SF_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(error_flags_, 0, cleared_bytes_, stream_.get()));
  return absl::OkStatus();
}

absl::Status GpuExecutor::EnqueueCompute(bool time_steps) {
  SF_RETURN_IF_ERROR(EnqueueFlagReset());
  in_whole_run_ = true;
  absl::Cleanup done = [this] {
    in_whole_run_ = false;
    computed_ = true;
  };
  if (time_steps) SF_RETURN_IF_ERROR(node_events_[0].Record(stream_.get()));
  // The first run is plain and sequential: kernels may time their paths there.
  const bool overlap = !time_steps && ran_plain_ && !side_branches_.empty();
  const int n = graph_.num_nodes();
  if (overlap) SF_RETURN_IF_ERROR(EnqueueForks(-1));
  for (int i = 0; i < n; ++i) {
    if (overlap) {
      SF_RETURN_IF_ERROR(EnqueueJoins(i));
      if (side_index_[i] >= 0) continue;  // queued at its fork
    }
    SF_RETURN_IF_ERROR(EnqueueStep(i));
    if (time_steps) SF_RETURN_IF_ERROR(node_events_[i + 1].Record(stream_.get()));
    if (overlap) SF_RETURN_IF_ERROR(EnqueueForks(i));
  }
  if (overlap) SF_RETURN_IF_ERROR(EnqueueJoins(n));
  return absl::OkStatus();
}

absl::Status GpuExecutor::EnqueueForks(int after) {
  for (size_t b = 0; b < side_branches_.size(); ++b) {
    if (side_branches_[b].fork_after != after) continue;
    SF_RETURN_IF_ERROR(side_forked_[b].Record(stream_.get()));
    SF_CUDA_RETURN_IF_ERROR(cudaStreamWaitEvent(side_stream_.get(), side_forked_[b].get(), 0));
    SF_RETURN_IF_ERROR(EnqueueStep(side_branches_[b].step, /*on_side=*/true));
    SF_RETURN_IF_ERROR(side_done_[b].Record(side_stream_.get()));
  }
  return absl::OkStatus();
}

absl::Status GpuExecutor::EnqueueJoins(int before) {
  for (size_t b = 0; b < side_branches_.size(); ++b) {
    if (side_branches_[b].join_before != before) continue;
    SF_CUDA_RETURN_IF_ERROR(cudaStreamWaitEvent(stream_.get(), side_done_[b].get(), 0));
  }
  return absl::OkStatus();
}

absl::Status GpuExecutor::ReadStepTimes() {
  for (int i = 0; i < graph_.num_nodes(); ++i) {
    SF_ASSIGN_OR_RETURN(step_us_[i], ElapsedUs(node_events_[i], node_events_[i + 1]));
  }
  return absl::OkStatus();
}

std::vector<StepStats> GpuExecutor::LastStepStats() const {
  std::vector<StepStats> stats;
  stats.reserve(kernels_.size());
  for (size_t i = 0; i < kernels_.size(); ++i) {
    const auto [sparse_tiles, tiles] = kernels_[i]->DensitySwitchTiles();
    stats.push_back(StepStats{step_us_[i], StepDescription(static_cast<int>(i)),
                              profile_nodes_ ? kernels_[i]->LastTileDensity() : -1.0, sparse_tiles,
                              tiles});
  }
  return stats;
}

absl::Status GpuExecutor::EnqueueRunCompute(bool bound) {
  const bool repeated = bound && io_addresses_ == last_bound_addresses_;
  if (bound) last_bound_addresses_ = io_addresses_;
  if (!cuda_graphs_ || !ran_plain_) {
    SF_RETURN_IF_ERROR(EnqueueCompute(/*time_steps=*/profile_nodes_));
    const bool first = !ran_plain_;
    ran_plain_ = true;
    if (!first || !cuda_graphs_) return absl::OkStatus();
    // Capture right away (recording runs nothing), so that the second call
    // already replays: no setup work, no host allocation after the first call.
    if (bound) bound_graph_addresses_ = io_addresses_;
    return Capture(bound ? bound_graph_ : run_graph_);
  }
  if (!bound) return LaunchCaptured(run_graph_);
  if (bound_graph_ && io_addresses_ == bound_graph_addresses_) {
    return LaunchCaptured(bound_graph_);
  }
  if (!repeated) return EnqueueCompute();
  bound_graph_ = GraphExec();
  bound_graph_addresses_ = io_addresses_;
  return LaunchCaptured(bound_graph_);
}

absl::Status GpuExecutor::Capture(GraphExec& graph) {
  absl::StatusOr<GraphExec> captured =
      CaptureGraph(stream_.get(), [&] { return EnqueueCompute(); });
  if (!captured.ok()) {
    if (captured.status().code() != absl::StatusCode::kUnimplemented) return captured.status();
    spdlog::info("CUDA graph replay off for this input shape, plain launches: {}",
                 std::string(captured.status().message()));
    cuda_graphs_ = false;
    return absl::OkStatus();
  }
  graph = *std::move(captured);
  return absl::OkStatus();
}

absl::Status GpuExecutor::LaunchCaptured(GraphExec& graph) {
  if (!graph) SF_RETURN_IF_ERROR(Capture(graph));
  if (!graph) return EnqueueCompute();  // capture failed: plain from now on
  SF_CUDA_RETURN_IF_ERROR(cudaGraphLaunch(graph.get(), stream_.get()));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Tensor>> GpuExecutor::EnqueueOutputs() {
  std::vector<Tensor> outputs;
  outputs.reserve(graph_.outputs().size());
  for (ValueId out : graph_.outputs()) {
    const Value& value = graph_.value(out);
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ConcreteValueDims(value));
    SF_ASSIGN_OR_RETURN(Tensor t, Tensor::Create(value.dtype, dims, value.name));
    if (t.nbytes() > 0) {
      SF_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(t.raw_data(), slots_[out], t.nbytes(),
                                              cudaMemcpyDeviceToHost, stream_.get()));
    }
    outputs.push_back(std::move(t));
  }
  return outputs;
}

absl::Status GpuExecutor::FinishRun() {
  SF_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(host_flags_.data(), error_flags_,
                                          sizeof(int) * host_flags_.size(), cudaMemcpyDeviceToHost,
                                          stream_.get()));
  SF_RETURN_IF_ERROR(stream_.Synchronize());
  for (int i = 0; i < graph_.num_nodes(); ++i) {
    if (host_flags_[i] != 0) {
      const Node& node = graph_.node(i);
      return absl::InvalidArgumentError(absl::StrCat("node '", node.name, "' (", ToString(node.op),
                                                     "): an index is out of range"));
    }
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Tensor>> GpuExecutor::Run(std::span<const Tensor> inputs) {
  SF_RETURN_IF_ERROR(EnqueueInputs(inputs));
  SF_RETURN_IF_ERROR(EnqueueRunCompute());
  SF_ASSIGN_OR_RETURN(std::vector<Tensor> outputs, EnqueueOutputs());
  SF_RETURN_IF_ERROR(FinishRun());
  if (profile_nodes_) SF_RETURN_IF_ERROR(ReadStepTimes());
  return outputs;
}

// Each spike-occupancy mask link that is on after the first run (timed as
// the next run starts, before its inputs arrive: the arena is free): its
// producer and consumer steps timed as a pair, the producer marking and the
// consumer reading the masks against the producer plain and the consumer
// with its prescan. The link stays on only where it was faster. Measured
// (docs/benchmarks.md, twenty-third run): the linked pair saves the
// consumer's prescan but the producer's marking costs more than the prescan
// on some layers (CIFAR 128@16 at 1.6% of tiles: 18.5 against 14.7 us), less
// on others (ImageNet 64@56: 45.1 against 49.7). Timed on the producer's
// inputs as the run's own inputs make them (below). Each rep runs as in a
// whole run (zeroed bytes of its own, one memset per graph), its timed
// pair after a copy of the producer's inputs back (in both, equally); timed
// as kAuto times (TimeByReplay: 10 pairs per graph, 5 interleaved rounds).
// Not timed: SF_SPIKE_OCCUPANCY=on when the executor was created (links
// kept on; LinkSpikeOccupancy), a producer that carries state (the reps
// would move it on), a capture that fails.
absl::Status GpuExecutor::MaybeTimeLinks(const std::function<absl::Status()>* load_inputs) {
  return computed_ && !links_timed_ ? TimeLinks(load_inputs) : absl::OkStatus();
}

absl::Status GpuExecutor::TimeLinks(const std::function<absl::Status()>* load_inputs) {
  links_timed_ = true;
  bool stateful = false;
  for (int i = 0; i < graph_.num_nodes(); ++i) stateful |= graph_.node(i).carries_state;
  bool changed = false;
  for (SpikeOccupancyLink* link : occupancy_links_) {
    if (link->packed || !link->on) continue;
    const int p = link->producer_step, c = link->consumer_step;
    if (p < 0 || c < 0) continue;
    if (graph_.node(p).carries_state || graph_.node(writes_outputs_of_[p]).carries_state) {
      link->timing = "not timed: its producer carries state";
      continue;
    }
    // The producer's non-constant inputs (its extra one too): what the steps
    // before it make of this run's inputs (the first p steps queued as a
    // run queues them, on one stream), or zero where that is not possible
    // (no inputs given, RunBound; a step that carries state, which another
    // run would move on). Saved, and put back before each rep: the producer
    // may run in place, and the consumer's output may share their memory.
    const bool real = load_inputs != nullptr && !stateful;
    if (real) {
      SF_RETURN_IF_ERROR((*load_inputs)());
      SF_RETURN_IF_ERROR(EnqueueFlagReset());
      in_whole_run_ = true;
      absl::Cleanup done = [this] { in_whole_run_ = false; };
      for (int j = 0; j < p; ++j) SF_RETURN_IF_ERROR(EnqueueStep(j));
    }
    std::vector<ValueId> inputs = graph_.node(p).inputs;
    if (extra_input_[p] != kNoValue) inputs.push_back(extra_input_[p]);
    std::vector<std::pair<void*, size_t>> saved_inputs;  // (slot, bytes)
    int64_t input_bytes = 0;
    for (ValueId v : inputs) {
      if (v == kNoValue || graph_.value(v).constant || slots_[v] == nullptr) continue;
      SF_ASSIGN_OR_RETURN(const int64_t bytes, ConcreteValueBytes(graph_.value(v)));
      if (!real) SF_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(slots_[v], 0, bytes, stream_.get()));
      saved_inputs.emplace_back(slots_[v], static_cast<size_t>(bytes));
      input_bytes += cuda::AlignUpToDevice(bytes);
    }
    cuda::DeviceBuffer input_copy;
    if (input_bytes > 0) {
      SF_ASSIGN_OR_RETURN(input_copy, cuda::DeviceBuffer::Create(device_, input_bytes));
    }
    // Between the saved inputs and their copy, either way.
    auto copy_inputs = [&](bool back) -> absl::Status {
      char* at = static_cast<char*>(input_copy.data());
      for (const auto& [slot, bytes] : saved_inputs) {
        SF_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(back ? slot : at, back ? at : slot, bytes,
                                                cudaMemcpyDeviceToDevice, stream_.get()));
        at += cuda::AlignUpToDevice(static_cast<int64_t>(bytes));
      }
      return absl::OkStatus();
    };
    SF_RETURN_IF_ERROR(copy_inputs(/*back=*/false));
    // The masks once: each linked pair marks the same bits again.
    SF_CUDA_RETURN_IF_ERROR(
        cudaMemsetAsync(link->target.masks, 0, sf::SpikeLinkBytes(*link), stream_.get()));
    // Each pair with zeroed bytes of its own for its two steps (AsInARun).
    const size_t slot_p = ZeroedSlotBytes(*kernels_[p]), slot_c = ZeroedSlotBytes(*kernels_[c]);
    cuda::DeviceBuffer slots;
    if (slot_p + slot_c > 0) {
      SF_ASSIGN_OR_RETURN(slots,
                          cuda::DeviceBuffer::Create(device_, kRunsPerGraph * (slot_p + slot_c)));
    }
    void* const saved_p = zeroed_[p];
    void* const saved_c = zeroed_[c];
    auto pair = [&](bool linked) {
      return AsInARun(slots.data(), slot_p + slot_c, kRunsPerGraph, stream_.get(),
                      [&, linked](void* at) -> absl::Status {
                        link->on = linked;
                        link->held_off = !linked;  // the consumer must not turn it back on
                        zeroed_[p] = slot_p > 0 ? at : nullptr;
                        zeroed_[c] = slot_c > 0 ? static_cast<char*>(at) + slot_p : nullptr;
                        in_whole_run_ = true;
                        absl::Cleanup done = [&] {
                          in_whole_run_ = false;
                          zeroed_[p] = saved_p;
                          zeroed_[c] = saved_c;
                        };
                        SF_RETURN_IF_ERROR(copy_inputs(/*back=*/true));
                        SF_RETURN_IF_ERROR(EnqueueStep(p));
                        return EnqueueStep(c);
                      });
    };
    absl::StatusOr<ReplayTiming> t =
        TimeByReplay(stream_.get(), events_[0], events_[1], pair(true), pair(false));
    link->on = true;
    link->held_off = false;
    SF_RETURN_IF_ERROR(t.status());
    if (!t->ok) {
      link->timing = absl::StrCat("not timed: ", t->why);
      continue;
    }
    const bool keep = t->a_wins();
    link->timing = absl::StrFormat("%s: pair %.1f us linked, %.1f us with the prescan%s",
                                   keep ? "kept" : "measured slower", t->a_us, t->b_us,
                                   real ? "" : ", on zero inputs");
    if (!keep) {
      link->on = false;
      link->held_off = true;
      changed = true;
    }
  }
  SF_RETURN_IF_ERROR(stream_.Synchronize());
  if (changed) {  // captured with the links as they were
    run_graph_ = GraphExec();
    bound_graph_ = GraphExec();
  }
  return absl::OkStatus();
}

absl::Status GpuExecutor::CheckView(const TensorView& view, ValueId v,
                                    absl::string_view what) const {
  cudaPointerAttributes attr{};
  SF_CUDA_RETURN_IF_ERROR(cudaPointerGetAttributes(&attr, view.data));
  const bool device_memory = attr.type == cudaMemoryTypeDevice;
  const bool on_device =
      (device_memory || attr.type == cudaMemoryTypeManaged) && attr.device == device_;
  if (view.memory == MemoryKind::kCuda && !on_device) {
    return absl::InvalidArgumentError(absl::StrCat(what, " '", graph_.value(v).name,
                                                   "' is a cuda view but its data is not ",
                                                   "device memory of cuda:", device_));
  }
  if (view.memory == MemoryKind::kHost && device_memory) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, " '", graph_.value(v).name, "' is a host view of device memory (cuda:", attr.device,
        "); use MemoryKind::kCuda"));
  }
  return absl::OkStatus();
}

void GpuExecutor::UnbindViews() {
  for (ValueId v : graph_.inputs()) slots_[v] = home_slots_[v];
  for (ValueId v : graph_.outputs()) slots_[v] = home_slots_[v];
}

absl::Status GpuExecutor::RunBound(std::span<const TensorView* const> inputs,
                                   std::span<const TensorView* const> outputs, void* cuda_stream) {
  const std::vector<ValueId>& graph_inputs = graph_.inputs();
  const std::vector<ValueId>& graph_outputs = graph_.outputs();
  if (inputs.size() != graph_inputs.size() || outputs.size() != graph_outputs.size()) {
    return absl::InvalidArgumentError(absl::StrCat("expected ", graph_inputs.size(), " inputs and ",
                                                   graph_outputs.size(), " outputs, got ",
                                                   inputs.size(), " and ", outputs.size()));
  }
  SF_CUDA_RETURN_IF_ERROR(cudaSetDevice(device_));
  for (size_t i = 0; i < inputs.size(); ++i) {
    SF_RETURN_IF_ERROR(CheckView(*inputs[i], graph_inputs[i], "input"));
  }
  for (size_t j = 0; j < outputs.size(); ++j) {
    SF_RETURN_IF_ERROR(CheckView(*outputs[j], graph_outputs[j], "output"));
  }
  cudaStream_t stream = stream_.get();
  cudaStream_t caller = static_cast<cudaStream_t>(cuda_stream);
  if (caller != nullptr) {
    int caller_device = -1;
    SF_CUDA_RETURN_IF_ERROR(cudaStreamGetDevice(caller, &caller_device));
    if (caller_device != device_) {
      return absl::InvalidArgumentError(
          absl::StrCat("the CUDA stream belongs to cuda:", caller_device,
                       ", the runtime runs on cuda:", device_));
    }
    SF_RETURN_IF_ERROR(caller_ready_.Record(caller));
    SF_CUDA_RETURN_IF_ERROR(cudaStreamWaitEvent(stream, caller_ready_.get(), 0));
  }
  SF_RETURN_IF_ERROR(MaybeTimeLinks(nullptr));  // views: on zero inputs
  absl::Cleanup unbind = [this] { UnbindViews(); };
  bool bound = false;
  for (size_t i = 0; i < inputs.size(); ++i) {
    const ValueId v = graph_inputs[i];
    if (inputs[i]->memory == MemoryKind::kCuda) {
      slots_[v] = inputs[i]->data;
      bound = true;
    } else if (io_bytes_[i] > 0) {
      SF_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(slots_[v], inputs[i]->data, io_bytes_[i],
                                              cudaMemcpyHostToDevice, stream));
    }
  }
  for (size_t j = 0; j < outputs.size(); ++j) {
    const ValueId v = graph_outputs[j];
    const Value& value = graph_.value(v);
    // The first device view of a node-produced value is written in place.
    output_bound_[j] = outputs[j]->memory == MemoryKind::kCuda && !value.constant &&
                       value.producer >= 0 && slots_[v] == home_slots_[v];
    if (output_bound_[j]) {
      slots_[v] = outputs[j]->data;
      bound = true;
    }
  }
  size_t k = 0;
  for (ValueId v : graph_inputs) io_addresses_[k++] = slots_[v];
  for (ValueId v : graph_outputs) io_addresses_[k++] = slots_[v];
  SF_RETURN_IF_ERROR(EnqueueRunCompute(bound));
  for (size_t j = 0; j < outputs.size(); ++j) {
    const void* result = slots_[graph_outputs[j]];
    const size_t bytes = io_bytes_[inputs.size() + j];
    if (output_bound_[j] || bytes == 0 || result == outputs[j]->data) continue;
    const cudaMemcpyKind kind =
        outputs[j]->memory == MemoryKind::kCuda ? cudaMemcpyDeviceToDevice : cudaMemcpyDeviceToHost;
    SF_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(outputs[j]->data, result, bytes, kind, stream));
  }
  if (caller != nullptr) {
    SF_RETURN_IF_ERROR(run_done_.Record(stream));
    SF_CUDA_RETURN_IF_ERROR(cudaStreamWaitEvent(caller, run_done_.get(), 0));
  }
  SF_RETURN_IF_ERROR(FinishRun());
  if (profile_nodes_) SF_RETURN_IF_ERROR(ReadStepTimes());
  return absl::OkStatus();
}

absl::StatusOr<RunPhaseTimes> GpuExecutor::TimedRun(std::span<const Tensor> inputs) {
  cudaStream_t stream = stream_.get();
  SF_CUDA_RETURN_IF_ERROR(cudaSetDevice(device_));
  SF_RETURN_IF_ERROR(events_[0].Record(stream));
  SF_RETURN_IF_ERROR(EnqueueInputs(inputs));
  SF_RETURN_IF_ERROR(events_[1].Record(stream));
  SF_RETURN_IF_ERROR(EnqueueCompute(/*time_steps=*/profile_nodes_));
  SF_RETURN_IF_ERROR(events_[2].Record(stream));
  SF_ASSIGN_OR_RETURN(std::vector<Tensor> outputs, EnqueueOutputs());
  SF_RETURN_IF_ERROR(events_[3].Record(stream));
  SF_RETURN_IF_ERROR(FinishRun());
  if (profile_nodes_) SF_RETURN_IF_ERROR(ReadStepTimes());
  RunPhaseTimes times;
  SF_ASSIGN_OR_RETURN(times.h2d_us, ElapsedUs(events_[0], events_[1]));
  SF_ASSIGN_OR_RETURN(times.compute_us, ElapsedUs(events_[1], events_[2]));
  SF_ASSIGN_OR_RETURN(times.d2h_us, ElapsedUs(events_[2], events_[3]));
  return times;
}

absl::StatusOr<std::vector<StepProfile>> GpuExecutor::ProfileSteps(std::span<const Tensor> inputs,
                                                                   int iters) {
  SF_RETURN_IF_ERROR(CheckProfileStepsArgs(profiling_, iters));
  SF_RETURN_IF_ERROR(EnqueueInputs(inputs));
  SF_RETURN_IF_ERROR(EnqueueCompute());
  SF_RETURN_IF_ERROR(FinishRun());
  if (!links_timed_) {  // as a running executor has them by its second run
    SF_RETURN_IF_ERROR(EnqueueInputs(inputs));  // times the links, then copies
    SF_RETURN_IF_ERROR(EnqueueCompute());
    SF_RETURN_IF_ERROR(FinishRun());
  }
  const int per_round = std::max(1, (iters + kProfileRounds - 1) / kProfileRounds);
  std::vector<StepProfile> profiles(static_cast<size_t>(graph_.num_nodes()));
  for (int i = 0; i < graph_.num_nodes(); ++i) {
    const Node& node = graph_.node(i);
    StepProfile& p = profiles[i];
    p.kernel = StepDescription(i);
    if (node.op == OpType::kConv && !node.inputs.empty() && node.inputs[0] != kNoValue) {
      const Value& x = graph_.value(node.inputs[0]);
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ConcreteValueDims(x));
      SF_ASSIGN_OR_RETURN(p.first_input, Tensor::Create(x.dtype, dims, x.name));
      if (p.first_input.nbytes() > 0) {
        SF_CUDA_RETURN_IF_ERROR(cudaMemcpyAsync(p.first_input.raw_data(), slots_[node.inputs[0]],
                                                p.first_input.nbytes(), cudaMemcpyDeviceToHost,
                                                stream_.get()));
      }
    }
    for (KernelPart part : {KernelPart::kPrescan, KernelPart::kSparse}) {
      SF_ASSIGN_OR_RETURN(bool has_part, EnqueueStepPart(i, part));  // also a warm-up
      if (!has_part) continue;
      SF_ASSIGN_OR_RETURN(std::vector<double> rounds,
                          TimeStepAlone(
                              i, [&] { return EnqueueStepPart(i, part).status(); }, per_round));
      (part == KernelPart::kPrescan ? p.prescan_us : p.sparse_us) = Percentile(rounds, 0.5);
    }
    SF_ASSIGN_OR_RETURN(std::vector<double> rounds,
                        TimeStepAlone(
                            i, [&] { return EnqueueStep(i); }, per_round));
    p.median_us = Percentile(rounds, 0.5);
    p.min_us = rounds.front();
    p.iters = per_round * kProfileRounds;
    p.path = kernels_[i]->LastPath();
  }
  SF_RETURN_IF_ERROR(FinishRun());
  return profiles;
}

absl::StatusOr<std::vector<double>> GpuExecutor::TimeStepAlone(
    int i, const std::function<absl::Status()>& enqueue_one, int per_round) {
  const size_t slot = ZeroedSlotBytes(*kernels_[i]);
  if (slot == 0) return TimeAlone(enqueue_one, per_round);
  SF_ASSIGN_OR_RETURN(cuda::DeviceBuffer slots,
                      cuda::DeviceBuffer::Create(device_, slot * per_round));
  void* const saved = zeroed_[i];
  return TimeAlone(AsInARun(slots.data(), slot, per_round, stream_.get(),
                            [&](void* at) -> absl::Status {
                              zeroed_[i] = at;
                              in_whole_run_ = true;
                              absl::Cleanup done = [&] {
                                in_whole_run_ = false;
                                zeroed_[i] = saved;
                              };
                              return enqueue_one();
                            }),
                   per_round);
}

absl::StatusOr<std::vector<double>> GpuExecutor::TimeAlone(
    const std::function<absl::Status()>& enqueue_one, int per_round) {
  cudaStream_t stream = stream_.get();
  auto enqueue_round = [&]() -> absl::Status {
    for (int k = 0; k < per_round; ++k) SF_RETURN_IF_ERROR(enqueue_one());
    return absl::OkStatus();
  };
  absl::StatusOr<GraphExec> graph = CaptureGraph(stream, enqueue_round);
  if (!graph.ok() && graph.status().code() != absl::StatusCode::kUnimplemented) {
    return graph.status();
  }
  std::vector<double> rounds(kProfileRounds);
  for (double& round_us : rounds) {
    SF_RETURN_IF_ERROR(events_[0].Record(stream));
    if (graph.ok()) {
      SF_CUDA_RETURN_IF_ERROR(cudaGraphLaunch(graph->get(), stream));
    } else {
      SF_RETURN_IF_ERROR(enqueue_round());
    }
    SF_RETURN_IF_ERROR(events_[1].Record(stream));
    SF_ASSIGN_OR_RETURN(double us, ElapsedUs(events_[0], events_[1]));
    round_us = us / per_round;
  }
  std::sort(rounds.begin(), rounds.end());
  return rounds;
}

absl::StatusOr<std::vector<double>> GpuExecutor::GraphReplayMicroseconds(
    std::span<const Tensor> inputs, int warmup, int iters) {
  cudaStream_t stream = stream_.get();
  SF_RETURN_IF_ERROR(EnqueueInputs(inputs));
  SF_RETURN_IF_ERROR(stream_.Synchronize());
  SF_ASSIGN_OR_RETURN(GraphExec graph, CaptureGraph(stream, [&] { return EnqueueCompute(); }));
  for (int k = 0; k < warmup; ++k) SF_CUDA_RETURN_IF_ERROR(cudaGraphLaunch(graph.get(), stream));
  std::vector<double> us;
  us.reserve(static_cast<size_t>(std::max(iters, 0)));
  for (int k = 0; k < iters; ++k) {
    SF_RETURN_IF_ERROR(events_[0].Record(stream));
    SF_CUDA_RETURN_IF_ERROR(cudaGraphLaunch(graph.get(), stream));
    SF_RETURN_IF_ERROR(events_[1].Record(stream));
    SF_ASSIGN_OR_RETURN(double t, ElapsedUs(events_[0], events_[1]));
    us.push_back(t);
  }
  SF_RETURN_IF_ERROR(FinishRun());
  return us;
}

absl::Status GpuExecutor::RunStepByStep(std::span<const Tensor> inputs,
                                        const std::function<absl::Status(int step)>& after_step) {
  if (!ran_plain_) SF_RETURN_IF_ERROR(Run(inputs).status());
  SF_RETURN_IF_ERROR(EnqueueInputs(inputs));
  SF_RETURN_IF_ERROR(EnqueueFlagReset());
  SF_RETURN_IF_ERROR(stream_.Synchronize());
  for (int i = 0; i < graph_.num_nodes(); ++i) {
    SF_RETURN_IF_ERROR(EnqueueStep(i));
    SF_RETURN_IF_ERROR(stream_.Synchronize());
    SF_RETURN_IF_ERROR(after_step(i));
  }
  return FinishRun();
}

std::vector<std::string> GpuExecutor::KernelDescriptions() const {
  std::vector<std::string> out;
  for (int i = 0; i < static_cast<int>(kernels_.size()); ++i) out.push_back(StepDescription(i));
  return out;
}

}  // namespace sf
