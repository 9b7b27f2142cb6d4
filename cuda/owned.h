// Owned<T, Destroy>: a move-only owner of one CUDA/cuDNN/cuBLAS handle (a stream,
// an event, a descriptor, a device pointer), destroyed with `Destroy` when the
// owner dies. The one RAII pattern every wrapper in cuda/ is built from.
// Not thread-safe; the owner is used by one thread at a time.
#ifndef SF_CUDA_OWNED_H_
#define SF_CUDA_OWNED_H_

#include <utility>

namespace sf::cuda {

template <typename T, auto Destroy>
class Owned {
 public:
  Owned() = default;
  explicit Owned(T handle) : handle_(handle) {}
  Owned(Owned&& other) noexcept : handle_(std::exchange(other.handle_, T{})) {}
  Owned& operator=(Owned&& other) noexcept {
    if (this != &other) {
      Reset();
      handle_ = std::exchange(other.handle_, T{});
    }
    return *this;
  }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() { Reset(); }

  T get() const { return handle_; }
  explicit operator bool() const { return handle_ != T{}; }

 private:
  void Reset() {
    if (handle_ != T{}) Destroy(handle_);  // errors at teardown cannot be reported
    handle_ = T{};
  }
  T handle_{};
};

}  // namespace sf::cuda

#endif  // SF_CUDA_OWNED_H_
