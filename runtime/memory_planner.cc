#include "runtime/memory_planner.h"

#include <algorithm>
#include <numeric>

namespace sf {

namespace {

// The first tensor of i's in-place chain (-1 links end it; a malformed link that
// points out of range or loops ends it too).
size_t ChainRoot(std::span<const TensorLifetime> tensors, size_t i) {
  size_t root = i;
  for (size_t hops = 0; hops < tensors.size(); ++hops) {
    const int next = tensors[root].in_place_of;
    if (next < 0 || static_cast<size_t>(next) >= tensors.size()) break;
    root = static_cast<size_t>(next);
  }
  return root;
}

MemoryPlan PlanBlocks(std::span<const TensorLifetime> tensors, int64_t alignment);

}  // namespace

MemoryPlan PlanMemory(std::span<const TensorLifetime> tensors, int64_t alignment) {
  // One block per in-place chain: the union of its lifetimes, its largest size.
  const size_t n = tensors.size();
  std::vector<size_t> block_of(n);
  std::vector<TensorLifetime> blocks;
  std::vector<int> root_block(n, -1);
  for (size_t i = 0; i < n; ++i) {
    const size_t root = ChainRoot(tensors, i);
    if (root_block[root] < 0) {
      root_block[root] = static_cast<int>(blocks.size());
      blocks.push_back(TensorLifetime{0, tensors[i].first_step, tensors[i].last_step});
    }
    TensorLifetime& b = blocks[root_block[root]];
    b.bytes = std::max(b.bytes, tensors[i].bytes);
    b.first_step = std::min(b.first_step, tensors[i].first_step);
    b.last_step = std::max(b.last_step, tensors[i].last_step);
    block_of[i] = static_cast<size_t>(root_block[root]);
  }
  const MemoryPlan packed = PlanBlocks(blocks, alignment);
  MemoryPlan plan;
  plan.arena_bytes = packed.arena_bytes;
  plan.offsets.resize(n);
  auto aligned = [alignment](int64_t b) { return (b + alignment - 1) / alignment * alignment; };
  for (size_t i = 0; i < n; ++i) {
    plan.offsets[i] = packed.offsets[block_of[i]];
    plan.total_bytes += aligned(std::max<int64_t>(tensors[i].bytes, 1));
  }
  return plan;
}

namespace {

MemoryPlan PlanBlocks(std::span<const TensorLifetime> tensors, int64_t alignment) {
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

}  // namespace

}  // namespace sf
