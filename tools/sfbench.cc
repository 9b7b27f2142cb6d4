// sfbench: the SparseFlow plan against an all-cuDNN plan of the same model, at
// the same precision and layout, in one process: whole-model latency (CUDA
// events; CUDA-graph replay where capture works), copies, cold start, and one
// row per conv with the occupancy of its real input and both kernels' times.
// Contract: ../shared/spec/cli-and-plan.md. Exit 0 ok, 2 usage error, 1 failure;
// failures print one line starting with "error:" on stderr.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <iostream>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status.h"
#include "runtime/batch_split.h"
#include "runtime/file_util.h"
#include "runtime/npy.h"
#include "runtime/version.h"
#include "sf/replicas.h"
#include "sf/runtime.h"
#include "spdlog/spdlog.h"
#include "tools/bench_report.h"
#include "tools/cli_args.h"
#include "tools/kernel_trace.h"
#include "tools/scaling_bench.h"

namespace {

constexpr char kUsage[] =
    "usage: sfbench MODEL.onnx [--input FILE.npy | --input NAME=FILE.npy ...]\n"
    "               [--device cuda|cuda:N|cpu|all] [--batch N]\n"
    "               [--warmup N] [--iters N] [--duration S]\n"
    "               [--layer-iters N] [--no-layers] [--steps T] [--precision fp32|fp16]\n"
    "               [--layout nchw|nhwc] [--tf32] [--no-fuse] [--no-fuse-elementwise]\n"
    "               [--no-overlap]\n"
    "               [--label TEXT] [--conv-algo timed|heuristic|gemm]\n"
    "               [--tuning-cache FILE]\n"
    "               [--save-input FILE]\n"
    "               [--json FILE] [--csv FILE] [--export-profile FILE]\n"
    "               [--kernel-trace FILE]\n"
    "               [-v|--verbose] [--version] [--help]\n"
    "  Without --input, every input is uniform [0,1) noise (seed 0): timings are valid,\n"
    "  densities are not those of real data. --batch N: N samples per run; a generated\n"
    "  input gets N (default 1), a given one takes its first N samples, repeated\n"
    "  cyclically when it has fewer (a T-major input [T*Nin, ...] keeps all T steps of\n"
    "  each sample; a model that repeats its input over T has one row per sample).\n"
    "  --label TEXT: printed and in --json (e.g. 'random weights: densities are not those\n"
    "  of a trained net'). --save-input FILE: the first input as benchmarked, as .npy.\n"
    "  --device all: one replica per GPU; per-GPU and aggregate throughput and the\n"
    "  scaling over one GPU (no per-layer tables; --csv/--export-profile not available).\n"
    "  --tf32 lets cuDNN/cuBLAS use TF32 tensor cores (precision reported as fp32+tf32).\n"
    "  --no-fuse: both plans keep neurons apart from convs and residual Adds (by default\n"
    "  an Add and its neuron run as one kernel in both plans, and the SparseFlow plan\n"
    "  fp16 also fuses a sparse-planned conv with its neuron; docs/architecture.md), and\n"
    "  run elementwise chains op by op (--no-fuse-elementwise: only that).\n"
    "  --no-overlap: both plans run every step on one CUDA stream (by default a conv\n"
    "  beside the main path, a ResNet's shortcut, runs on a second stream; Options::\n"
    "  overlap_branches).\n"
    "  --conv-algo heuristic: cuDNN's heuristic picks each conv's algorithm (no timed\n"
    "  search; default timed), in both plans; gemm: timed among the implicit-GEMM, GEMM\n"
    "  and direct algorithms only (no Winograd or FFT).\n"
    "  --tuning-cache FILE: read the conv choices of earlier processes from FILE and\n"
    "  write this one's back (Options::tuning_cache): their searches are skipped.\n"
    "  --kernel-trace FILE: after the timing, trace the GPU kernels of 20 CUDA-graph\n"
    "  replays of each plan with CUPTI (loaded at run time) and write every kernel of the\n"
    "  median replay, its time and the GPU's idle gap before it, to FILE, then each plan\n"
    "  step's share of that replay (its kernels, matched with a step-by-step run, and the\n"
    "  gaps before them; the steps sum to the replay's span); the totals go to the\n"
    "  console and --json. CUDA devices only.\n";

// Most runs one measurement may ask for (--iters, or --duration's estimate).
constexpr int64_t kMaxIters = 1000000;

struct Flags {
  std::string model;
  std::vector<std::string> inputs;
  std::string device = "cuda";
  sf::Precision precision = sf::Precision::kFloat32;
  sf::Layout layout = sf::Layout::kNCHW;
  int warmup = 20;
  int iters = 200;
  double duration_s = 0;
  int layer_iters = 50;
  bool layers = true;
  bool tf32 = false;
  bool fuse = true;    // --no-fuse clears it
  bool fuse_elementwise = true;  // --no-fuse and --no-fuse-elementwise clear it
  bool overlap = true;  // --no-overlap clears it
  sf::ConvAlgoSearch conv_algo = sf::ConvAlgoSearch::kTimed;
  std::string tuning_cache;
  int64_t steps = -1;  // -1: T-major with T from the model's first neuron, or 1 row per sample
  int64_t batch = 0;   // samples per run; 0: a given input as it is, a generated one 1
  std::string label, save_input;
  std::string json, csv, profile, kernel_trace;
  bool verbose = false;
};

absl::StatusOr<int64_t> ParseCount(const std::string& flag, const std::string& text, int64_t min) {
  return sf::tools::ParseCountFlag(flag, text, min, kMaxIters);
}

absl::StatusOr<Flags> ParseFlags(int argc, char** argv) {
  sf::tools::ArgReader args(argc, argv);
  Flags f;
  while (!args.done()) {
    std::string value;
    if (args.Flag("--input", &value)) {
      f.inputs.push_back(value);
    } else if (args.Flag("--device", &value)) {
      SF_ASSIGN_OR_RETURN(f.device, sf::tools::ParseDeviceFlag(value, /*allow_all=*/true));
    } else if (args.Flag("--precision", &value)) {
      SF_ASSIGN_OR_RETURN(f.precision, sf::tools::ParsePrecisionFlag(value));
    } else if (args.Flag("--layout", &value)) {
      SF_ASSIGN_OR_RETURN(f.layout, sf::tools::ParseLayoutFlag(value));
    } else if (args.Flag("--warmup", &value)) {
      SF_ASSIGN_OR_RETURN(int64_t v, ParseCount("--warmup", value, 0));
      f.warmup = static_cast<int>(v);
    } else if (args.Flag("--iters", &value)) {
      SF_ASSIGN_OR_RETURN(int64_t v, ParseCount("--iters", value, 1));
      f.iters = static_cast<int>(v);
    } else if (args.Flag("--layer-iters", &value)) {
      SF_ASSIGN_OR_RETURN(int64_t v, ParseCount("--layer-iters", value, 1));
      f.layer_iters = static_cast<int>(v);
    } else if (args.Flag("--batch", &value)) {
      SF_ASSIGN_OR_RETURN(f.batch, ParseCount("--batch", value, 1));
    } else if (args.Flag("--steps", &value)) {
      SF_ASSIGN_OR_RETURN(f.steps, ParseCount("--steps", value, 1));
    } else if (args.Flag("--duration", &value)) {
      if (!absl::SimpleAtod(value, &f.duration_s) || !std::isfinite(f.duration_s) ||
          f.duration_s <= 0 || f.duration_s > 3600) {
        return absl::InvalidArgumentError(
            absl::StrCat("--duration must be seconds in (0, 3600], not '", value, "'"));
      }
    } else if (args.Flag("--conv-algo", &value)) {
      SF_ASSIGN_OR_RETURN(f.conv_algo, sf::tools::ParseConvAlgoFlag(value));
    } else if (args.Flag("--tuning-cache", &value)) {
      if (value.empty()) return absl::InvalidArgumentError("--tuning-cache needs a file name");
      f.tuning_cache = value;
    } else if (args.Flag("--label", &value)) {
      f.label = value;
    } else if (args.Flag("--save-input", &value)) {
      f.save_input = value;
    } else if (args.Flag("--json", &value)) {
      f.json = value;
    } else if (args.Flag("--csv", &value)) {
      f.csv = value;
    } else if (args.Flag("--export-profile", &value)) {
      f.profile = value;
    } else if (args.Flag("--kernel-trace", &value)) {
      f.kernel_trace = value;
    } else if (args.Switch("--tf32")) {
      f.tf32 = true;
    } else if (args.Switch("--no-fuse")) {
      f.fuse = false;
      f.fuse_elementwise = false;
    } else if (args.Switch("--no-fuse-elementwise")) {
      f.fuse_elementwise = false;
    } else if (args.Switch("--no-overlap")) {
      f.overlap = false;
    } else if (args.Switch("--no-layers")) {
      f.layers = false;
    } else if (args.Switch("-v") || args.Switch("--verbose")) {
      f.verbose = true;
    } else {
      SF_RETURN_IF_ERROR(args.TakeModel(&f.model));
    }
    SF_RETURN_IF_ERROR(args.status());
  }
  if (f.model.empty()) return absl::InvalidArgumentError("no model given");
  if (f.device == "all" &&
      (!f.csv.empty() || !f.profile.empty() || !f.save_input.empty() || !f.kernel_trace.empty())) {
    return absl::InvalidArgumentError(
        "--csv, --export-profile, --kernel-trace and --save-input need one device, not 'all'");
  }
  if (!f.kernel_trace.empty() && f.device.rfind("cuda", 0) != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "--kernel-trace traces GPU kernels: it needs --device cuda, not '", f.device, "'"));
  }
  return f;
}

double MsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
      .count();
}

void Progress(const std::string& line) { std::cerr << "[sfbench] " << line << "\n"; }

// Uniform [0,1) float32 noise in the declared shape (a symbolic first dim =
// `rows`, other symbolic dims = 1).
absl::StatusOr<sf::Tensor> NoiseInput(const sf::TensorInfo& info, int64_t rows, std::mt19937& rng) {
  if (info.dtype != sf::DataType::kFloat32) {
    return absl::InvalidArgumentError(
        absl::StrCat("input '", info.name, "' is ", sf::ToString(info.dtype),
                     ": give it with --input (only float32 inputs can be generated)"));
  }
  std::vector<int64_t> dims = info.dims;
  for (size_t i = 0; i < dims.size(); ++i) {
    if (dims[i] < 0) dims[i] = i == 0 ? rows : 1;
  }
  SF_ASSIGN_OR_RETURN(sf::Tensor t, sf::Tensor::Create(sf::DataType::kFloat32, dims, info.name));
  std::uniform_real_distribution<float> uniform(0.0f, 1.0f);
  for (float& v : t.span<float>()) v = uniform(rng);
  return t;
}

// The inputs of every timed run and how they were made.
struct BenchInputs {
  std::map<std::string, sf::Tensor> tensors;
  std::string description;
  int64_t rows_per_sample = 1;  // T for T-major inputs, else 1
};

// "NAME=FILE" or a bare FILE for a model with one input, each cut or repeated
// to --batch samples when given; generated inputs hold --batch samples (1 by
// default) of `rows_per_sample` rows.
absl::StatusOr<BenchInputs> ReadInputs(const Flags& f, const sf::Runtime& rt,
                                       int64_t rows_per_sample) {
  BenchInputs in;
  in.rows_per_sample = rows_per_sample;
  for (const std::string& spec : f.inputs) {
    SF_ASSIGN_OR_RETURN(auto bound, sf::tools::BindFile(spec, rt.InputInfo(), "input"));
    SF_ASSIGN_OR_RETURN(sf::Tensor t, sf::ReadNpy(bound.second));
    if (f.batch > 0) {
      SF_ASSIGN_OR_RETURN(
          t, sf::RepeatSamples(t, rows_per_sample, f.batch, absl::StrCat("input ", bound.first)));
    }
    if (!in.tensors.emplace(bound.first, std::move(t)).second) {
      return absl::InvalidArgumentError(absl::StrCat("input '", bound.first, "' given twice"));
    }
  }
  in.description = f.inputs.empty() ? "uniform[0,1) noise (seed 0)" : absl::StrJoin(f.inputs, " ");
  if (f.batch > 0 && !f.inputs.empty()) {
    absl::StrAppend(&in.description, " (", f.batch, " samples: the first, repeated cyclically)");
  }
  std::mt19937 rng(0);
  for (const sf::TensorInfo& info : rt.InputInfo()) {
    if (in.tensors.contains(info.name)) continue;
    if (!f.inputs.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("no --input for model input '", info.name, "'"));
    }
    SF_ASSIGN_OR_RETURN(sf::Tensor t,
                        NoiseInput(info, std::max<int64_t>(f.batch, 1) * rows_per_sample, rng));
    in.tensors.emplace(info.name, std::move(t));
  }
  return in;
}

// Loads one plan of the model, runs it once cold, and times it. Reads the
// inputs with the first plan (`inputs` empty). Returns the runtime (for its
// device and T).
// Graph replays --kernel-trace records per plan.
constexpr int kTraceReplays = 20;

absl::StatusOr<std::unique_ptr<sf::Runtime>> BenchPlan(const Flags& f, sf::SparseMode mode,
                                                       const std::string& label,
                                                       BenchInputs* inputs, int* iters,
                                                       sf::tools::KernelTracer* tracer,
                                                       sf::tools::PlanBench* bench) {
  bench->label = label;
  sf::Options options;
  options.device = f.device;
  options.sparse = mode;
  options.allow_tf32 = f.tf32;
  options.precision = f.precision;
  options.layout = f.layout;
  options.fuse_neurons = f.fuse;
  options.fuse_elementwise = f.fuse_elementwise;
  options.overlap_branches = f.overlap;
  options.conv_algo_search = f.conv_algo;
  options.tuning_cache = f.tuning_cache;
  auto start = std::chrono::steady_clock::now();
  SF_ASSIGN_OR_RETURN(std::unique_ptr<sf::Runtime> rt, sf::Runtime::Load(f.model, options));
  bench->load_ms = MsSince(start);
  if (inputs->tensors.empty()) {
    int64_t rows_per_sample = f.steps;
    if (rows_per_sample < 1) {
      SF_ASSIGN_OR_RETURN(rows_per_sample, sf::InputRowsPerSample(*rt));
    }
    SF_ASSIGN_OR_RETURN(*inputs, ReadInputs(f, *rt, rows_per_sample));
  }
  const std::map<std::string, sf::Tensor>& tensors = inputs->tensors;
  start = std::chrono::steady_clock::now();
  SF_ASSIGN_OR_RETURN(bench->first_outputs, rt->Run(tensors));
  bench->first_run_ms = MsSince(start);
  if (f.duration_s > 0 && *iters == f.iters) {
    SF_ASSIGN_OR_RETURN(sf::RunTimings probe, rt->TimeRuns(tensors, f.warmup, 3));
    double per_run_us = 0;
    for (size_t i = 0; i < probe.compute_us.size(); ++i) {
      per_run_us += (probe.compute_us[i] + probe.h2d_us[i] + probe.d2h_us[i]) / 3;
    }
    const double wanted = f.duration_s * 1e6 / std::max(per_run_us, 1.0);
    *iters = static_cast<int>(std::clamp<double>(wanted, f.iters, kMaxIters));
  }
  Progress(absl::StrCat(label, " plan: ", f.warmup, " warm-up + ", *iters, " timed runs on ",
                        rt->device()));
  SF_ASSIGN_OR_RETURN(bench->runs, rt->TimeRuns(tensors, f.warmup, *iters));
  sf::tools::SummarizeRuns(*bench);
  if (f.layers) {
    Progress(absl::StrCat(label, " plan: timing each step alone (", f.layer_iters, "x)"));
    SF_ASSIGN_OR_RETURN(bench->layers, rt->ProfileLayers(tensors, f.layer_iters));
  }
  // No hidden shortcut: a run after all the timing (a CUDA graph replay on the
  // GPU) must give the first run's outputs.
  SF_ASSIGN_OR_RETURN(std::vector<sf::Tensor> last, rt->Run(tensors));
  bench->replay_max_diff = sf::tools::MaxOutputDiff(bench->first_outputs, last);
  if (tracer != nullptr) {
    // After all timing, so that CUPTI's hooks cost the measurements nothing.
    Progress(absl::StrCat(label, " plan: tracing the kernels of a step-by-step run and of ",
                          kTraceReplays, " CUDA-graph replays"));
    SF_RETURN_IF_ERROR(tracer->Start());
    // First every step alone, its kernels flushed after it: which step
    // launches which kernels, to split the replay among the steps.
    std::vector<sf::tools::StepLaunches> launches;
    const absl::Status stepped =
        rt->RunStepByStep(tensors, [&](int, const std::string& name) -> absl::Status {
          SF_ASSIGN_OR_RETURN(std::vector<sf::tools::KernelRecord> step, tracer->Flush());
          std::sort(step.begin(), step.end(),
                    [](const sf::tools::KernelRecord& a, const sf::tools::KernelRecord& b) {
                      return a.start_ns < b.start_ns;
                    });
          sf::tools::StepLaunches& l = launches.emplace_back();
          l.step = name;
          for (sf::tools::KernelRecord& k : step) l.kernels.push_back(std::move(k.name));
          return absl::OkStatus();
        });
    // Whatever the step-by-step run left (it stops at an error) goes now, so
    // that the records from here on are the replays' (SummarizeReplays would
    // ignore plain launches anyway).
    absl::Status traced = tracer->Flush().status();
    if (traced.ok()) traced = rt->TimeRuns(tensors, 0, kTraceReplays).status();
    SF_ASSIGN_OR_RETURN(std::vector<sf::tools::KernelRecord> records, tracer->Stop());
    SF_RETURN_IF_ERROR(traced);
    absl::StatusOr<sf::tools::KernelTraceSummary> summary =
        sf::tools::SummarizeReplays(std::move(records));
    if (summary.ok()) {
      bench->trace = *std::move(summary);
      // Not fatal: the replay's kernels stand without their steps.
      if (!stepped.ok()) {
        bench->trace.steps_error = absl::StrCat("the step-by-step run failed: ", stepped.message());
      } else if (auto steps = sf::tools::AttributeToSteps(launches, bench->trace); steps.ok()) {
        bench->trace.steps = *std::move(steps);
      } else {
        bench->trace.steps_error = std::string(steps.status().message());
      }
    } else {
      bench->trace_error = std::string(summary.status().message());
    }
  }
  return rt;
}

// Both plans, then the facts of the run.
absl::Status Bench(const Flags& f, sf::tools::BenchReport* report) {
  report->model = f.model;
  report->label = f.label;
  report->batch = f.batch;
  report->precision = absl::StrCat(sf::ToString(f.precision), f.tf32 ? "+tf32" : "");
  report->layout = std::string(sf::ToString(f.layout));
  report->fuse_neurons = f.fuse;
  report->overlap_branches = f.overlap;
  report->warmup = f.warmup;
  report->layer_iters = f.layers ? f.layer_iters : 0;
  BenchInputs inputs;
  int iters = f.iters;
  std::unique_ptr<sf::tools::KernelTracer> tracer;
  if (!f.kernel_trace.empty()) {
    SF_ASSIGN_OR_RETURN(tracer, sf::tools::KernelTracer::Create());
  }
  SF_ASSIGN_OR_RETURN(std::unique_ptr<sf::Runtime> rt,
                      BenchPlan(f, sf::SparseMode::kAuto, "sparseflow", &inputs, &iters,
                                tracer.get(), &report->sparse));
  report->device = rt->device();
  const int64_t model_steps = rt->NeuronSteps();
  const sf::Tensor& first = inputs.tensors.at(rt->InputInfo().front().name);
  rt.reset();  // free its device memory before the dense plan loads
  if (!f.save_input.empty()) SF_RETURN_IF_ERROR(sf::WriteNpy(f.save_input, first));
  SF_RETURN_IF_ERROR(
      BenchPlan(f, sf::SparseMode::kOff, "dense", &inputs, &iters, tracer.get(), &report->dense)
          .status());
  report->plans_max_diff =
      sf::tools::MaxOutputDiff(report->sparse.first_outputs, report->dense.first_outputs);
  report->input = inputs.description;
  report->iters = iters;
  report->input_dims = first.dims();
  report->steps = f.steps > 0 ? f.steps : model_steps;
  report->rows_per_sample = inputs.rows_per_sample;
  const int64_t rows = first.rank() > 0 ? first.dim(0) : 1;
  report->samples = rows / std::max<int64_t>(inputs.rows_per_sample, 1);
  return absl::OkStatus();
}

// --device all: the model on every GPU against one GPU on the same batch.
absl::Status BenchScaling(const Flags& f, sf::tools::ScalingReport* report) {
  report->model = f.model;
  report->warmup = f.warmup;
  report->iters = f.iters;
  sf::Options options;
  options.allow_tf32 = f.tf32;
  options.precision = f.precision;
  options.layout = f.layout;
  options.conv_algo_search = f.conv_algo;
  options.tuning_cache = f.tuning_cache;
  options.overlap_branches = f.overlap;
  SF_ASSIGN_OR_RETURN(auto set, sf::ReplicaSet::LoadOnAllGpus(f.model, options));
  SF_ASSIGN_OR_RETURN(BenchInputs inputs, ReadInputs(f, set->replica(0), set->steps()));
  report->input = inputs.description;
  report->input_dims = inputs.tensors.at(set->replica(0).InputInfo().front().name).dims();
  Progress(absl::StrCat(f.warmup, " warm-up + ", f.iters, " timed runs on ",
                        absl::StrJoin(set->devices(), ", "), " alone and together"));
  return sf::tools::MeasureScaling(*set, inputs.tensors, f.warmup, f.iters, report);
}

int RunScaling(const Flags& f) {
  sf::tools::ScalingReport report;
  absl::Status s = BenchScaling(f, &report);
  if (!s.ok()) return sf::tools::Fail(s);
  std::cout << sf::tools::FormatScalingConsole(report);
  if (!f.json.empty()) {
    absl::Status w = sf::WriteFileAtomically(f.json, sf::tools::FormatScalingJson(report));
    if (!w.ok()) return sf::tools::Fail(w);
  }
  return 0;
}

int Run(const Flags& flags) {
  spdlog::set_level(flags.verbose ? spdlog::level::debug : spdlog::level::warn);
  if (flags.device == "all") return RunScaling(flags);

  sf::tools::BenchReport report;
  absl::Status s = Bench(flags, &report);
  if (!s.ok()) return sf::tools::Fail(s);
  std::cout << sf::tools::FormatConsole(report);
  for (const std::string& w : sf::tools::VariationWarnings(report)) std::cerr << w << "\n";
  for (const std::string& w : sf::tools::LayerSumWarnings(report)) std::cerr << w << "\n";
  const std::pair<const std::string*, std::string> files[] = {
      {&flags.json, flags.json.empty() ? "" : sf::tools::FormatJson(report)},
      {&flags.csv, flags.csv.empty() ? "" : sf::tools::FormatCsv(report)},
      {&flags.profile, flags.profile.empty() ? "" : sf::tools::FormatProfileJson(report)},
      {&flags.kernel_trace,
       flags.kernel_trace.empty() ? "" : sf::tools::FormatKernelTraceFile(report)}};
  for (const auto& [path, text] : files) {
    if (path->empty()) continue;
    absl::Status w = sf::WriteFileAtomically(*path, text);
    if (!w.ok()) return sf::tools::Fail(w);
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return sf::tools::RunTool<Flags>(argc, argv, "sfbench", kUsage, ParseFlags, Run);
}
