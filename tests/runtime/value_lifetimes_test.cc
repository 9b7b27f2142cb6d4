#include "runtime/value_lifetimes.h"

#include <gtest/gtest.h>

#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

// x -> relu_a -> a -> relu_b -> b -> relu_c -> c -> relu_y -> y (graph output),
// every value [2, 8] float32; `extra_reader_of_b` adds a second reader of b.
Graph Chain(bool extra_reader_of_b) {
  Graph g;
  const std::vector<int64_t> dims = {2, 8};
  ValueId prev = g.AddValue("x", DataType::kFloat32, MakeShape(dims));
  g.AddInput(prev);
  for (const char* name : {"a", "b", "c", "y"}) {
    const ValueId v = g.AddValue(name, DataType::kFloat32, MakeShape(dims));
    Node n;
    n.name = std::string("relu_") + name;
    n.op = OpType::kRelu;
    n.inputs = {prev};
    n.outputs = {v};
    g.AddNode(n);
    prev = v;
  }
  g.AddOutput(prev);
  if (extra_reader_of_b) {
    const ValueId z = g.AddValue("z", DataType::kFloat32, MakeShape(dims));
    Node n;
    n.name = "add_z";
    n.op = OpType::kAdd;
    n.inputs = {*g.FindValue("b"), *g.FindValue("c")};
    n.outputs = {z};
    g.AddNode(n);
    g.AddOutput(z);
  }
  return g;
}

int LinkOf(const Graph& g, const PlannedValues& p, const char* name) {
  const ValueId v = *g.FindValue(name);
  for (size_t i = 0; i < p.values.size(); ++i) {
    if (p.values[i] != v) continue;
    const int of = p.lifetimes[i].in_place_of;
    return of < 0 ? -1 : static_cast<int>(p.values[of]);
  }
  return -2;  // not planned
}

// Options with some fields set (designated initializers that skip members
// warn under -Wmissing-field-initializers).
ValueLifetimeOptions InPlaceOptions(bool profiling = false) {
  ValueLifetimeOptions o;
  o.profiling = profiling;
  o.in_place_input = [](int) { return 0; };
  return o;
}

TEST(ValueLifetimesTest, OutputsTakeDyingInputsInPlace) {
  const Graph g = Chain(false);
  ASSERT_OK_AND_ASSIGN(PlannedValues p, PlanValueLifetimes(g, InPlaceOptions()));
  EXPECT_EQ(LinkOf(g, p, "a"), -1);  // x is a graph input
  EXPECT_EQ(LinkOf(g, p, "b"), *g.FindValue("a"));
  EXPECT_EQ(LinkOf(g, p, "c"), *g.FindValue("b"));
  EXPECT_EQ(LinkOf(g, p, "y"), -1);  // y is a graph output
  EXPECT_EQ(LinkOf(g, p, "x"), -2);  // inputs only when asked
  const MemoryPlan plan = PlanMemory(p.lifetimes);
  EXPECT_EQ(plan.arena_bytes, 2 * 64);  // a=b=c share one block, y its own
}

TEST(ValueLifetimesTest, NoInPlaceWhenTheInputIsReadLaterOrProfiling) {
  const Graph g = Chain(true);
  ASSERT_OK_AND_ASSIGN(PlannedValues p, PlanValueLifetimes(g, InPlaceOptions()));
  EXPECT_EQ(LinkOf(g, p, "c"), -1);  // b is read again by add_z
  ASSERT_OK_AND_ASSIGN(PlannedValues prof,
                       PlanValueLifetimes(g, InPlaceOptions(/*profiling=*/true)));
  for (const TensorLifetime& t : prof.lifetimes) EXPECT_EQ(t.in_place_of, -1);
}

TEST(ValueLifetimesTest, GraphInputsWhenAskedAndShapesMustBeConcrete) {
  Graph g = Chain(false);
  ValueLifetimeOptions with_inputs;
  with_inputs.include_inputs = true;
  ASSERT_OK_AND_ASSIGN(PlannedValues p, PlanValueLifetimes(g, with_inputs));
  EXPECT_EQ(LinkOf(g, p, "x"), -1);
  g.value(*g.FindValue("b")).shape = Shape{Dim::Symbolic("N"), Dim::Known(8)};
  EXPECT_THAT(
      PlanValueLifetimes(g, {}).status(),
      testing::StatusIs(absl::StatusCode::kInvalidArgument, ::testing::HasSubstr("value 'b'")));
}

TEST(ValueLifetimesTest, UnmaterializedValuesGetNoSlot) {
  const Graph g = Chain(false);
  const ValueId b = *g.FindValue("b");
  ValueLifetimeOptions options;
  options.unmaterialized = [b](ValueId v) { return v == b; };
  ASSERT_OK_AND_ASSIGN(PlannedValues p, PlanValueLifetimes(g, options));
  EXPECT_EQ(LinkOf(g, p, "b"), -2);
  EXPECT_EQ(LinkOf(g, p, "a"), -1);
  EXPECT_EQ(p.values.size(), 3u);  // a, c, y
}

TEST(ValueLifetimesTest, WrittenAtMovesTheStartOfALifetime) {
  const Graph g = Chain(false);
  const ValueId c = *g.FindValue("c");
  ASSERT_OK_AND_ASSIGN(PlannedValues plain, PlanValueLifetimes(g, {}));
  ValueLifetimeOptions options;
  options.written_at = [c](ValueId v) { return v == c ? 0 : -1; };
  ASSERT_OK_AND_ASSIGN(PlannedValues moved, PlanValueLifetimes(g, options));
  for (size_t i = 0; i < moved.values.size(); ++i) {
    if (moved.values[i] != c) continue;
    EXPECT_EQ(moved.lifetimes[i].first_step, 0);
    EXPECT_GT(plain.lifetimes[i].first_step, 0);
  }
}

// A step that runs beside others (a second stream) keeps its inputs alive and
// its outputs reserved over the whole span, and takes nothing in place.
TEST(ValueLifetimesTest, RunsDuringWidensTheLifetimesOfAConcurrentStep) {
  const Graph g = Chain(false);
  ValueLifetimeOptions options = InPlaceOptions();
  options.runs_during = [](int i) { return i == 2 ? std::pair<int, int>{0, 3} : std::pair{i, i}; };
  ASSERT_OK_AND_ASSIGN(PlannedValues p, PlanValueLifetimes(g, options));
  auto lifetime = [&](const char* name) {
    const ValueId v = *g.FindValue(name);
    for (size_t i = 0; i < p.values.size(); ++i) {
      if (p.values[i] == v) return p.lifetimes[i];
    }
    return TensorLifetime{};
  };
  EXPECT_EQ(lifetime("b").last_step, 3);   // read by relu_c (node 2), which may run until 3
  EXPECT_EQ(lifetime("c").first_step, 0);  // written by relu_c, which may run from 0
  EXPECT_EQ(LinkOf(g, p, "c"), -1);        // no in-place for the concurrent step
  EXPECT_EQ(LinkOf(g, p, "b"), *g.FindValue("a"));  // the others keep theirs
  // b and c overlap in time now: they cannot share bytes.
  const MemoryPlan plan = PlanMemory(p.lifetimes);
  EXPECT_GE(plan.arena_bytes, 3 * 64);
}

}  // namespace
}  // namespace sf
