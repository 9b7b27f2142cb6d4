#include "graph/passes/constant_folding.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "graph/verifier.h"
#include "tests/graph/test_graphs.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::AddInput;
using ::sf::testing::AddInt64s;
using ::sf::testing::AddOp;
using ::sf::testing::S;
using ::sf::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// Evaluates Gather (axis 0, scalar index into a 1-D tensor), Unsqueeze (of a scalar)
// and Concat (1-D) on int64; Unimplemented for everything else.
absl::StatusOr<std::vector<Tensor>> EvalInt64(const Graph& graph, int node_index,
                                              std::span<const Tensor> in) {
  const Node& node = graph.node(node_index);
  switch (node.op) {
    case OpType::kGather: {
      const int64_t i = in[1].data<int64_t>()[0];
      return std::vector<Tensor>{Tensor::FromVector<int64_t>({}, {in[0].data<int64_t>()[i]})};
    }
    case OpType::kUnsqueeze:
      return std::vector<Tensor>{Tensor::FromVector<int64_t>({1}, {in[0].data<int64_t>()[0]})};
    case OpType::kConcat: {
      std::vector<int64_t> all;
      for (const Tensor& t : in) all.insert(all.end(), t.span<const int64_t>().begin(),
                                            t.span<const int64_t>().end());
      const int64_t n = static_cast<int64_t>(all.size());
      return std::vector<Tensor>{Tensor::FromVector<int64_t>({n}, all)};
    }
    default:
      return absl::UnimplementedError("not in the test evaluator");
  }
}

// PyTorch's x.view(x.size(0), -1): Shape -> Gather(0) -> Unsqueeze -> Concat([-1]) -> Reshape.
Graph FlattenPattern(Shape x_shape, ValueId* y) {
  Graph g;
  ValueId x = AddInput(g, "x", std::move(x_shape));
  ValueId shape = AddOp(g, OpType::kShape, "shape", {x});
  Attrs axis0;
  axis0.Set("axis", int64_t{0});
  ValueId n = AddOp(g, OpType::kGather, "gather", {shape, g.AddConstant("zero",
                    Tensor::FromVector<int64_t>({}, {0}))}, axis0);
  Attrs axes;
  axes.Set("axes", std::vector<int64_t>{0});
  ValueId n1 = AddOp(g, OpType::kUnsqueeze, "unsqueeze", {n}, axes);
  ValueId target = AddOp(g, OpType::kConcat, "concat", {n1, AddInt64s(g, "minus_one", {-1})},
                         axis0);
  *y = AddOp(g, OpType::kReshape, "reshape", {x, target});
  g.AddOutput(*y);
  return g;
}

std::vector<std::string> NodeNames(const Graph& g) {
  std::vector<std::string> names;
  for (const Node& node : g.nodes()) names.push_back(node.name);
  return names;
}

TEST(ConstantFoldingTest, FoldsPyTorchFlattenPattern) {
  ValueId y;
  Graph g = FlattenPattern(S({"2", "3", "4", "4"}), &y);
  ASSERT_OK(InferShapesAndFold(g, EvalInt64));
  EXPECT_THAT(NodeNames(g), ElementsAre("reshape"));
  EXPECT_EQ(ShapeToString(g.value(y).shape), "[2,48]");
  const Value& target = g.value(g.node(0).inputs[1]);
  ASSERT_TRUE(target.constant.has_value());
  EXPECT_THAT(target.constant->ToInt64Vector().value(), ElementsAre(2, -1));
  EXPECT_OK(VerifyGraph(g));
}

TEST(ConstantFoldingTest, SymbolicBatchKeepsShapeSubgraph) {
  ValueId y;
  Graph g = FlattenPattern(S({"N", "3", "4", "4"}), &y);
  ASSERT_OK(InferShapesAndFold(g, EvalInt64));
  EXPECT_EQ(g.num_nodes(), 5);
  EXPECT_EQ(ShapeToString(g.value(y).shape), "[?,?]");
}

TEST(ConstantFoldingTest, RespectsSizeLimit) {
  ValueId y;
  Graph g = FlattenPattern(S({"2", "3", "4", "4"}), &y);
  // Shape's 4 elements exceed the limit, so nothing downstream becomes constant.
  ASSERT_OK(InferShapesAndFold(g, EvalInt64, FoldOptions{.max_folded_elements = 3}));
  EXPECT_EQ(g.num_nodes(), 5);
  EXPECT_EQ(ShapeToString(g.value(y).shape), "[?,?]");
}

TEST(ConstantFoldingTest, GraphOutputThatBecomesConstantStaysListed) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"2", "5"}));
  ValueId s = AddOp(g, OpType::kShape, "shape", {x});
  g.AddOutput(s);
  ASSERT_OK(InferShapesAndFold(g, EvalInt64));
  EXPECT_EQ(g.num_nodes(), 0);
  ASSERT_THAT(g.outputs(), ElementsAre(s));
  EXPECT_THAT(g.value(s).constant->ToInt64Vector().value(), ElementsAre(2, 5));
}

TEST(ConstantFoldingTest, NeuronsAndUnimplementedOpsAreNotFolded) {
  Graph g;
  ValueId c = g.AddConstant("c", Tensor::FromVector<float>({2, 2}, {1, 2, 3, 4}));
  Attrs steps;
  steps.Set("steps", int64_t{2});
  ValueId spikes = AddOp(g, OpType::kIF, "if_1", {c}, steps);
  g.AddOutput(AddOp(g, OpType::kRelu, "relu_1", {c}));
  g.AddOutput(spikes);
  int calls = 0;
  NodeEvaluator counting = [&](const Graph& gr, int i, std::span<const Tensor> in) {
    ++calls;
    return EvalInt64(gr, i, in);
  };
  ASSERT_OK(InferShapesAndFold(g, counting));
  EXPECT_THAT(NodeNames(g), ElementsAre("if_1", "relu_1"));
  EXPECT_EQ(calls, 1);  // only Relu was offered to the evaluator
}

// A Conv on constants stays a node (the plan lists every Conv of the model).
TEST(ConstantFoldingTest, ConvsAreNotFolded) {
  Graph g;
  ValueId x = g.AddConstant("x", Tensor::FromVector<float>({1, 1, 2, 2}, {1, 2, 3, 4}));
  ValueId w = g.AddConstant("w", Tensor::FromVector<float>({1, 1, 1, 1}, {2}));
  g.AddOutput(AddOp(g, OpType::kConv, "conv_1", {x, w}));
  int calls = 0;
  NodeEvaluator counting = [&](const Graph& gr, int i, std::span<const Tensor> in) {
    ++calls;
    return EvalInt64(gr, i, in);
  };
  ASSERT_OK(InferShapesAndFold(g, counting));
  EXPECT_THAT(NodeNames(g), ElementsAre("conv_1"));
  EXPECT_EQ(calls, 0);
}

TEST(ConstantFoldingTest, EvaluatorErrorsNameTheNode) {
  ValueId y;
  Graph g = FlattenPattern(S({"2", "3"}), &y);
  NodeEvaluator failing = [](const Graph&, int, std::span<const Tensor>)
      -> absl::StatusOr<std::vector<Tensor>> { return absl::InvalidArgumentError("bad index"); };
  EXPECT_THAT(InferShapesAndFold(g, failing),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("constant folding node 'gather' (Gather): bad index")));
  NodeEvaluator wrong = [](const Graph&, int, std::span<const Tensor>)
      -> absl::StatusOr<std::vector<Tensor>> {
    return std::vector<Tensor>{Tensor::FromVector<int64_t>({2}, {0, 0})};
  };
  g = FlattenPattern(S({"2", "3"}), &y);
  EXPECT_THAT(InferShapesAndFold(g, wrong),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("inferred int64[]")));
}

}  // namespace
}  // namespace sf
