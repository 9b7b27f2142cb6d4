// The numbers sfbench measures and their renderings: the console tables, the
// --json report, the --csv per-conv table and the --export-profile per-layer
// JSON. Pure formatting; no timing happens here. Units: microseconds unless
// a field name says otherwise.
#ifndef SF_TOOLS_BENCH_REPORT_H_
#define SF_TOOLS_BENCH_REPORT_H_

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "runtime/latency_stats.h"
#include "sf/runtime.h"
#include "tools/kernel_trace.h"

namespace sf::tools {

// Timings of one plan (the SparseFlow plan or the all-cuDNN plan).
struct PlanBench {
  std::string label;        // "sparseflow" / "dense"
  double load_ms = 0;       // Runtime::Load: import, verify, analyse
  double first_run_ms = 0;  // first Run: planning, algorithm search, arena, the run
  RunTimings runs;
  LatencyStats compute, h2d, d2h, total, graph;  // total = h2d + compute + d2h per run
  std::vector<LayerProfile> layers;              // empty when not profiled
  // Outputs of the first (cold) run, and the largest |difference| of any
  // output element between it and a run after all timing (on the GPU a CUDA
  // graph replay): 0 when the timed runs computed what the first did; -1 not
  // checked. Non-float outputs count as 0 or infinity (bytes equal or not).
  std::vector<Tensor> first_outputs;
  double replay_max_diff = -1;
  // --kernel-trace: the kernels of one traced CUDA-graph replay (kernels 0:
  // not traced), or why the trace gave none.
  KernelTraceSummary trace;
  std::string trace_error;
};

struct BenchReport {
  std::string model;
  std::string device;     // resolved ("cuda:0", "cpu")
  std::string precision;  // "fp32"
  std::string layout;     // "nchw" / "nhwc" (Options::layout of both plans)
  // Options::fuse_neurons and overlap_branches of both plans (--no-fuse,
  // --no-overlap clear them).
  bool fuse_neurons = true, overlap_branches = true;
  std::string input;  // the .npy, or how the input was made
  std::string label;  // --label: what the numbers are of ("random weights: ...")
  int64_t batch = 0;  // samples per run asked for with --batch (0: the input's own)
  std::vector<int64_t> input_dims;
  int64_t steps = 0;            // T: the model's neuron steps (or --steps); 0 without neurons
  int64_t rows_per_sample = 1;  // input rows per sample: T when T-major, 1 when not
  int64_t samples = 0;          // samples per run: input rows / rows_per_sample
  int warmup = 0, iters = 0, layer_iters = 0;
  PlanBench sparse, dense;
  // Largest |difference| between the two plans' first-run outputs (-1: not
  // compared); they differ only by float rounding (and the spikes it flips).
  double plans_max_diff = -1;
};

// The largest |a - b| over the elements of two output lists (float32 and
// float16 by value, other types by bytes: 0 or infinity); infinity when the
// lists or their shapes or types differ.
double MaxOutputDiff(const std::vector<Tensor>& a, const std::vector<Tensor>& b);

// Fills compute/h2d/d2h/total/graph from `runs`.
void SummarizeRuns(PlanBench& bench);
// Warnings about run-to-run variation (empty when none), one line each.
std::vector<std::string> VariationWarnings(const BenchReport& report);
// A WARNING per plan whose outputs after timing differ from its first run's.
std::vector<std::string> OutputWarnings(const BenchReport& report);

// Where a plan's time goes by the per-step medians (each step timed alone):
// convs (whichever kernel ran; prescans of the convs that ran sparse are
// inside conv_us and also in prescan_us), spiking neurons, everything else.
struct LayerTotals {
  double all_us = 0, conv_us = 0, prescan_us = 0, neuron_us = 0;
  // The steps' tensor traffic (LayerProfile::read_bytes, written_bytes).
  int64_t read_bytes = 0, written_bytes = 0;
  double other_us() const { return std::max(0.0, all_us - conv_us - neuron_us); }
  double share(double us) const { return all_us > 0 ? us / all_us : 0; }
};
LayerTotals SumLayers(const std::vector<LayerProfile>& layers);

// The per-step medians summed over ALL steps against the whole model's compute
// p50: "no hidden work" holds when they agree within kLayerSumTolerance. The
// reference is the CUDA-graph replay where it was measured (each step alone is
// timed in graph replay too), else the plain launches.
inline constexpr double kLayerSumTolerance = 0.10;
struct LayerSumCheck {
  bool measured = false;  // layers profiled and a compute p50 > 0
  double sum_us = 0;
  double plain_p50_us = 0;  // compute p50, plain launches
  double graph_p50_us = 0;  // compute p50, CUDA-graph replay; 0 when not measured
  double reference_us = 0;  // graph_p50_us when measured, else plain_p50_us
  double ratio = 0;         // sum_us / reference_us
  bool within() const { return !measured || std::abs(ratio - 1) <= kLayerSumTolerance; }
};
LayerSumCheck CheckLayerSum(const PlanBench& bench);
// One "WARNING: ..." line per plan whose check fails, naming the biggest
// contributors: the launch overhead graph replay removes, the time in no step,
// the largest steps, and the steps least stable alone (median far above min).
std::vector<std::string> LayerSumWarnings(const BenchReport& report);

std::string FormatConsole(const BenchReport& report);
std::string FormatJson(const BenchReport& report);
std::string FormatCsv(const BenchReport& report);
// Every step of both plans with its time and occupancy, as JSON.
std::string FormatProfileJson(const BenchReport& report);
// --kernel-trace FILE: both plans' traced replays, kernel by kernel (text).
std::string FormatKernelTraceFile(const BenchReport& report);

// JSON pieces shared by the reports: a quoted, escaped string; a number (null
// when not finite); an array of integers; all of a LatencyStats (null when empty).
using ::sf::JsonString;  // runtime/plan.h
std::string JsonNumber(double v);
std::string JsonInts(const std::vector<int64_t>& v);
std::string StatsJson(const LatencyStats& s);

}  // namespace sf::tools

#endif  // SF_TOOLS_BENCH_REPORT_H_
