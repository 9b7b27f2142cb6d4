#include "graph/tensor.h"

#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sf {

absl::StatusOr<int64_t> CheckedElementCount(std::span<const int64_t> dims,
                                            absl::string_view what) {
  if (dims.size() > static_cast<size_t>(kMaxRank)) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": rank ", dims.size(),
                                                   " exceeds the limit of ", kMaxRank));
  }
  int64_t n = 1;
  for (int64_t d : dims) {
    if (d < 0) {
      return absl::InvalidArgumentError(
          absl::StrCat(what, ": negative dimension in shape ", ShapeToString(dims)));
    }
    if (d != 0 && n > kMaxTensorElements / d) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": shape ", ShapeToString(dims), " has too many elements (limit ",
          kMaxTensorElements, ")"));
    }
    n *= d;
  }
  return n;
}

absl::StatusOr<Tensor> Tensor::Create(DataType dtype, std::vector<int64_t> dims,
                                      absl::string_view what) {
  if (SizeOf(dtype) == 0) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": undefined element type"));
  }
  auto count = CheckedElementCount(dims, what);
  if (!count.ok()) return count.status();
  int64_t bytes = *count * static_cast<int64_t>(SizeOf(dtype));
  if (*count != 0 && bytes / *count != static_cast<int64_t>(SizeOf(dtype))) bytes = -1;
  if (bytes < 0 || bytes > kMaxTensorBytes) {
    return absl::ResourceExhaustedError(absl::StrCat(
        what, ": ", ShapeToString(dims), " needs more than the ", kMaxTensorBytes,
        "-byte tensor limit"));
  }
  Tensor t;
  t.dtype_ = dtype;
  t.dims_ = std::move(dims);
  t.num_elements_ = *count;
  constexpr size_t kAlign = 64;
  size_t alloc = (static_cast<size_t>(bytes) + kAlign - 1) / kAlign * kAlign;
  if (alloc == 0) alloc = kAlign;
  void* p = ::operator new(alloc, std::align_val_t(kAlign), std::nothrow);
  if (p == nullptr) {
    return absl::ResourceExhaustedError(
        absl::StrCat(what, ": out of memory allocating ", alloc, " bytes"));
  }
  std::memset(p, 0, alloc);
  t.buffer_ = std::shared_ptr<void>(
      p, [](void* q) { ::operator delete(q, std::align_val_t(kAlign)); });
  t.data_ = p;
  return t;
}

absl::StatusOr<Tensor> Tensor::View(DataType dtype, std::vector<int64_t> dims,
                                    std::shared_ptr<void> owner, size_t offset,
                                    size_t bytes_available) {
  auto count = CheckedElementCount(dims, "view");
  if (!count.ok()) return count.status();
  size_t bytes = static_cast<size_t>(*count) * SizeOf(dtype);
  if (SizeOf(dtype) == 0 || offset > bytes_available || bytes > bytes_available - offset) {
    return absl::InternalError(absl::StrCat("view of ", ShapeToString(dims), " at offset ",
                                            offset, " exceeds its ", bytes_available,
                                            "-byte buffer"));
  }
  Tensor t;
  t.dtype_ = dtype;
  t.dims_ = std::move(dims);
  t.num_elements_ = *count;
  t.data_ = static_cast<char*>(owner.get()) + offset;
  t.buffer_ = std::move(owner);
  return t;
}

absl::StatusOr<Tensor> Tensor::Borrow(DataType dtype, std::vector<int64_t> dims, void* data) {
  auto count = CheckedElementCount(dims, "borrowed tensor");
  if (!count.ok()) return count.status();
  if (SizeOf(dtype) == 0) {
    return absl::InvalidArgumentError("borrowed tensor: undefined element type");
  }
  Tensor t;
  t.dtype_ = dtype;
  t.dims_ = std::move(dims);
  t.num_elements_ = *count;
  t.data_ = data;
  return t;
}

absl::StatusOr<Tensor> Tensor::Reshaped(std::vector<int64_t> dims) const {
  auto count = CheckedElementCount(dims, "reshape");
  if (!count.ok()) return count.status();
  if (*count != num_elements_) {
    return absl::InvalidArgumentError(absl::StrCat("cannot reshape ", ShapeToString(dims_),
                                                   " to ", ShapeToString(dims)));
  }
  Tensor t = *this;
  t.dims_ = std::move(dims);
  return t;
}

Tensor Tensor::Clone() const {
  if (dtype_ == DataType::kUndefined) return Tensor();
  Tensor t = Create(dtype_, dims_).value();
  if (nbytes() > 0) std::memcpy(t.data_, data_, nbytes());
  return t;
}

absl::StatusOr<std::vector<int64_t>> Tensor::ToInt64Vector() const {
  std::vector<int64_t> out(static_cast<size_t>(num_elements_));
  switch (dtype_) {
    case DataType::kInt64:
      for (int64_t i = 0; i < num_elements_; ++i) out[i] = data<int64_t>()[i];
      return out;
    case DataType::kInt32:
      for (int64_t i = 0; i < num_elements_; ++i) out[i] = data<int32_t>()[i];
      return out;
    default:
      return absl::InvalidArgumentError(
          absl::StrCat("expected an int32/int64 tensor, got ", ToString(dtype_)));
  }
}

std::string ShapeToString(std::span<const int64_t> dims) {
  return absl::StrCat("[", absl::StrJoin(dims, ","), "]");
}

}  // namespace sf
