// Memory planner: packs tensor lifetimes into one arena (XNNPACK/TFLite style
// greedy-by-size best fit). Pure function; no allocation of the arena itself.
#ifndef SF_RUNTIME_MEMORY_PLANNER_H_
#define SF_RUNTIME_MEMORY_PLANNER_H_

#include <cstdint>
#include <span>
#include <vector>

namespace sf {

struct TensorLifetime {
  int64_t bytes = 0;
  int first_step = 0;  // step that writes it (inclusive)
  int last_step = 0;   // last step that reads it (inclusive)
  // In place: the index of a tensor whose bytes this one takes over (its last
  // reader is this tensor's writer, same size), -1 for none. Chains are fine;
  // a chain is placed as one block living from its first write to its last read.
  int in_place_of = -1;
};

struct MemoryPlan {
  std::vector<int64_t> offsets;  // byte offset per tensor, aligned
  int64_t arena_bytes = 0;       // size of the arena that holds them all
  int64_t total_bytes = 0;       // sum of all tensor sizes (aligned), for comparison
};

// Tensors whose lifetimes overlap never share bytes, except a tensor and the
// one it is in place of (same offset). `alignment` is a power of two.
MemoryPlan PlanMemory(std::span<const TensorLifetime> tensors, int64_t alignment = 64);

}  // namespace sf

#endif  // SF_RUNTIME_MEMORY_PLANNER_H_
