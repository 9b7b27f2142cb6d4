// Summary statistics of latency samples (sfbench, Runtime::TimeRuns users).
// Pure functions; units are whatever the samples are in (sfbench: microseconds).
#ifndef SF_RUNTIME_LATENCY_STATS_H_
#define SF_RUNTIME_LATENCY_STATS_H_

#include <cstdint>
#include <span>

namespace sf {

struct LatencyStats {
  int64_t count = 0;
  double min = 0, max = 0, mean = 0, stddev = 0;  // stddev: population (divide by n)
  double p50 = 0, p90 = 0, p95 = 0, p99 = 0;
  // Coefficient of variation, stddev / mean (0 when the mean is 0).
  double cv() const { return mean > 0 ? stddev / mean : 0; }
};

// The q-quantile (0 <= q <= 1) of `sorted` (ascending, non-empty), linearly
// interpolated between the closest ranks (numpy's default "linear" method).
double Percentile(std::span<const double> sorted, double q);

// All fields of LatencyStats; a zero LatencyStats for no samples.
LatencyStats Summarize(std::span<const double> samples);

// Run-to-run variation too high to trust a single number:
// p99 / p50 > kMaxTailRatio or cv > kMaxCv.
inline constexpr double kMaxTailRatio = 1.5;
inline constexpr double kMaxCv = 0.10;
bool HighVariation(const LatencyStats& stats);

}  // namespace sf

#endif  // SF_RUNTIME_LATENCY_STATS_H_
