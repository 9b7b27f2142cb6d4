// Timing by CUDA-graph replay, as kAuto chooses between paths (the sparse
// conv kernels, runtime/gpu/sparse_conv_kernel.cc) and as the executor times
// its spike-occupancy links (GpuExecutor::TimeLinks): each alternative is
// captured as a CUDA graph of kRunsPerGraph back-to-back runs (how the
// executor runs it after the first run, inside the model's graph: no host
// launch cost in the timing, which for cuDNN's legacy API is larger than many
// convs, and no graph launch per run: sparse_conv_bench measured a
// 128-channel 16x16 conv at batch 64 on an empty input at 9.0 us sparse,
// 22.6 cuDNN with one run per graph launch, and 7.3 / 19.2 with 20;
// docs/bench/s11), then timed in kTimingRounds interleaved rounds of graph
// launches between two events, after one warm-up round; the median round
// decides. TimeByReplay stops after kClearRounds rounds when every round of
// one alternative is kClearMargin times faster than every round of the other
// (most of kAuto's choices; docs/benchmarks.md, thirty-first run). Every
// function synchronises the stream.
#ifndef SF_RUNTIME_GPU_REPLAY_TIMING_H_
#define SF_RUNTIME_GPU_REPLAY_TIMING_H_

#include <cuda_runtime_api.h>

#include <cstddef>
#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cuda/resources.h"
#include "runtime/gpu/cuda_graph.h"

namespace sf {

inline constexpr int kTimingRounds = 5;
inline constexpr int kRunsPerGraph = 10;
inline constexpr int kClearRounds = 2;
inline constexpr double kClearMargin = 1.25;

// `enqueue` kRunsPerGraph times in one CUDA graph.
absl::StatusOr<GraphExec> CaptureRuns(cudaStream_t stream,
                                      const std::function<absl::Status()>& enqueue);

// Two alternatives timed by replay. ok false when one could not be captured
// (`why` says how; `a_only` tells which one still can run).
struct ReplayTiming {
  bool ok = false;
  bool a_only = false;
  double a_us = 0, b_us = 0;  // per run; 0 unless ok
  int rounds = 0;             // timed rounds (kClearRounds..kTimingRounds); 0 unless ok
  std::string why;
  // Whether A is the one to keep: the faster (ties go to B), or the only one
  // that could be captured.
  bool a_wins() const { return ok ? a_us < b_us : a_only; }
};

// A and B (one run per call) captured and timed, interleaved.
absl::StatusOr<ReplayTiming> TimeByReplay(cudaStream_t stream, const cuda::Event& start,
                                          const cuda::Event& end,
                                          const std::function<absl::Status()>& a,
                                          const std::function<absl::Status()>& b);

// Microseconds per run of what `enqueue` queues (one run per call): the
// median of `rounds` rounds after the warm-up round.
absl::StatusOr<double> TimeOne(cudaStream_t stream, const cuda::Event& start,
                               const cuda::Event& end, const std::function<absl::Status()>& enqueue,
                               int rounds = kTimingRounds);

// A run for a graph of `runs` runs (CaptureRuns: kRunsPerGraph) as whole
// runs queue it: call i of a graph gets `slots` + i * `stride` as its zeroed
// bytes (GpuRunContext::zeroed), and the first also queues one memset of
// every slot, as the executor's run zeroes all its steps' with its error
// flags: a step's zeroed counters are not reset per launch in a run, so its
// timing must not pay for that (about 2 us per launch; docs/benchmarks.md,
// twenty-third run). `slots` null: enqueue(nullptr).
std::function<absl::Status()> AsInARun(void* slots, size_t stride, int runs, cudaStream_t stream,
                                       std::function<absl::Status(void*)> enqueue);

}  // namespace sf

#endif  // SF_RUNTIME_GPU_REPLAY_TIMING_H_
