#include "sf/runtime.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <numeric>
#include <tuple>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/float16.h"
#include "graph/passes/compose_transposes.h"
#include "graph/passes/constant_folding.h"
#include "graph/passes/cse.h"
#include "graph/passes/float16.h"
#include "graph/passes/fold_batchnorm.h"
#include "graph/passes/fuse_elementwise.h"
#include "graph/passes/layout.h"
#include "graph/passes/lift_1d.h"
#include "graph/passes/step_graph.h"
#include "graph/status.h"
#include "importers/onnx/onnx_importer.h"
#include "runtime/cpu_evaluator.h"
#include "runtime/cpu_executor.h"
#include "runtime/device.h"
#include "runtime/executor.h"
#ifdef SF_WITH_CUDA
#include "runtime/gpu/gpu_executor.h"
#include "runtime/gpu/tuning_cache.h"
#endif
#include "spdlog/spdlog.h"

namespace sf {
namespace {

using InputDims = std::vector<std::vector<int64_t>>;  // per graph input

TensorInfo MakeInfo(const Value& v) {
  TensorInfo info;
  info.name = v.name;
  info.dtype = v.dtype;
  if (v.shape) {
    for (const Dim& d : *v.shape) {
      info.dims.push_back(d.known() ? d.value : -1);
      info.dim_names.push_back(d.known() ? "" : d.symbol);
    }
  }
  return info;
}

// Converts a user tensor to the dtype the model declares, where that is lossless
// enough to be expected (float64 -> float32, int32 -> int64); otherwise an error.
absl::StatusOr<Tensor> ConvertInput(const Tensor& t, const TensorInfo& info) {
  if (t.dtype() == info.dtype || info.dtype == DataType::kUndefined) return t;
  if (info.dtype == DataType::kFloat32 && t.dtype() == DataType::kFloat64) {
    SF_ASSIGN_OR_RETURN(Tensor out, Tensor::Create(DataType::kFloat32, t.dims(), info.name));
    for (int64_t i = 0; i < t.num_elements(); ++i) {
      out.data<float>()[i] = static_cast<float>(t.data<double>()[i]);
    }
    return out;
  }
  if (info.dtype == DataType::kInt64 && t.dtype() == DataType::kInt32) {
    SF_ASSIGN_OR_RETURN(Tensor out, Tensor::Create(DataType::kInt64, t.dims(), info.name));
    for (int64_t i = 0; i < t.num_elements(); ++i) out.data<int64_t>()[i] = t.data<int32_t>()[i];
    return out;
  }
  return absl::InvalidArgumentError(absl::StrCat("input '", info.name, "' has dtype ",
                                                 ToString(t.dtype()), " but the model expects ",
                                                 ToString(info.dtype)));
}

absl::Status CheckDims(const std::vector<int64_t>& dims, const TensorInfo& info) {
  auto mismatch = [&] {
    std::vector<std::string> expected;
    for (size_t i = 0; i < info.dims.size(); ++i) {
      expected.push_back(info.dims[i] >= 0 ? absl::StrCat(info.dims[i])
                                           : (info.dim_names[i].empty() ? "?" : info.dim_names[i]));
    }
    return absl::InvalidArgumentError(absl::StrCat("input '", info.name, "' has shape ",
                                                   ShapeToString(dims), " but the model expects [",
                                                   absl::StrJoin(expected, ","), "]"));
  };
  if (dims.size() != info.dims.size()) return mismatch();
  for (size_t i = 0; i < dims.size(); ++i) {
    if (info.dims[i] >= 0 && info.dims[i] != dims[i]) return mismatch();
  }
  return absl::OkStatus();
}

// Options::log_level onto spdlog's (process-wide) default logger.
void SetLogLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kUnchanged:
      return;
    case LogLevel::kDebug:
      spdlog::set_level(spdlog::level::debug);
      return;
    case LogLevel::kInfo:
      spdlog::set_level(spdlog::level::info);
      return;
    case LogLevel::kWarn:
      spdlog::set_level(spdlog::level::warn);
      return;
    case LogLevel::kError:
      spdlog::set_level(spdlog::level::err);
      return;
    case LogLevel::kOff:
      spdlog::set_level(spdlog::level::off);
      return;
  }
}

}  // namespace

struct Runtime::Impl {
  // Resolves the device and infers shapes with the declared input shapes.
  static absl::StatusOr<std::unique_ptr<Impl>> Create(Graph graph, std::string model_name,
                                                      const Options& options, std::string device);

  Options options;
  std::string model_name;
  std::string device;
  Graph graph;  // shapes inferred with the model's declared (possibly symbolic) inputs
  std::vector<TensorInfo> input_info, output_info;

  struct Prepared {
    Plan plan;
    std::unique_ptr<Executor> executor;
    std::vector<std::vector<int64_t>> output_dims;  // per graph output
  };
  absl::flat_hash_map<InputDims, std::unique_ptr<Prepared>> prepared;
  const Prepared* last_run = nullptr;
  // Value for symbolic input dims when planning without inputs: the least common
  // multiple of the neurons' steps, so that a T-major [T*N, ...] input is valid.
  int64_t default_dim = 1;

  PlanOptions MakePlanOptions() const {
    PlanOptions p;
    p.model_name = model_name;
    p.device = device;
    p.sparse = options.sparse;
    p.precision = options.precision;
    p.layout = options.layout;
    p.fuse_neurons = options.fuse_neurons;
    p.block_rule = options.block_rule;
    p.block_overrides = options.block_overrides;
    return p;
  }

  // Gives `g` concrete input dims, then infers its shapes and folds on them.
  static absl::Status Specialize(Graph& g, const InputDims& dims) {
    for (size_t i = 0; i < dims.size(); ++i) g.value(g.inputs()[i]).shape = MakeShape(dims[i]);
    return InferShapesAndFold(g, CpuNodeEvaluator());
  }

  // What the executors run for these input dims: the model specialised, then
  // Options::precision, Options::layout and Options::fuse_elementwise applied.
  absl::StatusOr<Graph> ExecutableGraph(const InputDims& dims) const {
    Graph g = graph;
    SF_RETURN_IF_ERROR(Specialize(g, dims));
    SF_RETURN_IF_ERROR(ApplyDevicePasses(g));
    return g;
  }

  // The passes that depend on the options and the device: float16, then
  // channels-last, Transposes composed through views, then elementwise fusion
  // (last: it fuses their Casts and Transposes too).
  absl::Status ApplyDevicePasses(Graph& g) const {
    SF_RETURN_IF_ERROR(ApplyPrecision(g));
    SF_RETURN_IF_ERROR(ApplyLayout(g));
    // The layout's Transposes meet the model's, next to them or through views.
    SF_ASSIGN_OR_RETURN(int pairs, ComposeTransposes(g));
    SF_ASSIGN_OR_RETURN(int chains, ComposeTransposesThroughViews(g));
    spdlog::debug("transposes: {} pairs and {} chains through views composed", pairs, chains);
    if (!options.fuse_elementwise) return absl::OkStatus();
    SF_ASSIGN_OR_RETURN(int fused, FuseElementwise(g, absl::StartsWith(device, "cuda")));
    spdlog::debug("fusion: {} FusedElementwise nodes", fused);
    return absl::OkStatus();
  }

  // Options::precision on a specialised graph, before ApplyLayout and the plan:
  // fp16 converts it (graph/passes/float16.h) with the CUDA kernel table.
  absl::Status ApplyPrecision([[maybe_unused]] Graph& g) const {
    if (options.precision == Precision::kFloat32) return absl::OkStatus();
#ifdef SF_WITH_CUDA
    SF_ASSIGN_OR_RETURN(int converted, ConvertToFloat16(g, GpuKernelRunsFloat16));
    spdlog::debug("fp16: {} of {} nodes run in float16", converted, g.num_nodes());
    return absl::OkStatus();
#else
    return absl::InternalError("fp16 chosen in a build without CUDA");
#endif
  }

  // Options::layout on a specialised graph, after ApplyPrecision: nhwc
  // converts it (graph/passes/layout.h) with the CUDA kernel table.
  absl::Status ApplyLayout([[maybe_unused]] Graph& g) const {
    if (options.layout == Layout::kNCHW) return absl::OkStatus();
#ifdef SF_WITH_CUDA
    SF_ASSIGN_OR_RETURN(int converted, ConvertToNhwc(g, GpuKernelRunsNhwc));
    spdlog::debug("nhwc: {} of {} nodes run channels-last", converted, g.num_nodes());
    return absl::OkStatus();
#else
    return absl::InternalError("nhwc chosen in a build without CUDA");
#endif
  }

  // The plan and executor of a graph with concrete shapes (after ApplyPrecision
  // and ApplyLayout).
  absl::StatusOr<std::unique_ptr<Prepared>> MakePrepared(Graph g) const {
    auto p = std::make_unique<Prepared>();
    for (ValueId v : g.outputs()) {
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ConcreteValueDims(g.value(v)));
      p->output_dims.push_back(std::move(dims));
    }
    SF_ASSIGN_OR_RETURN(p->plan, BuildPlan(g, MakePlanOptions()));
    SF_ASSIGN_OR_RETURN(p->executor, CreateExecutor(std::move(g), p->plan));
    SaveTuningCacheIfChanged();
    p->plan.arena_bytes = p->executor->memory_plan().arena_bytes;
    p->plan.tensor_bytes = p->executor->memory_plan().total_bytes;
    std::tie(p->plan.spike_mask_bytes, p->plan.spike_packed_bytes) = p->executor->SpikeLinkBytes();
    return p;
  }

  // The tuning cache file of Options::tuning_cache (else SF_TUNING_CACHE) on
  // a CUDA device, "" otherwise.
  static std::string TuningCachePath(const Options& options, const std::string& device) {
    if (!absl::StartsWith(device, "cuda")) return "";
    if (!options.tuning_cache.empty()) return options.tuning_cache;
    const char* env = std::getenv("SF_TUNING_CACHE");
    return env != nullptr ? env : "";
  }

  // Preparing a shape may have searched convs: keep their choices.
  void SaveTuningCacheIfChanged() const {
#ifdef SF_WITH_CUDA
    const std::string path = TuningCachePath(options, device);
    if (path.empty()) return;
    if (absl::Status s = SaveTuningCache(path); !s.ok()) {
      spdlog::warn("tuning cache not written: {}", std::string(s.message()));
    }
#endif
  }

  absl::StatusOr<Prepared*> Prepare(const InputDims& dims) {
    auto it = prepared.find(dims);
    if (it != prepared.end()) return it->second.get();
    SF_ASSIGN_OR_RETURN(Graph g, ExecutableGraph(dims));
    SF_ASSIGN_OR_RETURN(std::unique_ptr<Prepared> p, MakePrepared(std::move(g)));
    spdlog::debug("prepared {} for {} input shape(s): arena {} bytes for {} bytes of tensors",
                  model_name, dims.size(), p->plan.arena_bytes, p->plan.tensor_bytes);
    Prepared* raw = p.get();
    prepared.emplace(dims, std::move(p));
    return raw;
  }

  absl::StatusOr<std::unique_ptr<Executor>> CreateExecutor(Graph g, const Plan& plan,
                                                           bool profiling = false) const {
    const ExecutorOptions executor_options{
        .profiling = profiling,
        .cuda_graphs = options.cuda_graphs,
        .allow_tf32 = options.allow_tf32,
        .conv_algo_search = options.conv_algo_search,
        .profile_nodes = options.profile_nodes,
        .debug_separate_allocations = options.debug_separate_allocations,
        .overlap_branches = options.overlap_branches,
        .arena_limit_bytes = options.arena_limit_bytes};
    SF_ASSIGN_OR_RETURN(int ordinal, CudaOrdinal(device));
    if (ordinal < 0) return CpuExecutor::Create(std::move(g), plan, executor_options);
#ifdef SF_WITH_CUDA
    return GpuExecutor::Create(std::move(g), plan, ordinal, executor_options);
#else
    return absl::InternalError("CUDA device chosen in a build without CUDA");
#endif
  }

  // Streaming (Runtime::Step): step graphs prepared per one-step input dims,
  // each executor holding its stream's state.
  struct Stream {
    int64_t steps = 0;                // T, once known
    std::vector<bool> static_inputs;  // per graph input
    absl::flat_hash_map<InputDims, std::unique_ptr<Prepared>> prepared;
    Prepared* current = nullptr;  // the executor of the running stream
    int64_t steps_taken = 0;
  } stream;

  // The step graph for one-step input dims (graph/passes/step_graph.h). The
  // time layout is worked out on the all-T graph with N >= 2 rows where the
  // model allows, since with N = 1 [T, ...] and [T*N, ...] look alike.
  absl::StatusOr<Prepared*> PrepareStep(const InputDims& dims) {
    auto it = stream.prepared.find(dims);
    if (it != stream.prepared.end()) return it->second.get();
    InputDims probe = dims;
    for (size_t i = 0; i < probe.size(); ++i) {
      if (probe[i].empty()) continue;
      const bool symbolic_rows = input_info[i].dims.empty() || input_info[i].dims[0] < 0;
      if (symbolic_rows) probe[i][0] = std::max<int64_t>(probe[i][0], 2);
      if (!stream.static_inputs[i]) probe[i][0] *= stream.steps;
    }
    Graph g = graph;
    SF_RETURN_IF_ERROR(Specialize(g, probe));
    SF_RETURN_IF_ERROR(MakeStepGraph(g));
    SF_RETURN_IF_ERROR(Specialize(g, dims));
    SF_RETURN_IF_ERROR(ApplyDevicePasses(g));
    SF_ASSIGN_OR_RETURN(std::unique_ptr<Prepared> p, MakePrepared(std::move(g)));
    Prepared* raw = p.get();
    stream.prepared.emplace(dims, std::move(p));
    return raw;
  }

  // Dims per input: given ones, else the declared shape with symbolic dims set
  // to `default_dim`.
  // With `steps` > 1 (Step), given dims are one time step: dim 0 of an input
  // that is not static (graph/passes/step_graph.h) holds N rows of the model's T*N.
  absl::StatusOr<InputDims> ResolveDims(const std::map<std::string, std::vector<int64_t>>& given,
                                        int64_t steps = 1) const {
    for (const auto& [name, d] : given) {
      bool known = false;
      for (const TensorInfo& info : input_info) known |= info.name == name;
      if (!known) {
        return absl::InvalidArgumentError(absl::StrCat("model has no input named '", name, "'"));
      }
    }
    InputDims dims;
    for (const TensorInfo& info : input_info) {
      auto it = given.find(info.name);
      if (it != given.end()) {
        std::vector<int64_t> all_steps = it->second;
        const size_t i = &info - input_info.data();
        const bool is_static = i < stream.static_inputs.size() && stream.static_inputs[i];
        if (!all_steps.empty() && !is_static) all_steps[0] *= steps;
        absl::Status s = CheckDims(all_steps, info);
        if (!s.ok() && steps > 1) {
          return absl::InvalidArgumentError(absl::StrCat(
              "Step() takes one of T = ", steps, " time steps (N rows of T*N): ", s.message()));
        }
        SF_RETURN_IF_ERROR(s);
        dims.push_back(it->second);
      } else {
        std::vector<int64_t> d = info.dims;
        for (size_t k = 0; k < d.size(); ++k) {
          if (d[k] >= 0) continue;
          d[k] = default_dim;
          // A symbolic batch is routine; a symbolic spatial size makes the plan
          // (block sizes, kernels) one for a made-up size: say so.
          if (k > 0) {
            spdlog::warn(
                "input '{}' dim {} is symbolic: planned as {} (give the input's shape to plan "
                "for its real size)",
                info.name, k, default_dim);
          }
        }
        dims.push_back(d);
      }
    }
    return dims;
  }

  // RunInto: the views of `infos` (the model's inputs or outputs, `what`
  // says which) in their order, each checked to have a known name, the
  // model's dtype and non-null data. Shapes are left to the caller.
  // Allocates nothing unless it fails.
  static absl::Status OrderViews(const std::map<std::string, TensorView>& views,
                                 const std::vector<TensorInfo>& infos, absl::string_view what,
                                 std::vector<const TensorView*>& ordered) {
    for (const auto& entry : views) {
      // Not a structured binding: clang before 16 cannot capture one in a lambda.
      const std::string& name = entry.first;
      const bool known = std::any_of(infos.begin(), infos.end(),
                                     [&](const TensorInfo& info) { return info.name == name; });
      if (!known) {
        return absl::InvalidArgumentError(
            absl::StrCat("model has no ", what, " named '", name, "'"));
      }
    }
    for (size_t i = 0; i < infos.size(); ++i) {
      const TensorInfo& info = infos[i];
      auto it = views.find(info.name);
      if (it == views.end()) {
        return absl::InvalidArgumentError(absl::StrCat("missing ", what, " '", info.name, "'"));
      }
      const TensorView& view = it->second;
      if (view.dtype != info.dtype) {
        return absl::InvalidArgumentError(absl::StrCat(what, " '", info.name, "' has dtype ",
                                                       ToString(view.dtype), " but the model's is ",
                                                       ToString(info.dtype)));
      }
      if (view.data == nullptr) {
        return absl::InvalidArgumentError(absl::StrCat(what, " '", info.name, "' has null data"));
      }
      ordered[i] = &view;
    }
    return absl::OkStatus();
  }

  // RunInto: the prepared plan for the shapes of `views` (ordered, checked by
  // OrderViews); allocates nothing when it was prepared before.
  absl::StatusOr<Prepared*> PrepareForViews(std::span<const TensorView* const> views) {
    for (size_t i = 0; i < views.size(); ++i) {
      SF_RETURN_IF_ERROR(CheckDims(views[i]->dims, input_info[i]));
    }
    for (const auto& [dims, p] : prepared) {
      bool same = true;
      for (size_t i = 0; i < views.size() && same; ++i) same = dims[i] == views[i]->dims;
      if (same) return p.get();
    }
    InputDims dims;
    for (const TensorView* view : views) dims.push_back(view->dims);
    return Prepare(dims);
  }

  // RunInto's views in graph input / output order (sized in Create).
  std::vector<const TensorView*> bound_inputs, bound_outputs;

  // The user's inputs checked, converted and put in graph input order.
  absl::StatusOr<std::pair<InputDims, std::vector<Tensor>>> OrderInputs(
      const std::map<std::string, Tensor>& inputs, int64_t steps = 1) const {
    std::vector<Tensor> ordered;
    std::map<std::string, std::vector<int64_t>> given;
    for (const auto& [name, t] : inputs) given[name] = t.dims();
    SF_ASSIGN_OR_RETURN(InputDims dims, ResolveDims(given, steps));
    for (const TensorInfo& info : input_info) {
      auto it = inputs.find(info.name);
      if (it == inputs.end()) {
        return absl::InvalidArgumentError(absl::StrCat("missing input '", info.name, "'"));
      }
      SF_ASSIGN_OR_RETURN(Tensor t, ConvertInput(it->second, info));
      ordered.push_back(std::move(t));
    }
    return std::make_pair(std::move(dims), std::move(ordered));
  }
};

Runtime::Runtime(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Runtime::~Runtime() = default;

absl::StatusOr<std::unique_ptr<Runtime::Impl>> Runtime::Impl::Create(Graph graph,
                                                                     std::string model_name,
                                                                     const Options& options,
                                                                     std::string device) {
  SetLogLevel(options.log_level);
#ifdef SF_WITH_CUDA
  if (const std::string cache = TuningCachePath(options, device); !cache.empty()) {
    if (absl::Status s = LoadTuningCache(cache); !s.ok()) {
      return absl::Status(s.code(), absl::StrCat("tuning cache ", s.message()));
    }
  }
#endif
  if (options.arena_limit_bytes < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "Options::arena_limit_bytes must be >= 0 (0: no limit), got ", options.arena_limit_bytes));
  }
  if (options.precision == Precision::kFloat16 && !absl::StartsWith(device, "cuda")) {
    return absl::InvalidArgumentError("precision fp16 needs a CUDA device; the CPU runs fp32");
  }
  if (options.layout == Layout::kNHWC && !absl::StartsWith(device, "cuda")) {
    return absl::InvalidArgumentError("layout nhwc needs a CUDA device; the CPU runs nchw");
  }
  auto impl = std::make_unique<Impl>();
  impl->options = options;
  impl->model_name = std::move(model_name);
  impl->device = std::move(device);
  SF_RETURN_IF_ERROR(LiftOneDimensionalOps(graph).status());  // 1-D convs, pools -> 2-D
  SF_RETURN_IF_ERROR(InferShapesAndFold(graph, CpuNodeEvaluator()));
  SF_RETURN_IF_ERROR(FoldBatchNormIntoConv(graph).status());
  SF_RETURN_IF_ERROR(FoldBatchNormIntoLinear(graph).status());
  SF_RETURN_IF_ERROR(ComposeTransposes(graph).status());
  SF_RETURN_IF_ERROR(EliminateCommonSubexpressions(graph).status());
  for (ValueId v : graph.inputs()) impl->input_info.push_back(MakeInfo(graph.value(v)));
  for (ValueId v : graph.outputs()) impl->output_info.push_back(MakeInfo(graph.value(v)));
  impl->bound_inputs.resize(impl->input_info.size());
  impl->bound_outputs.resize(impl->output_info.size());
  for (const Node& node : graph.nodes()) {
    if (!IsNeuron(node.op)) continue;
    auto steps = node.attrs.GetIntOr("steps", 1);
    if (steps.ok() && *steps > 0 && *steps <= 1024) {
      impl->default_dim = std::lcm(impl->default_dim, *steps);
    }
  }
  impl->graph = std::move(graph);
  return impl;
}

absl::StatusOr<std::unique_ptr<Runtime>> Runtime::Load(const std::string& path,
                                                       const Options& options) {
  SF_ASSIGN_OR_RETURN(std::string device, ResolveRuntimeDevice(options.device));
  SF_ASSIGN_OR_RETURN(Graph graph, ImportOnnxFile(path));
  auto impl = Impl::Create(std::move(graph), std::filesystem::path(path).filename().string(),
                           options, std::move(device));
  if (!impl.ok()) {
    return absl::Status(impl.status().code(), absl::StrCat(path, ": ", impl.status().message()));
  }
  return std::unique_ptr<Runtime>(new Runtime(std::move(impl).value()));
}

absl::StatusOr<std::unique_ptr<Runtime>> Runtime::LoadFromBytes(absl::string_view bytes,
                                                                const Options& options,
                                                                std::string model_name,
                                                                std::string model_dir) {
  SF_ASSIGN_OR_RETURN(std::string device, ResolveRuntimeDevice(options.device));
  OnnxImportOptions import_options;
  import_options.model_dir = std::move(model_dir);
  SF_ASSIGN_OR_RETURN(Graph graph, ImportOnnxModel(bytes, import_options));
  SF_ASSIGN_OR_RETURN(
      auto impl, Impl::Create(std::move(graph), std::move(model_name), options, std::move(device)));
  return std::unique_ptr<Runtime>(new Runtime(std::move(impl)));
}

const std::vector<TensorInfo>& Runtime::InputInfo() const { return impl_->input_info; }
const std::vector<TensorInfo>& Runtime::OutputInfo() const { return impl_->output_info; }
const std::string& Runtime::device() const { return impl_->device; }

int64_t Runtime::NeuronSteps() const {
  for (const Node& node : impl_->graph.nodes()) {
    if (!IsNeuron(node.op)) continue;
    auto steps = node.attrs.GetIntOr("steps", 0);
    return steps.ok() ? *steps : 0;
  }
  return 0;
}

absl::StatusOr<Plan> Runtime::GetPlan(
    const std::map<std::string, std::vector<int64_t>>& input_dims) {
  SF_ASSIGN_OR_RETURN(InputDims dims, impl_->ResolveDims(input_dims));
  SF_ASSIGN_OR_RETURN(Impl::Prepared * p, impl_->Prepare(dims));
  Plan plan = p->plan;
  const std::vector<StepStats> stats = p->executor->LastStepStats();
  for (size_t i = 0; i < plan.steps.size() && i < stats.size(); ++i) {
    plan.steps[i].kernel_detail = stats[i].kernel_detail;
    plan.steps[i].switch_sparse_tiles = stats[i].switch_sparse_tiles;
    plan.steps[i].switch_tiles = stats[i].switch_tiles;
  }
  return plan;
}

absl::StatusOr<std::vector<Tensor>> Runtime::Run(const std::map<std::string, Tensor>& inputs) {
  SF_ASSIGN_OR_RETURN(auto dims_and_inputs, impl_->OrderInputs(inputs));
  auto& [dims, ordered] = dims_and_inputs;
  SF_ASSIGN_OR_RETURN(Impl::Prepared * p, impl_->Prepare(dims));
  SF_ASSIGN_OR_RETURN(std::vector<Tensor> outputs, p->executor->Run(ordered));
  impl_->last_run = p;
  return outputs;
}

absl::StatusOr<std::vector<std::vector<int64_t>>> Runtime::OutputDims(
    const std::map<std::string, std::vector<int64_t>>& input_dims) {
  SF_ASSIGN_OR_RETURN(InputDims dims, impl_->ResolveDims(input_dims));
  SF_ASSIGN_OR_RETURN(Impl::Prepared * p, impl_->Prepare(dims));
  return p->output_dims;
}

absl::Status Runtime::RunInto(const std::map<std::string, TensorView>& inputs,
                              const std::map<std::string, TensorView>& outputs, void* cuda_stream) {
  Impl& impl = *impl_;
  SF_RETURN_IF_ERROR(Impl::OrderViews(inputs, impl.input_info, "input", impl.bound_inputs));
  SF_RETURN_IF_ERROR(Impl::OrderViews(outputs, impl.output_info, "output", impl.bound_outputs));
  SF_ASSIGN_OR_RETURN(Impl::Prepared * p, impl.PrepareForViews(impl.bound_inputs));
  for (size_t j = 0; j < impl.bound_outputs.size(); ++j) {
    if (impl.bound_outputs[j]->dims != p->output_dims[j]) {
      return absl::InvalidArgumentError(
          absl::StrCat("output '", impl.output_info[j].name, "' has shape ",
                       ShapeToString(impl.bound_outputs[j]->dims), " but the model gives ",
                       ShapeToString(p->output_dims[j]), " for these input shapes"));
    }
  }
  SF_RETURN_IF_ERROR(p->executor->RunBound(impl.bound_inputs, impl.bound_outputs, cuda_stream));
  impl.last_run = p;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<Tensor>> Runtime::Step(const std::map<std::string, Tensor>& inputs) {
  Impl::Stream& stream = impl_->stream;
  if (stream.steps == 0) {
    SF_ASSIGN_OR_RETURN(stream.steps, StreamingSteps(impl_->graph));
    stream.static_inputs = StaticInputs(impl_->graph);
  }
  SF_ASSIGN_OR_RETURN(auto dims_and_inputs, impl_->OrderInputs(inputs, stream.steps));
  auto& [dims, ordered] = dims_and_inputs;
  SF_ASSIGN_OR_RETURN(Impl::Prepared * p, impl_->PrepareStep(dims));
  if (stream.current != nullptr && stream.current != p) {
    return absl::FailedPreconditionError(
        absl::StrCat("Step(): input shapes changed after ", stream.steps_taken,
                     " step(s) of a stream; call ResetState() to start a new one"));
  }
  stream.current = p;
  SF_ASSIGN_OR_RETURN(std::vector<Tensor> outputs, p->executor->Run(ordered));
  ++stream.steps_taken;
  impl_->last_run = p;
  return outputs;
}

absl::Status Runtime::ResetState() {
  Impl::Stream& stream = impl_->stream;
  for (auto& [dims, p] : stream.prepared) SF_RETURN_IF_ERROR(p->executor->ResetState());
  stream.current = nullptr;
  stream.steps_taken = 0;
  return absl::OkStatus();
}

int64_t Runtime::StepsTaken() const { return impl_->stream.steps_taken; }

std::vector<NodeTiming> Runtime::LastProfile() const {
  std::vector<NodeTiming> timings;
  const Impl::Prepared* p = impl_->last_run;
  if (p == nullptr) return timings;
  const std::vector<StepStats> stats = p->executor->LastStepStats();
  for (size_t i = 0; i < p->plan.steps.size(); ++i) {
    const PlanStep& step = p->plan.steps[i];
    const StepStats s = i < stats.size() ? stats[i] : StepStats{};
    timings.push_back(NodeTiming{step.name, step.op, step.kernel, step.block, s.microseconds,
                                 s.kernel_detail, s.tile_density});
  }
  return timings;
}

absl::StatusOr<RunTimings> Runtime::TimeRuns(const std::map<std::string, Tensor>& inputs,
                                             int warmup, int iters) {
  if (warmup < 0 || iters < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("TimeRuns needs warmup >= 0 and iters >= 1, got ", warmup, " and ", iters));
  }
  SF_ASSIGN_OR_RETURN(auto dims_and_inputs, impl_->OrderInputs(inputs));
  auto& [dims, ordered] = dims_and_inputs;
  SF_ASSIGN_OR_RETURN(Impl::Prepared * p, impl_->Prepare(dims));
  Executor& exec = *p->executor;
  for (int i = 0; i < warmup; ++i) SF_RETURN_IF_ERROR(exec.Run(ordered).status());
  RunTimings timings;
  timings.clock = impl_->device == "cpu" ? "steady_clock" : "cuda_events";
  for (int i = 0; i < iters; ++i) {
    SF_ASSIGN_OR_RETURN(RunPhaseTimes t, exec.TimedRun(ordered));
    timings.compute_us.push_back(t.compute_us);
    timings.h2d_us.push_back(t.h2d_us);
    timings.d2h_us.push_back(t.d2h_us);
  }
  absl::StatusOr<std::vector<double>> graph = exec.GraphReplayMicroseconds(ordered, warmup, iters);
  if (graph.ok()) {
    timings.graph_us = *std::move(graph);
  } else if (graph.status().code() == absl::StatusCode::kUnimplemented) {
    timings.graph_status = std::string(graph.status().message());
  } else {
    return graph.status();
  }
  impl_->last_run = p;
  return timings;
}

absl::Status Runtime::RunStepByStep(
    const std::map<std::string, Tensor>& inputs,
    const std::function<absl::Status(int step, const std::string& step_name)>& after_step) {
  SF_ASSIGN_OR_RETURN(auto dims_and_inputs, impl_->OrderInputs(inputs));
  auto& [dims, ordered] = dims_and_inputs;
  SF_ASSIGN_OR_RETURN(Impl::Prepared * p, impl_->Prepare(dims));
  const std::vector<PlanStep>& steps = p->plan.steps;
  SF_RETURN_IF_ERROR(p->executor->RunStepByStep(ordered, [&](int i) -> absl::Status {
    if (i < 0 || static_cast<size_t>(i) >= steps.size()) {
      return absl::InternalError(
          absl::StrCat("the executor ran step ", i, " of a plan of ", steps.size()));
    }
    return after_step(i, steps[i].name);
  }));
  impl_->last_run = p;
  return absl::OkStatus();
}

namespace {

// A float32 NCHW copy of a 4-D float32 or float16 tensor of `node`, stored
// NCHW, or NHWC when the node is channels_last (for occupancy measurement).
absl::StatusOr<Tensor> ToNchwFloat32(const Node& node, const Tensor& t) {
  const bool channels_last = node.channels_last;
  const std::vector<int64_t> nchw = LogicalDims(node, t.dims());
  SF_ASSIGN_OR_RETURN(Tensor out, Tensor::Create(DataType::kFloat32, nchw, "conv input"));
  const int64_t n = nchw[0], c = nchw[1], hw = nchw[2] * nchw[3];
  float* dst = out.data<float>();
  const bool half = t.dtype() == DataType::kFloat16;
  for (int64_t b = 0; b < n; ++b) {
    for (int64_t k = 0; k < c; ++k) {
      for (int64_t i = 0; i < hw; ++i) {
        const int64_t from = channels_last ? (b * hw + i) * c + k : (b * c + k) * hw + i;
        dst[(b * c + k) * hw + i] =
            half ? HalfToFloat(t.data<uint16_t>()[from]) : t.data<float>()[from];
      }
    }
  }
  return out;
}

}  // namespace

absl::StatusOr<std::vector<LayerProfile>> Runtime::ProfileLayers(
    const std::map<std::string, Tensor>& inputs, int iters) {
  if (iters < 1) return absl::InvalidArgumentError("ProfileLayers needs iters >= 1");
  SF_ASSIGN_OR_RETURN(auto dims_and_inputs, impl_->OrderInputs(inputs));
  auto& [dims, ordered] = dims_and_inputs;
  SF_ASSIGN_OR_RETURN(Impl::Prepared * p, impl_->Prepare(dims));
  SF_ASSIGN_OR_RETURN(Graph graph, impl_->ExecutableGraph(dims));
  SF_ASSIGN_OR_RETURN(std::unique_ptr<Executor> profiler,
                      impl_->CreateExecutor(graph, p->plan, /*profiling=*/true));
  SF_ASSIGN_OR_RETURN(std::vector<StepProfile> steps, profiler->ProfileSteps(ordered, iters));
  const std::vector<StepStats> prepared = p->executor->LastStepStats();
  std::vector<LayerProfile> layers;
  for (size_t i = 0; i < p->plan.steps.size() && i < steps.size(); ++i) {
    const PlanStep& step = p->plan.steps[i];
    LayerProfile layer{step.name,
                       step.op,
                       step.kernel,
                       steps[i].kernel,
                       step.block,
                       step.input_class,
                       step.input_dims,
                       step.output_dims,
                       step.kernel_hw,
                       step.stride,
                       steps[i].median_us,
                       steps[i].min_us,
                       steps[i].iters,
                       steps[i].prescan_us,
                       steps[i].sparse_us,
                       steps[i].path,
                       -1.0,
                       {},
                       step.fused_neuron >= 0 ? p->plan.steps[step.fused_neuron].name : ""};
    const Node& node = graph.node(step.node);
    if (i < prepared.size()) {
      layer.switch_sparse_tiles = prepared[i].switch_sparse_tiles;
      layer.switch_tiles = prepared[i].switch_tiles;
    }
    // A conv + neuron pair that chose its unfused path at run time (path
    // "cudnn" or "sparse", not "fused") wrote the conv's output.
    const bool ran_fused = step.fused_neuron < 0 || steps[i].path == "fused";
    SF_ASSIGN_OR_RETURN(const StepTraffic traffic, PlanStepTraffic(graph, p->plan, i, ran_fused));
    layer.read_bytes = traffic.read_bytes;
    layer.written_bytes = traffic.written_bytes;
    layer.input_dims = LogicalDims(node, layer.input_dims);  // the report speaks NCHW
    layer.output_dims = LogicalDims(node, layer.output_dims);
    const DataType in_type = steps[i].first_input.dtype();
    if (step.op == OpType::kConv && steps[i].first_input.rank() == 4 &&
        (in_type == DataType::kFloat32 || in_type == DataType::kFloat16)) {
      std::vector<int> blocks(kOccupancyBlocks.begin(), kOccupancyBlocks.end());
      if (step.block > 0 && std::find(blocks.begin(), blocks.end(), step.block) == blocks.end()) {
        blocks.push_back(step.block);
      }
      // The occupancy reads the conv's input and output shapes as NCHW.
      SF_ASSIGN_OR_RETURN(Tensor nchw, ToNchwFloat32(node, steps[i].first_input));
      SF_ASSIGN_OR_RETURN(ConvOccupancy occ,
                          MeasureConvOccupancy(graph, node, nchw, layer.output_dims, blocks,
                                               kOccupancyChannelGroup));
      layer.element_density = occ.element_density;
      layer.tiles = std::move(occ.tiles);
    }
    layers.push_back(std::move(layer));
  }
  return layers;
}

}  // namespace sf
