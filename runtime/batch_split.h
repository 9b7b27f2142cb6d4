// Splitting a T-major batch by sample and gathering it back: the pure functions
// under sf::ReplicaSet. A T-major tensor [T*N, ...] holds step t of sample n in
// row t*N+n; a per-sample tensor [N, ...] holds sample n in row n. Host tensors
// only; no state.
#ifndef SF_RUNTIME_BATCH_SPLIT_H_
#define SF_RUNTIME_BATCH_SPLIT_H_

#include <cstdint>
#include <span>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/tensor.h"

namespace sf {

// A contiguous range of samples [begin, begin + count).
struct SampleRange {
  int64_t begin = 0;
  int64_t count = 0;
};

// Splits `samples` over at most `parts` ranges, in order: min(parts, samples)
// non-empty ranges, the first `samples % used` one sample longer. Empty for
// samples <= 0 or parts <= 0.
std::vector<SampleRange> SplitSamples(int64_t samples, int parts);

// The number of samples of `t` with `steps` rows per sample (steps >= 1).
// InvalidArgument (naming `what`) for a scalar or a row count not a multiple
// of `steps`.
absl::StatusOr<int64_t> SampleCount(const Tensor& t, int64_t steps, absl::string_view what);

// The rows of samples `range` of the T-major tensor `t` ([steps*N, ...]), as a
// new T-major tensor [steps*range.count, ...]. `t` must hold steps*N rows with
// N >= range.begin + range.count.
absl::StatusOr<Tensor> TakeSamples(const Tensor& t, int64_t steps, SampleRange range);

// `batch` samples (>= 1) made from the `steps`-major tensor `t`
// ([steps*Nin, ...]; steps 1 for a per-sample tensor): sample n of the result
// is sample n % Nin of `t`, so the first min(batch, Nin) samples are t's in
// order and more repeat them cyclically. Every step of a sample moves with it
// (result row s*batch + n is t's row s*Nin + n % Nin). InvalidArgument naming
// `what` for batch < 1, a tensor SampleCount refuses, or Nin = 0.
absl::StatusOr<Tensor> RepeatSamples(const Tensor& t, int64_t steps, int64_t batch,
                                     absl::string_view what);

// Gathers one output over replicas: parts[i] came from samples ranges[i]
// (consecutive, covering 0..N). Each part must be T-major ([steps*count, ...])
// or per-sample ([count, ...]), all the same way, with the same dtype and
// trailing dims; the result holds all N samples in order. InvalidArgument
// naming `what` otherwise.
absl::StatusOr<Tensor> GatherSamples(std::span<const Tensor> parts,
                                     std::span<const SampleRange> ranges, int64_t steps,
                                     absl::string_view what);

}  // namespace sf

#endif  // SF_RUNTIME_BATCH_SPLIT_H_
