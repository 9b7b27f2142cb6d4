// TensorView: a non-owning view of caller memory, host or CUDA device, that
// Runtime::RunInto reads inputs from and writes outputs into (no copy where the
// backend can use the memory directly). Part of the public API (sf/runtime.h).
//
// Ownership: the caller owns `data` and keeps it alive, unmoved and not used by
// other work until the call that was given the view returns. Bytes:
// product(dims) * SizeOf(dtype), C order, no padding.
#ifndef SF_RUNTIME_TENSOR_VIEW_H_
#define SF_RUNTIME_TENSOR_VIEW_H_

#include <cstdint>
#include <vector>

#include "absl/strings/string_view.h"
#include "graph/dtype.h"

namespace sf {

// Where a TensorView's bytes live.
enum class MemoryKind {
  kHost,  // host memory (pageable or pinned)
  kCuda,  // device memory of the Runtime's CUDA device (cudaMalloc / cudaMallocAsync)
};

absl::string_view ToString(MemoryKind memory);  // "host" / "cuda"

struct TensorView {
  void* data = nullptr;
  DataType dtype = DataType::kUndefined;
  std::vector<int64_t> dims;
  MemoryKind memory = MemoryKind::kHost;
};

}  // namespace sf

#endif  // SF_RUNTIME_TENSOR_VIEW_H_
