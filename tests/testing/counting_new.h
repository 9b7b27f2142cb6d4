// Counts heap allocations made through operator new while an
// AllocationCounter is alive, for tests that check a path allocates nothing.
//
// This header REPLACES the global operator new/delete of the test binary it is
// compiled into: include it from exactly one source file per binary. Outside an
// AllocationCounter's scope the replacements only forward to malloc/free (one
// relaxed atomic load more), so the binary's other tests are undisturbed.
// Allocations of every thread are counted (kernels may use helper threads);
// counters must not be nested or used from two threads at once.
// Allocations made with malloc directly (C libraries, the CUDA driver) are not
// counted.
#ifndef SF_TESTS_TESTING_COUNTING_NEW_H_
#define SF_TESTS_TESTING_COUNTING_NEW_H_

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <new>

namespace sf::testing {
namespace counting_new_internal {

inline std::atomic<bool> counting{false};
inline std::atomic<int64_t> count{0};

inline void* Allocate(std::size_t bytes, std::size_t alignment) {
  if (counting.load(std::memory_order_relaxed)) count.fetch_add(1, std::memory_order_relaxed);
  if (bytes == 0) bytes = 1;
  if (alignment <= alignof(std::max_align_t)) return std::malloc(bytes);
  // aligned_alloc needs a size that is a multiple of the alignment.
  return std::aligned_alloc(alignment, (bytes + alignment - 1) / alignment * alignment);
}

inline void* AllocateOrThrow(std::size_t bytes, std::size_t alignment) {
  void* p = Allocate(bytes, alignment);
  if (p == nullptr) throw std::bad_alloc();
  return p;
}

}  // namespace counting_new_internal

// Counts operator new calls (all threads) from construction to destruction.
class AllocationCounter {
 public:
  AllocationCounter() {
    counting_new_internal::count.store(0);
    counting_new_internal::counting.store(true);
  }
  ~AllocationCounter() { counting_new_internal::counting.store(false); }
  AllocationCounter(const AllocationCounter&) = delete;
  AllocationCounter& operator=(const AllocationCounter&) = delete;

  int64_t count() const { return counting_new_internal::count.load(); }
};

}  // namespace sf::testing

// The replaceable global allocation functions ([new.delete]).
void* operator new(std::size_t n) {
  return sf::testing::counting_new_internal::AllocateOrThrow(n, 0);
}
void* operator new[](std::size_t n) {
  return sf::testing::counting_new_internal::AllocateOrThrow(n, 0);
}
void* operator new(std::size_t n, const std::nothrow_t&) noexcept {
  return sf::testing::counting_new_internal::Allocate(n, 0);
}
void* operator new[](std::size_t n, const std::nothrow_t&) noexcept {
  return sf::testing::counting_new_internal::Allocate(n, 0);
}
void* operator new(std::size_t n, std::align_val_t a) {
  return sf::testing::counting_new_internal::AllocateOrThrow(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a) {
  return sf::testing::counting_new_internal::AllocateOrThrow(n, static_cast<std::size_t>(a));
}
void* operator new(std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return sf::testing::counting_new_internal::Allocate(n, static_cast<std::size_t>(a));
}
void* operator new[](std::size_t n, std::align_val_t a, const std::nothrow_t&) noexcept {
  return sf::testing::counting_new_internal::Allocate(n, static_cast<std::size_t>(a));
}
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t, std::align_val_t) noexcept { std::free(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { std::free(p); }

#endif  // SF_TESTS_TESTING_COUNTING_NEW_H_
