// Host-side builders of cuda::Indexer for the GPU kernels: contiguous and
// broadcast strides, and the rank check. Errors name the node.
#ifndef SF_RUNTIME_GPU_INDEXING_H_
#define SF_RUNTIME_GPU_INDEXING_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "cuda/kernels/indexer.h"
#include "graph/graph.h"

namespace sf {

// C-order strides of `dims`, in elements.
std::vector<int64_t> ContiguousStrides(std::span<const int64_t> dims);
// Strides that read `in_dims` broadcast (numpy, right-aligned) to `out_dims`:
// 0 along broadcast dims. `in_dims` must broadcast to `out_dims`.
std::vector<int64_t> BroadcastStrides(std::span<const int64_t> in_dims,
                                      std::span<const int64_t> out_dims);
// An Indexer walking `dims` with the given per-operand strides (each of
// dims.size() entries) and bases; error naming the node when the rank is too
// high. The same walk with the fewest dims: size-1 dims dropped and adjacent
// dims that every operand steps through contiguously merged (its rank may be
// lower than dims.size(); only the offsets it yields are defined).
absl::StatusOr<cuda::Indexer> MakeIndexer(const Node& node, std::span<const int64_t> dims,
                                          std::span<const std::vector<int64_t>> strides,
                                          std::span<const int64_t> bases = {});

}  // namespace sf

#endif  // SF_RUNTIME_GPU_INDEXING_H_
