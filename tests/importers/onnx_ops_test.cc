// Per-op normalization across opsets 11/13/18/21 and the per-op refusals.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <limits>

#include "graph/shape_inference.h"
#include "tests/importers/onnx_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::ModelBuilder;
using ::sf::testing::SetFloat;
using ::sf::testing::SetInt;
using ::sf::testing::SetInts;
using ::sf::testing::SetString;
using ::sf::testing::StatusIs;
using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;
constexpr int kOpsets[] = {11, 13, 18, 21};

// One node "op1" of `op_type` reading x (and `extra` inputs), writing y.
struct OpModel {
  ModelBuilder b;
  onnx::NodeProto* n;
  OpModel(int opset, const std::string& op_type, std::vector<std::string> extra = {},
          int outputs = 1)
      : b(opset) {
    b.Input("x", {2, 3, 4, 4}).Output("y");
    std::vector<std::string> ins = {"x"};
    ins.insert(ins.end(), extra.begin(), extra.end());
    std::vector<std::string> outs = {"y"};
    for (int i = 1; i < outputs; ++i) outs.push_back("y" + std::to_string(i));
    n = &b.Node(op_type, ins, outs, "op1");
  }
  absl::StatusOr<Graph> Import() const { return b.Import(); }
  absl::StatusOr<sf::Node> ImportNode() const {
    auto g = b.Import();
    if (!g.ok()) return g.status();
    const sf::Node* node = testing::FindNode(*g, "op1");
    if (node == nullptr) return absl::NotFoundError("op1");
    return *node;
  }
};

std::vector<int64_t> Ints(const sf::Node& n, const char* name) {
  return n.attrs.GetIntsOr(name, {}).value();
}
int64_t Int(const sf::Node& n, const char* name) { return n.attrs.GetInt(name).value(); }
float Float(const sf::Node& n, const char* name) { return n.attrs.GetFloat(name).value(); }
std::string Str(const sf::Node& n, const char* name) {
  return n.attrs.GetStringOr(name, "<absent>").value();
}

TEST(OnnxOpsTest, AxesBecomeAnAttributeInEveryOpset) {
  for (const char* op : {"Squeeze", "Unsqueeze", "ReduceMean", "ReduceSum"}) {
    for (int opset : kOpsets) {
      const std::string op_s = op;
      const int input_since = op_s == "ReduceMean" ? 18 : 13;
      OpModel m(opset, op);
      if (opset < input_since) {
        SetInts(*m.n, "axes", {1, -1});
      } else {
        m.b.Int64Initializer("axes", {1, -1});
        m.n->add_input("axes");
      }
      ASSERT_OK_AND_ASSIGN(sf::Node n, m.ImportNode());
      EXPECT_EQ(n.inputs.size(), 1u) << op << " " << opset;
      EXPECT_THAT(Ints(n, "axes"), ElementsAre(1, -1)) << op << " " << opset;
      if (op_s.rfind("Reduce", 0) == 0) {
        EXPECT_EQ(Int(n, "keepdims"), 1);
        EXPECT_EQ(Int(n, "noop_with_empty_axes"), 0);
      }
    }
  }
}

TEST(OnnxOpsTest, AxesFromAConstantNodeLaterInTheFile) {
  OpModel m(13, "Unsqueeze", {"axes"});
  auto& c = m.b.Node("Constant", {}, {"axes"}, "axes_const");
  SetInts(c, "value_ints", {0});
  ASSERT_OK_AND_ASSIGN(Graph g, m.Import());
  ASSERT_EQ(g.num_nodes(), 1);  // the Constant is a value, not a node
  EXPECT_THAT(Ints(g.node(0), "axes"), ElementsAre(0));
}

TEST(OnnxOpsTest, AxesRefusals) {
  {
    OpModel m(11, "Squeeze");
    m.b.Int64Initializer("axes", {0});
    m.n->add_input("axes");
    EXPECT_THAT(m.Import(), StatusIs(kInvalid, HasSubstr("node 'op1': at opset 11 axes are an "
                                                         "attribute, not an input")));
  }
  {
    OpModel m(13, "ReduceSum");
    SetInts(*m.n, "axes", {0});
    EXPECT_THAT(m.Import(), StatusIs(kInvalid, HasSubstr("node 'op1': at opset 13 axes are an "
                                                         "input, not an attribute")));
  }
  {
    OpModel m(13, "Unsqueeze");
    m.b.Input("a", {1}, onnx::TensorProto::INT64);
    m.n->add_input("a");
    EXPECT_THAT(m.Import(),
                StatusIs(kInvalid, HasSubstr("node 'op1': axes input 'a' must be a constant")));
  }
  for (int opset : kOpsets) {
    OpModel m(opset, "Unsqueeze");
    EXPECT_THAT(m.Import(), StatusIs(kInvalid, HasSubstr("node 'op1': axes are required")));
  }
}

TEST(OnnxOpsTest, ReduceWithoutAxesReducesAll) {
  for (int opset : kOpsets) {
    OpModel m(opset, "ReduceMean");
    SetInt(*m.n, "keepdims", 0);
    ASSERT_OK_AND_ASSIGN(sf::Node n, m.ImportNode());
    EXPECT_FALSE(n.attrs.Has("axes"));
    EXPECT_EQ(Int(n, "keepdims"), 0);
  }
}

TEST(OnnxOpsTest, SoftmaxAxisAndCoerce2dFollowTheOpset) {
  for (int opset : kOpsets) {
    OpModel m(opset, "Softmax");
    ASSERT_OK_AND_ASSIGN(sf::Node n, m.ImportNode());
    EXPECT_EQ(Int(n, "axis"), opset < 13 ? 1 : -1) << opset;
    EXPECT_EQ(Int(n, "coerce_2d"), opset < 13 ? 1 : 0) << opset;
  }
  OpModel m(11, "Softmax");
  SetInt(*m.n, "axis", 2);
  ASSERT_OK_AND_ASSIGN(sf::Node n, m.ImportNode());
  EXPECT_EQ(Int(n, "axis"), 2);
}

TEST(OnnxOpsTest, DropoutRatioBecomesAnInput) {
  {
    OpModel m(11, "Dropout", {}, 2);
    SetFloat(*m.n, "ratio", 0.25f);
    ASSERT_OK_AND_ASSIGN(Graph g, m.Import());
    const sf::Node& n = g.node(0);
    ASSERT_EQ(n.inputs.size(), 2u);
    EXPECT_EQ(g.value(n.inputs[1]).constant->data<float>()[0], 0.25f);
    EXPECT_TRUE(n.attrs.map().empty());
    EXPECT_EQ(n.outputs.size(), 2u);
  }
  for (int opset : {13, 18, 21}) {
    OpModel m(opset, "Dropout", {"r"});
    m.b.Initializer("r", {}, {0.1f});
    SetInt(*m.n, "seed", 3);
    ASSERT_OK_AND_ASSIGN(sf::Node n, m.ImportNode());
    EXPECT_EQ(n.inputs.size(), 2u);
    EXPECT_TRUE(n.attrs.map().empty());
  }
}

TEST(OnnxOpsTest, DropoutRefusals) {
  {
    OpModel m(13, "Dropout");
    SetFloat(*m.n, "ratio", 0.5f);
    EXPECT_THAT(m.Import(), StatusIs(kInvalid, HasSubstr("node 'op1': at opset 13 ratio is an "
                                                         "input")));
  }
  {
    OpModel m(13, "Dropout", {"", "t"});
    auto* t = m.b.graph().add_initializer();
    t->set_name("t");
    t->set_data_type(onnx::TensorProto::BOOL);
    t->add_int32_data(1);
    EXPECT_THAT(m.Import(),
                StatusIs(kInvalid, HasSubstr("node 'op1': training_mode=true is not supported")));
  }
}

TEST(OnnxOpsTest, ClipKeepsInputsAndConvertsLegacyAttributes) {
  for (int opset : kOpsets) {
    OpModel m(opset, "Clip", {"", "hi"});
    m.b.Initializer("hi", {}, {6.0f});
    ASSERT_OK_AND_ASSIGN(sf::Node n, m.ImportNode());
    ASSERT_EQ(n.inputs.size(), 3u);
    EXPECT_EQ(n.inputs[1], kNoValue);
  }
  OpModel m(11, "Clip");
  SetFloat(*m.n, "max", 6.0f);
  ASSERT_OK_AND_ASSIGN(Graph g, m.Import());
  const sf::Node& n = g.node(0);
  ASSERT_EQ(n.inputs.size(), 3u);
  EXPECT_EQ(n.inputs[1], kNoValue);
  EXPECT_EQ(g.value(n.inputs[2]).constant->data<float>()[0], 6.0f);
  EXPECT_TRUE(n.attrs.map().empty());
}

TEST(OnnxOpsTest, Pad) {
  for (int opset : kOpsets) {
    OpModel m(opset, "Pad", {"p"});
    m.b.Int64Initializer("p", {0, 0, 1, 1, 0, 0, 1, 1});
    ASSERT_OK_AND_ASSIGN(sf::Node n, m.ImportNode());
    EXPECT_EQ(Str(n, "mode"), "constant");
  }
  OpModel wrap(21, "Pad", {"p"});
  wrap.b.Int64Initializer("p", {0, 0, 0, 0, 0, 0, 0, 0});
  SetString(*wrap.n, "mode", "wrap");
  EXPECT_THAT(wrap.Import(), StatusIs(kInvalid, HasSubstr("node 'op1': attribute 'mode' is "
                                                          "\"wrap\"")));
  OpModel axes(13, "Pad", {"p", "", "a"});
  axes.b.Int64Initializer("p", {1, 1});
  axes.b.Int64Initializer("a", {3});
  EXPECT_THAT(axes.Import(), StatusIs(kInvalid, HasSubstr("the axes input of Pad needs opset 18")));
}

TEST(OnnxOpsTest, ConvFillsDefaults) {
  for (int opset : kOpsets) {
    OpModel m(opset, "Conv", {"w"});
    m.b.Initializer("w", {8, 3, 3, 3}, std::vector<float>(8 * 3 * 3 * 3, 0.0f));
    SetInts(*m.n, "kernel_shape", {3, 3});
    ASSERT_OK_AND_ASSIGN(sf::Node n, m.ImportNode());
    EXPECT_THAT(Ints(n, "strides"), ElementsAre(1, 1));
    EXPECT_THAT(Ints(n, "dilations"), ElementsAre(1, 1));
    EXPECT_THAT(Ints(n, "pads"), ElementsAre(0, 0, 0, 0));
    EXPECT_EQ(Int(n, "group"), 1);
    EXPECT_EQ(Str(n, "auto_pad"), "NOTSET");
  }
}

TEST(OnnxOpsTest, ConvRefusals) {
  auto conv = [](const std::function<void(onnx::NodeProto&)>& edit) {
    OpModel m(13, "Conv", {"w"});
    m.b.Initializer("w", {8, 3, 3, 3}, std::vector<float>(8 * 3 * 3 * 3, 0.0f));
    edit(*m.n);
    return m.Import().status();
  };
  EXPECT_THAT(conv([](auto& n) {
                SetInts(n, "kernel_shape", {3, 3, 3});
              }),
              StatusIs(kInvalid, HasSubstr("node 'op1': only 1-D and 2-D convolutions are "
                                           "supported, kernel_shape has 3 values")));
  // A 1-D kernel_shape with 2-D strides.
  EXPECT_THAT(conv([](auto& n) {
                SetInts(n, "kernel_shape", {3}), SetInts(n, "strides", {1, 1});
              }),
              StatusIs(kInvalid, HasSubstr("attribute 'strides' has 2 values, expected 1")));
  EXPECT_THAT(conv([](auto& n) { SetInts(n, "strides", {0, 1}); }),
              StatusIs(kInvalid, HasSubstr("attribute 'strides' has value 0 < 1")));
  EXPECT_THAT(conv([](auto& n) { SetInt(n, "group", 0); }),
              StatusIs(kInvalid, HasSubstr("group must be >= 1")));
  EXPECT_THAT(conv([](auto& n) { SetString(n, "auto_pad", "SAME_UPPER"), SetInts(n, "pads", {1, 1, 1, 1}); }),
              StatusIs(kInvalid, HasSubstr("pads and auto_pad SAME_UPPER cannot both be given")));
  EXPECT_THAT(conv([](auto& n) { SetString(n, "auto_pad", "FOO"); }),
              StatusIs(kInvalid, HasSubstr("attribute 'auto_pad' is \"FOO\"")));
  EXPECT_THAT(conv([](auto& n) { n.add_input("x"), n.add_input("x"); }),
              StatusIs(kInvalid, HasSubstr("node 'op1': Conv takes 2 to 3 inputs, got 4")));
}

// A 1-D Conv (graph/passes/lift_1d.h runs it as 2-D): its defaults are 1-D,
// from kernel_shape or, without it, from a rank-3 W.
TEST(OnnxOpsTest, OneDimensionalConvGetsOneDimensionalDefaults) {
  for (bool kernel_attr : {true, false}) {
    OpModel m(13, "Conv", {"w"});
    m.b.Initializer("w", {8, 3, 5}, std::vector<float>(8 * 3 * 5, 0.0f));
    if (kernel_attr) SetInts(*m.n, "kernel_shape", {5});
    ASSERT_OK_AND_ASSIGN(sf::Node n, m.ImportNode());
    EXPECT_THAT(Ints(n, "strides"), ElementsAre(1));
    EXPECT_THAT(Ints(n, "dilations"), ElementsAre(1));
    EXPECT_THAT(Ints(n, "pads"), ElementsAre(0, 0));
  }
}

TEST(OnnxOpsTest, Pools) {
  for (int opset : kOpsets) {
    OpModel max(opset, "MaxPool");
    SetInts(*max.n, "kernel_shape", {2, 2});
    SetInt(*max.n, "storage_order", 0);
    ASSERT_OK_AND_ASSIGN(sf::Node n, max.ImportNode());
    EXPECT_THAT(Ints(n, "strides"), ElementsAre(1, 1));
    EXPECT_THAT(Ints(n, "dilations"), ElementsAre(1, 1));
    EXPECT_EQ(Int(n, "ceil_mode"), 0);
    EXPECT_FALSE(n.attrs.Has("storage_order"));
    OpModel avg(opset, "AveragePool");
    SetInts(*avg.n, "kernel_shape", {2, 2});
    SetInts(*avg.n, "pads", {1, 1, 1, 1});
    ASSERT_OK_AND_ASSIGN(sf::Node a, avg.ImportNode());
    EXPECT_EQ(Int(a, "count_include_pad"), 0);
    EXPECT_THAT(Ints(a, "pads"), ElementsAre(1, 1, 1, 1));
    EXPECT_FALSE(a.attrs.Has("dilations"));
  }
  OpModel no_kernel(13, "MaxPool");
  EXPECT_THAT(no_kernel.Import(), StatusIs(kInvalid, HasSubstr("kernel_shape is required")));
  OpModel indices(13, "MaxPool", {}, 2);
  SetInts(*indices.n, "kernel_shape", {2, 2});
  EXPECT_THAT(indices.Import(),
              StatusIs(kInvalid, HasSubstr("node 'op1': MaxPool's Indices output is not supported")));
  OpModel dilated(19, "AveragePool");
  SetInts(*dilated.n, "kernel_shape", {2, 2});
  SetInts(*dilated.n, "dilations", {2, 2});
  EXPECT_THAT(dilated.Import(), StatusIs(kInvalid, HasSubstr("dilations != 1 is not supported")));
}

TEST(OnnxOpsTest, BatchNormalization) {
  for (int opset : kOpsets) {
    OpModel m(opset, "BatchNormalization", {"s", "b", "m", "v"});
    for (const char* p : {"s", "b", "m", "v"}) m.b.Initializer(p, {3}, {1, 1, 1});
    SetFloat(*m.n, "momentum", 0.9f);
    ASSERT_OK_AND_ASSIGN(sf::Node n, m.ImportNode());
    EXPECT_FLOAT_EQ(Float(n, "epsilon"), 1e-5f);
    EXPECT_FALSE(n.attrs.Has("momentum"));
  }
  OpModel outs(11, "BatchNormalization", {"s", "b", "m", "v"}, 3);
  for (const char* p : {"s", "b", "m", "v"}) outs.b.Initializer(p, {3}, {1, 1, 1});
  EXPECT_THAT(outs.Import(), StatusIs(kInvalid, HasSubstr("training outputs")));
  OpModel train(14, "BatchNormalization", {"s", "b", "m", "v"});
  for (const char* p : {"s", "b", "m", "v"}) train.b.Initializer(p, {3}, {1, 1, 1});
  SetInt(*train.n, "training_mode", 1);
  EXPECT_THAT(train.Import(), StatusIs(kInvalid, HasSubstr("training_mode=1 is not supported")));
}

TEST(OnnxOpsTest, GemmDefaults) {
  for (int opset : kOpsets) {
    OpModel m(opset, "Gemm", {"w"});
    m.b.Initializer("w", {4, 2}, std::vector<float>(8, 0.0f));
    SetInt(*m.n, "transB", 1);
    SetInt(*m.n, "alpha", 2);
    ASSERT_OK_AND_ASSIGN(sf::Node n, m.ImportNode());
    EXPECT_EQ(Float(n, "alpha"), 2.0f);
    EXPECT_EQ(Float(n, "beta"), 1.0f);
    EXPECT_EQ(Int(n, "transA"), 0);
    EXPECT_EQ(Int(n, "transB"), 1);
  }
  OpModel m(13, "Gemm", {"x"});
  SetInt(*m.n, "transA", 2);
  EXPECT_THAT(m.Import(), StatusIs(kInvalid, HasSubstr("attribute 'transA' must be 0 or 1")));
}

TEST(OnnxOpsTest, SimpleAttributeDefaults) {
  for (int opset : kOpsets) {
    OpModel flatten(opset, "Flatten");
    ASSERT_OK_AND_ASSIGN(sf::Node f, flatten.ImportNode());
    EXPECT_EQ(Int(f, "axis"), 1);
    OpModel gather(opset, "Gather", {"i"});
    gather.b.Int64Initializer("i", {0});
    ASSERT_OK_AND_ASSIGN(sf::Node g, gather.ImportNode());
    EXPECT_EQ(Int(g, "axis"), 0);
    OpModel reshape(opset, "Reshape", {"s"});
    reshape.b.Int64Initializer("s", {-1});
    ASSERT_OK_AND_ASSIGN(sf::Node r, reshape.ImportNode());
    EXPECT_EQ(Int(r, "allowzero"), 0);
    OpModel cos(opset, "ConstantOfShape");
    ASSERT_OK_AND_ASSIGN(sf::Node c, cos.ImportNode());
    ASSERT_OK_AND_ASSIGN(Tensor v, c.attrs.GetTensor("value"));
    EXPECT_EQ(v.dtype(), DataType::kFloat32);
    EXPECT_EQ(v.num_elements(), 1);
    OpModel cast(opset, "Cast");
    SetInt(*cast.n, "to", onnx::TensorProto::INT64);
    ASSERT_OK_AND_ASSIGN(sf::Node k, cast.ImportNode());
    EXPECT_EQ(Int(k, "to"), onnx::TensorProto::INT64);
  }
}

TEST(OnnxOpsTest, SimpleAttributeRefusals) {
  OpModel concat(13, "Concat");
  EXPECT_THAT(concat.Import(),
              StatusIs(kInvalid, HasSubstr("node 'op1': missing required attribute 'axis'")));
  OpModel cast(13, "Cast");
  SetInt(*cast.n, "to", onnx::TensorProto::STRING);
  EXPECT_THAT(cast.Import(), StatusIs(kInvalid, HasSubstr("Cast to ONNX data type 8")));
  OpModel perm(13, "Transpose");
  SetInts(*perm.n, "perm", {0, 0, 1, 2});
  EXPECT_THAT(perm.Import(), StatusIs(kInvalid, HasSubstr("perm is not a permutation")));
  OpModel relu(13, "Relu");
  SetFloat(*relu.n, "alpha", 0.1f);
  EXPECT_THAT(relu.Import(),
              StatusIs(kInvalid, HasSubstr("node 'op1': unknown attribute 'alpha' for Relu")));
  OpModel add(13, "Add", {"x", "x"});
  EXPECT_THAT(add.Import(), StatusIs(kInvalid, HasSubstr("node 'op1': Add takes 2 inputs, got 3")));
  OpModel flatten(13, "Flatten");
  SetString(*flatten.n, "axis", "one");
  EXPECT_THAT(flatten.Import(),
              StatusIs(kInvalid, HasSubstr("node 'op1': attribute 'axis' has the wrong type")));
}

TEST(OnnxOpsTest, ConstantBecomesAConstantValue) {
  ModelBuilder b;
  b.Input("x").Output("y");
  auto& c = b.Node("Constant", {}, {"c"}, "k");
  onnx::AttributeProto* a = testing::AddAttr(c, "value", onnx::AttributeProto::TENSOR);
  a->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
  a->mutable_t()->add_dims(2);
  a->mutable_t()->add_float_data(1.0f);
  a->mutable_t()->add_float_data(2.0f);
  b.Node("Mul", {"x", "c"}, {"y"});
  ASSERT_OK_AND_ASSIGN(Graph g, b.Import());
  ASSERT_EQ(g.num_nodes(), 1);
  EXPECT_EQ(g.node(0).op, OpType::kMul);
  const Value& v = g.value(*g.FindValue("c"));
  ASSERT_TRUE(v.constant.has_value());
  EXPECT_THAT(v.constant->span<float>(), ElementsAre(1.0f, 2.0f));
  EXPECT_EQ(v.shape, (Shape{Dim::Known(2)}));
}

TEST(OnnxOpsTest, ConstantScalarForms) {
  ModelBuilder b;
  b.Input("x").Output("y");
  SetFloat(b.Node("Constant", {}, {"f"}), "value_float", 0.5f);
  SetInt(b.Node("Constant", {}, {"i"}), "value_int", 7);
  b.Node("Sum", {"x", "f", "i"}, {"y"});
  ASSERT_OK_AND_ASSIGN(Graph g, b.Import());
  EXPECT_EQ(g.value(*g.FindValue("f")).constant->data<float>()[0], 0.5f);
  EXPECT_EQ(g.value(*g.FindValue("i")).constant->data<int64_t>()[0], 7);
  EXPECT_EQ(g.value(*g.FindValue("i")).dtype, DataType::kInt64);
}

TEST(OnnxOpsTest, ConstantRefusals) {
  {
    ModelBuilder b;
    b.Input("x").Output("c");
    SetString(b.Node("Constant", {}, {"c"}, "k"), "value_string", "hi");
    EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("node 'k': Constant attribute "
                                                         "'value_string'")));
  }
  {
    ModelBuilder b;
    b.Input("x").Output("c");
    auto& c = b.Node("Constant", {}, {"c"}, "k");
    SetInt(c, "value_int", 1);
    SetFloat(c, "value_float", 1);
    EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("node 'k': Constant needs exactly one")));
  }
  {
    ModelBuilder b;
    b.Input("x").Output("c");
    auto& c = b.Node("Constant", {}, {"c"}, "k");
    onnx::AttributeProto* a = testing::AddAttr(c, "value", onnx::AttributeProto::TENSOR);
    a->mutable_t()->set_data_type(onnx::TensorProto::FLOAT);
    a->mutable_t()->add_dims(3);
    EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("node 'k': attribute 'value': "
                                                         "float_data has 0 values")));
  }
}

// LeakyRelu, Elu and HardSigmoid get their float attributes written, defaults
// included; Pow's integer or float64 constant exponent becomes float32.
TEST(OnnxOpsTest, ActivationAttributesAndPowExponent) {
  struct Case {
    const char* op;
    std::vector<std::pair<const char*, float>> given, want;
  };
  const std::vector<Case> cases = {
      {"LeakyRelu", {}, {{"alpha", 0.01f}}},
      {"LeakyRelu", {{"alpha", 0.2f}}, {{"alpha", 0.2f}}},
      {"Elu", {}, {{"alpha", 1.0f}}},
      {"HardSigmoid", {}, {{"alpha", 0.2f}, {"beta", 0.5f}}},
      {"HardSigmoid", {{"beta", 0.25f}}, {{"alpha", 0.2f}, {"beta", 0.25f}}},
  };
  for (const Case& c : cases) {
    OpModel m(13, c.op);
    for (const auto& [k, v] : c.given) SetFloat(*m.n, k, v);
    ASSERT_OK_AND_ASSIGN(sf::Node n, m.ImportNode());
    for (const auto& [k, v] : c.want) EXPECT_EQ(Float(n, k), v) << c.op << " " << k;
  }
  OpModel nan(13, "LeakyRelu");
  SetFloat(*nan.n, "alpha", std::numeric_limits<float>::quiet_NaN());
  EXPECT_THAT(nan.Import(), StatusIs(kInvalid, HasSubstr("node 'op1'")));
  OpModel unknown(13, "Elu");
  SetFloat(*unknown.n, "beta", 1.0f);
  EXPECT_THAT(unknown.Import(), StatusIs(kInvalid, HasSubstr("unknown attribute 'beta' for Elu")));

  OpModel pow(13, "Pow", {"e"});
  pow.b.Int64Initializer("e", {2});
  ASSERT_OK_AND_ASSIGN(Graph g, pow.Import());
  const sf::Node* p = testing::FindNode(g, "op1");
  ASSERT_NE(p, nullptr);
  const Value& e = g.value(p->inputs[1]);
  ASSERT_TRUE(e.constant.has_value());
  EXPECT_EQ(e.constant->dtype(), DataType::kFloat32);
  EXPECT_EQ(e.constant->data<float>()[0], 2.0f);
  OpModel huge(13, "Pow", {"e"});
  huge.b.Int64Initializer("e", {int64_t{1} << 30});
  EXPECT_THAT(huge.Import(), StatusIs(kInvalid, HasSubstr("not exact in float32")));
  // An integer base is refused when shapes are inferred, naming the node.
  ModelBuilder ib(13);
  ib.Input("x", {2}, onnx::TensorProto::INT64).Output("y");
  ib.Node("Pow", {"x", "x"}, {"y"}, "ipow");
  ASSERT_OK_AND_ASSIGN(Graph ig, ib.Import());
  EXPECT_THAT(InferShapes(ig), StatusIs(kInvalid, AllOf(HasSubstr("ipow"), HasSubstr("float"))));
}

TEST(OnnxOpsTest, SplitSizesFromEachOpsetsForm) {
  OpModel attr(11, "Split", {}, /*outputs=*/2);
  SetInts(*attr.n, "split", {1, 1});
  SetInt(*attr.n, "axis", 1);
  ASSERT_OK_AND_ASSIGN(sf::Node a, attr.ImportNode());
  EXPECT_THAT(Ints(a, "split"), ElementsAre(1, 1));
  EXPECT_EQ(a.outputs.size(), 2u);
  OpModel input(13, "Split", {"s"}, /*outputs=*/2);
  input.b.Int64Initializer("s", {1, 2});
  ASSERT_OK_AND_ASSIGN(sf::Node i, input.ImportNode());
  EXPECT_THAT(Ints(i, "split"), ElementsAre(1, 2));
  EXPECT_EQ(i.inputs.size(), 1u);
  EXPECT_EQ(Int(i, "axis"), 0);
  OpModel n18(18, "Split", {}, /*outputs=*/3);
  SetInt(*n18.n, "num_outputs", 3);
  ASSERT_OK_AND_ASSIGN(sf::Node n, n18.ImportNode());
  EXPECT_EQ(Int(n, "ceil"), 1);
  EXPECT_FALSE(n.attrs.Has("num_outputs"));
  OpModel wrong(18, "Split", {}, /*outputs=*/2);
  SetInt(*wrong.n, "num_outputs", 3);
  EXPECT_THAT(wrong.Import(), StatusIs(kInvalid, HasSubstr("num_outputs 3 needs 3 outputs")));
  OpModel computed(13, "Split", {"x"}, /*outputs=*/2);
  EXPECT_THAT(computed.Import(), StatusIs(kInvalid, HasSubstr("must be a constant int64")));
  OpModel old_input(11, "Split", {"x"}, /*outputs=*/2);
  EXPECT_THAT(old_input.Import(), StatusIs(kInvalid, HasSubstr("split is an attribute")));
}

TEST(OnnxOpsTest, LayerNormalization) {
  OpModel m(18, "LayerNormalization", {"s", "b"});
  m.b.Initializer("s", {4}, {1, 1, 1, 1});
  m.b.Initializer("b", {4}, {0, 0, 0, 0});
  ASSERT_OK_AND_ASSIGN(sf::Node n, m.ImportNode());
  EXPECT_EQ(Int(n, "axis"), -1);
  EXPECT_EQ(Float(n, "epsilon"), 1e-5f);
  EXPECT_FALSE(n.attrs.Has("stash_type"));
  OpModel old(13, "LayerNormalization", {"x"});
  EXPECT_THAT(old.Import(), StatusIs(kInvalid, HasSubstr("opset-17 op")));
  OpModel stats(18, "LayerNormalization", {"x"}, /*outputs=*/2);
  EXPECT_THAT(stats.Import(), StatusIs(kInvalid, HasSubstr("Mean and InvStdDev")));
  OpModel stash(18, "LayerNormalization", {"x"});
  SetInt(*stash.n, "stash_type", 0);
  EXPECT_THAT(stash.Import(), StatusIs(kInvalid, HasSubstr("stash_type 0")));
  OpModel eps(18, "LayerNormalization", {"x"});
  SetFloat(*eps.n, "epsilon", -1.0f);
  EXPECT_THAT(eps.Import(), StatusIs(kInvalid, HasSubstr("epsilon must be >= 0")));
}

TEST(OnnxOpsTest, ElementwiseAndDataMovementOpsPassThrough) {
  struct Case {
    const char* op;
    std::vector<std::string> extra;
  };
  const std::vector<Case> cases = {
      {"Abs", {}},           {"Exp", {}},
      {"Floor", {}},         {"Identity", {}},
      {"Neg", {}},           {"Relu", {}},
      {"Sigmoid", {}},       {"Sqrt", {}},
      {"Tanh", {}},          {"GlobalAveragePool", {}},
      {"Shape", {}},         {"Sub", {"x"}},
      {"Div", {"x"}},        {"MatMul", {"x"}},
      {"Max", {"x", "x"}},   {"Min", {"x"}},
      {"Sum", {"x"}},        {"Equal", {"x"}},
      {"Greater", {"x"}},    {"GreaterOrEqual", {"x"}},
      {"Less", {"x"}},       {"LessOrEqual", {"x"}},
      {"Slice", {"x", "x"}}, {"Expand", {"x"}},
      {"Ceil", {}},          {"Erf", {}},
      {"HardSwish", {}},     {"Log", {}},
      {"Reciprocal", {}},    {"Round", {}},
      {"Sign", {}},          {"Softplus", {}},
      {"Pow", {"x"}},
  };
  for (int opset : kOpsets) {
    for (const Case& c : cases) {
      OpModel m(opset, c.op, c.extra);
      ASSERT_OK_AND_ASSIGN(sf::Node n, m.ImportNode());
      EXPECT_EQ(ToString(n.op), c.op);
      EXPECT_EQ(n.inputs.size(), 1 + c.extra.size());
      EXPECT_TRUE(n.attrs.map().empty()) << c.op;
    }
    OpModel w(opset, "Where", {"x", "x"});
    EXPECT_OK(w.Import());
    OpModel nt(opset, "Not");
    EXPECT_OK(nt.Import());
  }
  OpModel shape(21, "Shape");
  SetInt(*shape.n, "start", 1);
  ASSERT_OK_AND_ASSIGN(sf::Node s, shape.ImportNode());
  EXPECT_EQ(Int(s, "start"), 1);
}

}  // namespace
}  // namespace sf
