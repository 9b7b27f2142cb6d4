#include "tools/cli_args.h"

#include <filesystem>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "runtime/device.h"
#include "spdlog/sinks/stdout_color_sinks.h"
#include "spdlog/spdlog.h"

namespace sf::tools {

bool ArgReader::Flag(const std::string& name, std::string* value) {
  if (done()) return false;
  std::string arg = argv_[i_];
  if (arg == name) {
    if (i_ + 1 >= argc_) {
      // Not taken: the parse loop falls through to TakeModel, which returns this.
      status_ = absl::InvalidArgumentError(absl::StrCat(name, " needs a value"));
      return false;
    }
    *value = argv_[i_ + 1];
    i_ += 2;
    return true;
  }
  if (arg.rfind(name + "=", 0) == 0) {
    *value = arg.substr(name.size() + 1);
    ++i_;
    return true;
  }
  return false;
}

bool ArgReader::Switch(const std::string& name) {
  if (done() || name != argv_[i_]) return false;
  ++i_;
  return true;
}

bool ArgReader::Positional(std::string* value) {
  if (done() || argv_[i_][0] == '-') return false;
  *value = argv_[i_++];
  return true;
}

absl::Status ArgReader::TakeModel(std::string* model) {
  if (!status_.ok()) return status_;
  std::string value;
  if (!Positional(&value)) {
    return absl::InvalidArgumentError(absl::StrCat("unknown flag '", current(), "'"));
  }
  if (!model->empty()) {
    return absl::InvalidArgumentError(absl::StrCat("unexpected argument '", value, "'"));
  }
  *model = value;
  return absl::OkStatus();
}

int Fail(const absl::Status& s) {
  std::cerr << "error: " << s.message() << "\n";
  return 1;
}

absl::StatusOr<SparseMode> ParseSparseMode(const std::string& text) {
  if (text == "auto") return SparseMode::kAuto;
  if (text == "on") return SparseMode::kOn;
  if (text == "off") return SparseMode::kOff;
  return absl::InvalidArgumentError(
      absl::StrCat("--sparse must be auto, on or off, not '", text, "'"));
}

absl::StatusOr<Precision> ParsePrecisionFlag(const std::string& text) {
  absl::StatusOr<Precision> p = ParsePrecision(text);
  if (!p.ok()) return absl::InvalidArgumentError(absl::StrCat("--", p.status().message()));
  return p;
}

absl::StatusOr<Layout> ParseLayoutFlag(const std::string& text) {
  absl::StatusOr<Layout> l = ParseLayout(text);
  if (!l.ok()) return absl::InvalidArgumentError(absl::StrCat("--", l.status().message()));
  return l;
}

void LogToStderr() {
  if (spdlog::get("sparseflow") != nullptr) return;  // already (a second tool run in-process)
  std::shared_ptr<spdlog::logger> logger = spdlog::stderr_color_mt("sparseflow");
  logger->set_level(spdlog::default_logger()->level());
  spdlog::set_default_logger(std::move(logger));
}

absl::StatusOr<std::string> ParseDeviceFlag(const std::string& text, bool allow_all) {
  if (IsDeviceSpelling(text) || (allow_all && text == "all")) return text;
  return absl::InvalidArgumentError(absl::StrCat("--device must be auto, cpu, cuda, cuda:N",
                                                 allow_all ? " or all" : "", ", not '", text, "'"));
}

absl::StatusOr<ConvAlgoSearch> ParseConvAlgoFlag(const std::string& text) {
  if (text == "timed") return ConvAlgoSearch::kTimed;
  if (text == "heuristic") return ConvAlgoSearch::kHeuristic;
  if (text == "gemm") return ConvAlgoSearch::kTimedGemm;
  return absl::InvalidArgumentError(
      absl::StrCat("--conv-algo must be timed, heuristic or gemm, not '", text, "'"));
}

absl::StatusOr<std::pair<std::string, std::string>> BindFile(const std::string& spec,
                                                            const std::vector<TensorInfo>& infos,
                                                            const char* what) {
  const size_t eq = spec.find('=');
  std::error_code ec;
  if (eq != std::string::npos && !std::filesystem::exists(spec, ec)) {
    std::string name = spec.substr(0, eq);
    for (const TensorInfo& info : infos) {
      if (info.name == name) return std::make_pair(name, spec.substr(eq + 1));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("--", what, " ", spec, ": the model has no ", what, " named '", name, "'"));
  }
  if (infos.size() != 1) {
    return absl::InvalidArgumentError(absl::StrCat("the model has ", infos.size(), " ", what,
                                                   "s: use --", what, " NAME=FILE"));
  }
  return std::make_pair(infos[0].name, spec);
}

absl::Status CheckFileSpec(const std::string& flag, const std::string& spec) {
  if (spec.empty() || spec.back() == '=') {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " needs a file name (FILE or NAME=FILE), not '", spec, "'"));
  }
  return absl::OkStatus();
}

absl::StatusOr<int64_t> ParseCountFlag(const std::string& flag, const std::string& text,
                                       int64_t min, int64_t max) {
  int64_t v = 0;
  if (!absl::SimpleAtoi(text, &v) || v < min || v > max) {
    return absl::InvalidArgumentError(
        absl::StrCat(flag, " must be an integer in ", min, "..", max, ", not '", text, "'"));
  }
  return v;
}

absl::Status ParseBlockOverride(const std::string& text, std::map<std::string, int>* overrides) {
  const size_t eq = text.rfind('=');
  int edge = -1;
  if (eq == std::string::npos || eq == 0 || !absl::SimpleAtoi(text.substr(eq + 1), &edge) ||
      edge < 0 || edge > 64) {
    return absl::InvalidArgumentError(
        absl::StrCat("--block expects CONV_NAME=EDGE with 0 <= EDGE <= 64, not '", text, "'"));
  }
  (*overrides)[text.substr(0, eq)] = edge;
  return absl::OkStatus();
}

}  // namespace sf::tools
