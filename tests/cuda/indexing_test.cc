// The host-side Indexer builder (runtime/gpu/indexing.h): dims are coalesced
// (size-1 dims dropped, dims every operand walks contiguously merged) and the
// walk still reaches the same element offsets as the uncoalesced one. Host
// only: runs without a GPU.
#include "runtime/gpu/indexing.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <vector>

#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using Dims = std::vector<int64_t>;

// The offsets the kernels compute (cuda::OffsetsAt, host and device).
std::vector<int64_t> Offsets(const cuda::Indexer& ix, int operand, int64_t n) {
  std::vector<int64_t> out;
  for (int64_t i = 0; i < n; ++i) {
    int64_t off[cuda::kMaxOperands];
    cuda::OffsetsAt(ix, i, off);
    out.push_back(off[operand]);
  }
  return out;
}

// The same offsets without coalescing: C-order walk of `dims`.
std::vector<int64_t> Reference(const Dims& dims, const Dims& strides, int64_t base) {
  int64_t n = 1;
  for (int64_t d : dims) n *= d;
  std::vector<int64_t> out;
  for (int64_t i = 0; i < n; ++i) {
    int64_t off = base, rest = i;
    for (int d = static_cast<int>(dims.size()) - 1; d >= 0; --d) {
      off += (rest % dims[d]) * strides[d];
      rest /= dims[d];
    }
    out.push_back(off);
  }
  return out;
}

Node AddNode() {
  Node node;
  node.name = "add_0";
  node.op = OpType::kAdd;
  return node;
}

TEST(IndexingTest, SameShapeOperandsCoalesceToRankOne) {
  const Dims dims = {4, 16, 16, 64};
  const std::vector<Dims> strides = {ContiguousStrides(dims), ContiguousStrides(dims)};
  ASSERT_OK_AND_ASSIGN(cuda::Indexer ix, MakeIndexer(AddNode(), dims, strides));
  EXPECT_EQ(ix.rank, 1);
  EXPECT_EQ(ix.dims[0], 4 * 16 * 16 * 64);
  EXPECT_EQ(ix.strides[0][0], 1);
  EXPECT_EQ(ix.strides[1][0], 1);
}

TEST(IndexingTest, CoalescedWalksReachTheSameOffsets) {
  struct Case {
    Dims out, a, b;  // output dims and the two operands' (broadcast) dims
  };
  const Case cases[] = {
      {{2, 3, 4, 5}, {2, 3, 4, 5}, {1, 3, 1, 1}},  // per-channel bias: no full merge
      {{2, 3, 4, 5}, {2, 3, 4, 5}, {5}},           // trailing broadcast
      {{2, 1, 4, 1, 5}, {2, 1, 4, 1, 5}, {2, 1, 4, 1, 5}},  // size-1 dims dropped
      {{6, 1}, {6, 1}, {1}},                       // scalar operand
      {{1, 1}, {1, 1}, {1, 1}},                    // one element: rank 0
      {{3, 4, 5}, {1, 4, 5}, {3, 1, 5}},           // both broadcast, differently
  };
  for (const Case& c : cases) {
    const std::vector<Dims> strides = {BroadcastStrides(c.a, c.out), BroadcastStrides(c.b, c.out)};
    ASSERT_OK_AND_ASSIGN(cuda::Indexer ix, MakeIndexer(AddNode(), c.out, strides));
    int64_t n = 1;
    for (int64_t d : c.out) n *= d;
    EXPECT_LE(ix.rank, static_cast<int>(c.out.size()));
    for (int k = 0; k < 2; ++k) {
      EXPECT_EQ(Offsets(ix, k, n), Reference(c.out, strides[k], 0))
          << "operand " << k << " of out rank " << c.out.size();
    }
  }
  // A transpose's strides do not merge: rank 2 stays.
  const Dims dims = {3, 4};
  const std::vector<Dims> strides = {{1, 3}};
  ASSERT_OK_AND_ASSIGN(cuda::Indexer ix, MakeIndexer(AddNode(), dims, strides));
  EXPECT_EQ(ix.rank, 2);
  EXPECT_EQ(Offsets(ix, 0, 12), Reference(dims, strides[0], 0));
}

// Walks under 2^31 indices divide by multiply-high (Indexer::fast): the same
// offsets as 64-bit division, over dims of many sizes (powers of two, primes,
// ones that need the rounding of FastDiv's multiplier) and a transpose.
TEST(IndexingTest, FastDivisionsReachTheSameOffsets) {
  const Dims sizes[] = {
      {7, 3, 5}, {64, 384, 64}, {3, 1000003}, {2, 65537, 3}, {641, 6700417 / 641}};
  for (const Dims& dims : sizes) {
    // The walk's dims reversed: a transpose, so nothing merges.
    std::vector<int64_t> strides(dims.size());
    int64_t stride = 1;
    for (size_t d = 0; d < dims.size(); ++d) {
      strides[d] = stride;
      stride *= dims[d];
    }
    const std::vector<Dims> all = {strides, ContiguousStrides(dims)};
    ASSERT_OK_AND_ASSIGN(cuda::Indexer ix, MakeIndexer(AddNode(), dims, all));
    EXPECT_TRUE(ix.fast);
    cuda::Indexer slow = ix;
    slow.fast = false;
    int64_t n = 1;
    for (int64_t d : dims) n *= d;
    // Every index of the small walks; a stride through the large ones, and their end.
    const int64_t step = n < 100000 ? 1 : n / 99991;
    for (int64_t i = 0; i < n; i += step) {
      int64_t a[2], b[2];
      cuda::OffsetsAt(ix, i, a);
      cuda::OffsetsAt(slow, i, b);
      ASSERT_EQ(a[0], b[0]) << "index " << i;
      ASSERT_EQ(a[1], b[1]) << "index " << i;
    }
    int64_t a[2], b[2];
    cuda::OffsetsAt(ix, n - 1, a);
    cuda::OffsetsAt(slow, n - 1, b);
    EXPECT_EQ(a[0], b[0]);
  }
  // 2^31 indices or more: 64-bit division.
  const Dims big = {1 << 16, 1 << 15};
  const std::vector<Dims> strides = {{1, 1 << 16}};
  ASSERT_OK_AND_ASSIGN(cuda::Indexer ix, MakeIndexer(AddNode(), big, strides));
  EXPECT_FALSE(ix.fast);
}

TEST(IndexingTest, BasesAreKept) {
  const Dims dims = {2, 8};
  const std::vector<Dims> strides = {{16, 1}, {8, 1}};
  const std::vector<int64_t> bases = {5, 7};
  ASSERT_OK_AND_ASSIGN(cuda::Indexer ix, MakeIndexer(AddNode(), dims, strides, bases));
  EXPECT_EQ(ix.rank, 2);  // operand 0 is a slice (row stride 16): no merge
  EXPECT_EQ(Offsets(ix, 0, 16), Reference(dims, strides[0], 5));
  EXPECT_EQ(Offsets(ix, 1, 16), Reference(dims, strides[1], 7));
}

TEST(IndexingTest, RankAboveTheLimitNamesTheNode) {
  const Dims dims(cuda::kMaxIndexRank + 1, 2);
  const std::vector<Dims> strides = {ContiguousStrides(dims)};
  EXPECT_THAT(MakeIndexer(AddNode(), dims, strides).status(),
              testing::StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("add_0")));
}

}  // namespace
}  // namespace sf
