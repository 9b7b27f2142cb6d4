// GPU kernel trace for sfbench --kernel-trace: which kernels one CUDA-graph
// replay of a plan runs, how long each takes on the GPU, and how long the GPU
// waits between them. The per-step tables time each step alone; this shows
// the whole run as the GPU executes it, so the gaps between kernels (launch
// latency inside the graph) are measured, not inferred. A step-by-step run
// under the tracer (Runtime::RunStepByStep, a Flush after each step) tells
// which step launches which kernels, and the replay splits among the plan
// steps (AttributeToSteps): per step its time inside the real replay, the
// steps summing to the replay's span.
//
// Recording uses CUPTI's activity API (CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL),
// loaded with dlopen at run time (libcupti ships with the CUDA toolkit; no
// build or link dependency): SF_CUPTI_LIBRARY, else libcupti.so.13 /
// libcupti.so on the loader path or under /usr/local/cuda. Summarising is
// pure and testable without a GPU.
#ifndef SF_TOOLS_KERNEL_TRACE_H_
#define SF_TOOLS_KERNEL_TRACE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace sf::tools {

// One kernel execution as CUPTI reports it. Times in ns (GPU clock).
struct KernelRecord {
  std::string name;  // demangled when possible
  uint64_t start_ns = 0, end_ns = 0;
  uint32_t correlation_id = 0;  // the launching API call: one cudaGraphLaunch for a whole replay
  uint32_t graph_id = 0;        // 0: not launched from a CUDA graph
};

// One replay: the kernels of one graph launch in start order.
struct ReplayKernel {
  std::string name;
  double us = 0;             // end - start
  double gap_before_us = 0;  // idle time since the previous kernel of the replay ended (0 first)
  // The part of [start, end] after every earlier kernel of the replay ended:
  // `us` unless the kernel started early, as one launched with programmatic
  // dependent launch does (it starts, then waits for the kernel before it);
  // the busy time, the steps' kernel_us and the sums to the span count this.
  double own_us = 0;
};

// One plan step's part of the traced replay (AttributeToSteps): its kernels,
// the time they ran and the GPU's idle time before each of them (the gap after
// the previous step's last kernel counts to this step: it is launch latency of
// this step's first kernel). Per step these add up to the replay's span.
struct StepKernels {
  std::string name;
  int kernels = 0;
  double kernel_us = 0, gap_us = 0;
  double graph_us = 0;  // kernel_us + gap_us: the step's time inside the replay
};

struct KernelTraceSummary {
  int replays = 0;     // graph launches with the full kernel count
  int kernels = 0;     // per replay
  double span_us = 0;  // first start to last end, of the median replay (by span)
  double busy_us = 0;  // sum of its kernel times
  double gap_us = 0;   // sum of its gaps: span - busy (overlap counted as 0 gap)
  double min_span_us = 0, max_span_us = 0;
  std::vector<ReplayKernel> kernel_list;  // the median replay
  // The median replay per plan step, in plan order (every step, also those
  // with no kernel); empty when not attributed, and then `steps_error` says
  // why (empty too when not attempted).
  std::vector<StepKernels> steps;
  std::string steps_error;
};

// Groups graph-launched records by launch (correlation id), keeps the
// launches with the most kernels (the plan's compute graph; others, such as
// the profilers' small graphs, are dropped) and summarises the replay of
// median span. NotFound when no record came from a CUDA graph.
absl::StatusOr<KernelTraceSummary> SummarizeReplays(std::vector<KernelRecord> records);

// The kernel names each plan step launched, from a step-by-step run
// (Runtime::RunStepByStep) under the tracer.
struct StepLaunches {
  std::string step;
  std::vector<std::string> kernels;  // in launch order
};

// Splits the summary's replay among the steps that launched its kernels: the
// step-by-step run launches the same kernels as the graph replay, each step's
// in the same order. Taken in start order, a replay kernel belongs to the
// first step not yet complete whose next kernel has its name: in a sequential
// replay that is the step under way, and a step the executor runs on a side
// stream (GpuExecutor, Options::overlap_branches) can start its kernels in
// between. (Two concurrent steps' kernels of one name may be matched to
// either; their sum is the same.) FailedPrecondition when the two runs'
// kernels differ in count, or a replay kernel is no unfinished step's next
// one (e.g. a kernel choosing another path in one of the runs): no guessing.
absl::StatusOr<std::vector<StepKernels>> AttributeToSteps(const std::vector<StepLaunches>& launches,
                                                          const KernelTraceSummary& s);

// The steps' graph_us summed. Counting each kernel's own_us (not its start to
// end) makes it the replay's span up to rounding even where kernels overlap
// (programmatic launch); StepsMatchSpan checks that it is, within
// kStepsSpanToleranceUs.
inline constexpr double kStepsSpanToleranceUs = 0.01;
double StepsGraphUs(const KernelTraceSummary& s);
bool StepsMatchSpan(const KernelTraceSummary& s);

// A console block ("GPU kernels of one CUDA-graph replay ...", then the per-step
// table when attributed) and a JSON object.
std::string FormatKernelTrace(const std::string& plan, const KernelTraceSummary& s);
// "N kernels, span S us = kernels K us + gaps G us (P us per gap)": the totals
// line both the console and FormatKernelTrace print.
std::string KernelTraceTotals(const KernelTraceSummary& s);
std::string KernelTraceJson(const KernelTraceSummary& s);

// Records kernel activity between Start and Stop. One at a time per process.
class KernelTracer {
 public:
  // Loads CUPTI; FailedPrecondition naming what was tried when it cannot.
  static absl::StatusOr<std::unique_ptr<KernelTracer>> Create();
  ~KernelTracer();
  absl::Status Start();
  // Returns (and forgets) the kernels recorded since Start or the last Flush;
  // tracing goes on. CUPTI's flush does not wait for the GPU: synchronise the
  // work whose kernels must be in first.
  absl::StatusOr<std::vector<KernelRecord>> Flush();
  // Flushes and returns what was recorded since Start (or the last Flush).
  absl::StatusOr<std::vector<KernelRecord>> Stop();

 private:
  KernelTracer() = default;
  void* library_ = nullptr;
  bool running_ = false;
};

}  // namespace sf::tools

#endif  // SF_TOOLS_KERNEL_TRACE_H_
