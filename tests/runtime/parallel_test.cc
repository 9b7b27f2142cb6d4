// The CPU kernels' parallel loops (runtime/cpu/parallel.h): every index runs
// exactly once, nested and concurrent loops finish, and the kernels built on
// them give one thread's bits.
#include "runtime/cpu/parallel.h"

#include <atomic>
#include <bit>
#include <cmath>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "tests/cpu/kernel_runner.h"
#include "tests/testing/graph_builder.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

// Counts how often each index of [0, count) was visited.
std::vector<int> Visits(int64_t count, int64_t min_chunk) {
  std::vector<std::atomic<int>> seen(static_cast<size_t>(count));
  ParallelFor(count, min_chunk, [&](int64_t begin, int64_t end) {
    EXPECT_LE(0, begin);
    EXPECT_LT(begin, end);
    EXPECT_LE(end, count);
    for (int64_t i = begin; i < end; ++i) seen[static_cast<size_t>(i)].fetch_add(1);
  });
  std::vector<int> out;
  for (const auto& s : seen) out.push_back(s.load());
  return out;
}

TEST(ParallelForTest, EveryIndexOnce) {
  EXPECT_GE(CpuThreads(), 1);
  for (int64_t count : {1, 2, 3, 7, 64, 1000, 4097}) {
    for (int64_t min_chunk : {0, 1, 5, 100, 10000}) {
      const std::vector<int> v = Visits(count, min_chunk);
      for (int64_t i = 0; i < count; ++i) {
        ASSERT_EQ(v[static_cast<size_t>(i)], 1)
            << "index " << i << " of " << count << ", chunk " << min_chunk;
      }
    }
  }
  int calls = 0;
  ParallelFor(0, 1, [&](int64_t, int64_t) { ++calls; });
  EXPECT_EQ(calls, 0);
}

TEST(ParallelForTest, NestedLoopsRunInline) {
  std::vector<std::atomic<int>> seen(64 * 50);
  ParallelFor(64, 1, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      ParallelFor(50, 1, [&](int64_t b, int64_t e) {
        for (int64_t j = b; j < e; ++j) seen[static_cast<size_t>(i * 50 + j)].fetch_add(1);
      });
    }
  });
  for (const auto& s : seen) ASSERT_EQ(s.load(), 1);
}

// Loops from several threads at once (several Runtimes): each finishes, each
// index once; a caller that finds the pool busy runs its loop itself.
TEST(ParallelForTest, ConcurrentCallersAllFinish) {
  std::vector<std::thread> callers;
  std::atomic<int> bad{0};
  for (int t = 0; t < 4; ++t) {
    callers.emplace_back([&bad, t] {
      for (int round = 0; round < 50; ++round) {
        const std::vector<int> v = Visits(100 + 37 * t + round, 1);
        for (int x : v) bad += x != 1;
      }
    });
  }
  for (std::thread& c : callers) c.join();
  EXPECT_EQ(bad.load(), 0);
}

// A MatMul large enough for its rows to be split over the threads: the bits
// of the same sums made by one thread in the kernel's order.
TEST(ParallelForTest, MatMulRowsGiveOneThreadsBits) {
  const int64_t m = 96, k = 200, n = 160;
  std::mt19937 rng(5);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> a(m * k), b(k * n);
  for (float& v : a) v = u(rng);
  for (float& v : b) v = u(rng);
  auto g = testing::OneNodeGraphBuilder(OpType::kMatMul, "mm")
               .Input(DataType::kFloat32, {m, k})
               .Input(DataType::kFloat32, {k, n})
               .Output(DataType::kFloat32, {m, n})
               .Build();
  ASSERT_OK_AND_ASSIGN(
      std::vector<Tensor> out,
      testing::RunKernel(g, {Tensor::FromVector({m, k}, a), Tensor::FromVector({k, n}, b)}));
  const std::vector<float> y = testing::Values<float>(out[0]);
  for (int64_t i = 0; i < m; ++i) {
    std::vector<float> row(n, 0.0f);
    for (int64_t p = 0; p < k; ++p) {
      for (int64_t j = 0; j < n; ++j) row[j] += a[i * k + p] * b[p * n + j];
    }
    for (int64_t j = 0; j < n; ++j) ASSERT_EQ(y[i * n + j], row[j]) << i << "," << j;
  }
}

// Many small products (attention heads) split over the threads by (batch, row),
// with spikes in A: zeros skip their row of B only where that row is finite,
// so the Inf and NaN of two heads still make the NaNs of a plain sum.
TEST(ParallelForTest, BatchedMatMulOfSpikesGivesPlainSums) {
  const int64_t heads = 24, m = 64, k = 40, n = 48;
  std::mt19937 rng(7);
  std::uniform_real_distribution<float> u(-1.0f, 1.0f);
  std::vector<float> a(heads * m * k), b(heads * k * n);
  for (float& v : a) v = u(rng) < -0.6f ? 1.0f : 0.0f;  // ~20% spikes
  for (float& v : b) v = u(rng);
  b[(3 * k + 5) * n + 7] = std::numeric_limits<float>::infinity();
  b[(5 * k + 0) * n + 0] = std::numeric_limits<float>::quiet_NaN();
  auto g = testing::OneNodeGraphBuilder(OpType::kMatMul, "attn")
               .Input(DataType::kFloat32, {heads, m, k})
               .Input(DataType::kFloat32, {heads, k, n})
               .Output(DataType::kFloat32, {heads, m, n})
               .Build();
  ASSERT_OK_AND_ASSIGN(std::vector<Tensor> out,
                       testing::RunKernel(g, {Tensor::FromVector({heads, m, k}, a),
                                              Tensor::FromVector({heads, k, n}, b)}));
  const std::vector<float> y = testing::Values<float>(out[0]);
  int nans = 0;
  for (int64_t h = 0; h < heads; ++h) {
    for (int64_t i = 0; i < m; ++i) {
      std::vector<float> row(n, 0.0f);
      for (int64_t p = 0; p < k; ++p) {
        for (int64_t j = 0; j < n; ++j) row[j] += a[(h * m + i) * k + p] * b[(h * k + p) * n + j];
      }
      for (int64_t j = 0; j < n; ++j) {
        const float got = y[(h * m + i) * n + j];
        nans += std::isnan(row[j]);
        if (std::isnan(row[j])) {
          ASSERT_TRUE(std::isnan(got)) << h << "," << i << "," << j;
        } else {
          ASSERT_EQ(std::bit_cast<uint32_t>(got), std::bit_cast<uint32_t>(row[j]))
              << h << "," << i << "," << j;
        }
      }
    }
  }
  EXPECT_GT(nans, m);  // the NaN row in every row of its head, the Inf row times zeros
}

}  // namespace
}  // namespace sf
