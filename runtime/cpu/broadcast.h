// Numpy multidirectional broadcasting for the CPU kernels, shared by every
// elementwise op with more than one input (Add ... Where) and by Expand.
//
// A BroadcastPlan is built once in Prepare from the concrete input and output
// dims; adjacent dims that broadcast the same way for every input are merged,
// so equal shapes run as one contiguous loop. ForEachRun allocates nothing.
#ifndef SF_RUNTIME_CPU_BROADCAST_H_
#define SF_RUNTIME_CPU_BROADCAST_H_

#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"

namespace sf {

// The broadcast of `dims` (numpy rules); error naming the node when incompatible.
absl::StatusOr<std::vector<int64_t>> BroadcastDims(const Node& node,
                                                   std::span<const std::vector<int64_t>> dims);

class BroadcastPlan {
 public:
  static constexpr int kMaxInputs = 3;
  using Offsets = std::array<int64_t, kMaxInputs>;

  // Plan for reading inputs of `in_dims` (at most kMaxInputs) at every element of
  // an output of `out_dims`. Error naming the node when an input does not
  // broadcast to `out_dims`.
  static absl::StatusOr<BroadcastPlan> Create(const Node& node,
                                              std::span<const std::vector<int64_t>> in_dims,
                                              std::span<const int64_t> out_dims);

  // Calls f(out_offset, len, in_offsets, in_steps) for each run of `len`
  // consecutive output elements; input i is read at in_offsets[i] + j * in_steps[i]
  // (in_steps[i] is 0 or 1) for j in [0, len). Offsets are in elements.
  template <typename F>
  void ForEachRun(F&& f) const;

 private:
  int num_inputs_ = 0;
  int64_t num_elements_ = 0;
  std::vector<int64_t> dims_;     // merged output dims, innermost last (at least 1)
  std::vector<Offsets> strides_;  // strides_[d][i]: stride of input i along dims_[d]
};

template <typename F>
void BroadcastPlan::ForEachRun(F&& f) const {
  if (num_elements_ == 0) return;
  const int rank = static_cast<int>(dims_.size());
  const int64_t inner = dims_[rank - 1];
  const Offsets& steps = strides_[rank - 1];
  std::array<int64_t, 64> counter{};  // merged rank <= kMaxRank + 1
  Offsets offsets{};
  for (int64_t out = 0; out < num_elements_; out += inner) {
    f(out, inner, offsets, steps);
    for (int d = rank - 2; d >= 0; --d) {
      for (int i = 0; i < num_inputs_; ++i) offsets[i] += strides_[d][i];
      if (++counter[d] < dims_[d]) break;
      for (int i = 0; i < num_inputs_; ++i) offsets[i] -= strides_[d][i] * dims_[d];
      counter[d] = 0;
    }
  }
}

}  // namespace sf

#endif  // SF_RUNTIME_CPU_BROADCAST_H_
