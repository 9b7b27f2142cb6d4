// Tensor: a dense, C-order host tensor with an owned, 64-byte aligned buffer.
//
// Ownership: the buffer is reference counted; copying a Tensor shares the data
// (cheap, like a view). Use Clone() for a deep copy. Not thread-safe for
// concurrent writes to the same buffer.
#ifndef SF_GRAPH_TENSOR_H_
#define SF_GRAPH_TENSOR_H_

#include "absl/strings/string_view.h"
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/dtype.h"

namespace sf {

// Upper bounds that protect against absurd sizes in untrusted models/inputs.
inline constexpr int kMaxRank = 16;
inline constexpr int64_t kMaxTensorElements = int64_t{1} << 34;  // 16 Gi elements
inline constexpr int64_t kMaxTensorBytes = int64_t{1} << 36;     // 64 GiB

// Product of `dims` with overflow/negative checks against the limits above.
// `what` names the tensor in the error message.
absl::StatusOr<int64_t> CheckedElementCount(std::span<const int64_t> dims,
                                            absl::string_view what);

class Tensor {
 public:
  Tensor() = default;

  // Allocates a zero-filled tensor. Fails on negative dims, rank > kMaxRank,
  // or sizes beyond kMaxTensorElements/kMaxTensorBytes.
  static absl::StatusOr<Tensor> Create(DataType dtype, std::vector<int64_t> dims,
                                       absl::string_view what = "tensor");
  // Convenience for tests and constants: a tensor holding `values` with `dims`.
  template <typename T>
  static Tensor FromVector(std::vector<int64_t> dims, const std::vector<T>& values);
  static Tensor Scalar(float v) { return FromVector<float>({}, {v}); }
  // A tensor over `bytes_available` bytes at `base + offset` of a buffer owned by
  // `owner` (kept alive by the view). Fails when the tensor does not fit.
  static absl::StatusOr<Tensor> View(DataType dtype, std::vector<int64_t> dims,
                                     std::shared_ptr<void> owner, size_t offset,
                                     size_t bytes_available);
  // A tensor over `data`, memory the caller owns (nothing is reference
  // counted): the caller keeps at least nbytes() there alive while this tensor
  // or a copy of it is used. Fails on bad dims or an undefined dtype.
  static absl::StatusOr<Tensor> Borrow(DataType dtype, std::vector<int64_t> dims, void* data);
  // Points this tensor at other memory the caller owns, as Borrow does (same
  // dtype and dims; its own buffer, if any, is released). Allocates nothing.
  void Rebind(void* data) {
    buffer_.reset();
    data_ = data;
  }

  bool empty() const { return buffer_ == nullptr && dims_.empty() && dtype_ == DataType::kUndefined; }
  DataType dtype() const { return dtype_; }
  const std::vector<int64_t>& dims() const { return dims_; }
  int rank() const { return static_cast<int>(dims_.size()); }
  int64_t dim(int i) const { return dims_[i]; }
  int64_t num_elements() const { return num_elements_; }
  size_t nbytes() const { return static_cast<size_t>(num_elements_) * SizeOf(dtype_); }

  void* raw_data() { return data_; }
  const void* raw_data() const { return data_; }
  template <typename T> T* data() { return static_cast<T*>(data_); }
  template <typename T> const T* data() const { return static_cast<const T*>(data_); }
  template <typename T> std::span<T> span() { return {data<T>(), static_cast<size_t>(num_elements_)}; }
  template <typename T> std::span<const T> span() const {
    return {data<T>(), static_cast<size_t>(num_elements_)};
  }

  // Same data, other dims (element count must match). Shares the buffer.
  absl::StatusOr<Tensor> Reshaped(std::vector<int64_t> dims) const;
  // Deep copy.
  Tensor Clone() const;
  // Returns this tensor's values converted to int64 (for shape-like inputs);
  // fails for non-integer dtypes.
  absl::StatusOr<std::vector<int64_t>> ToInt64Vector() const;

 private:
  DataType dtype_ = DataType::kUndefined;
  std::vector<int64_t> dims_;
  int64_t num_elements_ = 0;
  std::shared_ptr<void> buffer_;
  void* data_ = nullptr;
};

template <typename T>
Tensor Tensor::FromVector(std::vector<int64_t> dims, const std::vector<T>& values) {
  Tensor t = Create(DataTypeOf<T>(), std::move(dims)).value();
  for (size_t i = 0; i < values.size() && i < static_cast<size_t>(t.num_elements()); ++i) {
    t.data<T>()[i] = values[i];
  }
  return t;
}

std::string ShapeToString(std::span<const int64_t> dims);

}  // namespace sf

#endif  // SF_GRAPH_TENSOR_H_
