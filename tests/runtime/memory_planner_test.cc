#include "runtime/memory_planner.h"

#include <random>

#include <gtest/gtest.h>

namespace sf {
namespace {

bool Overlap(const TensorLifetime& a, const TensorLifetime& b) {
  return !(a.last_step < b.first_step || b.last_step < a.first_step);
}

void ExpectValid(const std::vector<TensorLifetime>& t, const MemoryPlan& plan) {
  ASSERT_EQ(plan.offsets.size(), t.size());
  for (size_t i = 0; i < t.size(); ++i) {
    EXPECT_EQ(plan.offsets[i] % 64, 0);
    EXPECT_LE(plan.offsets[i] + t[i].bytes, plan.arena_bytes);
    for (size_t j = i + 1; j < t.size(); ++j) {
      if (!Overlap(t[i], t[j])) continue;
      bool disjoint = plan.offsets[i] + t[i].bytes <= plan.offsets[j] ||
                      plan.offsets[j] + t[j].bytes <= plan.offsets[i];
      EXPECT_TRUE(disjoint) << "tensors " << i << " and " << j << " share bytes while both live";
    }
  }
}

TEST(MemoryPlannerTest, ChainReusesMemory) {
  // a -> b -> c -> d: each lives for two steps, so two buffers suffice.
  std::vector<TensorLifetime> t = {{1000, 0, 1}, {1000, 1, 2}, {1000, 2, 3}, {1000, 3, 4}};
  MemoryPlan plan = PlanMemory(t);
  ExpectValid(t, plan);
  EXPECT_EQ(plan.arena_bytes, 2 * 1024);
  EXPECT_EQ(plan.total_bytes, 4 * 1024);
}

TEST(MemoryPlannerTest, AllLiveNeedsTheSum) {
  std::vector<TensorLifetime> t = {{64, 0, 5}, {128, 1, 5}, {256, 2, 5}};
  MemoryPlan plan = PlanMemory(t);
  ExpectValid(t, plan);
  EXPECT_EQ(plan.arena_bytes, 64 + 128 + 256);
}

TEST(MemoryPlannerTest, SmallTensorFillsGapLeftByLargeOnes) {
  // Two big tensors alive at disjoint times and one small one overlapping both.
  std::vector<TensorLifetime> t = {{4096, 0, 1}, {4096, 2, 3}, {64, 1, 2}};
  MemoryPlan plan = PlanMemory(t);
  ExpectValid(t, plan);
  EXPECT_EQ(plan.arena_bytes, 4096 + 64);
}

TEST(MemoryPlannerTest, RandomLifetimesNeverCollide) {
  std::mt19937 rng(7);
  for (int round = 0; round < 50; ++round) {
    std::vector<TensorLifetime> t;
    int n = 1 + static_cast<int>(rng() % 40);
    for (int i = 0; i < n; ++i) {
      int first = static_cast<int>(rng() % 30);
      t.push_back({static_cast<int64_t>(1 + rng() % 5000), first,
                   first + static_cast<int>(rng() % 8)});
    }
    MemoryPlan plan = PlanMemory(t);
    ExpectValid(t, plan);
    EXPECT_LE(plan.arena_bytes, plan.total_bytes);
  }
}

TEST(MemoryPlannerTest, InPlaceChainSharesOneBlock) {
  // a -> b (in place of a) -> c (in place of b): one 1024-byte block instead of two.
  std::vector<TensorLifetime> t = {{1000, 0, 1}, {1000, 1, 2, 0}, {1000, 2, 3, 1}};
  MemoryPlan plan = PlanMemory(t);
  EXPECT_EQ(plan.offsets[0], plan.offsets[1]);
  EXPECT_EQ(plan.offsets[1], plan.offsets[2]);
  EXPECT_EQ(plan.arena_bytes, 1024);
  EXPECT_EQ(plan.total_bytes, 3 * 1024);
  // Without the links the chain needs two buffers.
  for (TensorLifetime& x : t) x.in_place_of = -1;
  EXPECT_EQ(PlanMemory(t).arena_bytes, 2 * 1024);
}

TEST(MemoryPlannerTest, InPlaceBlockStaysApartFromOverlappingTensors) {
  // b in place of a; d lives across the whole a..b block and must not touch it.
  std::vector<TensorLifetime> t = {{512, 0, 1}, {512, 1, 3, 0}, {256, 2, 2}, {128, 0, 3}};
  MemoryPlan plan = PlanMemory(t);
  EXPECT_EQ(plan.offsets[0], plan.offsets[1]);
  std::vector<TensorLifetime> merged = {{512, 0, 3}, {256, 2, 2}, {128, 0, 3}};
  ExpectValid(merged, MemoryPlan{{plan.offsets[0], plan.offsets[2], plan.offsets[3]},
                                 plan.arena_bytes, plan.total_bytes});
}

TEST(MemoryPlannerTest, EmptyInput) {
  MemoryPlan plan = PlanMemory({});
  EXPECT_EQ(plan.arena_bytes, 0);
  EXPECT_TRUE(plan.offsets.empty());
}

}  // namespace
}  // namespace sf
