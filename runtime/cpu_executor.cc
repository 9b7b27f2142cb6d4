#include "runtime/cpu_executor.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <new>

#include "absl/strings/str_cat.h"
#include "graph/status.h"
#include "runtime/latency_stats.h"
#include "runtime/value_lifetimes.h"
#include "runtime/cpu/sparse_conv.h"

namespace sf {

bool SkipsZerosOnCpu(const Node& node, const PlanStep& step, SparseMode mode) {
  return node.op == OpType::kConv && mode != SparseMode::kOff &&
         step.input_class != ValueClass::kDense;
}

std::string CpuKernelDetail(const Node& node, const PlanStep& step, SparseMode mode) {
  if (step.kernel == "sparse" && step.block > 0) {
    return absl::StrCat("cpu sparse block ", step.block);
  }
  return SkipsZerosOnCpu(node, step, mode) ? "cpu dense, zeros skipped" : "cpu dense";
}

absl::StatusOr<std::unique_ptr<CpuKernel>> CreateKernelForStep(const Graph& graph,
                                                               const PlanStep& step,
                                                               SparseMode mode) {
  const Node& node = graph.node(step.node);
  std::unique_ptr<CpuKernel> kernel;
  if (step.kernel == "sparse" && node.op == OpType::kConv && step.block > 0) {
    kernel = CreateSparseConvCpuKernel(step.block);
  } else if (SkipsZerosOnCpu(node, step, mode)) {
    // A conv of spikes the plan does not tile (H < 8, 1-D, other kernels):
    // on the CPU the sparse conv's scatter still skips its zeros.
    kernel = CreateSparseConvCpuKernel(kCpuStatsBlock);
  } else {
    kernel = CreateCpuKernel(node.op);
  }
  if (kernel == nullptr) {
    return absl::UnimplementedError(absl::StrCat("node '", node.name, "': op ", ToString(node.op),
                                                 " has no CPU kernel"));
  }
  SF_RETURN_IF_ERROR(WithNode(kernel->Prepare(graph, node), node));
  return kernel;
}

absl::StatusOr<std::unique_ptr<CpuExecutor>> CpuExecutor::Create(Graph graph, const Plan& plan,
                                                                 const ExecutorOptions& options) {
  auto exec = std::unique_ptr<CpuExecutor>(new CpuExecutor());
  exec->profiling_ = options.profiling;
  const int num_nodes = graph.num_nodes();
  if (static_cast<int>(plan.steps.size()) != num_nodes) {
    return absl::InternalError("plan does not match the graph");
  }
  for (int i = 0; i < num_nodes; ++i) {
    if (plan.steps[i].node != i) return absl::InternalError("plan steps out of node order");
    const PlanStep& step = plan.steps[i];
    SF_ASSIGN_OR_RETURN(auto kernel, CreateKernelForStep(graph, step, plan.sparse_mode));
    exec->kernels_.push_back(std::move(kernel));
    exec->kernel_details_.push_back(CpuKernelDetail(graph.node(i), step, plan.sparse_mode));
  }

  const int num_values = graph.num_values();
  const CpuExecutor* self = exec.get();
  SF_ASSIGN_OR_RETURN(
      PlannedValues planned,
      PlanValueLifetimes(graph, [&] {
        ValueLifetimeOptions o;
        o.profiling = options.profiling;
        o.in_place_input = [self](int i) { return self->kernels_[i]->InPlaceInput(); };
        return o;
      }()));
  exec->memory_plan_ = PlanMemory(planned.lifetimes);
  if (exec->memory_plan_.arena_bytes > kMaxTensorBytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        "the model needs a ", exec->memory_plan_.arena_bytes, "-byte arena, above the limit of ",
        kMaxTensorBytes));
  }
  SF_RETURN_IF_ERROR(
      CheckArenaLimit(exec->memory_plan_.arena_bytes, options.arena_limit_bytes, "arena"));
  const size_t arena_bytes = static_cast<size_t>(std::max<int64_t>(exec->memory_plan_.arena_bytes, 64));
  void* arena = ::operator new(arena_bytes, std::align_val_t(64), std::nothrow);
  if (arena == nullptr) {
    return absl::ResourceExhaustedError(absl::StrCat("cannot allocate a ", arena_bytes,
                                                     "-byte arena"));
  }
  exec->arena_ = std::shared_ptr<void>(arena, [](void* p) { ::operator delete(p, std::align_val_t(64)); });

  exec->slots_.resize(num_values);
  for (size_t i = 0; i < planned.values.size(); ++i) {
    const ValueId v = planned.values[i];
    SF_ASSIGN_OR_RETURN(exec->slots_[v],
                        Tensor::View(graph.value(v).dtype, planned.dims[i], exec->arena_,
                                     static_cast<size_t>(exec->memory_plan_.offsets[i]),
                                     arena_bytes));
  }
  for (ValueId v = 0; v < num_values; ++v) {
    if (graph.value(v).constant) exec->slots_[v] = *graph.value(v).constant;
  }
  const auto [widest_in, widest_out] = WidestNode(graph);
  exec->step_inputs_.reserve(widest_in);
  exec->step_outputs_.reserve(widest_out);
  // A tensor with the value's dtype and dims, not yet pointing anywhere.
  const auto borrow = [&](ValueId v) -> absl::StatusOr<Tensor> {
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ConcreteValueDims(graph.value(v)));
    return Tensor::Borrow(graph.value(v).dtype, std::move(dims), nullptr);
  };
  for (ValueId in : graph.inputs()) {
    SF_ASSIGN_OR_RETURN(Tensor t, borrow(in));
    exec->borrowed_inputs_.push_back(std::move(t));
  }
  const std::vector<ValueId>& outputs = graph.outputs();
  for (size_t j = 0; j < outputs.size(); ++j) {
    const Value& value = graph.value(outputs[j]);
    const bool repeat = std::find(outputs.begin(), outputs.begin() + j, outputs[j]) !=
                        outputs.begin() + j;
    exec->output_in_place_.push_back(!value.constant && value.producer >= 0 && !repeat);
    SF_ASSIGN_OR_RETURN(Tensor t, borrow(outputs[j]));
    exec->borrowed_outputs_.push_back(std::move(t));
  }
  exec->step_us_.resize(num_nodes);
  exec->graph_ = std::move(graph);
  return exec;
}

namespace {

double MicrosecondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start)
      .count();
}

}  // namespace

absl::Status CpuExecutor::BindInputs(std::span<const Tensor> inputs) {
  if (inputs.size() != graph_.inputs().size()) {
    return absl::InvalidArgumentError(absl::StrCat("expected ", graph_.inputs().size(),
                                                   " inputs, got ", inputs.size()));
  }
  for (size_t i = 0; i < inputs.size(); ++i) slots_[graph_.inputs()[i]] = inputs[i];
  return absl::OkStatus();
}

void CpuExecutor::UnbindInputs() {
  for (ValueId in : graph_.inputs()) slots_[in] = Tensor();  // drop the caller's buffers
}

absl::Status CpuExecutor::ComputeStep(int i) {
  const Node& node = graph_.node(i);
  step_inputs_.clear();
  step_outputs_.clear();
  for (ValueId in : node.inputs) step_inputs_.push_back(in == kNoValue ? nullptr : &slots_[in]);
  for (ValueId out : node.outputs) step_outputs_.push_back(&slots_[out]);
  auto start = std::chrono::steady_clock::now();
  absl::Status s = kernels_[i]->Compute(step_inputs_, step_outputs_);
  step_us_[i] = MicrosecondsSince(start);
  return WithNode(s, node);
}

absl::Status CpuExecutor::ComputeAll() {
  for (int i = 0; i < graph_.num_nodes(); ++i) SF_RETURN_IF_ERROR(ComputeStep(i));
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Tensor>> CpuExecutor::Run(std::span<const Tensor> inputs) {
  SF_RETURN_IF_ERROR(BindInputs(inputs));
  absl::Status s = ComputeAll();
  std::vector<Tensor> outputs;
  if (s.ok()) {
    outputs.reserve(graph_.outputs().size());
    for (ValueId out : graph_.outputs()) outputs.push_back(slots_[out].Clone());
  }
  UnbindInputs();
  if (!s.ok()) return s;
  return outputs;
}

absl::Status CpuExecutor::RunStepByStep(std::span<const Tensor> inputs,
                                        const std::function<absl::Status(int step)>& after_step) {
  SF_RETURN_IF_ERROR(BindInputs(inputs));
  absl::Status s;
  for (int i = 0; i < graph_.num_nodes() && s.ok(); ++i) {
    s = ComputeStep(i);
    if (s.ok()) s = after_step(i);
  }
  UnbindInputs();
  return s;
}

void CpuExecutor::SwapBorrowed() {
  for (size_t i = 0; i < borrowed_inputs_.size(); ++i) {
    std::swap(slots_[graph_.inputs()[i]], borrowed_inputs_[i]);
  }
  for (size_t j = 0; j < borrowed_outputs_.size(); ++j) {
    if (output_in_place_[j]) std::swap(slots_[graph_.outputs()[j]], borrowed_outputs_[j]);
  }
}

absl::Status CpuExecutor::RunBound(std::span<const TensorView* const> inputs,
                                   std::span<const TensorView* const> outputs,
                                   void* cuda_stream) {
  if (cuda_stream != nullptr) {
    return absl::InvalidArgumentError("a CUDA stream was given for a run on the CPU");
  }
  if (inputs.size() != borrowed_inputs_.size() || outputs.size() != borrowed_outputs_.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "expected ", borrowed_inputs_.size(), " inputs and ", borrowed_outputs_.size(),
        " outputs, got ", inputs.size(), " and ", outputs.size()));
  }
  const auto check_host = [&](const TensorView& view, ValueId v,
                              absl::string_view what) -> absl::Status {
    if (view.memory == MemoryKind::kHost) return absl::OkStatus();
    return absl::InvalidArgumentError(absl::StrCat(what, " '", graph_.value(v).name, "' is a ",
                                                   ToString(view.memory),
                                                   " view; the CPU runtime takes host memory"));
  };
  for (size_t i = 0; i < inputs.size(); ++i) {
    SF_RETURN_IF_ERROR(check_host(*inputs[i], graph_.inputs()[i], "input"));
    borrowed_inputs_[i].Rebind(inputs[i]->data);
  }
  for (size_t j = 0; j < outputs.size(); ++j) {
    SF_RETURN_IF_ERROR(check_host(*outputs[j], graph_.outputs()[j], "output"));
    borrowed_outputs_[j].Rebind(outputs[j]->data);
  }
  SwapBorrowed();
  const absl::Status s = ComputeAll();
  for (size_t j = 0; j < outputs.size() && s.ok(); ++j) {
    const Tensor& result = slots_[graph_.outputs()[j]];
    if (!output_in_place_[j] && result.nbytes() > 0 && result.raw_data() != outputs[j]->data) {
      std::memcpy(outputs[j]->data, result.raw_data(), result.nbytes());
    }
  }
  SwapBorrowed();
  return s;
}

absl::Status CpuExecutor::ResetState() {
  for (const std::unique_ptr<CpuKernel>& k : kernels_) k->ResetState();
  return absl::OkStatus();
}

std::vector<StepStats> CpuExecutor::LastStepStats() const {
  std::vector<StepStats> stats;
  stats.reserve(kernels_.size());
  for (size_t i = 0; i < kernels_.size(); ++i) {
    stats.push_back(StepStats{step_us_[i], kernel_details_[i], kernels_[i]->LastTileDensity()});
  }
  return stats;
}

absl::StatusOr<RunPhaseTimes> CpuExecutor::TimedRun(std::span<const Tensor> inputs) {
  RunPhaseTimes times;
  SF_RETURN_IF_ERROR(BindInputs(inputs));
  auto start = std::chrono::steady_clock::now();
  absl::Status s = ComputeAll();
  times.compute_us = MicrosecondsSince(start);
  if (s.ok()) {
    start = std::chrono::steady_clock::now();
    std::vector<Tensor> outputs;
    outputs.reserve(graph_.outputs().size());
    for (ValueId out : graph_.outputs()) outputs.push_back(slots_[out].Clone());
    times.d2h_us = MicrosecondsSince(start);
  }
  UnbindInputs();
  if (!s.ok()) return s;
  return times;
}

absl::StatusOr<std::vector<StepProfile>> CpuExecutor::ProfileSteps(std::span<const Tensor> inputs,
                                                                   int iters) {
  SF_RETURN_IF_ERROR(CheckProfileStepsArgs(profiling_, iters));
  SF_RETURN_IF_ERROR(BindInputs(inputs));
  absl::Status s = ComputeAll();
  std::vector<StepProfile> profiles(static_cast<size_t>(graph_.num_nodes()));
  std::vector<double> samples(static_cast<size_t>(iters));
  for (int i = 0; i < graph_.num_nodes() && s.ok(); ++i) {
    const Node& node = graph_.node(i);
    if (node.op == OpType::kConv && !node.inputs.empty() && node.inputs[0] != kNoValue) {
      profiles[i].first_input = slots_[node.inputs[0]].Clone();
    }
    for (int k = 0; k < iters && s.ok(); ++k) {
      s = ComputeStep(i);
      samples[k] = step_us_[i];
    }
    std::sort(samples.begin(), samples.end());
    profiles[i].kernel = kernel_details_[i];
    profiles[i].median_us = Percentile(samples, 0.5);
    profiles[i].min_us = samples.front();
    profiles[i].iters = iters;
  }
  UnbindInputs();
  if (!s.ok()) return s;
  return profiles;
}

}  // namespace sf
