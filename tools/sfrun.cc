// sfrun: load an ONNX SNN, plan it, run it on .npy inputs.
// Contract: ../shared/spec/cli-and-plan.md. Exit 0 ok, 2 usage error, 1 failure;
// failures print one line starting with "error:" on stderr.
#include <cstdio>
#include <exception>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "graph/status.h"
#include "runtime/file_util.h"
#include "runtime/npy.h"
#include "runtime/version.h"
#include "sf/replicas.h"
#include "sf/runtime.h"
#include "spdlog/spdlog.h"
#include "tools/cli_args.h"

namespace {

constexpr char kUsage[] =
    "usage: sfrun MODEL.onnx --input FILE.npy [--input NAME=FILE.npy ...]\n"
    "             [--output FILE.npy | --output NAME=FILE.npy ...]\n"
    "             [--device auto|cpu|cuda|cuda:N|all] [--sparse auto|on|off]\n"
    "             [--plan] [--plan-json FILE] [--plan-only] [--tf32]\n"
    "             [--precision fp32|fp16] [--layout nchw|nhwc] [--no-fuse] [--no-overlap]\n"
    "             [--no-fuse-elementwise] [--conv-algo timed|heuristic|gemm] [--runs N]\n"
    "             [--tuning-cache FILE]\n"
    "             [--block-rule MIN_H:BLOCK,...] [--block CONV_NAME=EDGE ...]\n"
    "             [-v|--verbose] [--version] [--help]\n";

struct Flags {
  std::string model;
  std::vector<std::string> inputs;
  std::vector<std::string> outputs;
  sf::Options options;
  bool plan = false;
  bool plan_only = false;
  std::string plan_json;
  int runs = 1;  // --runs: the model runs this many times; the last run's outputs count
  bool verbose = false;
};

// The most --runs allows: a check of run-to-run state, not a benchmark (sfbench).
constexpr int kMaxRuns = 1000;

absl::StatusOr<Flags> ParseFlags(int argc, char** argv) {
  sf::tools::ArgReader args(argc, argv);
  Flags f;
  while (!args.done()) {
    std::string value;
    if (args.Flag("--input", &value)) {
      SF_RETURN_IF_ERROR(sf::tools::CheckFileSpec("--input", value));
      f.inputs.push_back(value);
    } else if (args.Flag("--output", &value)) {
      SF_RETURN_IF_ERROR(sf::tools::CheckFileSpec("--output", value));
      f.outputs.push_back(value);
    } else if (args.Flag("--device", &value)) {
      SF_ASSIGN_OR_RETURN(f.options.device, sf::tools::ParseDeviceFlag(value, /*allow_all=*/true));
    } else if (args.Flag("--sparse", &value)) {
      SF_ASSIGN_OR_RETURN(f.options.sparse, sf::tools::ParseSparseMode(value));
    } else if (args.Flag("--precision", &value)) {
      SF_ASSIGN_OR_RETURN(f.options.precision, sf::tools::ParsePrecisionFlag(value));
    } else if (args.Flag("--layout", &value)) {
      SF_ASSIGN_OR_RETURN(f.options.layout, sf::tools::ParseLayoutFlag(value));
    } else if (args.Flag("--conv-algo", &value)) {
      SF_ASSIGN_OR_RETURN(f.options.conv_algo_search, sf::tools::ParseConvAlgoFlag(value));
    } else if (args.Flag("--tuning-cache", &value)) {
      if (value.empty()) return absl::InvalidArgumentError("--tuning-cache needs a file name");
      f.options.tuning_cache = value;
    } else if (args.Flag("--runs", &value)) {
      SF_ASSIGN_OR_RETURN(const int64_t runs,
                          sf::tools::ParseCountFlag("--runs", value, 1, kMaxRuns));
      f.runs = static_cast<int>(runs);
    } else if (args.Flag("--plan-json", &value)) {
      if (value.empty()) return absl::InvalidArgumentError("--plan-json needs a file name");
      f.plan_json = value;
    } else if (args.Flag("--block-rule", &value)) {
      SF_ASSIGN_OR_RETURN(f.options.block_rule, sf::BlockRule::Parse(value));
    } else if (args.Flag("--block", &value)) {
      SF_RETURN_IF_ERROR(sf::tools::ParseBlockOverride(value, &f.options.block_overrides));
    } else if (args.Switch("--plan")) {
      f.plan = true;
    } else if (args.Switch("--plan-only")) {
      f.plan_only = true;
    } else if (args.Switch("--tf32")) {
      f.options.allow_tf32 = true;
    } else if (args.Switch("--no-fuse")) {
      f.options.fuse_neurons = false;
      f.options.fuse_elementwise = false;
    } else if (args.Switch("--no-fuse-elementwise")) {
      f.options.fuse_elementwise = false;
    } else if (args.Switch("--no-overlap")) {
      f.options.overlap_branches = false;
    } else if (args.Switch("-v") || args.Switch("--verbose")) {
      f.verbose = true;
    } else {
      SF_RETURN_IF_ERROR(args.TakeModel(&f.model));
    }
    SF_RETURN_IF_ERROR(args.status());
  }
  if (f.model.empty()) return absl::InvalidArgumentError("no model given");
  if (f.inputs.empty() && !f.plan_only) {
    return absl::InvalidArgumentError("no --input given (needed unless --plan-only)");
  }
  return f;
}

// Binds every --input/--output spec to a model input/output name (see BindFile).
absl::StatusOr<std::map<std::string, std::string>> BindFiles(
    const std::vector<std::string>& specs, const std::vector<sf::TensorInfo>& infos,
    const char* what) {
  std::map<std::string, std::string> bound;
  for (const std::string& spec : specs) {
    SF_ASSIGN_OR_RETURN(auto name_file, sf::tools::BindFile(spec, infos, what));
    if (!bound.insert(name_file).second) {
      return absl::InvalidArgumentError(absl::StrCat(what, " '", name_file.first, "' given twice"));
    }
  }
  return bound;
}

absl::StatusOr<sf::Tensor> ToFloat32(const sf::Tensor& t, const std::string& name) {
  if (t.dtype() == sf::DataType::kFloat32) return t;
  SF_ASSIGN_OR_RETURN(sf::Tensor out, sf::Tensor::Create(sf::DataType::kFloat32, t.dims(), name));
  float* dst = out.data<float>();
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    switch (t.dtype()) {
      case sf::DataType::kFloat64:
        dst[i] = static_cast<float>(t.data<double>()[i]);
        break;
      case sf::DataType::kInt64:
        dst[i] = static_cast<float>(t.data<int64_t>()[i]);
        break;
      case sf::DataType::kInt32:
        dst[i] = static_cast<float>(t.data<int32_t>()[i]);
        break;
      case sf::DataType::kInt8:
        dst[i] = static_cast<float>(t.data<int8_t>()[i]);
        break;
      case sf::DataType::kUInt8:
        dst[i] = static_cast<float>(t.data<uint8_t>()[i]);
        break;
      case sf::DataType::kBool:
        dst[i] = t.data<bool>()[i] ? 1.0f : 0.0f;
        break;
      default:
        return absl::UnimplementedError(absl::StrCat("output '", name, "' has dtype ",
                                                     sf::ToString(t.dtype()),
                                                     ", which cannot be written as float32"));
    }
  }
  return out;
}

// `t32` is the output converted to float32; `dtype` is the model's own.
void PrintSummary(const std::string& name, sf::DataType dtype, const sf::Tensor& t32) {
  std::string line =
      absl::StrCat(name, ": ", sf::ShapeToString(t32.dims()), " ", sf::ToString(dtype));
  auto v = t32.span<const float>();
  if (!v.empty()) {
    double sum = 0;
    float lo = v[0], hi = v[0];
    for (float x : v) {
      lo = std::min(lo, x);
      hi = std::max(hi, x);
      sum += x;
    }
    absl::StrAppendFormat(&line, "  min=%g max=%g mean=%g", lo, hi, sum / v.size());
    if (t32.rank() >= 1 && t32.dim(0) > 0) {
      // A rank-1 output is one row; otherwise rows run along dim 0.
      const int64_t rows = t32.rank() == 1 ? 1 : t32.dim(0), cols = t32.num_elements() / rows;
      auto argmax = [&](int64_t r) {
        int64_t best = 0;
        for (int64_t c = 1; c < cols; ++c) {
          if (v[r * cols + c] > v[r * cols + best]) best = c;
        }
        return best;
      };
      absl::StrAppend(&line, "  argmax(row 0)=", argmax(0));
      if (t32.rank() == 2 && cols > 1) {
        absl::StrAppend(&line, "\n  argmax per row:");
        for (int64_t r = 0; r < std::min<int64_t>(rows, 64); ++r)
          absl::StrAppend(&line, " ", argmax(r));
        if (rows > 64) absl::StrAppend(&line, " ...");
      }
    }
  }
  std::cout << line << "\n";
}

// The model on one device, or with --device all one replica per GPU (a batch
// split across them by sample, outputs as one device gives them).
struct LoadedModel {
  std::unique_ptr<sf::Runtime> runtime;
  std::unique_ptr<sf::ReplicaSet> replicas;
  // Answers for the model (inputs, outputs, plan, last profile): the first replica's.
  sf::Runtime& first() { return replicas ? replicas->replica(0) : *runtime; }
  absl::StatusOr<std::vector<sf::Tensor>> Run(const std::map<std::string, sf::Tensor>& inputs) {
    return replicas ? replicas->Run(inputs) : runtime->Run(inputs);
  }
};

absl::StatusOr<LoadedModel> LoadModel(const Flags& flags) {
  LoadedModel m;
  if (flags.options.device == "all") {
    SF_ASSIGN_OR_RETURN(m.replicas, sf::ReplicaSet::LoadOnAllGpus(flags.model, flags.options));
  } else {
    SF_ASSIGN_OR_RETURN(m.runtime, sf::Runtime::Load(flags.model, flags.options));
  }
  return m;
}

int Run(const Flags& flags) {
  spdlog::set_level(flags.verbose ? spdlog::level::debug : spdlog::level::warn);

  auto model = LoadModel(flags);
  if (!model.ok()) return sf::tools::Fail(model.status());
  sf::Runtime& rt = model->first();

  auto input_files = BindFiles(flags.inputs, rt.InputInfo(), "input");
  if (!input_files.ok()) return sf::tools::Fail(input_files.status());
  std::map<std::string, sf::Tensor> inputs;
  std::map<std::string, std::vector<int64_t>> input_dims;
  for (const auto& [name, file] : *input_files) {
    auto t = sf::ReadNpy(file);
    if (!t.ok()) return sf::tools::Fail(t.status());
    input_dims[name] = t->dims();
    inputs.emplace(name, *std::move(t));
  }
  if (!flags.plan_only) {
    for (const sf::TensorInfo& info : rt.InputInfo()) {
      if (!inputs.contains(info.name)) {
        return sf::tools::Fail(absl::InvalidArgumentError(
            absl::StrCat("no --input for model input '", info.name, "'")));
      }
    }
  }
  auto output_files = BindFiles(flags.outputs, rt.OutputInfo(), "output");
  if (!output_files.ok()) return sf::tools::Fail(output_files.status());

  // Every file this run writes (the plan JSON and the outputs) is written at the
  // end, all or none: a run that fails leaves no file behind.
  std::vector<sf::FileContents> to_write;
  if (flags.plan || flags.plan_only || !flags.plan_json.empty() || flags.verbose) {
    auto plan = rt.GetPlan(input_dims);
    if (!plan.ok()) return sf::tools::Fail(plan.status());
    if (flags.plan || (flags.plan_only && flags.plan_json.empty())) {
      std::cout << sf::PlanToTable(*plan);
    } else if (flags.verbose) {
      std::cerr << sf::PlanToTable(*plan);
    }
    if (!flags.plan_json.empty()) to_write.push_back({flags.plan_json, sf::PlanToJson(*plan)});
    if (flags.plan_only) {
      absl::Status s = sf::WriteFilesAtomically(to_write);
      return s.ok() ? 0 : sf::tools::Fail(s);
    }
  }

  // Runs after the first see what it left behind (cuDNN's chosen algorithms,
  // auto's kernel choices, spike-occupancy links, CUDA graphs): --runs N shows
  // the outputs of a model that has warmed up.
  auto outputs = model->Run(inputs);
  for (int run = 1; run < flags.runs && outputs.ok(); ++run) outputs = model->Run(inputs);
  if (!outputs.ok()) return sf::tools::Fail(outputs.status());
  const auto& infos = rt.OutputInfo();

  // Convert (and serialise) everything before writing anything.
  std::vector<sf::Tensor> as_float;
  for (size_t i = 0; i < infos.size(); ++i) {
    auto t32 = ToFloat32((*outputs)[i], infos[i].name);
    if (!t32.ok()) return sf::tools::Fail(t32.status());
    auto it = output_files->find(infos[i].name);
    if (it != output_files->end()) {
      auto bytes = sf::SerializeNpy(*t32);
      if (!bytes.ok()) return sf::tools::Fail(bytes.status());
      to_write.push_back({it->second, *std::move(bytes)});
    }
    as_float.push_back(*std::move(t32));
  }
  if (absl::Status s = sf::WriteFilesAtomically(to_write); !s.ok()) return sf::tools::Fail(s);
  if (output_files->empty()) {
    for (size_t i = 0; i < infos.size(); ++i) {
      PrintSummary(infos[i].name, (*outputs)[i].dtype(), as_float[i]);
    }
  }
  if (flags.verbose) {
    for (const sf::NodeTiming& t : rt.LastProfile()) {
      spdlog::debug("{:<32} {:<20} {:<7} block={:<3} {:10.1f} us", t.name,
                    std::string(sf::ToString(t.op)), t.kernel, t.block, t.microseconds);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return sf::tools::RunTool<Flags>(argc, argv, "sfrun", kUsage, ParseFlags, Run);
}
