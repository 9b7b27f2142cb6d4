#include "graph/verifier.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/graph/test_graphs.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::AddInput;
using ::sf::testing::AddOp;
using ::sf::testing::S;
using ::sf::testing::StatusIs;
using ::testing::HasSubstr;

constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

// x -> relu_1 -> add_2(relu_1, w) -> out
Graph ValidGraph() {
  Graph g;
  ValueId x = AddInput(g, "x", S({"N", "4"}));
  ValueId w = g.AddConstant("w", Tensor::FromVector<float>({4}, {1, 2, 3, 4}));
  ValueId r = AddOp(g, OpType::kRelu, "relu_1", {x});
  g.AddOutput(AddOp(g, OpType::kAdd, "add_2", {r, w}));
  return g;
}

TEST(VerifierTest, AcceptsValidGraph) { EXPECT_OK(VerifyGraph(ValidGraph())); }

TEST(VerifierTest, InputIdOutOfRange) {
  Graph g = ValidGraph();
  g.node(1).inputs[1] = 99;
  EXPECT_THAT(VerifyGraph(g), StatusIs(kInvalid, HasSubstr("node 'add_2': input 1 has value id 99")));
}

TEST(VerifierTest, UndefinedInput) {
  Graph g = ValidGraph();
  g.node(1).inputs[1] = g.AddValue("ghost");
  EXPECT_THAT(VerifyGraph(g),
              StatusIs(kInvalid, HasSubstr("node 'add_2' reads value 'ghost', which is never defined")));
}

TEST(VerifierTest, ValueProducedTwice) {
  Graph g = ValidGraph();
  g.node(1).outputs[0] = g.node(0).outputs[0];
  EXPECT_THAT(VerifyGraph(g),
              StatusIs(kInvalid, HasSubstr("value 'relu_1_out' is produced by node 'relu_1' "
                                           "and by node 'add_2'")));
}

TEST(VerifierTest, NodeWritesConstant) {
  Graph g = ValidGraph();
  g.node(0).outputs[0] = *g.FindValue("w");
  EXPECT_THAT(VerifyGraph(g), StatusIs(kInvalid, HasSubstr("node 'relu_1' writes value 'w'")));
}

TEST(VerifierTest, DuplicateValueName) {
  Graph g = ValidGraph();
  g.AddValue("x");
  EXPECT_THAT(VerifyGraph(g), StatusIs(kInvalid, HasSubstr("duplicate value name 'x'")));
}

TEST(VerifierTest, DuplicateNodeName) {
  Graph g = ValidGraph();
  g.node(1).name = "relu_1";
  EXPECT_THAT(VerifyGraph(g), StatusIs(kInvalid, HasSubstr("duplicate node name 'relu_1'")));
}

TEST(VerifierTest, EmptyNodeName) {
  Graph g = ValidGraph();
  g.node(0).name = "";
  EXPECT_THAT(VerifyGraph(g), StatusIs(kInvalid, HasSubstr("node 0 (Relu) has no name")));
}

TEST(VerifierTest, Cycle) {
  Graph g = ValidGraph();
  g.node(0).inputs[0] = g.node(1).outputs[0];  // relu reads add's output
  EXPECT_THAT(VerifyGraph(g), StatusIs(kInvalid, HasSubstr("cycle through node 'relu_1'")));
}

TEST(VerifierTest, Arity) {
  Graph g = ValidGraph();
  g.node(1).inputs.push_back(*g.FindValue("x"));
  EXPECT_THAT(VerifyGraph(g),
              StatusIs(kInvalid, HasSubstr("node 'add_2' (Add) has 3 inputs, expected 2")));
}

TEST(VerifierTest, MissingRequiredInput) {
  Graph g = ValidGraph();
  g.node(1).inputs[0] = kNoValue;
  EXPECT_THAT(VerifyGraph(g),
              StatusIs(kInvalid, HasSubstr("node 'add_2' (Add): required input 0 is missing")));
}

TEST(VerifierTest, OptionalInputMayBeOmitted) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"1", "2", "5", "5"}));
  ValueId w = g.AddConstant("w", Tensor::FromVector<float>({3, 2, 1, 1}, {}));
  g.AddOutput(AddOp(g, OpType::kConv, "conv_1", {x, w, kNoValue}));
  EXPECT_OK(VerifyGraph(g));
}

TEST(VerifierTest, VariadicArity) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"2"}));
  g.AddOutput(AddOp(g, OpType::kConcat, "concat_1", {}));
  EXPECT_THAT(VerifyGraph(g),
              StatusIs(kInvalid, HasSubstr("'concat_1' (Concat) has 0 inputs, expected at least 1")));
  g.node(0).inputs = {x, x, x};
  EXPECT_OK(VerifyGraph(g));
}

TEST(VerifierTest, NoOutputs) {
  Graph g;
  AddInput(g, "x", S({"2"}));
  EXPECT_THAT(VerifyGraph(g), StatusIs(kInvalid, HasSubstr("graph has no outputs")));
}

TEST(VerifierTest, UndefinedOutput) {
  Graph g = ValidGraph();
  g.AddOutput(g.AddValue("nowhere"));
  EXPECT_THAT(VerifyGraph(g),
              StatusIs(kInvalid, HasSubstr("graph output 'nowhere' is never defined")));
}

TEST(VerifierTest, OutputIdOutOfRange) {
  Graph g = ValidGraph();
  g.AddOutput(1000);
  EXPECT_THAT(VerifyGraph(g), StatusIs(kInvalid, HasSubstr("graph output id 1000 out of range")));
}

}  // namespace
}  // namespace sf
