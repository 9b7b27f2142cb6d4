// The numbers sfbench measures and their renderings: the console tables, the
// --json report, the --csv per-conv table and the --export-profile per-layer
// JSON. Pure formatting; no timing happens here. Units: microseconds unless
// a field name says otherwise.
#ifndef SF_TOOLS_BENCH_REPORT_H_
#define SF_TOOLS_BENCH_REPORT_H_

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "runtime/latency_stats.h"
#include "sf/runtime.h"

namespace sf::tools {

// Timings of one plan (the SparseFlow plan or the all-cuDNN plan).
struct PlanBench {
  std::string label;  // "sparseflow" / "dense"
  double load_ms = 0;       // Runtime::Load: import, verify, analyse
  double first_run_ms = 0;  // first Run: planning, algorithm search, arena, the run
  RunTimings runs;
  LatencyStats compute, h2d, d2h, total, graph;  // total = h2d + compute + d2h per run
  std::vector<LayerProfile> layers;              // empty when not profiled
};

struct BenchReport {
  std::string model;
  std::string device;     // resolved ("cuda:0", "cpu")
  std::string precision;  // "fp32"
  std::string layout;     // "nchw" / "nhwc" (Options::layout of both plans)
  std::string input;      // the .npy, or how the input was made
  std::vector<int64_t> input_dims;
  int64_t steps = 0;  // T used to turn rows into samples (0: unknown, samples = rows)
  int64_t samples = 0;
  int warmup = 0, iters = 0, layer_iters = 0;
  PlanBench sparse, dense;
};

// Fills compute/h2d/d2h/total/graph from `runs`.
void SummarizeRuns(PlanBench& bench);
// Warnings about run-to-run variation (empty when none), one line each.
std::vector<std::string> VariationWarnings(const BenchReport& report);

std::string FormatConsole(const BenchReport& report);
std::string FormatJson(const BenchReport& report);
std::string FormatCsv(const BenchReport& report);
// Every step of both plans with its time and occupancy, as JSON.
std::string FormatProfileJson(const BenchReport& report);

// JSON pieces shared by the reports: a quoted, escaped string; a number (null
// when not finite); an array of integers; all of a LatencyStats (null when empty).
std::string JsonString(absl::string_view s);
std::string JsonNumber(double v);
std::string JsonInts(const std::vector<int64_t>& v);
std::string StatsJson(const LatencyStats& s);

}  // namespace sf::tools

#endif  // SF_TOOLS_BENCH_REPORT_H_
