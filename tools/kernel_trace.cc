#include "tools/kernel_trace.h"

#include <cxxabi.h>
#include <dlfcn.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "graph/status.h"
#include "tools/bench_report.h"

#if defined(SF_HAVE_CUPTI) && __has_include(<cupti_activity.h>)
#include <cupti_activity.h>
#define SF_KERNEL_TRACE_CUPTI 1
#endif

namespace sf::tools {

absl::StatusOr<KernelTraceSummary> SummarizeReplays(std::vector<KernelRecord> records) {
  std::map<uint32_t, std::vector<KernelRecord>> launches;
  for (KernelRecord& r : records) {
    if (r.graph_id == 0 || r.end_ns < r.start_ns) continue;
    launches[r.correlation_id].push_back(std::move(r));
  }
  if (launches.empty()) {
    return absl::NotFoundError("no kernel in the trace was launched from a CUDA graph");
  }
  size_t most = 0;
  for (const auto& [id, kernels] : launches) most = std::max(most, kernels.size());
  struct Replay {
    double span_us;
    std::vector<KernelRecord>* kernels;
  };
  std::vector<Replay> full;
  for (auto& [id, kernels] : launches) {
    if (kernels.size() != most) continue;
    std::sort(kernels.begin(), kernels.end(),
              [](const KernelRecord& a, const KernelRecord& b) { return a.start_ns < b.start_ns; });
    uint64_t last_end = 0;
    for (const KernelRecord& k : kernels) last_end = std::max(last_end, k.end_ns);
    full.push_back({(last_end - kernels.front().start_ns) / 1e3, &kernels});
  }
  std::sort(full.begin(), full.end(),
            [](const Replay& a, const Replay& b) { return a.span_us < b.span_us; });
  const Replay& median = full[full.size() / 2];
  KernelTraceSummary s;
  s.replays = static_cast<int>(full.size());
  s.kernels = static_cast<int>(most);
  s.span_us = median.span_us;
  s.min_span_us = full.front().span_us;
  s.max_span_us = full.back().span_us;
  uint64_t covered_until = median.kernels->front().start_ns;
  for (const KernelRecord& k : *median.kernels) {
    ReplayKernel rk;
    rk.name = k.name;
    rk.us = (k.end_ns - k.start_ns) / 1e3;
    rk.gap_before_us = k.start_ns > covered_until ? (k.start_ns - covered_until) / 1e3 : 0.0;
    const uint64_t own_from = std::max(covered_until, k.start_ns);
    rk.own_us = k.end_ns > own_from ? (k.end_ns - own_from) / 1e3 : 0.0;
    covered_until = std::max(covered_until, k.end_ns);
    s.busy_us += rk.own_us;
    s.gap_us += rk.gap_before_us;
    s.kernel_list.push_back(std::move(rk));
  }
  return s;
}

absl::StatusOr<std::vector<StepKernels>> AttributeToSteps(const std::vector<StepLaunches>& launches,
                                                          const KernelTraceSummary& s) {
  size_t launched = 0;
  for (const StepLaunches& l : launches) launched += l.kernels.size();
  if (launched != s.kernel_list.size()) {
    return absl::FailedPreconditionError(
        absl::StrCat("the step-by-step run launched ", launched, " kernels, the graph replay ",
                     s.kernel_list.size(), ": cannot attribute the replay's kernels to steps"));
  }
  std::vector<StepKernels> steps(launches.size());
  std::vector<size_t> matched(launches.size(), 0);  // per step: its kernels found so far
  size_t open = 0;                                  // the first step with kernels not found yet
  for (size_t k = 0; k < s.kernel_list.size(); ++k) {
    const ReplayKernel& replayed = s.kernel_list[k];
    while (open < launches.size() && matched[open] == launches[open].kernels.size()) ++open;
    // The first unfinished step whose next kernel this is: in a sequential
    // replay the open step itself, else a step running beside it (a side
    // stream) whose kernel started in between.
    size_t j = open;
    while (j < launches.size() && (matched[j] == launches[j].kernels.size() ||
                                   launches[j].kernels[matched[j]] != replayed.name)) {
      ++j;
    }
    if (j == launches.size()) {
      // The counts are equal, so a step under way exists: `open`.
      const StepLaunches& expected = launches[open];
      return absl::FailedPreconditionError(absl::StrCat(
          "kernel ", k, " differs: step '", expected.step, "' launched ",
          expected.kernels[matched[open]], " in the step-by-step run, the graph replay ran ",
          replayed.name, ", which no step beside it launches next"));
    }
    StepKernels& step = steps[j];
    step.kernel_us += replayed.own_us;
    step.gap_us += replayed.gap_before_us;
    ++matched[j];
  }
  for (size_t i = 0; i < launches.size(); ++i) {
    steps[i].name = launches[i].step;
    steps[i].kernels = static_cast<int>(launches[i].kernels.size());
    steps[i].graph_us = steps[i].kernel_us + steps[i].gap_us;
  }
  return steps;
}

double StepsGraphUs(const KernelTraceSummary& s) {
  double sum = 0;
  for (const StepKernels& st : s.steps) sum += st.graph_us;
  return sum;
}

bool StepsMatchSpan(const KernelTraceSummary& s) {
  return std::abs(StepsGraphUs(s) - s.span_us) <= kStepsSpanToleranceUs;
}

std::string KernelTraceTotals(const KernelTraceSummary& s) {
  return absl::StrFormat(
      "%d kernels, span %.1f us = kernels %.1f us + gaps %.1f us (%.2f us per gap)", s.kernels,
      s.span_us, s.busy_us, s.gap_us, s.kernels > 1 ? s.gap_us / (s.kernels - 1) : 0.0);
}

std::string FormatKernelTrace(const std::string& plan, const KernelTraceSummary& s) {
  std::string out = absl::StrFormat(
      "%s plan, GPU kernels of one CUDA-graph replay (CUPTI trace, median of %d replays by span; "
      "spans %.1f..%.1f us):\n  %s\n",
      plan, s.replays, s.min_span_us, s.max_span_us, KernelTraceTotals(s));
  absl::StrAppend(&out,
                  "  (kernel_us: start to end; own_us: the part after the kernels before it "
                  "ended, less when it was launched early to wait for them)\n"
                  "     #     gap_us  kernel_us     own_us  kernel\n");
  for (size_t i = 0; i < s.kernel_list.size(); ++i) {
    const ReplayKernel& k = s.kernel_list[i];
    std::string name = k.name.size() > 110 ? k.name.substr(0, 107) + "..." : k.name;
    absl::StrAppendFormat(&out, "  %4d %10.2f %10.2f %10.2f  %s\n", static_cast<int>(i),
                          k.gap_before_us, k.us, k.own_us, name);
  }
  if (!s.steps_error.empty()) {
    absl::StrAppend(&out, "  per plan step: not attributed: ", s.steps_error, "\n");
  }
  if (s.steps.empty()) return out;
  absl::StrAppend(&out,
                  "  per plan step, inside this replay (graph_us: its kernels plus the idle gap "
                  "before each; the kernels matched by name and order with a step-by-step run):\n"
                  "     #  kernels     gap_us  kernel_us   graph_us  step\n");
  int kernels = 0;
  double gap_us = 0, kernel_us = 0, graph_us = 0;
  for (size_t i = 0; i < s.steps.size(); ++i) {
    const StepKernels& st = s.steps[i];
    absl::StrAppendFormat(&out, "  %4d %8d %10.2f %10.2f %10.2f  %s\n", static_cast<int>(i),
                          st.kernels, st.gap_us, st.kernel_us, st.graph_us, st.name);
    kernels += st.kernels;
    gap_us += st.gap_us;
    kernel_us += st.kernel_us;
    graph_us += st.graph_us;
  }
  absl::StrAppendFormat(
      &out, "  %4s %8d %10.2f %10.2f %10.2f  %s %.2f us\n", "sum", kernels, gap_us, kernel_us,
      graph_us, StepsMatchSpan(s) ? "= the replay's span" : "!= the replay's span", s.span_us);
  return out;
}

std::string KernelTraceJson(const KernelTraceSummary& s) {
  std::vector<std::string> kernels;
  for (const ReplayKernel& k : s.kernel_list) {
    kernels.push_back(absl::StrCat("{\"name\": ", JsonString(k.name), ", \"us\": ",
                                   JsonNumber(k.us), ", \"own_us\": ", JsonNumber(k.own_us),
                                   ", \"gap_before_us\": ", JsonNumber(k.gap_before_us), "}"));
  }
  std::vector<std::string> steps;
  for (const StepKernels& st : s.steps) {
    steps.push_back(absl::StrCat("{\"name\": ", JsonString(st.name), ", \"kernels\": ", st.kernels,
                                 ", \"kernel_us\": ", JsonNumber(st.kernel_us),
                                 ", \"gap_us\": ", JsonNumber(st.gap_us),
                                 ", \"graph_us\": ", JsonNumber(st.graph_us), "}"));
  }
  return absl::StrCat(
      "{\"replays\": ", s.replays, ", \"kernels\": ", s.kernels,
      ", \"span_us\": ", JsonNumber(s.span_us), ", \"busy_us\": ", JsonNumber(s.busy_us),
      ", \"gap_us\": ", JsonNumber(s.gap_us), ", \"min_span_us\": ", JsonNumber(s.min_span_us),
      ", \"max_span_us\": ", JsonNumber(s.max_span_us), ", \"kernel_list\": [",
      absl::StrJoin(kernels, ", "), "], \"steps\": [", absl::StrJoin(steps, ", "),
      "], \"steps_error\": ",
      s.steps_error.empty() ? std::string("null") : JsonString(s.steps_error), "}");
}

#ifdef SF_KERNEL_TRACE_CUPTI
namespace {

// The CUPTI entry points used, resolved with dlsym.
struct Cupti {
  CUptiResult (*enable)(CUpti_ActivityKind) = nullptr;
  CUptiResult (*disable)(CUpti_ActivityKind) = nullptr;
  CUptiResult (*register_callbacks)(CUpti_BuffersCallbackRequestFunc,
                                    CUpti_BuffersCallbackCompleteFunc) = nullptr;
  CUptiResult (*flush_all)(uint32_t) = nullptr;
  CUptiResult (*next_record)(uint8_t*, size_t, CUpti_Activity**) = nullptr;
  CUptiResult (*result_string)(CUptiResult, const char**) = nullptr;
};

constexpr size_t kBufferBytes = 8 << 20;
constexpr size_t kBufferAlign = 8;

std::mutex g_mutex;
Cupti g_cupti;
std::vector<KernelRecord>* g_records = nullptr;  // while a tracer runs

std::string Demangle(const char* name) {
  if (name == nullptr) return "?";
  int status = 0;
  char* d = abi::__cxa_demangle(name, nullptr, nullptr, &status);
  std::string out = status == 0 && d != nullptr ? d : name;
  std::free(d);
  return out;
}

void CUPTIAPI BufferRequested(uint8_t** buffer, size_t* size, size_t* max_records) {
  *buffer = static_cast<uint8_t*>(std::aligned_alloc(kBufferAlign, kBufferBytes));
  *size = *buffer != nullptr ? kBufferBytes : 0;
  *max_records = 0;
}

void CUPTIAPI BufferCompleted(CUcontext, uint32_t, uint8_t* buffer, size_t, size_t valid) {
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    CUpti_Activity* record = nullptr;
    while (g_cupti.next_record(buffer, valid, &record) == CUPTI_SUCCESS) {
      if (g_records == nullptr) continue;
      if (record->kind != CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL &&
          record->kind != CUPTI_ACTIVITY_KIND_KERNEL) {
        continue;
      }
      const auto* k = reinterpret_cast<const CUpti_ActivityKernel10*>(record);
      g_records->push_back(
          KernelRecord{Demangle(k->name), k->start, k->end, k->correlationId, k->graphId});
    }
  }
  std::free(buffer);
}

absl::Status Check(CUptiResult r, const char* what) {
  if (r == CUPTI_SUCCESS) return absl::OkStatus();
  const char* text = nullptr;
  if (g_cupti.result_string != nullptr) g_cupti.result_string(r, &text);
  return absl::FailedPreconditionError(
      absl::StrCat("CUPTI ", what, " failed: ", text != nullptr ? text : "unknown error", " (",
                   static_cast<int>(r), ")"));
}

template <typename F>
bool Resolve(void* lib, const char* name, F* f) {
  *f = reinterpret_cast<F>(dlsym(lib, name));
  return *f != nullptr;
}

}  // namespace

absl::StatusOr<std::unique_ptr<KernelTracer>> KernelTracer::Create() {
  std::vector<std::string> candidates;
  if (const char* env = std::getenv("SF_CUPTI_LIBRARY"); env != nullptr && *env != '\0') {
    candidates.push_back(env);
  }
  for (const char* c :
       {"libcupti.so.13", "libcupti.so", "/usr/local/cuda/lib64/libcupti.so.13",
        "/usr/local/cuda/lib64/libcupti.so", "/usr/local/cuda/targets/x86_64-linux/lib/libcupti.so",
        "/usr/local/cuda/extras/CUPTI/lib64/libcupti.so"}) {
    candidates.push_back(c);
  }
  void* lib = nullptr;
  for (const std::string& c : candidates) {
    if ((lib = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL)) != nullptr) break;
  }
  if (lib == nullptr) {
    return absl::FailedPreconditionError(
        absl::StrCat("--kernel-trace needs CUPTI (libcupti, part of the CUDA toolkit); tried ",
                     absl::StrJoin(candidates, ", "), "; set SF_CUPTI_LIBRARY to its path"));
  }
  std::lock_guard<std::mutex> lock(g_mutex);
  Cupti c;
  if (!Resolve(lib, "cuptiActivityEnable", &c.enable) ||
      !Resolve(lib, "cuptiActivityDisable", &c.disable) ||
      !Resolve(lib, "cuptiActivityRegisterCallbacks", &c.register_callbacks) ||
      !Resolve(lib, "cuptiActivityFlushAll", &c.flush_all) ||
      !Resolve(lib, "cuptiActivityGetNextRecord", &c.next_record) ||
      !Resolve(lib, "cuptiGetResultString", &c.result_string)) {
    dlclose(lib);
    return absl::FailedPreconditionError("the CUPTI library found lacks the activity API");
  }
  g_cupti = c;
  std::unique_ptr<KernelTracer> t(new KernelTracer());
  t->library_ = lib;
  return t;
}

KernelTracer::~KernelTracer() {
  if (running_) (void)Stop();
  // The library stays loaded: CUPTI keeps hooks into the driver.
}

absl::Status KernelTracer::Start() {
  if (running_) return absl::FailedPreconditionError("the kernel trace is already running");
  SF_RETURN_IF_ERROR(Check(g_cupti.register_callbacks(BufferRequested, BufferCompleted),
                           "cuptiActivityRegisterCallbacks"));
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    g_records = new std::vector<KernelRecord>();
  }
  const absl::Status enabled = Check(g_cupti.enable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL),
                                     "cuptiActivityEnable(CONCURRENT_KERNEL)");
  if (!enabled.ok()) {  // not running: nothing may be left for a later Start
    std::lock_guard<std::mutex> lock(g_mutex);
    delete g_records;
    g_records = nullptr;
    return enabled;
  }
  running_ = true;
  return absl::OkStatus();
}

absl::StatusOr<std::vector<KernelRecord>> KernelTracer::Flush() {
  if (!running_) return absl::FailedPreconditionError("the kernel trace is not running");
  // A forced flush hands every buffer, full or not, to BufferCompleted before
  // it returns.
  SF_RETURN_IF_ERROR(Check(g_cupti.flush_all(1), "cuptiActivityFlushAll"));
  std::vector<KernelRecord> records;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    records.swap(*g_records);
  }
  return records;
}

absl::StatusOr<std::vector<KernelRecord>> KernelTracer::Stop() {
  if (!running_) return absl::FailedPreconditionError("the kernel trace is not running");
  running_ = false;
  absl::Status s =
      Check(g_cupti.disable(CUPTI_ACTIVITY_KIND_CONCURRENT_KERNEL), "cuptiActivityDisable");
  absl::Status f = Check(g_cupti.flush_all(1), "cuptiActivityFlushAll");
  std::unique_ptr<std::vector<KernelRecord>> records;
  {
    std::lock_guard<std::mutex> lock(g_mutex);
    records.reset(g_records);
    g_records = nullptr;
  }
  SF_RETURN_IF_ERROR(s);
  SF_RETURN_IF_ERROR(f);
  return std::move(*records);
}

#else  // no CUPTI header at build time

absl::StatusOr<std::unique_ptr<KernelTracer>> KernelTracer::Create() {
  return absl::FailedPreconditionError(
      "--kernel-trace needs a build with the CUDA backend and CUPTI's header (cupti_activity.h)");
}
KernelTracer::~KernelTracer() = default;
absl::Status KernelTracer::Start() { return absl::FailedPreconditionError("built without CUPTI"); }
absl::StatusOr<std::vector<KernelRecord>> KernelTracer::Flush() {
  return absl::FailedPreconditionError("built without CUPTI");
}
absl::StatusOr<std::vector<KernelRecord>> KernelTracer::Stop() {
  return absl::FailedPreconditionError("built without CUPTI");
}

#endif

}  // namespace sf::tools
