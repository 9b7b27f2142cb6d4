#include "graph/passes/compose_transposes.h"

#include <vector>

#include <gtest/gtest.h>

#include "runtime/cpu_evaluator.h"
#include "tests/passes/test_graphs.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::GraphBuilder;

Attrs Perm(std::vector<int64_t> perm) {
  Attrs a;
  a.Set("perm", std::move(perm));
  return a;
}

// Runs the nodes in order with the CPU reference kernels; returns every graph output.
std::vector<Tensor> Run(const Graph& g, const Tensor& x) {
  std::vector<std::optional<Tensor>> vals(g.num_values());
  for (ValueId v = 0; v < g.num_values(); ++v) vals[v] = g.value(v).constant;
  vals[g.inputs()[0]] = x;
  const NodeEvaluator eval = CpuNodeEvaluator();
  for (int i = 0; i < g.num_nodes(); ++i) {
    std::vector<Tensor> in;
    for (ValueId v : g.node(i).inputs) in.push_back(*vals[v]);
    vals[g.node(i).outputs[0]] = eval(g, i, in).value()[0];
  }
  std::vector<Tensor> out;
  for (ValueId v : g.outputs()) out.push_back(*vals[v]);
  return out;
}

Tensor Ramp(std::vector<int64_t> dims) {
  Tensor t = Tensor::Create(DataType::kFloat32, std::move(dims)).value();
  for (int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

// Composes and checks that every output holds the same values.
void ExpectComposeKeepsOutputs(Graph& g, int want_changed, const Tensor& x) {
  const Graph original = g;
  ASSERT_OK_AND_ASSIGN(int changed, ComposeTransposes(g));
  EXPECT_EQ(changed, want_changed);
  const std::vector<Tensor> want = Run(original, x), got = Run(g, x);
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    ASSERT_EQ(got[k].dims(), want[k].dims()) << k;
    for (int64_t i = 0; i < want[k].num_elements(); ++i) {
      ASSERT_EQ(got[k].data<float>()[i], want[k].data<float>()[i]) << k << " " << i;
    }
  }
}

int CountOps(const Graph& g, OpType op) {
  int n = 0;
  for (const Node& node : g.nodes()) n += node.op == op;
  return n;
}

TEST(ComposeTransposesTest, InversePairGoes) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {2, 3, 4});
  const ValueId t = b.Op(OpType::kTranspose, "t1", {x}, {2, 4, 3}, Perm({0, 2, 1}));
  const ValueId u = b.Op(OpType::kTranspose, "t2", {t}, {2, 3, 4}, Perm({0, 2, 1}));
  b.graph().AddOutput(b.Same(OpType::kRelu, "relu", {u}));
  Graph& g = b.graph();
  ExpectComposeKeepsOutputs(g, 1, Ramp({2, 3, 4}));
  ASSERT_EQ(g.num_nodes(), 1);
  EXPECT_EQ(g.node(0).inputs[0], x);
}

TEST(ComposeTransposesTest, NonInversePairBecomesOneTranspose) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {2, 3, 4, 5});
  const ValueId t = b.Op(OpType::kTranspose, "t1", {x}, {2, 4, 5, 3}, Perm({0, 2, 3, 1}));
  const ValueId u = b.Op(OpType::kTranspose, "t2", {t}, {4, 2, 3, 5}, Perm({1, 0, 3, 2}));
  b.graph().AddOutput(u);
  Graph& g = b.graph();
  ExpectComposeKeepsOutputs(g, 1, Ramp({2, 3, 4, 5}));
  ASSERT_EQ(g.num_nodes(), 1);
  EXPECT_EQ(g.node(0).inputs[0], x);
  EXPECT_EQ(g.node(0).attrs.GetIntsOr("perm", {}).value(), (std::vector<int64_t>{2, 0, 1, 3}));
}

TEST(ComposeTransposesTest, AbsentPermReversesAndAThirdComposes) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {2, 3, 4});
  const ValueId t = b.Op(OpType::kTranspose, "t1", {x}, {4, 3, 2});  // reversed
  const ValueId u = b.Op(OpType::kTranspose, "t2", {t}, {3, 4, 2}, Perm({1, 0, 2}));
  const ValueId w = b.Op(OpType::kTranspose, "t3", {u}, {2, 3, 4}, Perm({2, 0, 1}));
  b.graph().AddOutput(b.Same(OpType::kRelu, "relu", {w}));
  Graph& g = b.graph();
  ExpectComposeKeepsOutputs(g, 2, Ramp({2, 3, 4}));
  EXPECT_EQ(CountOps(g, OpType::kTranspose), 0);
}

TEST(ComposeTransposesTest, SharedFirstStaysAndOutputBecomesIdentity) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {2, 3});
  const ValueId t = b.Op(OpType::kTranspose, "t1", {x}, {3, 2}, Perm({1, 0}));
  const ValueId u = b.Op(OpType::kTranspose, "t2", {t}, {2, 3}, Perm({1, 0}));
  b.graph().AddOutput(u);  // keeps its name: an Identity
  b.graph().AddOutput(b.Same(OpType::kRelu, "relu", {t}));
  Graph& g = b.graph();
  ExpectComposeKeepsOutputs(g, 1, Ramp({2, 3}));
  EXPECT_EQ(CountOps(g, OpType::kTranspose), 1);
  EXPECT_EQ(CountOps(g, OpType::kIdentity), 1);
}

TEST(ComposeTransposesTest, UnknownRankIsLeftAlone) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {2, 3});
  b.graph().value(x).shape.reset();
  const ValueId t = b.Op(OpType::kTranspose, "t1", {x}, {3, 2});
  b.graph().AddOutput(b.Op(OpType::kTranspose, "t2", {t}, {2, 3}));
  ASSERT_OK_AND_ASSIGN(int changed, ComposeTransposes(b.graph()));
  EXPECT_EQ(changed, 0);
  EXPECT_EQ(b.graph().num_nodes(), 2);
}

}  // namespace
}  // namespace sf
