#include "runtime/cpu/parallel.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"

namespace sf {
namespace {

// Set on pool workers, and on a caller while it runs its share of a loop: a
// ParallelFor there runs inline.
thread_local bool in_parallel_loop = false;

class Pool {
 public:
  explicit Pool(int threads) {
    for (int t = 1; t < threads; ++t) workers_.emplace_back([this] { Work(); });
  }
  int threads() const { return static_cast<int>(workers_.size()) + 1; }

  // False when another caller holds the pool (the caller then runs inline).
  bool TryRun(int64_t count, int64_t chunk, absl::FunctionRef<void(int64_t, int64_t)> fn) {
    std::unique_lock<std::mutex> owner(call_mu_, std::try_to_lock);
    if (!owner.owns_lock()) return false;
    {
      std::lock_guard<std::mutex> lock(mu_);
      fn_.emplace(fn);
      count_ = count;
      chunk_ = chunk;
      next_.store(0);
      ++generation_;
    }
    wake_.notify_all();
    in_parallel_loop = true;
    RunChunks();
    in_parallel_loop = false;
    std::unique_lock<std::mutex> lock(mu_);
    // Every range is claimed once next_ passes count_; wait for the workers
    // still running theirs. A worker that wakes later finds nothing to claim.
    done_.wait(lock, [this] { return active_ == 0; });
    fn_.reset();
    return true;
  }

 private:
  void RunChunks() {
    for (;;) {
      const int64_t begin = next_.fetch_add(chunk_);
      if (begin >= count_) return;
      (*fn_)(begin, std::min(begin + chunk_, count_));
    }
  }

  void Work() {
    in_parallel_loop = true;
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      wake_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      if (!fn_.has_value()) continue;  // that loop has already ended
      ++active_;
      lock.unlock();
      RunChunks();
      lock.lock();
      if (--active_ == 0) done_.notify_all();
    }
  }

  std::mutex call_mu_;  // held by the one caller whose loop the workers run
  std::mutex mu_;       // guards fn_, count_, chunk_, generation_, active_
  std::condition_variable wake_, done_;
  std::optional<absl::FunctionRef<void(int64_t, int64_t)>> fn_;
  int64_t count_ = 0, chunk_ = 1;
  std::atomic<int64_t> next_{0};
  uint64_t generation_ = 0;
  int active_ = 0;
  std::vector<std::thread> workers_;  // never joined: the pool lives as long as the process
};

Pool& ThePool() {
  static Pool* pool = new Pool(CpuThreads());
  return *pool;
}

}  // namespace

int CpuThreads() {
  static const int threads = [] {
    int n = 0;
    const char* env = std::getenv("SF_CPU_THREADS");
    if (env != nullptr && absl::SimpleAtoi(env, &n) && n >= 1 && n <= 256) return n;
    n = static_cast<int>(std::thread::hardware_concurrency());
    return std::clamp(n, 1, 256);
  }();
  return threads;
}

int64_t MinChunkFor(int64_t work_per_index) {
  return (int64_t{1} << 17) / std::max<int64_t>(1, work_per_index);
}

void ParallelFor(int64_t count, int64_t min_chunk,
                 absl::FunctionRef<void(int64_t begin, int64_t end)> fn) {
  if (count <= 0) return;
  min_chunk = std::max<int64_t>(min_chunk, 1);
  if (count <= min_chunk || in_parallel_loop || CpuThreads() == 1) {
    fn(0, count);
    return;
  }
  Pool& pool = ThePool();
  // About four ranges a thread, none below min_chunk: uneven rows even out.
  const int64_t chunk =
      std::max(min_chunk, (count + 4 * pool.threads() - 1) / (4 * pool.threads()));
  if (!pool.TryRun(count, chunk, fn)) fn(0, count);
}

}  // namespace sf
