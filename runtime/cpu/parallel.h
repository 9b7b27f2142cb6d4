// Output-parallel loops for the CPU kernels: one process-wide pool of worker
// threads, started on first use.
//
// ParallelFor(count, min_chunk, fn) calls fn(begin, end) on disjoint ranges that
// cover [0, count) exactly once, from up to CpuThreads() threads (the caller
// is one of them), and returns when every range is done. A kernel that writes
// each output from the indices of one range only, in the same order whatever
// the range, gives the same bits with any number of threads.
//
// It runs the whole range on the calling thread when there is one thread, when
// count is at most min_chunk, inside another ParallelFor (a worker or a caller
// in its own loop), and when another thread's ParallelFor holds the pool (two
// Runtimes run on two threads: each keeps its own thread busy, neither waits).
// Nothing is allocated per call.
#ifndef SF_RUNTIME_CPU_PARALLEL_H_
#define SF_RUNTIME_CPU_PARALLEL_H_

#include <cstdint>

#include "absl/functional/function_ref.h"

namespace sf {

// Threads a ParallelFor may use: SF_CPU_THREADS when it is an integer in
// [1, 256], else std::thread::hardware_concurrency() (at least 1, at most 256).
// Read once per process.
int CpuThreads();

void ParallelFor(int64_t count, int64_t min_chunk,
                 absl::FunctionRef<void(int64_t begin, int64_t end)> fn);

// The min_chunk of a loop whose indices cost `work_per_index` multiply-adds
// each: ranges of at least 2^17 of them (less is not worth waking a thread).
int64_t MinChunkFor(int64_t work_per_index);

}  // namespace sf

#endif  // SF_RUNTIME_CPU_PARALLEL_H_
