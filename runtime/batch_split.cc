#include "runtime/batch_split.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "graph/status.h"

namespace sf {
namespace {

// Bytes of one row (everything after the first dim) of `t`, rank >= 1.
size_t RowBytes(const Tensor& t) {
  return t.dim(0) == 0 ? 0 : t.nbytes() / static_cast<size_t>(t.dim(0));
}

std::vector<int64_t> WithRows(const std::vector<int64_t>& dims, int64_t rows) {
  std::vector<int64_t> out = dims;
  out[0] = rows;
  return out;
}

}  // namespace

std::vector<SampleRange> SplitSamples(int64_t samples, int parts) {
  std::vector<SampleRange> ranges;
  if (samples <= 0 || parts <= 0) return ranges;
  const int64_t used = std::min<int64_t>(parts, samples);
  const int64_t base = samples / used, extra = samples % used;
  int64_t begin = 0;
  for (int64_t i = 0; i < used; ++i) {
    const int64_t count = base + (i < extra ? 1 : 0);
    ranges.push_back({begin, count});
    begin += count;
  }
  return ranges;
}

absl::StatusOr<int64_t> SampleCount(const Tensor& t, int64_t steps, absl::string_view what) {
  if (steps < 1) return absl::InvalidArgumentError(absl::StrCat("steps must be >= 1, got ", steps));
  if (t.rank() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", what, "' is a scalar: it has no batch dimension to split"));
  }
  if (t.dim(0) % steps != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", what, "' has ", t.dim(0), " rows, not a multiple of T=", steps,
                     " (a T-major batch is [T*N, ...])"));
  }
  return t.dim(0) / steps;
}

absl::StatusOr<Tensor> TakeSamples(const Tensor& t, int64_t steps, SampleRange range) {
  SF_ASSIGN_OR_RETURN(int64_t samples, SampleCount(t, steps, "tensor"));
  if (range.begin < 0 || range.count < 0 || range.begin + range.count > samples) {
    return absl::InvalidArgumentError(absl::StrCat("samples [", range.begin, ", ",
                                                   range.begin + range.count, ") out of ",
                                                   samples));
  }
  SF_ASSIGN_OR_RETURN(Tensor out, Tensor::Create(t.dtype(), WithRows(t.dims(), steps * range.count)));
  const size_t row = RowBytes(t);
  const auto* src = static_cast<const char*>(t.raw_data());
  auto* dst = static_cast<char*>(out.raw_data());
  const size_t chunk = row * static_cast<size_t>(range.count);
  for (int64_t s = 0; s < steps && chunk > 0; ++s) {
    std::memcpy(dst + static_cast<size_t>(s) * chunk,
                src + static_cast<size_t>(s * samples + range.begin) * row, chunk);
  }
  return out;
}

absl::StatusOr<Tensor> RepeatSamples(const Tensor& t, int64_t steps, int64_t batch,
                                     absl::string_view what) {
  if (batch < 1) {
    return absl::InvalidArgumentError(absl::StrCat("'", what, "': batch must be >= 1, got ", batch));
  }
  SF_ASSIGN_OR_RETURN(int64_t samples, SampleCount(t, steps, what));
  if (samples == 0) {
    return absl::InvalidArgumentError(absl::StrCat("'", what, "' holds no sample to batch"));
  }
  SF_ASSIGN_OR_RETURN(Tensor out,
                      Tensor::Create(t.dtype(), WithRows(t.dims(), steps * batch), what));
  const size_t row = RowBytes(t);
  const auto* src = static_cast<const char*>(t.raw_data());
  auto* dst = static_cast<char*>(out.raw_data());
  for (int64_t s = 0; s < steps && row > 0; ++s) {
    for (int64_t n = 0; n < batch; ++n) {
      std::memcpy(dst + static_cast<size_t>(s * batch + n) * row,
                  src + static_cast<size_t>(s * samples + n % samples) * row, row);
    }
  }
  return out;
}

absl::StatusOr<Tensor> GatherSamples(std::span<const Tensor> parts,
                                     std::span<const SampleRange> ranges, int64_t steps,
                                     absl::string_view what) {
  if (parts.empty() || parts.size() != ranges.size() || steps < 1) {
    return absl::InvalidArgumentError(absl::StrCat("output '", what, "': ", parts.size(),
                                                   " parts for ", ranges.size(), " ranges"));
  }
  int64_t samples = 0;
  for (const SampleRange& r : ranges) {
    if (r.begin != samples || r.count < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("output '", what, "': sample ranges are not consecutive"));
    }
    samples += r.count;
  }
  // Rows per sample of the parts: T (T-major) or 1 (per-sample), the same for all.
  int64_t rows_per_sample = 0;
  for (int64_t candidate : {steps, int64_t{1}}) {
    bool all = true;
    for (size_t i = 0; i < parts.size(); ++i) {
      all = all && parts[i].rank() >= 1 && parts[i].dim(0) == candidate * ranges[i].count;
    }
    if (all) {
      rows_per_sample = candidate;
      break;
    }
  }
  if (rows_per_sample == 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "output '", what, "' can't be gathered by sample: its first dimension is neither the ",
        "replica's sample count nor T=", steps, " times it (got ", ShapeToString(parts[0].dims()),
        " for ", ranges[0].count, " samples)"));
  }
  for (const Tensor& p : parts) {
    if (p.dtype() != parts[0].dtype() ||
        !std::equal(p.dims().begin() + 1, p.dims().end(), parts[0].dims().begin() + 1,
                    parts[0].dims().end())) {
      return absl::InvalidArgumentError(absl::StrCat(
          "output '", what, "' differs between replicas: ", ToString(parts[0].dtype()),
          ShapeToString(parts[0].dims()), " vs ", ToString(p.dtype()), ShapeToString(p.dims())));
    }
  }
  SF_ASSIGN_OR_RETURN(Tensor out, Tensor::Create(parts[0].dtype(),
                                                 WithRows(parts[0].dims(), rows_per_sample * samples),
                                                 what));
  const size_t row = RowBytes(parts[0]);
  auto* dst = static_cast<char*>(out.raw_data());
  for (size_t i = 0; i < parts.size() && row > 0; ++i) {
    const auto* src = static_cast<const char*>(parts[i].raw_data());
    const size_t chunk = row * static_cast<size_t>(ranges[i].count);
    for (int64_t s = 0; s < rows_per_sample; ++s) {
      std::memcpy(dst + static_cast<size_t>(s * samples + ranges[i].begin) * row,
                  src + static_cast<size_t>(s) * chunk, chunk);
    }
  }
  return out;
}

}  // namespace sf
