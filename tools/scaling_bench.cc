#include "tools/scaling_bench.h"

#include <algorithm>
#include <chrono>
#include <functional>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "graph/status.h"
#include "tools/bench_report.h"

namespace sf::tools {
namespace {

// At least one untimed call (so first-run planning is never timed), then
// `iters` timed ones; microseconds.
absl::StatusOr<LatencyStats> TimeCalls(const std::function<absl::Status()>& call, int warmup,
                                       int iters) {
  for (int i = 0; i < std::max(warmup, 1); ++i) SF_RETURN_IF_ERROR(call());
  std::vector<double> us;
  us.reserve(static_cast<size_t>(std::max(iters, 0)));
  for (int i = 0; i < iters; ++i) {
    const auto start = std::chrono::steady_clock::now();
    SF_RETURN_IF_ERROR(call());
    us.push_back(
        std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
  }
  return Summarize(us);
}

int64_t Samples(const std::map<std::string, Tensor>& inputs, int64_t rows_per_sample) {
  const Tensor& t = inputs.begin()->second;
  return t.rank() > 0 ? t.dim(0) / rows_per_sample : 0;
}

std::string ConsoleRow(const std::string& what, const Throughput& t) {
  return absl::StrFormat("%-28s %8d %12.3f %14.1f\n", what, t.samples, t.run_us.p50 / 1000,
                         t.samples_per_s());
}

std::string ThroughputJson(const Throughput& t) {
  return absl::StrCat("{\"device\": ", JsonString(t.device), ", \"samples\": ", t.samples,
                      ", \"samples_per_s\": ", JsonNumber(t.samples_per_s()),
                      ", \"run_us\": ", StatsJson(t.run_us), "}");
}

}  // namespace

double ScalingReport::scaling() const {
  const double one = single.samples_per_s();
  return one > 0 ? aggregate.samples_per_s() / one : 0;
}

double ScalingReport::per_gpu_efficiency() const {
  return alone.empty() ? 0 : scaling() / static_cast<double>(alone.size());
}

absl::Status MeasureScaling(ReplicaSet& set, const std::map<std::string, Tensor>& inputs,
                            int warmup, int iters, ScalingReport* report) {
  SF_ASSIGN_OR_RETURN(ReplicaSet::Shards shards, set.Shard(inputs));
  report->rows_per_sample = set.steps();
  const int64_t samples = Samples(inputs, set.steps());

  Runtime& first = set.replica(0);
  report->single = {first.device(), samples, {}};
  SF_ASSIGN_OR_RETURN(report->single.run_us,
                      TimeCalls([&]() -> absl::Status { return first.Run(inputs).status(); }, warmup, iters));
  report->alone.clear();
  for (size_t r = 0; r < shards.size(); ++r) {
    Runtime& replica = set.replica(static_cast<int>(r));
    Throughput& t = report->alone.emplace_back();
    t.device = replica.device();
    t.samples = Samples(shards[r], set.steps());
    SF_ASSIGN_OR_RETURN(t.run_us,
                        TimeCalls([&]() -> absl::Status { return replica.Run(shards[r]).status(); }, warmup, iters));
  }
  report->aggregate = {"all", samples, {}};
  SF_ASSIGN_OR_RETURN(report->aggregate.run_us,
                      TimeCalls([&]() -> absl::Status { return set.Run(inputs).status(); }, warmup, iters));
  return absl::OkStatus();
}

std::string FormatScalingConsole(const ScalingReport& r) {
  std::string out = absl::StrCat("model:   ", r.model, "\ninput:   ", r.input, " [",
                                 absl::StrJoin(r.input_dims, ", "), "], ", r.rows_per_sample,
                                 " row(s) per sample\nruns:    ", r.warmup, " warm-up + ",
                                 r.iters, " timed, host wall clock per Run\n\n");
  absl::StrAppendFormat(&out, "%-28s %8s %12s %14s\n", "device", "samples", "p50 ms",
                        "samples/s");
  out += ConsoleRow(absl::StrCat(r.single.device, " alone, whole batch"), r.single);
  for (const Throughput& t : r.alone) out += ConsoleRow(absl::StrCat(t.device, " alone, its share"), t);
  out += ConsoleRow(absl::StrCat("all ", r.alone.size(), " GPU(s) at once"), r.aggregate);
  absl::StrAppendFormat(&out, "\nscaling: %.2fx one GPU on the same batch (%.1f%% per GPU)\n",
                        r.scaling(), 100 * r.per_gpu_efficiency());
  return out;
}

std::string FormatScalingJson(const ScalingReport& r) {
  std::vector<std::string> alone;
  for (const Throughput& t : r.alone) alone.push_back(ThroughputJson(t));
  return absl::StrCat(
      "{\n  \"model\": ", JsonString(r.model), ",\n  \"input\": ", JsonString(r.input),
      ",\n  \"input_dims\": ", JsonInts(r.input_dims), ",\n  \"rows_per_sample\": ",
      r.rows_per_sample, ",\n  \"samples\": ", r.aggregate.samples, ",\n  \"warmup\": ", r.warmup,
      ",\n  \"iters\": ", r.iters, ",\n  \"gpus\": ", r.alone.size(),
      ",\n  \"clock\": \"steady_clock\"", ",\n  \"single_gpu\": ", ThroughputJson(r.single),
      ",\n  \"per_gpu\": [", absl::StrJoin(alone, ", "), "]",
      ",\n  \"aggregate\": ", ThroughputJson(r.aggregate),
      ",\n  \"single_gpu_samples_per_s\": ", JsonNumber(r.single.samples_per_s()),
      ",\n  \"aggregate_samples_per_s\": ", JsonNumber(r.aggregate.samples_per_s()),
      ",\n  \"scaling_efficiency\": ", JsonNumber(r.scaling()),
      ",\n  \"per_gpu_efficiency\": ", JsonNumber(r.per_gpu_efficiency()), "\n}\n");
}

}  // namespace sf::tools
