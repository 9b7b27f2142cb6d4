// Elementwise fusion (graph/passes/fuse_elementwise.h) on the CPU: what it
// fuses, that fused and unfused runs give the same bits, and the program check.
#include "graph/passes/fuse_elementwise.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "graph/fused_program.h"
#include "sf/runtime.h"
#include "tests/testing/fused_models.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::StatusIs;
using ::testing::HasSubstr;

std::unique_ptr<Runtime> Load(const std::string& bytes, bool fuse) {
  Options o;
  o.device = "cpu";
  o.fuse_elementwise = fuse;
  auto rt = Runtime::LoadFromBytes(bytes, o);
  EXPECT_TRUE(rt.ok()) << rt.status();
  return rt.ok() ? std::move(rt).value() : nullptr;
}

int CountSteps(const Plan& plan, OpType op) {
  int n = 0;
  for (const PlanStep& s : plan.steps) n += s.op == op;
  return n;
}

// Runs `bytes` fused and unfused on the same inputs; expects the same bits.
void ExpectSameBits(const std::string& bytes, const std::map<std::string, Tensor>& inputs,
                    int* fused_steps = nullptr) {
  auto fused = Load(bytes, true);
  auto plain = Load(bytes, false);
  ASSERT_NE(fused, nullptr);
  ASSERT_NE(plain, nullptr);
  auto a = fused->Run(inputs);
  auto b = plain->Run(inputs);
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  ASSERT_EQ(a->size(), b->size());
  for (size_t k = 0; k < a->size(); ++k) {
    EXPECT_TRUE(testing::SameBitsOrBothNan((*a)[k], (*b)[k])) << "output " << k;
  }
  if (fused_steps != nullptr) {
    auto plan = fused->GetPlan();
    ASSERT_TRUE(plan.ok()) << plan.status();
    *fused_steps = CountSteps(*plan, OpType::kFusedElementwise);
  }
}

TEST(FuseElementwiseTest, UnrolledLifBecomesOneStep) {
  const std::string bytes = testing::UnrolledLifModel(4, 2, 3, 6, /*conv=*/true);
  auto rt = Load(bytes, true);
  ASSERT_NE(rt, nullptr);
  auto plan = rt->GetPlan();
  ASSERT_TRUE(plan.ok()) << plan.status();
  // Reshape, 4 Gathers, 4 x 9 arithmetic ops and the Concat: one step.
  EXPECT_EQ(plan->steps.size(), 2u) << PlanToTable(*plan);
  EXPECT_EQ(CountSteps(*plan, OpType::kFusedElementwise), 1);
  for (const PlanStep& s : plan->steps) {
    if (s.op == OpType::kConv) {
      EXPECT_EQ(s.input_class, ValueClass::kBinary);
    }
  }
  // Inputs around the threshold: about half the elements fire at each step.
  const Tensor x = testing::UniformTensor({8, 3, 6, 6}, 7, 0.0f, 2.5f);
  auto y = rt->Run({{"x", x}});
  ASSERT_TRUE(y.ok()) << y.status();
  int fused = 0;
  ExpectSameBits(bytes, {{"x", x}}, &fused);
  EXPECT_EQ(fused, 1);
  auto unfused_plan = Load(bytes, false)->GetPlan();
  ASSERT_TRUE(unfused_plan.ok());
  EXPECT_EQ(unfused_plan->steps.size(), 2u + 1 + 4 * 10);
}

// T = 150 steps: a program of ~1500 instructions, still one step.
TEST(FuseElementwiseTest, LongTimeLoopsFuseToo) {
  const std::string bytes = testing::UnrolledLifModel(150, 1, 2, 3, false, /*membrane=*/true);
  const Tensor x = testing::UniformTensor({150, 2, 3, 3}, 13, -0.5f, 2.5f);
  int fused = 0;
  ExpectSameBits(bytes, {{"x", x}}, &fused);
  EXPECT_EQ(fused, 1);
}

TEST(FuseElementwiseTest, SpikesAndMembraneAreBothOutputs) {
  const std::string bytes = testing::UnrolledLifModel(3, 2, 2, 5, /*conv=*/false,
                                                      /*membrane=*/true);
  const Tensor x = testing::UniformTensor({6, 2, 5, 5}, 11, -0.5f, 2.5f);
  int fused = 0;
  ExpectSameBits(bytes, {{"x", x}}, &fused);
  EXPECT_EQ(fused, 1);
  // Some but not all elements fire: the comparison is not trivially equal.
  auto y = Load(bytes, true)->Run({{"x", x}});
  ASSERT_TRUE(y.ok());
  double ones = 0;
  for (float v : (*y)[0].span<const float>()) ones += v;
  EXPECT_GT(ones, 0);
  EXPECT_LT(ones, static_cast<double>((*y)[0].num_elements()));
}

// Channels-last input and output: the Transposes around the chain become
// channels-last loads and stores of the one fused step.
TEST(FuseElementwiseTest, TransposesFromAndToNhwcJoinTheStep) {
  const std::string bytes =
      testing::UnrolledLifModel(3, 2, 5, 6, /*conv=*/false, /*membrane=*/true, /*nhwc_io=*/true);
  auto rt = Load(bytes, true);
  ASSERT_NE(rt, nullptr);
  auto plan = rt->GetPlan();
  ASSERT_TRUE(plan.ok()) << plan.status();
  EXPECT_EQ(plan->steps.size(), 1u) << PlanToTable(*plan);
  const Tensor x = testing::UniformTensor({6, 6, 6, 5}, 21, -0.5f, 2.5f);
  int fused = 0;
  ExpectSameBits(bytes, {{"x", x}}, &fused);
  EXPECT_EQ(fused, 1);
  auto unfused_plan = Load(bytes, false)->GetPlan();
  ASSERT_TRUE(unfused_plan.ok());
  EXPECT_EQ(CountSteps(*unfused_plan, OpType::kTranspose), 2);
}

TEST(FuseElementwiseTest, RandomChainsGiveTheUnfusedBits) {
  int total_fused = 0;
  for (unsigned seed = 1; seed <= 40; ++seed) {
    SCOPED_TRACE(seed);
    const std::vector<int64_t> dims = {3, 4, 9, 11};  // 1188 elements: two CPU chunks
    int outputs = 0;
    const std::string bytes = testing::RandomElementwiseModel(seed, dims, 10 + seed % 25, &outputs);
    const auto inputs = testing::RandomElementwiseInputs(seed, dims);
    int fused = 0;
    ExpectSameBits(bytes, inputs, &fused);
    total_fused += fused;
  }
  EXPECT_GT(total_fused, 40);  // most models fuse something, many twice or more
}

// a = x + 1 feeds Relu (not fused), whose output feeds a * relu: the Add and
// the Mul cannot be one node (it would both feed and read the Relu).
TEST(FuseElementwiseTest, RegionsStayConvex) {
  testing::OnnxModelBuilder b(17, false);
  b.Input("x", {2, 3, 4, 4}).Output("y");
  b.Initializer("one", {}, {1.0f});
  b.Node("Add", {"x", "one"}, {"a"}, "add");
  b.Node("Neg", {"a"}, {"na"}, "neg");
  b.Node("Relu", {"na"}, {"r"}, "relu");
  b.Node("Mul", {"a", "r"}, {"m"}, "mul");
  b.Node("Sub", {"m", "one"}, {"y"}, "sub");
  const std::string bytes = b.Serialize();
  auto rt = Load(bytes, true);
  ASSERT_NE(rt, nullptr);
  auto plan = rt->GetPlan();
  ASSERT_TRUE(plan.ok()) << plan.status();
  // {add, neg} and {mul, sub}, with the Relu between them.
  EXPECT_EQ(CountSteps(*plan, OpType::kFusedElementwise), 2) << PlanToTable(*plan);
  EXPECT_EQ(CountSteps(*plan, OpType::kRelu), 1);
  ExpectSameBits(bytes, {{"x", testing::UniformTensor({2, 3, 4, 4}, 3, -3, 3)}});
}

// Nine inputs are more than a program's load slots: the chain stays unfused
// rather than failing.
TEST(FuseElementwiseTest, TooManyInputsRunUnfused) {
  testing::OnnxModelBuilder b(17, false);
  std::map<std::string, Tensor> inputs;
  std::string acc = "x0";
  for (int i = 0; i <= fused::kMaxSlots; ++i) {
    const std::string name = absl::StrCat("x", i);
    b.Input(name, {2, 5});
    inputs[name] = testing::UniformTensor({2, 5}, 40 + i, -1, 1);
    if (i == 0) continue;
    const std::string out = i == fused::kMaxSlots ? "y" : absl::StrCat("s", i);
    b.Node("Add", {acc, name}, {out}, absl::StrCat("add", i));
    acc = out;
  }
  b.Output("y");
  int fused = -1;
  ExpectSameBits(b.Serialize(), inputs, &fused);
  EXPECT_EQ(fused, 0);
}

std::vector<int64_t> Instr(fused::Opcode op, fused::RegisterType type, int64_t dst, int64_t a,
                           int64_t b) {
  return {fused::Word0(op, type), dst, a, b};
}

std::vector<int64_t> Join(std::initializer_list<std::vector<int64_t>> parts) {
  std::vector<int64_t> out;
  for (const auto& p : parts) out.insert(out.end(), p.begin(), p.end());
  return out;
}

TEST(FuseElementwiseTest, CheckFusedProgramAcceptsAGoodProgram) {
  const FusedSlot in[] = {{DataType::kFloat32, 8}};
  const FusedSlot out[] = {{DataType::kFloat32, 8}, {DataType::kBool, 4}};
  const auto words = Join({Instr(fused::kLoad, fused::kFloat32, 0, 0, 4),
                           Instr(fused::kConst, fused::kFloat32, 1, 0, 0x3f800000),
                           Instr(fused::kAdd, fused::kFloat32, 2, 0, 1),
                           Instr(fused::kGreater, fused::kBool, 3, 2, 1),
                           Instr(fused::kStore, fused::kFloat32, 0, 2, 0),
                           Instr(fused::kStore, fused::kFloat32, 0, 0, 4),
                           Instr(fused::kStore, fused::kBool, 1, 3, 0)});
  EXPECT_TRUE(CheckFusedProgram(words, 4, in, out).ok()) << CheckFusedProgram(words, 4, in, out);
}

TEST(FuseElementwiseTest, CheckFusedProgramRefusesBadPrograms) {
  const FusedSlot in[] = {{DataType::kFloat32, 8}};
  const FusedSlot out[] = {{DataType::kFloat32, 4}};
  const auto load = Instr(fused::kLoad, fused::kFloat32, 0, 0, 0);
  const auto store = Instr(fused::kStore, fused::kFloat32, 0, 0, 0);
  auto check = [&](const std::vector<int64_t>& words) {
    return CheckFusedProgram(words, 4, in, out);
  };
  EXPECT_TRUE(check(Join({load, store})).ok());
  // A register read before it is written.
  EXPECT_THAT(check(Join({Instr(fused::kNeg, fused::kFloat32, 1, 5, 0), store})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("instruction 0")));
  // A load past its slot (offset 5 + 4 lanes > 8 elements), a negative offset.
  EXPECT_FALSE(check(Join({Instr(fused::kLoad, fused::kFloat32, 0, 0, 5), store})).ok());
  EXPECT_FALSE(check(Join({Instr(fused::kLoad, fused::kFloat32, 0, 0, -1), store})).ok());
  // A slot that does not exist; a register out of range.
  EXPECT_FALSE(check(Join({Instr(fused::kLoad, fused::kFloat32, 0, 1, 0), store})).ok());
  EXPECT_FALSE(
      check(Join({Instr(fused::kLoad, fused::kFloat32, fused::kMaxRegisters, 0, 0), store})).ok());
  // A load of the wrong type; an unknown opcode.
  EXPECT_FALSE(check(Join({Instr(fused::kLoad, fused::kFloat16, 0, 0, 0), store})).ok());
  EXPECT_FALSE(check(Join({load, {fused::kNumOpcodes, 1, 0, 0}, store})).ok());
  // Operand types that do not fit: Not of a float, Add into a bool.
  EXPECT_FALSE(check(Join({load, Instr(fused::kNot, fused::kBool, 1, 0, 0), store})).ok());
  EXPECT_FALSE(check(Join({load, Instr(fused::kAdd, fused::kBool, 1, 0, 0), store})).ok());
  // The output stored twice, or not at all.
  EXPECT_THAT(check(Join({load, store, store})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("exactly once")));
  EXPECT_FALSE(check(load).ok());
  // Channels-last: fine on whole images (C 2 x HW 2 divides 8 and 4), not on a
  // slot of 6 elements, not without HW, not on an op other than a load or store.
  const FusedSlot six[] = {{DataType::kFloat32, 6}};
  EXPECT_TRUE(check(Join({{fused::Word0(fused::kLoad, fused::kFloat32, 2, 2), 0, 0, 4},
                          {fused::Word0(fused::kStore, fused::kFloat32, 2, 2), 0, 0, 0}}))
                  .ok());
  EXPECT_FALSE(
      CheckFusedProgram(Join({{fused::Word0(fused::kLoad, fused::kFloat32, 4, 1), 0, 0, 0}, store}),
                        4, six, out)
          .ok());
  EXPECT_FALSE(
      check(Join({{fused::Word0(fused::kLoad, fused::kFloat32, 2, 0), 0, 0, 0}, store})).ok());
  EXPECT_FALSE(
      check(Join({load, {fused::Word0(fused::kNeg, fused::kFloat32, 2, 2), 1, 0, 0}, store})).ok());
  // Words that are not whole instructions; no instructions.
  EXPECT_FALSE(check({fused::Word0(fused::kLoad, fused::kFloat32), 0, 0}).ok());
  EXPECT_FALSE(check({}).ok());
  EXPECT_FALSE(CheckFusedProgram(Join({load, store}), 0, in, out).ok());
}

TEST(FuseElementwiseTest, TheImporterRefusesTheInternalOp) {
  testing::OnnxModelBuilder b(17, false);
  b.Input("x", {2}).Output("y");
  b.Node("FusedElementwise", {"x"}, {"y"}, "f");
  Options o;
  o.device = "cpu";
  auto rt = Runtime::LoadFromBytes(b.Serialize(), o);
  EXPECT_FALSE(rt.ok());
}

}  // namespace
}  // namespace sf
