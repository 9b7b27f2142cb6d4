#include "runtime/gpu/indexing.h"

#include "runtime/cpu/kernel_util.h"

namespace sf {

std::vector<int64_t> ContiguousStrides(std::span<const int64_t> dims) {
  std::vector<int64_t> strides(dims.size(), 1);
  for (int d = static_cast<int>(dims.size()) - 2; d >= 0; --d) {
    strides[d] = strides[d + 1] * dims[d + 1];
  }
  return strides;
}

std::vector<int64_t> BroadcastStrides(std::span<const int64_t> in_dims,
                                      std::span<const int64_t> out_dims) {
  std::vector<int64_t> in_strides = ContiguousStrides(in_dims);
  std::vector<int64_t> strides(out_dims.size(), 0);
  const size_t shift = out_dims.size() - in_dims.size();
  for (size_t d = 0; d < in_dims.size(); ++d) {
    strides[shift + d] = in_dims[d] == 1 ? 0 : in_strides[d];
  }
  return strides;
}

absl::StatusOr<cuda::Indexer> MakeIndexer(const Node& node, std::span<const int64_t> dims,
                                          std::span<const std::vector<int64_t>> strides,
                                          std::span<const int64_t> bases) {
  if (dims.size() > static_cast<size_t>(cuda::kMaxIndexRank) ||
      strides.size() > static_cast<size_t>(cuda::kMaxOperands)) {
    return NodeError(node, "rank ", dims.size(), " is above the CUDA kernels' limit of ",
                     cuda::kMaxIndexRank);
  }
  // Coalesced: size-1 dims dropped, and a dim merged into the one before it
  // wherever every operand steps through both as through one (stride of the
  // outer = stride of the inner x its size; broadcast 0/0 too). Same-shape
  // contiguous operands become rank 1, so kernels divide once per element
  // instead of once per dim.
  cuda::Indexer ix;
  ix.rank = 0;
  for (size_t d = 0; d < dims.size(); ++d) {
    if (dims[d] == 1) continue;
    const int r = ix.rank;
    bool merge = r > 0;
    for (size_t k = 0; k < strides.size() && merge; ++k) {
      merge = ix.strides[k][r - 1] == strides[k][d] * dims[d];
    }
    if (merge) {
      ix.dims[r - 1] *= dims[d];
      for (size_t k = 0; k < strides.size(); ++k) ix.strides[k][r - 1] = strides[k][d];
      continue;
    }
    ix.dims[r] = dims[d];
    for (size_t k = 0; k < strides.size(); ++k) ix.strides[k][r] = strides[k][d];
    ix.rank = r + 1;
  }
  for (size_t k = 0; k < bases.size() && k < static_cast<size_t>(cuda::kMaxOperands); ++k) {
    ix.base[k] = bases[k];
  }
  cuda::SetFastDivisions(ix);
  return ix;
}

}  // namespace sf
