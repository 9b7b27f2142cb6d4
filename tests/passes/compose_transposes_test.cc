#include "graph/passes/compose_transposes.h"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/passes/evaluate_graph.h"
#include "tests/passes/test_graphs.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::EvaluateOutputs;
using ::sf::testing::GraphBuilder;

Attrs Perm(std::vector<int64_t> perm) { return testing::IntsAttr("perm", std::move(perm)); }

Tensor Ramp(std::vector<int64_t> dims) {
  Tensor t = Tensor::Create(DataType::kFloat32, std::move(dims)).value();
  for (int64_t i = 0; i < t.num_elements(); ++i) t.data<float>()[i] = static_cast<float>(i);
  return t;
}

// Runs `pass` and checks that every output holds the same values.
void ExpectPassKeepsOutputs(absl::StatusOr<int> (*pass)(Graph&), Graph& g, int want_changed,
                            const Tensor& x) {
  const Graph original = g;
  ASSERT_OK_AND_ASSIGN(int changed, pass(g));
  EXPECT_EQ(changed, want_changed);
  const std::vector<Tensor> want = EvaluateOutputs(original, x), got = EvaluateOutputs(g, x);
  ASSERT_EQ(got.size(), want.size());
  for (size_t k = 0; k < want.size(); ++k) {
    ASSERT_EQ(got[k].dims(), want[k].dims()) << k;
    for (int64_t i = 0; i < want[k].num_elements(); ++i) {
      ASSERT_EQ(got[k].data<float>()[i], want[k].data<float>()[i]) << k << " " << i;
    }
  }
}

void ExpectComposeKeepsOutputs(Graph& g, int want_changed, const Tensor& x) {
  ExpectPassKeepsOutputs(ComposeTransposes, g, want_changed, x);
}

void ExpectViewsComposeKeepingOutputs(Graph& g, int want_changed, const Tensor& x) {
  ExpectPassKeepsOutputs(ComposeTransposesThroughViews, g, want_changed, x);
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

// ------------------------------------------------------- through views

Attrs Axes(std::vector<int64_t> axes) { return testing::IntsAttr("axes", std::move(axes)); }

ValueId Reshape(GraphBuilder& b, const std::string& name, ValueId x, std::vector<int64_t> dims) {
  const ValueId shape = b.graph().AddConstant(
      name + ".shape", Tensor::FromVector<int64_t>({static_cast<int64_t>(dims.size())}, dims));
  return b.Op(OpType::kReshape, name, {x, shape}, dims);
}

// A spiking transformer's heads in NHWC: the layout's NHWC -> NCHW Transpose,
// the lift's Squeeze, the model's head Reshape and Transpose: one Transpose.
TEST(ComposeTransposesTest, NchwTransposeSqueezeHeadsAndPermuteBecomeOneCopy) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {2, 1, 6, 12});  // [n, 1, L, C] channels-last tokens
  ValueId v = b.Op(OpType::kTranspose, "nchw", {x}, {2, 12, 1, 6}, Perm({0, 3, 1, 2}));
  v = b.Op(OpType::kSqueeze, "squeeze", {v}, {2, 12, 6}, Axes({2}));
  v = Reshape(b, "heads", v, {2, 3, 4, 6});  // 3 heads of 4
  v = b.Op(OpType::kTranspose, "permute", {v}, {2, 3, 6, 4}, Perm({0, 1, 3, 2}));
  b.graph().AddOutput(b.Same(OpType::kRelu, "relu", {v}));
  Graph& g = b.graph();
  ExpectViewsComposeKeepingOutputs(g, 1, Ramp({2, 1, 6, 12}));
  EXPECT_EQ(CountOps(g, OpType::kTranspose), 1);
  EXPECT_EQ(CountOps(g, OpType::kSqueeze), 0);
}

TEST(ComposeTransposesTest, InverseThroughViewsIsOneReshape) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {2, 6});
  ValueId v = b.Op(OpType::kTranspose, "t1", {x}, {6, 2}, Perm({1, 0}));
  v = Reshape(b, "r1", v, {3, 2, 2});
  v = Reshape(b, "r2", v, {6, 2});
  v = b.Op(OpType::kTranspose, "t2", {v}, {2, 6}, Perm({1, 0}));
  b.graph().AddOutput(b.Same(OpType::kRelu, "relu", {v}));
  Graph& g = b.graph();
  ExpectViewsComposeKeepingOutputs(g, 1, Ramp({2, 6}));
  EXPECT_EQ(CountOps(g, OpType::kTranspose), 0);
  EXPECT_EQ(g.num_nodes(), 2);  // a Reshape and the Relu
}

TEST(ComposeTransposesTest, ViewsThatSplitNoFactorAreLeftAlone) {
  GraphBuilder b;
  const ValueId x = b.Input("x", {2, 3, 5});
  ValueId v = b.Op(OpType::kTranspose, "t1", {x}, {2, 5, 3}, Perm({0, 2, 1}));
  v = Reshape(b, "r1", v, {2, 15});
  v = Reshape(b, "r2", v, {6, 5});  // 6 = 2 x 3 crosses the 5
  v = b.Op(OpType::kTranspose, "t2", {v}, {5, 6}, Perm({1, 0}));
  b.graph().AddOutput(v);
  ASSERT_OK_AND_ASSIGN(int changed, ComposeTransposesThroughViews(b.graph()));
  EXPECT_EQ(changed, 0);
  EXPECT_EQ(b.graph().num_nodes(), 4);
}

// Random chains: dims of small factors, a random perm, views regrouping the
// factors at random, a second perm; the composed graph moves every element
// where the chain did.
TEST(ComposeTransposesTest, RandomChainsMoveEveryElementAsBefore) {
  std::mt19937 rng(29);
  int composed = 0;
  for (int trial = 0; trial < 60; ++trial) {
    SCOPED_TRACE(trial);
    std::vector<int64_t> factors;
    const int count = 2 + static_cast<int>(rng() % 4);
    for (int i = 0; i < count; ++i) factors.push_back(int64_t{2} + rng() % 3);
    // Input dims: the factors grouped at random.
    auto group = [&](const std::vector<int64_t>& f) {
      std::vector<int64_t> dims = {1};
      for (int64_t x : f) {
        if (dims.back() > 1 && rng() % 2 == 0) dims.push_back(1);
        dims.back() *= x;
      }
      if (rng() % 3 == 0) dims.insert(dims.begin() + rng() % (dims.size() + 1), 1);
      return dims;
    };
    auto random_perm = [&](size_t n) {
      std::vector<int64_t> p(n);
      for (size_t i = 0; i < n; ++i) p[i] = static_cast<int64_t>(i);
      std::shuffle(p.begin(), p.end(), rng);
      return p;
    };
    auto permuted = [](const std::vector<int64_t>& d, const std::vector<int64_t>& p) {
      std::vector<int64_t> out;
      for (int64_t i : p) out.push_back(d[i]);
      return out;
    };
    const std::vector<int64_t> in = group(factors);
    GraphBuilder b;
    const ValueId x = b.Input("x", in);
    const std::vector<int64_t> p1 = random_perm(in.size());
    std::vector<int64_t> dims = permuted(in, p1);
    ValueId v = b.Op(OpType::kTranspose, "t1", {x}, dims, Perm(p1));
    // A view of the permuted dims: regroup their row-major factors.
    std::vector<int64_t> seq;
    for (int64_t d : dims) {
      for (int64_t f : {2, 3, 4}) {
        while (d % f == 0 && f != 4) {
          seq.push_back(f);
          d /= f;
        }
      }
    }
    dims = group(seq);
    v = Reshape(b, "view", v, dims);
    const std::vector<int64_t> p2 = random_perm(dims.size());
    v = b.Op(OpType::kTranspose, "t2", {v}, permuted(dims, p2), Perm(p2));
    b.graph().AddOutput(b.Same(OpType::kRelu, "relu", {v}));
    Graph& g = b.graph();
    const Graph original = g;
    ASSERT_OK_AND_ASSIGN(int changed, ComposeTransposesThroughViews(g));
    composed += changed;
    EXPECT_LE(CountOps(g, OpType::kTranspose), 1);
    const Tensor xt = Ramp(in);
    const std::vector<Tensor> want = EvaluateOutputs(original, xt), got = EvaluateOutputs(g, xt);
    ASSERT_EQ(got[0].dims(), want[0].dims());
    for (int64_t i = 0; i < want[0].num_elements(); ++i) {
      ASSERT_EQ(got[0].data<float>()[i], want[0].data<float>()[i]) << i;
    }
  }
  EXPECT_GT(composed, 40);  // the factors are primes, so most chains compose
}

}  // namespace
}  // namespace sf
