// Which plan steps an executor may run on a second stream, beside the main
// path: a ResNet's shortcut conv reads the block input that the main path's
// first conv reads too, and its result is needed only at the residual Add, so
// it can run while the main path computes (the GPU fills the SMs the main
// path's small kernels leave idle, and the launch gaps overlap). Pure
// bookkeeping over what each step reads and writes; GpuExecutor queues the
// branches (runtime/gpu/gpu_executor.h) and widens their tensors' lifetimes
// for the memory planner (ValueLifetimeOptions::runs_during).
#ifndef SF_RUNTIME_SIDE_BRANCHES_H_
#define SF_RUNTIME_SIDE_BRANCHES_H_

#include <span>
#include <vector>

#include "graph/graph.h"

namespace sf {

// What one plan step does at run time.
struct StepAccess {
  // Queues device work. A step fused into another queues none: its reads and
  // writes are ignored (the step it is fused into lists them).
  bool launches = false;
  bool may_branch = false;  // the kernel may run on the side stream (stateless, e.g. Conv)
  std::vector<ValueId> reads, writes;
};

// A step moved to the side stream. It is queued right after step `fork_after`
// (-1: before step 0), the last writer of what it reads, and the main stream
// waits for it before step `join_before` (the number of steps: at the end),
// the first step reading what it writes. Every main step strictly between the
// two may run concurrently with it.
struct SideBranch {
  int step = 0;
  int fork_after = -1;
  int join_before = 0;
};

// The side branches, in step order. A candidate is a step that launches, may
// branch and writes something; its window runs from the last writer of what
// it reads to the first launching reader of what it writes. Candidates are
// taken widest window first (of a shortcut conv and the main-path conv beside
// it, the shortcut, forked earlier, overlaps more; on a tie the later step)
// when no side branch reads
// what another writes and every branch keeps at least one launching
// main-stream step inside its window (a step read right after its inputs are
// written gains nothing; two branches never overlap only each other). A
// value is written by at most one step; values out of [0, num_values) are
// ignored.
std::vector<SideBranch> PlanSideBranches(std::span<const StepAccess> steps, int num_values);

}  // namespace sf

#endif  // SF_RUNTIME_SIDE_BRANCHES_H_
