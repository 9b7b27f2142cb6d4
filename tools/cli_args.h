// Command-line parsing shared by sfrun and sfbench: "--flag value" and
// "--flag=value" forms, switches, positionals; and the parsers of shared values.
#ifndef SF_TOOLS_CLI_ARGS_H_
#define SF_TOOLS_CLI_ARGS_H_

#include <cstdint>
#include <exception>
#include <iostream>
#include <map>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "runtime/plan.h"
#include "runtime/version.h"
#include "sf/runtime.h"

namespace sf::tools {

// Walks argv once. Each call tries to consume the current argument; the first that
// matches advances. A flag missing its value sets status() to an error.
class ArgReader {
 public:
  ArgReader(int argc, char** argv) : argc_(argc), argv_(argv) {}
  bool done() const { return i_ >= argc_ || !status_.ok(); }
  const char* current() const { return i_ < argc_ ? argv_[i_] : ""; }
  const absl::Status& status() const { return status_; }

  bool Flag(const std::string& name, std::string* value);
  bool Switch(const std::string& name);
  // A non-flag argument (not starting with '-').
  bool Positional(std::string* value);
  // For the last branch of a parse loop: takes the current argument as the one
  // positional MODEL; a second positional or an unknown flag is an error.
  absl::Status TakeModel(std::string* model);

 private:
  int argc_;
  char** argv_;
  int i_ = 1;
  absl::Status status_;
};

absl::StatusOr<SparseMode> ParseSparseMode(const std::string& text);
// --device: a device the runtime can spell (IsDeviceSpelling, runtime/device.h),
// and "all" where `allow_all`; returns the text. Only the spelling: whether that
// GPU exists is the runtime's to say (exit 1), a misspelling is a usage error.
absl::StatusOr<std::string> ParseDeviceFlag(const std::string& text, bool allow_all);
// --precision: "fp32" or "fp16".
absl::StatusOr<Precision> ParsePrecisionFlag(const std::string& text);
// --layout: "nchw" or "nhwc".
absl::StatusOr<Layout> ParseLayoutFlag(const std::string& text);
// --conv-algo: "timed" (cuDNN's algorithms timed on the device, the fastest
// kept: the default), "heuristic" (cuDNN's heuristic: no timing, so the same
// choice in every process, like ONNX Runtime's cudnn_conv_algo_search=HEURISTIC)
// or "gemm" (timed among the sum-of-products algorithms only: no Winograd/FFT).
absl::StatusOr<ConvAlgoSearch> ParseConvAlgoFlag(const std::string& text);
// A --input/--output value: FILE or NAME=FILE with a file name (a usage error
// when empty or ending in '=').
absl::Status CheckFileSpec(const std::string& flag, const std::string& spec);
// "NAME=FILE" binds the model input/output NAME (`what`: "input"/"output") to
// FILE; a bare FILE, or a spec that is an existing file (so paths may contain
// '='), binds the model's only one. Returns (name, file).
absl::StatusOr<std::pair<std::string, std::string>> BindFile(const std::string& spec,
                                                            const std::vector<TensorInfo>& infos,
                                                            const char* what);
// A count flag (--iters, --runs, ...): a whole number in [min, max], else
// "FLAG must be an integer in MIN..MAX, not 'TEXT'".
absl::StatusOr<int64_t> ParseCountFlag(const std::string& flag, const std::string& text,
                                       int64_t min, int64_t max);
// "conv_3=8" -> overrides["conv_3"] = 8.
absl::Status ParseBlockOverride(const std::string& text, std::map<std::string, int>* overrides);

// Prints "error: <message>" on stderr; returns exit status 1.
int Fail(const absl::Status& s);

// Sends the runtime's log lines (spdlog's default logger, -v) to stderr, so
// that stdout carries only what the tool prints as its result.
void LogToStderr();

// The frame both tools share: --help/-h and --version anywhere print and exit 0;
// a flag error prints "error: ..." and the usage, exit 2; then `run(flags)`,
// whose exceptions become "error: internal failure: ...", exit 1.
template <typename Flags>
int RunTool(int argc, char** argv, const char* name, const char* usage,
            absl::StatusOr<Flags> (*parse)(int, char**), int (*run)(const Flags&)) {
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--help" || a == "-h") {
      std::cout << usage;
      return 0;
    }
    if (a == "--version") {
      std::cout << name << " " << VersionString() << "\n";
      return 0;
    }
  }
  std::string model;
  try {
    absl::StatusOr<Flags> flags = parse(argc, argv);
    if (!flags.ok()) {
      std::cerr << "error: " << flags.status().message() << "\n" << usage;
      return 2;
    }
    LogToStderr();
    model = flags->model;
    return run(*flags);
  } catch (const std::bad_alloc& e) {
    std::cerr << "error: " << model
              << ": out of memory: the model's tensors need more memory than this machine "
                 "gives ("
              << e.what() << ")\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "error: " << model << ": internal failure: " << e.what() << "\n";
    return 1;
  }
}

}  // namespace sf::tools

#endif  // SF_TOOLS_CLI_ARGS_H_
