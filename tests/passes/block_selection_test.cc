#include "graph/passes/block_selection.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/passes/test_graphs.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::GraphBuilder;
using ::sf::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::ElementsAre;

TEST(BlockRuleTest, DefaultRuleByHeight) {
  BlockRule rule;
  EXPECT_EQ(rule.BlockFor(224), 16);
  EXPECT_EQ(rule.BlockFor(32), 16);
  EXPECT_EQ(rule.BlockFor(31), 8);
  EXPECT_EQ(rule.BlockFor(16), 8);
  EXPECT_EQ(rule.BlockFor(15), 4);
  EXPECT_EQ(rule.BlockFor(8), 4);
  EXPECT_EQ(rule.BlockFor(7), 0);
  EXPECT_EQ(rule.BlockFor(4), 0);
}

TEST(BlockRuleTest, ParsesPairs) {
  ASSERT_OK_AND_ASSIGN(BlockRule rule, BlockRule::Parse("64:32, 8:2"));
  EXPECT_THAT(rule.entries, ElementsAre(Pair(64, 32), Pair(8, 2)));
  EXPECT_EQ(rule.BlockFor(100), 32);
  EXPECT_EQ(rule.BlockFor(8), 2);
  EXPECT_EQ(rule.BlockFor(7), 0);
  ASSERT_OK_AND_ASSIGN(BlockRule def, BlockRule::Parse("32:16,16:8,8:4"));
  EXPECT_EQ(def.entries, BlockRule().entries);
}

TEST(BlockRuleTest, RejectsBadRules) {
  EXPECT_THAT(BlockRule::Parse(""), StatusIs(absl::StatusCode::kInvalidArgument,
                                             HasSubstr("not min_H:block")));
  EXPECT_THAT(BlockRule::Parse("32:16,x:8"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("'x:8'")));
  EXPECT_THAT(BlockRule::Parse("32"), StatusIs(absl::StatusCode::kInvalidArgument,
                                               HasSubstr("not min_H:block")));
  EXPECT_THAT(BlockRule::Parse("0:4"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                HasSubstr("min_H must be positive")));
  EXPECT_THAT(BlockRule::Parse("32:0"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                 HasSubstr("block must be in 1..64")));
  EXPECT_THAT(BlockRule::Parse("32:65"), StatusIs(absl::StatusCode::kInvalidArgument,
                                                  HasSubstr("block must be in 1..64")));
  EXPECT_THAT(BlockRule::Parse("16:8,32:16"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("strictly decrease")));
  EXPECT_THAT(BlockRule::Parse("16:8,16:4"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("strictly decrease")));
}

class SelectBlocksTest : public ::testing::Test {
 protected:
  // conv0 on the image (dense), then LIF and convs at H = 32, 16, 8, 4 each fed
  // by spikes: conv32 (3x3), down16 (1x1 stride 2), conv16, conv8, conv4.
  void BuildPyramid() {
    ValueId x = b_.Input("x", {1, 3, 32, 32});
    ValueId s = b_.Lif("lif0", b_.Conv("conv0", x, 4, 3));
    s = b_.Lif("lif1", b_.Conv("conv32", s, 4, 3));
    ValueId down = b_.Conv("down16", s, 4, 1, 2, 0);
    s = b_.Lif("lif2", down);
    s = b_.Lif("lif3", b_.Conv("conv16", s, 4, 3, 2));
    s = b_.Lif("lif4", b_.Conv("conv8", s, 4, 3, 2));
    b_.Conv("conv4", s, 4, 3);
  }

  absl::StatusOr<std::vector<ConvBlockChoice>> Select(std::map<std::string, int> overrides = {}) {
    return SelectBlocks(b_.graph(), AnalyzeSpikes(b_.graph()), BlockRule(), overrides);
  }

  std::string NameOf(const ConvBlockChoice& c) { return b_.graph().node(c.node).name; }

  GraphBuilder b_;
};

TEST_F(SelectBlocksTest, BlockByInputHeight) {
  BuildPyramid();
  ASSERT_OK_AND_ASSIGN(auto choices, Select());
  ASSERT_EQ(choices.size(), 6u);
  std::vector<std::tuple<std::string, bool, int, int64_t>> got;
  for (const ConvBlockChoice& c : choices) {
    got.emplace_back(NameOf(c), c.candidate, c.block, c.geometry.h);
  }
  using T = std::tuple<std::string, bool, int, int64_t>;
  EXPECT_THAT(got, ElementsAre(T{"conv0", false, 0, 32}, T{"conv32", true, 16, 32},
                               T{"down16", true, 16, 32}, T{"conv16", true, 8, 16},
                               T{"conv8", true, 4, 8}, T{"conv4", true, 0, 4}));
  EXPECT_THAT(choices[0].reason, HasSubstr("dense"));
  EXPECT_EQ(choices[2].geometry.stride, (std::array<int64_t, 2>{2, 2}));
  EXPECT_EQ(choices[2].geometry.kernel_hw, (std::array<int64_t, 2>{1, 1}));
}

TEST_F(SelectBlocksTest, ShortcutFromTheSameNeuronMarksBothConvs) {
  ValueId x = b_.Input("x", {1, 4, 32, 32});
  ValueId s = b_.Lif("lif0", x);
  b_.Conv("main", s, 8, 3, 2);
  b_.Conv("shortcut", s, 8, 1, 2, 0);
  ASSERT_OK_AND_ASSIGN(auto choices, Select());
  ASSERT_EQ(choices.size(), 2u);
  EXPECT_TRUE(choices[0].candidate);
  EXPECT_TRUE(choices[1].candidate);
  EXPECT_EQ(choices[0].block, 16);
  EXPECT_EQ(choices[1].block, 16);
}

TEST_F(SelectBlocksTest, KernelGroupAndDilationLimits) {
  ValueId s = b_.Lif("lif0", b_.Input("x", {1, 4, 32, 32}));
  b_.Conv("k5", s, 4, 5);
  Attrs group;
  group.Set("group", int64_t{2});
  b_.Op(OpType::kConv, "grouped", {s, b_.Const("gw", {4, 2, 3, 3}, 1.0f)}, {1, 4, 32, 32},
        group);
  Attrs dil;
  dil.Set("dilations", std::vector<int64_t>{2, 2});
  b_.Conv("dilated", s, 4, 3, 1, 2, dil);
  // No kernel_shape attribute: the kernel comes from the weight.
  b_.Op(OpType::kConv, "no_attr", {s, b_.Const("w1", {4, 4, 1, 1}, 1.0f)}, {1, 4, 32, 32});
  ASSERT_OK_AND_ASSIGN(auto choices, Select());
  ASSERT_EQ(choices.size(), 4u);
  EXPECT_FALSE(choices[0].candidate);
  EXPECT_THAT(choices[0].reason, HasSubstr("5x5"));
  EXPECT_FALSE(choices[1].candidate);
  EXPECT_THAT(choices[1].reason, HasSubstr("group"));
  EXPECT_FALSE(choices[2].candidate);
  EXPECT_THAT(choices[2].reason, HasSubstr("dilated"));
  EXPECT_TRUE(choices[3].candidate);
  EXPECT_EQ(choices[3].block, 16);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(choices[i].block, 0);
}

TEST_F(SelectBlocksTest, MalformedConvAttributesNameTheNode) {
  ValueId s = b_.Lif("lif0", b_.Input("x", {1, 4, 32, 32}));
  Attrs bad;
  bad.Set("strides", std::vector<int64_t>{1});
  b_.Op(OpType::kConv, "conv_bad", {s, b_.Const("w", {4, 4, 3, 3}, 1.0f)}, {1, 4, 32, 32}, bad);
  EXPECT_THAT(Select(), StatusIs(absl::StatusCode::kInvalidArgument,
                                 AllOf(HasSubstr("conv_bad"), HasSubstr("strides"))));
}

TEST_F(SelectBlocksTest, Overrides) {
  BuildPyramid();
  ASSERT_OK_AND_ASSIGN(auto choices, Select({{"conv32", 4}, {"conv16", 0}, {"conv4", 2}}));
  EXPECT_EQ(choices[1].block, 4);
  EXPECT_EQ(choices[3].block, 0);
  EXPECT_EQ(choices[5].block, 2);
  // Disabling a non-candidate is allowed.
  EXPECT_OK(Select({{"conv0", 0}}));
}

TEST_F(SelectBlocksTest, OverrideErrors) {
  BuildPyramid();
  EXPECT_THAT(Select({{"conv_3", 8}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("conv_3"), HasSubstr("no such node"))));
  EXPECT_THAT(Select({{"lif1", 8}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("lif1"), HasSubstr("not a Conv"))));
  EXPECT_THAT(Select({{"conv0", 8}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("conv0"), HasSubstr("input is dense"))));
  EXPECT_THAT(Select({{"conv32", 65}}),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr("conv32"), HasSubstr("0..64"))));
  EXPECT_THAT(Select({{"conv32", -1}}),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("conv32")));
}

}  // namespace
}  // namespace sf
