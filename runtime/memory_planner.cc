#include "runtime/memory_planner.h"

#include <algorithm>
#include <numeric>

namespace sf {

MemoryPlan PlanMemory(std::span<const TensorLifetime> tensors, int64_t alignment) {
  const size_t n = tensors.size();
  auto aligned = [alignment](int64_t b) { return (b + alignment - 1) / alignment * alignment; };
  MemoryPlan plan;
  plan.offsets.assign(n, 0);

  // Largest first; ties by earlier start so the result is deterministic.
  std::vector<size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    if (tensors[a].bytes != tensors[b].bytes) return tensors[a].bytes > tensors[b].bytes;
    return tensors[a].first_step < tensors[b].first_step;
  });

  struct Placed {
    int64_t offset, size;
    size_t index;
  };
  std::vector<Placed> placed;  // kept sorted by offset
  for (size_t i : order) {
    const TensorLifetime& t = tensors[i];
    const int64_t size = aligned(std::max<int64_t>(t.bytes, 1));
    plan.total_bytes += size;
    // Best fit: the smallest gap between live-overlapping neighbours that holds `size`.
    int64_t best_offset = -1, best_gap = INT64_MAX, cursor = 0;
    for (const Placed& p : placed) {
      const TensorLifetime& o = tensors[p.index];
      if (o.last_step < t.first_step || t.last_step < o.first_step) continue;
      int64_t gap = p.offset - cursor;
      if (gap >= size && gap < best_gap) {
        best_gap = gap;
        best_offset = cursor;
      }
      cursor = std::max(cursor, p.offset + p.size);
    }
    if (best_offset < 0) best_offset = cursor;
    plan.offsets[i] = best_offset;
    plan.arena_bytes = std::max(plan.arena_bytes, best_offset + size);
    auto pos = std::lower_bound(placed.begin(), placed.end(), best_offset,
                                [](const Placed& p, int64_t off) { return p.offset < off; });
    placed.insert(pos, Placed{best_offset, size, i});
  }
  return plan;
}

}  // namespace sf
