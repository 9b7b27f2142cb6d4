#include "runtime/side_branches.h"

#include <gtest/gtest.h>

namespace sf {
namespace {

StepAccess Step(std::vector<ValueId> reads, std::vector<ValueId> writes, bool may_branch = true,
                bool launches = true) {
  StepAccess s;
  s.launches = launches;
  s.may_branch = may_branch;
  s.reads = std::move(reads);
  s.writes = std::move(writes);
  return s;
}

// A downsampling residual block: x (0) -> conv (1) -> neuron (2) -> conv (3)
// -> add (5), with the shortcut conv (4) reading x too.
std::vector<StepAccess> ResidualBlock() {
  return {Step({}, {0}, false), Step({0}, {1}), Step({1}, {2}, false),
          Step({2}, {3}),       Step({0}, {4}), Step({3, 4}, {5}, false)};
}

TEST(SideBranchesTest, TheShortcutConvOverlapsTheMainPath) {
  const std::vector<StepAccess> steps = ResidualBlock();
  const std::vector<SideBranch> b = PlanSideBranches(steps, 6);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].step, 4);
  EXPECT_EQ(b[0].fork_after, 0);   // x's writer
  EXPECT_EQ(b[0].join_before, 5);  // the add reads its output
}

TEST(SideBranchesTest, AChainHasNothingToOverlap) {
  // Each conv's output is read by the very next step: no main work beside it.
  const std::vector<StepAccess> steps = {Step({}, {0}, false), Step({0}, {1}), Step({1}, {2}),
                                         Step({2}, {3})};
  EXPECT_TRUE(PlanSideBranches(steps, 4).empty());
}

TEST(SideBranchesTest, StepsThatQueueNothingAreNotMainWork) {
  std::vector<StepAccess> steps = ResidualBlock();
  // The main path's conv and neuron fused: step 2 queues nothing, step 3 is
  // not launched either; only step 1 remains between x and the add.
  steps[2].launches = false;
  steps[3].launches = false;
  steps[5].reads = {1, 4};
  const std::vector<SideBranch> b = PlanSideBranches(steps, 6);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].step, 4);
  // Without step 1 nothing is left to overlap.
  steps[1].launches = false;
  steps[5].reads = {0, 4};
  EXPECT_TRUE(PlanSideBranches(steps, 6).empty());
}

TEST(SideBranchesTest, OnlyStepsThatMayBranchAndDoNotReadTheSideStream) {
  std::vector<StepAccess> steps = ResidualBlock();
  steps[4].may_branch = false;
  for (const SideBranch& s : PlanSideBranches(steps, 7)) {
    EXPECT_NE(s.step, 4);
    EXPECT_EQ(s.step, 3);  // the main path's conv, beside the shortcut, instead
  }
  // A step reading a side step's output stays on the main stream.
  steps = ResidualBlock();
  steps.insert(steps.begin() + 5, Step({4}, {6}));
  steps[6].reads = {3, 6};
  const std::vector<SideBranch> b = PlanSideBranches(steps, 7);
  bool shortcut = false;
  for (const SideBranch& s : b) {
    EXPECT_NE(s.step, 5);  // reads step 4's output
    if (s.step == 4) {
      shortcut = true;
      EXPECT_EQ(s.join_before, 5);
    }
  }
  EXPECT_TRUE(shortcut);
}

TEST(SideBranchesTest, GraphInputsForkBeforeTheFirstStepAndUnreadOutputsJoinAtTheEnd) {
  // Steps 0 and 1 both read graph input 0; step 1's output is a graph output
  // nobody reads. Step 1 (window: the whole run) overlaps steps 0 and 2;
  // then neither of those has main work left beside it.
  const std::vector<StepAccess> steps = {Step({0}, {1}), Step({0}, {2}), Step({1}, {3})};
  const std::vector<SideBranch> b = PlanSideBranches(steps, 4);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].step, 1);
  EXPECT_EQ(b[0].fork_after, -1);
  EXPECT_EQ(b[0].join_before, 3);
}

TEST(SideBranchesTest, TheWiderWindowWinsAndTheOtherStaysMain) {
  // Step 3 (the main path's second conv) could overlap the shortcut too, but
  // the shortcut's window (from x) is wider; with it on the side stream step
  // 3 has no main work left beside it.
  const std::vector<SideBranch> b = PlanSideBranches(ResidualBlock(), 6);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].step, 4);
}

// A conv fused with its neuron writes the neuron's output; the neuron's own
// step queues nothing but names the same value. Its reader must still join
// the conv's branch (a fused step listed as the writer once hid the reader
// and left branches unjoined until the end of the run).
TEST(SideBranchesTest, AStepFusedAwayDoesNotHideTheRealWriter) {
  // 0: x; 1: conv+neuron writes 2 (the neuron's value); 2: the neuron, fused
  // away, lists 2 too; 3: conv reads 2; 4: conv reads 0 (beside 1..3); 5:
  // add reads 3 and 4.
  std::vector<StepAccess> steps = {
      Step({}, {0}, false), Step({0}, {2}), Step({1}, {2}, false, /*launches=*/false),
      Step({2}, {3}),       Step({0}, {4}), Step({3, 4}, {5}, false)};
  const std::vector<SideBranch> b = PlanSideBranches(steps, 6);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].step, 4);
  EXPECT_EQ(b[0].join_before, 5);
  // Step 1 alone beside step 4's window would be read by step 3 right away:
  // no branch of step 1 whatever the order.
  for (const SideBranch& s : PlanSideBranches(steps, 6)) EXPECT_NE(s.step, 1);
}

TEST(SideBranchesTest, OutOfRangeValuesAreIgnored) {
  const std::vector<StepAccess> steps = {Step({kNoValue, 99}, {0}), Step({-5}, {1, 77}),
                                         Step({0, 1}, {2})};
  const std::vector<SideBranch> b = PlanSideBranches(steps, 3);
  ASSERT_EQ(b.size(), 1u);
  EXPECT_EQ(b[0].fork_after, -1);
  EXPECT_EQ(b[0].join_before, 2);
}

}  // namespace
}  // namespace sf
