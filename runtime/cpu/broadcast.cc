#include "runtime/cpu/broadcast.h"

#include <algorithm>

#include "graph/status.h"
#include "runtime/cpu/kernel_util.h"

namespace sf {

absl::StatusOr<std::vector<int64_t>> BroadcastDims(const Node& node,
                                                   std::span<const std::vector<int64_t>> dims) {
  size_t rank = 0;
  for (const auto& d : dims) rank = std::max(rank, d.size());
  std::vector<int64_t> out(rank, 1);
  for (const auto& d : dims) {
    const size_t shift = rank - d.size();
    for (size_t i = 0; i < d.size(); ++i) {
      int64_t& o = out[shift + i];
      if (d[i] == o || d[i] == 1) continue;
      if (o != 1) {
        return NodeError(node, "shapes do not broadcast: dim ", d[i], " vs ", o);
      }
      o = d[i];
    }
  }
  return out;
}

absl::StatusOr<BroadcastPlan> BroadcastPlan::Create(const Node& node,
                                                    std::span<const std::vector<int64_t>> in_dims,
                                                    std::span<const int64_t> out_dims) {
  if (in_dims.size() > kMaxInputs || out_dims.size() > static_cast<size_t>(kMaxRank)) {
    return NodeError(node, "too many broadcast inputs or dims");
  }
  BroadcastPlan plan;
  plan.num_inputs_ = static_cast<int>(in_dims.size());
  plan.num_elements_ = Product(out_dims);
  const size_t rank = out_dims.size();
  // Per output dim, the element stride of each input (0 where it broadcasts).
  std::vector<Offsets> strides(rank, Offsets{});
  for (size_t i = 0; i < in_dims.size(); ++i) {
    const std::vector<int64_t>& d = in_dims[i];
    if (d.size() > rank) return NodeError(node, "input ", i, " has a higher rank than the output");
    const size_t shift = rank - d.size();
    int64_t stride = 1;
    for (size_t k = d.size(); k-- > 0;) {
      if (d[k] != out_dims[shift + k] && d[k] != 1) {
        return NodeError(node, "input ", i, " ", ShapeToString(d), " does not broadcast to ",
                         ShapeToString(out_dims));
      }
      strides[shift + k][i] = d[k] == 1 ? 0 : stride;
      stride *= d[k];
    }
  }
  // Merge dim k into the previous merged dim when every input is contiguous across them.
  plan.dims_.push_back(1);
  plan.strides_.push_back(Offsets{});
  for (size_t k = 0; k < rank; ++k) {
    if (out_dims[k] == 1) continue;
    Offsets& prev = plan.strides_.back();
    bool mergeable = true;
    for (int i = 0; i < plan.num_inputs_; ++i) {
      if (prev[i] != strides[k][i] * out_dims[k]) mergeable = false;
    }
    if (mergeable || plan.dims_.back() == 1) {
      plan.dims_.back() *= out_dims[k];
      prev = strides[k];
    } else {
      plan.dims_.push_back(out_dims[k]);
      plan.strides_.push_back(strides[k]);
    }
  }
  return plan;
}

}  // namespace sf
