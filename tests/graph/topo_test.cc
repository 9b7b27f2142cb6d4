#include "graph/topo.h"

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
using ::testing::ElementsAre;
using ::testing::HasSubstr;

std::vector<std::string> NodeNames(const Graph& g) {
  std::vector<std::string> names;
  for (const Node& n : g.nodes()) names.push_back(n.name);
  return names;
}

TEST(TopoTest, SortedGraphKeepsOrder) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"4"}));
  ValueId a = AddOp(g, OpType::kRelu, "a", {x});
  ValueId b = AddOp(g, OpType::kNeg, "b", {x});
  AddOp(g, OpType::kAdd, "c", {a, b});
  ASSERT_OK_AND_ASSIGN(std::vector<int> order, TopologicalOrder(g));
  EXPECT_THAT(order, ElementsAre(0, 1, 2));
}

TEST(TopoTest, ReordersAndIsStable) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"4"}));
  // File order: d(c), c(a), a(x), b(x). Among ready nodes the earliest in file
  // order goes first, so after a come c (index 1) and d (index 0) before b (index 3).
  ValueId a_out = g.AddValue("a_out");
  ValueId c_out = g.AddValue("c_out");
  g.AddNode(Node{"d", OpType::kRelu, {c_out}, {g.AddValue("d_out")}, {}});
  g.AddNode(Node{"c", OpType::kRelu, {a_out}, {c_out}, {}});
  g.AddNode(Node{"a", OpType::kRelu, {x}, {a_out}, {}});
  g.AddNode(Node{"b", OpType::kRelu, {x}, {g.AddValue("b_out")}, {}});
  ASSERT_OK_AND_ASSIGN(std::vector<int> order, TopologicalOrder(g));
  EXPECT_THAT(order, ElementsAre(2, 1, 0, 3));
  ASSERT_OK(SortTopologically(g));
  EXPECT_THAT(NodeNames(g), ElementsAre("a", "c", "d", "b"));
  EXPECT_EQ(g.value(c_out).producer, 1);
}

TEST(TopoTest, NamesNodeOnCycleNotDownstream) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"4"}));
  ValueId p = g.AddValue("p");
  ValueId q = g.AddValue("q");
  // downstream(q) is blocked by the cycle p <-> q but is not on it.
  g.AddNode(Node{"downstream", OpType::kRelu, {q}, {g.AddValue("r")}, {}});
  g.AddNode(Node{"loop_a", OpType::kAdd, {x, q}, {p}, {}});
  g.AddNode(Node{"loop_b", OpType::kRelu, {p}, {q}, {}});
  EXPECT_THAT(TopologicalOrder(g),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cycle through node 'loop_")));
}

TEST(TopoTest, SelfLoop) {
  Graph g;
  ValueId v = g.AddValue("v");
  g.AddNode(Node{"self", OpType::kRelu, {v}, {v}, {}});
  EXPECT_THAT(SortTopologically(g),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("cycle through node 'self'")));
}

}  // namespace
}  // namespace sf
