#include "runtime/latency_stats.h"

#include <algorithm>
#include <cmath>
#include <vector>

namespace sf {

double Percentile(std::span<const double> sorted, double q) {
  if (sorted.empty()) return 0;
  const double rank = std::clamp(q, 0.0, 1.0) * static_cast<double>(sorted.size() - 1);
  const size_t lo = static_cast<size_t>(std::floor(rank));
  const size_t hi = std::min(lo + 1, sorted.size() - 1);
  const double frac = rank - static_cast<double>(lo);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

LatencyStats Summarize(std::span<const double> samples) {
  LatencyStats s;
  if (samples.empty()) return s;
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  s.count = static_cast<int64_t>(sorted.size());
  s.min = sorted.front();
  s.max = sorted.back();
  double sum = 0;
  for (double x : sorted) sum += x;
  s.mean = sum / static_cast<double>(s.count);
  double sq = 0;
  for (double x : sorted) sq += (x - s.mean) * (x - s.mean);
  s.stddev = std::sqrt(sq / static_cast<double>(s.count));
  s.p50 = Percentile(sorted, 0.50);
  s.p90 = Percentile(sorted, 0.90);
  s.p95 = Percentile(sorted, 0.95);
  s.p99 = Percentile(sorted, 0.99);
  return s;
}

bool HighVariation(const LatencyStats& stats) {
  if (stats.count == 0) return false;
  return (stats.p50 > 0 && stats.p99 / stats.p50 > kMaxTailRatio) || stats.cv() > kMaxCv;
}

}  // namespace sf
