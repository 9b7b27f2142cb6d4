#include "graph/passes/spike_analysis.h"

#include <limits>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/passes/test_graphs.h"

namespace sf {
namespace {

using ::sf::testing::GraphBuilder;
using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr ValueClass kDense = ValueClass::kDense;
constexpr ValueClass kZp = ValueClass::kZeroPreserving;
constexpr ValueClass kBinary = ValueClass::kBinary;

class SpikeAnalysisTest : public ::testing::Test {
 protected:
  ValueClass ClassOf(ValueId v) {
    analysis_ = AnalyzeSpikes(b_.graph());
    return analysis_.value_class[v];
  }
  std::vector<int> SourcesOf(ValueId v) {
    analysis_ = AnalyzeSpikes(b_.graph());
    return analysis_.spike_sources[v];
  }
  // The image -> conv -> BN -> LIF stem; returns the spikes, sets stem_lif_.
  ValueId Stem() {
    ValueId x = b_.Input("x", {1, 3, 32, 32});
    ValueId s = b_.Lif("lif0", b_.BatchNorm("bn0", b_.Conv("conv0", x, 8, 3)));
    stem_lif_ = b_.last_node();
    return s;
  }
  ValueId Scalar(const std::string& name, float v) { return b_.Const(name, {}, v); }

  GraphBuilder b_;
  SpikeAnalysis analysis_;
  int stem_lif_ = -1;
};

TEST_F(SpikeAnalysisTest, ToStringNamesEveryClass) {
  EXPECT_EQ(ToString(kDense), "dense");
  EXPECT_EQ(ToString(kZp), "zero_preserving");
  EXPECT_EQ(ToString(kBinary), "binary");
}

TEST_F(SpikeAnalysisTest, StraightChain) {
  ValueId x = b_.Input("x", {1, 3, 32, 32});
  ValueId c0 = b_.Conv("conv0", x, 8, 3);
  ValueId bn = b_.BatchNorm("bn0", c0);
  ValueId s0 = b_.Lif("lif0", bn);
  int lif0 = b_.last_node();
  ValueId c1 = b_.Conv("conv1", s0, 8, 3);
  ValueId s1 = b_.Lif("lif1", b_.BatchNorm("bn1", c1));
  int lif1 = b_.last_node();
  SpikeAnalysis a = AnalyzeSpikes(b_.graph());
  EXPECT_EQ(a.value_class[x], kDense);
  EXPECT_EQ(a.value_class[c0], kDense);
  EXPECT_EQ(a.value_class[bn], kDense);
  EXPECT_EQ(a.value_class[s0], kBinary);
  EXPECT_THAT(a.spike_sources[s0], ElementsAre(lif0));
  EXPECT_EQ(a.value_class[c1], kDense);
  EXPECT_THAT(a.spike_sources[c1], IsEmpty());
  EXPECT_THAT(a.spike_sources[s1], ElementsAre(lif1));
  // Constants (weights) are dense.
  EXPECT_EQ(a.value_class[*b_.graph().FindValue("conv1.weight")], kDense);
}

TEST_F(SpikeAnalysisTest, SewResidualAddOfSpikesIsZeroPreserving) {
  ValueId s0 = Stem();
  ValueId s1 = b_.Lif("lif1", b_.BatchNorm("bn1", b_.Conv("conv1", s0, 8, 3)));
  int lif1 = b_.last_node();
  ValueId sum = b_.Same(OpType::kAdd, "sew_add", {s1, s0});
  ValueId c2 = b_.Conv("conv2", sum, 8, 3);
  EXPECT_EQ(ClassOf(sum), kZp);
  EXPECT_THAT(SourcesOf(sum), ElementsAre(stem_lif_, lif1));
  EXPECT_EQ(ClassOf(c2), kDense);
}

TEST_F(SpikeAnalysisTest, SpikingResNetAddBeforeNeuronIsDense) {
  ValueId s0 = Stem();
  ValueId main = b_.BatchNorm("bn1", b_.Conv("conv1", s0, 8, 3));
  ValueId shortcut = b_.BatchNorm("bn_sc", b_.Conv("conv_sc", s0, 8, 1));
  ValueId sum = b_.Same(OpType::kAdd, "add", {main, shortcut});
  ValueId s1 = b_.Lif("lif1", sum);
  EXPECT_EQ(ClassOf(sum), kDense);
  EXPECT_THAT(SourcesOf(sum), IsEmpty());
  EXPECT_EQ(ClassOf(s1), kBinary);
}

TEST_F(SpikeAnalysisTest, PoolingBetweenNeuronAndConv) {
  ValueId s0 = Stem();
  Attrs pool;
  pool.Set("kernel_shape", std::vector<int64_t>{2, 2});
  pool.Set("strides", std::vector<int64_t>{2, 2});
  ValueId mp = b_.Op(OpType::kMaxPool, "maxpool", {s0}, {1, 8, 16, 16}, pool);
  ValueId ap = b_.Op(OpType::kAveragePool, "avgpool", {s0}, {1, 8, 16, 16}, pool);
  ValueId gap = b_.Op(OpType::kGlobalAveragePool, "gap", {s0}, {1, 8, 1, 1});
  ValueId mp_of_ap = b_.Op(OpType::kMaxPool, "maxpool_zp", {ap}, {1, 8, 8, 8}, pool);
  ValueId ap_of_ap = b_.Op(OpType::kAveragePool, "avgpool_zp", {ap}, {1, 8, 8, 8}, pool);
  SpikeAnalysis a = AnalyzeSpikes(b_.graph());
  EXPECT_EQ(a.value_class[mp], kBinary);
  EXPECT_THAT(a.spike_sources[mp], ElementsAre(stem_lif_));
  EXPECT_EQ(a.value_class[ap], kZp);
  EXPECT_EQ(a.value_class[gap], kZp);
  // Conservative: a zero_preserving map may hold negatives, so its max is dense.
  EXPECT_EQ(a.value_class[mp_of_ap], kDense);
  EXPECT_EQ(a.value_class[ap_of_ap], kZp);
}

TEST_F(SpikeAnalysisTest, BatchNormAfterNeuronIsDense) {
  ValueId s0 = Stem();
  EXPECT_EQ(ClassOf(b_.BatchNorm("bn1", s0)), kDense);
}

TEST_F(SpikeAnalysisTest, DataMovementKeepsBinary) {
  ValueId s0 = Stem();
  ValueId d = b_.Same(OpType::kDropout, "dropout", {s0});
  ValueId id = b_.Same(OpType::kIdentity, "identity", {d});
  ValueId fl = b_.Op(OpType::kFlatten, "flatten", {id}, {1, 8 * 32 * 32});
  ValueId rs = b_.Op(OpType::kReshape, "reshape", {fl, b_.Const("shape", {2}, 0.0f)},
                     {8, 32 * 32});
  ValueId tr = b_.Op(OpType::kTranspose, "transpose", {rs}, {32 * 32, 8});
  ValueId un = b_.Op(OpType::kUnsqueeze, "unsqueeze", {tr}, {1, 32 * 32, 8});
  ValueId sq = b_.Op(OpType::kSqueeze, "squeeze", {un}, {32 * 32, 8});
  ValueId sl = b_.Op(OpType::kSlice, "slice", {sq}, {16, 8});
  ValueId ex = b_.Op(OpType::kExpand, "expand", {sl}, {2, 16, 8});
  ValueId ga = b_.Op(OpType::kGather, "gather", {ex}, {16, 8});
  SpikeAnalysis a = AnalyzeSpikes(b_.graph());
  for (ValueId v : {d, id, fl, rs, tr, un, sq, sl, ex, ga}) {
    EXPECT_EQ(a.value_class[v], kBinary) << b_.graph().value(v).name;
    EXPECT_THAT(a.spike_sources[v], ElementsAre(stem_lif_)) << b_.graph().value(v).name;
  }
}

TEST_F(SpikeAnalysisTest, SpatialGatherOfSpikesIsStillBinary) {
  ValueId s0 = Stem();
  Attrs axis;
  axis.Set("axis", int64_t{3});
  ValueId ga = b_.Op(OpType::kGather, "gather_w", {s0, b_.Const("idx", {4}, 0.0f)},
                     {1, 8, 32, 4}, axis);
  EXPECT_EQ(ClassOf(ga), kBinary);
}

TEST_F(SpikeAnalysisTest, PrimitiveNeuronCastOfComparison) {
  ValueId h = b_.Input("h", {1, 8, 16, 16});
  ValueId vth = Scalar("vth", 1.0f);
  for (OpType cmp : {OpType::kGreaterOrEqual, OpType::kGreater, OpType::kLess,
                     OpType::kLessOrEqual, OpType::kEqual}) {
    std::string name(ToString(cmp));
    ValueId c = b_.Op(cmp, name, {h, vth}, {1, 8, 16, 16}, {}, DataType::kBool);
    Attrs to;
    to.Set("to", int64_t{1});
    ValueId s = b_.Op(OpType::kCast, "cast_" + name, {c}, {1, 8, 16, 16}, to);
    int cast = b_.last_node();
    EXPECT_EQ(ClassOf(c), kDense) << name;
    EXPECT_EQ(ClassOf(s), kBinary) << name;
    EXPECT_THAT(SourcesOf(s), ElementsAre(cast)) << name;
  }
}

TEST_F(SpikeAnalysisTest, CastOfNotAndOfUntypedComparisonIsBinary) {
  ValueId h = b_.Input("h", {4});
  ValueId c = b_.Op(OpType::kGreaterOrEqual, "ge", {h, Scalar("vth", 1.0f)}, {4}, {},
                    DataType::kUndefined);
  ValueId n = b_.Op(OpType::kNot, "not", {c}, {4}, {}, DataType::kBool);
  ValueId s1 = b_.Op(OpType::kCast, "cast1", {c}, {4});
  ValueId s2 = b_.Op(OpType::kCast, "cast2", {n}, {4});
  EXPECT_EQ(ClassOf(s1), kBinary);
  EXPECT_EQ(ClassOf(s2), kBinary);
}

TEST_F(SpikeAnalysisTest, CastKeepsTheClassOfNumericInputs) {
  ValueId s0 = Stem();
  ValueId x = b_.Input("x2", {1, 8, 32, 32});
  EXPECT_EQ(ClassOf(b_.Same(OpType::kCast, "cast_spikes", {s0})), kBinary);
  EXPECT_EQ(ClassOf(b_.Same(OpType::kCast, "cast_dense", {x})), kDense);
}

TEST_F(SpikeAnalysisTest, AddWithConstants) {
  ValueId s0 = Stem();
  ValueId bias = b_.Same(OpType::kAdd, "add_bias", {s0, Scalar("one", 1.0f)});
  ValueId zero = b_.Same(OpType::kAdd, "add_zero", {s0, Scalar("zero", 0.0f)});
  ValueId sum3 = b_.Same(OpType::kSum, "sum3", {s0, s0, zero});
  ValueId mixed = b_.Same(OpType::kAdd, "add_dense", {s0, b_.Input("x2", {1, 8, 32, 32})});
  EXPECT_EQ(ClassOf(bias), kDense);
  EXPECT_EQ(ClassOf(zero), kBinary);
  EXPECT_EQ(ClassOf(sum3), kZp);
  EXPECT_EQ(ClassOf(mixed), kDense);
}

TEST_F(SpikeAnalysisTest, MulDivSubAndSigmoid) {
  ValueId s0 = Stem();
  ValueId x = b_.Input("x2", {1, 8, 32, 32});
  ValueId inf = Scalar("inf", std::numeric_limits<float>::infinity());
  EXPECT_EQ(ClassOf(b_.Same(OpType::kMul, "mul_const", {Scalar("half", 0.5f), s0})), kZp);
  EXPECT_EQ(ClassOf(b_.Same(OpType::kMul, "mul_spikes", {s0, s0})), kBinary);
  EXPECT_EQ(ClassOf(b_.Same(OpType::kMul, "mul_dense", {s0, x})), kDense);
  EXPECT_EQ(ClassOf(b_.Same(OpType::kMul, "mul_inf", {s0, inf})), kDense);
  EXPECT_EQ(ClassOf(b_.Same(OpType::kDiv, "div_two", {s0, Scalar("two", 2.0f)})), kZp);
  EXPECT_EQ(ClassOf(b_.Same(OpType::kDiv, "div_zero", {s0, Scalar("zero", 0.0f)})), kDense);
  EXPECT_EQ(ClassOf(b_.Same(OpType::kDiv, "div_dense", {s0, x})), kDense);
  EXPECT_EQ(ClassOf(b_.Same(OpType::kSub, "sub", {s0, s0})), kDense);
  EXPECT_EQ(ClassOf(b_.Same(OpType::kSigmoid, "sigmoid", {s0})), kDense);
  EXPECT_EQ(ClassOf(b_.Same(OpType::kRelu, "relu", {s0})), kBinary);
}

TEST_F(SpikeAnalysisTest, PadAndClip) {
  ValueId s0 = Stem();
  ValueId pads = b_.Const("pads", {8}, 1.0f);
  Attrs reflect;
  reflect.Set("mode", std::string("reflect"));
  EXPECT_EQ(ClassOf(b_.Same(OpType::kPad, "pad", {s0, pads})), kZp);
  EXPECT_EQ(ClassOf(b_.Same(OpType::kPad, "pad0", {s0, pads, Scalar("z", 0.0f)})), kZp);
  EXPECT_EQ(ClassOf(b_.Same(OpType::kPad, "pad1", {s0, pads, Scalar("o", 1.0f)})), kDense);
  EXPECT_EQ(ClassOf(b_.Same(OpType::kPad, "pad_reflect", {s0, pads}, reflect)), kDense);
  ValueId lo = Scalar("lo", 0.0f), hi = Scalar("hi", 1.0f), half = Scalar("half", 0.5f);
  EXPECT_EQ(ClassOf(b_.Same(OpType::kClip, "clip01", {s0, lo, hi})), kBinary);
  EXPECT_EQ(ClassOf(b_.Same(OpType::kClip, "clip_half", {s0, lo, half})), kZp);
  EXPECT_EQ(ClassOf(b_.Same(OpType::kClip, "clip_pos", {s0, half, hi})), kDense);
  EXPECT_EQ(ClassOf(b_.Same(OpType::kClip, "clip_none", {s0})), kBinary);
  EXPECT_EQ(ClassOf(b_.Same(OpType::kClip, "clip_max", {s0, kNoValue, half})), kZp);
}

TEST_F(SpikeAnalysisTest, Concat) {
  ValueId s0 = Stem();
  ValueId s1 = b_.Lif("lif1", b_.Input("x2", {1, 8, 32, 32}));
  int lif1 = b_.last_node();
  ValueId zp = b_.Same(OpType::kAdd, "add", {s0, s1});
  ValueId dense = b_.Input("x3", {1, 8, 32, 32});
  Attrs axis;
  axis.Set("axis", int64_t{1});
  std::vector<int64_t> out = {1, 16, 32, 32};
  ValueId bb = b_.Op(OpType::kConcat, "cat_bb", {s0, s1}, out, axis);
  ValueId bz = b_.Op(OpType::kConcat, "cat_bz", {s0, zp}, out, axis);
  ValueId bd = b_.Op(OpType::kConcat, "cat_bd", {s0, dense}, out, axis);
  EXPECT_EQ(ClassOf(bb), kBinary);
  EXPECT_THAT(SourcesOf(bb), ElementsAre(stem_lif_, lif1));
  EXPECT_EQ(ClassOf(bz), kZp);
  EXPECT_EQ(ClassOf(bd), kDense);
}

}  // namespace
}  // namespace sf
