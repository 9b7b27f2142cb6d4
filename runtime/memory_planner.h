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
};

struct MemoryPlan {
  std::vector<int64_t> offsets;  // byte offset per tensor, aligned
  int64_t arena_bytes = 0;       // size of the arena that holds them all
  int64_t total_bytes = 0;       // sum of all tensor sizes (aligned), for comparison
};

// Tensors whose lifetimes overlap never share bytes. `alignment` is a power of two.
MemoryPlan PlanMemory(std::span<const TensorLifetime> tensors, int64_t alignment = 64);

}  // namespace sf

#endif  // SF_RUNTIME_MEMORY_PLANNER_H_
