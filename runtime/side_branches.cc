#include "runtime/side_branches.h"

#include <algorithm>

namespace sf {

std::vector<SideBranch> PlanSideBranches(std::span<const StepAccess> steps, int num_values) {
  const int n = static_cast<int>(steps.size());
  std::vector<int> writer(static_cast<size_t>(std::max(num_values, 0)), -1);
  auto in_range = [num_values](ValueId v) { return v != kNoValue && v >= 0 && v < num_values; };
  for (int i = 0; i < n; ++i) {
    if (!steps[i].launches) continue;  // queues nothing, so writes nothing
    for (ValueId v : steps[i].writes) {
      if (in_range(v)) writer[v] = i;
    }
  }
  // Whether `reader` reads a value `writer_step` writes (by value, so that a
  // value listed by two steps still counts for both).
  auto reads_from = [&](int reader, int writer_step) {
    for (ValueId v : steps[reader].reads) {
      const std::vector<ValueId>& w = steps[writer_step].writes;
      if (in_range(v) && std::find(w.begin(), w.end(), v) != w.end()) return true;
    }
    return false;
  };
  // Every candidate with its window: after the last writer of its inputs,
  // before the first launching reader of its outputs.
  std::vector<SideBranch> candidates;
  for (int i = 0; i < n; ++i) {
    const StepAccess& s = steps[i];
    if (!s.launches || !s.may_branch || s.writes.empty()) continue;
    int fork = -1;
    for (ValueId v : s.reads) {
      if (in_range(v)) fork = std::max(fork, writer[v]);
    }
    if (fork >= i) continue;
    int join = n;
    for (int k = i + 1; k < n && join == n; ++k) {
      if (steps[k].launches && reads_from(k, i)) join = k;
    }
    candidates.push_back(SideBranch{i, fork, join});
  }
  // The widest windows first: of a shortcut conv and the main-path conv
  // beside it, the shortcut (forked at the block input) overlaps more. On a
  // tie the later step (exporters list the shortcut after the main path).
  std::sort(candidates.begin(), candidates.end(), [](const SideBranch& a, const SideBranch& b) {
    const int wa = a.join_before - a.fork_after, wb = b.join_before - b.fork_after;
    return wa != wb ? wa > wb : a.step > b.step;
  });
  std::vector<bool> side(n, false);
  auto has_main_work = [&](const SideBranch& b) {
    for (int k = b.fork_after + 1; k < b.join_before; ++k) {
      if (k != b.step && steps[k].launches && !side[k]) return true;
    }
    return false;
  };
  std::vector<SideBranch> chosen;
  for (const SideBranch& c : candidates) {
    bool ok = has_main_work(c);
    for (const SideBranch& b : chosen) {
      ok = ok && !reads_from(c.step, b.step) && !reads_from(b.step, c.step);
    }
    if (!ok) continue;
    side[c.step] = true;
    // Every branch chosen before must keep a main step beside it.
    for (const SideBranch& b : chosen) ok = ok && has_main_work(b);
    if (!ok) {
      side[c.step] = false;
      continue;
    }
    chosen.push_back(c);
  }
  std::sort(chosen.begin(), chosen.end(),
            [](const SideBranch& a, const SideBranch& b) { return a.step < b.step; });
  return chosen;
}

}  // namespace sf
