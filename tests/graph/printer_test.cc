#include "graph/printer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/graph/test_graphs.h"

namespace sf {
namespace {

using ::sf::testing::AddInput;
using ::sf::testing::AddOp;
using ::sf::testing::S;
using ::testing::HasSubstr;

TEST(PrinterTest, PrintsInputsConstantsNodesOutputs) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"N", "3", "8", "8"}));
  ValueId w = g.AddConstant("w", Tensor::FromVector<float>({4, 3, 3, 3}, {}));
  Attrs attrs;
  attrs.Set("pads", std::vector<int64_t>{1, 1, 1, 1});
  attrs.Set("group", int64_t{1});
  ValueId y = AddOp(g, OpType::kConv, "conv_1", {x, w, kNoValue}, attrs, {"y"});
  g.value(y).dtype = DataType::kFloat32;
  g.value(y).shape = S({"N", "4", "8", "8"});
  g.AddOutput(y);
  const std::string text = PrintGraph(g);
  EXPECT_THAT(text, HasSubstr("input x : float32 [N,3,8,8]\n"));
  EXPECT_THAT(text, HasSubstr("const w : float32 [4,3,3,3]\n"));
  EXPECT_THAT(text, HasSubstr("conv_1 = Conv(x, w, _) {group=1, pads=[1,1,1,1]} -> "
                              "y : float32 [N,4,8,8]\n"));
  EXPECT_THAT(text, HasSubstr("output y : float32 [N,4,8,8]\n"));
}

TEST(PrinterTest, UnknownShapeAndNoAttrs) {
  Graph g;
  ValueId x = AddInput(g, "x", S({"?", "2"}));
  g.AddOutput(AddOp(g, OpType::kRelu, "relu_1", {x}));
  const std::string text = PrintGraph(g);
  EXPECT_THAT(text, HasSubstr("input x : float32 [?,2]"));
  EXPECT_THAT(text, HasSubstr("relu_1 = Relu(x) -> relu_1_out : undefined <unknown rank>"));
}

}  // namespace
}  // namespace sf
