// sfbench --device all: the throughput of one batch over every GPU (one
// sf::ReplicaSet replica each) against one GPU on the same batch. Every time
// is host wall clock (steady_clock) of one whole Run, copies and the batch
// split/gather included, in microseconds; throughputs in samples per second
// from the median run.
#ifndef SF_TOOLS_SCALING_BENCH_H_
#define SF_TOOLS_SCALING_BENCH_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "runtime/latency_stats.h"
#include "sf/replicas.h"

namespace sf::tools {

struct Throughput {
  std::string device;  // "cuda:1"; "all" for the replicas together
  int64_t samples = 0;  // per Run
  LatencyStats run_us;
  double samples_per_s() const { return run_us.p50 > 0 ? samples * 1e6 / run_us.p50 : 0; }
};

struct ScalingReport {
  std::string model;
  std::string input;  // the .npy, or how the input was made
  std::vector<int64_t> input_dims;
  int64_t rows_per_sample = 1;  // T for T-major inputs
  int warmup = 0, iters = 0;
  Throughput single;               // the first replica alone on the whole batch
  std::vector<Throughput> alone;   // each replica alone on its share
  Throughput aggregate;            // all replicas at once on the whole batch
  // aggregate / single throughput; and that over the number of replicas used.
  double scaling() const;
  double per_gpu_efficiency() const;
};

// Fills the timings of `report` (the descriptive fields are the caller's):
// `warmup` untimed then `iters` timed runs of each configuration.
absl::Status MeasureScaling(ReplicaSet& set, const std::map<std::string, Tensor>& inputs,
                            int warmup, int iters, ScalingReport* report);

std::string FormatScalingConsole(const ScalingReport& report);
std::string FormatScalingJson(const ScalingReport& report);

}  // namespace sf::tools

#endif  // SF_TOOLS_SCALING_BENCH_H_
