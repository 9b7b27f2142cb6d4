#include "runtime/gpu/replay_timing.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cuda/cuda_status.h"
#include "graph/status.h"

namespace sf {
namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Microseconds per run of a CaptureRuns graph, one launch between two events.
absl::StatusOr<double> TimeRound(const GraphExec& graph, cudaStream_t stream,
                                 const cuda::Event& start, const cuda::Event& end) {
  SF_RETURN_IF_ERROR(start.Record(stream));
  SF_CUDA_RETURN_IF_ERROR(cudaGraphLaunch(graph.get(), stream));
  SF_RETURN_IF_ERROR(end.Record(stream));
  SF_ASSIGN_OR_RETURN(float ms, cuda::Event::ElapsedMs(start, end));
  return static_cast<double>(ms) * 1000.0 / kRunsPerGraph;
}

}  // namespace

absl::StatusOr<GraphExec> CaptureRuns(cudaStream_t stream,
                                      const std::function<absl::Status()>& enqueue) {
  return CaptureGraph(stream, [&]() -> absl::Status {
    for (int i = 0; i < kRunsPerGraph; ++i) SF_RETURN_IF_ERROR(enqueue());
    return absl::OkStatus();
  });
}

absl::StatusOr<ReplayTiming> TimeByReplay(cudaStream_t stream, const cuda::Event& start,
                                          const cuda::Event& end,
                                          const std::function<absl::Status()>& a,
                                          const std::function<absl::Status()>& b) {
  absl::StatusOr<GraphExec> a_graph = CaptureRuns(stream, a);
  absl::StatusOr<GraphExec> b_graph = CaptureRuns(stream, b);
  ReplayTiming r;
  if (!a_graph.ok() || !b_graph.ok()) {
    r.a_only = a_graph.ok();
    r.why = absl::StrCat("could not time by graph replay: ",
                         (a_graph.ok() ? b_graph : a_graph).status().message());
    return r;
  }
  std::vector<double> a_us, b_us;
  for (int round = 0; round <= kTimingRounds; ++round) {
    SF_ASSIGN_OR_RETURN(double ta, TimeRound(*a_graph, stream, start, end));
    SF_ASSIGN_OR_RETURN(double tb, TimeRound(*b_graph, stream, start, end));
    if (round == 0) continue;  // warm-up
    a_us.push_back(ta);
    b_us.push_back(tb);
    if (static_cast<int>(a_us.size()) >= kClearRounds) {
      const auto [a_min, a_max] = std::minmax_element(a_us.begin(), a_us.end());
      const auto [b_min, b_max] = std::minmax_element(b_us.begin(), b_us.end());
      if (*a_max * kClearMargin < *b_min || *b_max * kClearMargin < *a_min) break;
    }
  }
  r.ok = true;
  r.rounds = static_cast<int>(a_us.size());
  r.a_us = Median(std::move(a_us));
  r.b_us = Median(std::move(b_us));
  return r;
}

absl::StatusOr<double> TimeOne(cudaStream_t stream, const cuda::Event& start,
                               const cuda::Event& end, const std::function<absl::Status()>& enqueue,
                               int rounds) {
  SF_ASSIGN_OR_RETURN(GraphExec graph, CaptureRuns(stream, enqueue));
  std::vector<double> us;
  for (int round = 0; round <= std::max(rounds, 1); ++round) {
    SF_ASSIGN_OR_RETURN(double t, TimeRound(graph, stream, start, end));
    if (round > 0) us.push_back(t);
  }
  return Median(std::move(us));
}

std::function<absl::Status()> AsInARun(void* slots, size_t stride, int runs, cudaStream_t stream,
                                       std::function<absl::Status(void*)> enqueue) {
  return [slots, stride, runs, stream, enqueue = std::move(enqueue),
          next = 0]() mutable -> absl::Status {
    if (slots == nullptr) return enqueue(nullptr);
    if (next == runs) next = 0;  // the next graph
    if (next == 0) {
      SF_CUDA_RETURN_IF_ERROR(cudaMemsetAsync(slots, 0, stride * runs, stream));
    }
    return enqueue(static_cast<char*>(slots) + stride * next++);
  };
}

}  // namespace sf
