// Model-level behaviour of the ONNX importer: parsing, versions, domains, values,
// names, graph structure.
#include "importers/onnx/onnx_importer.h"

#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/importers/onnx_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::ModelBuilder;
using ::sf::testing::StatusIs;
using ::testing::HasSubstr;
constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

ModelBuilder ReluModel(int opset = 13) {
  ModelBuilder b(opset);
  b.Input("x", {-1, 3}).Output("y");
  b.Node("Relu", {"x"}, {"y"});
  return b;
}

TEST(OnnxImporterTest, ImportsInputsOutputsAndGeneratedNames) {
  ASSERT_OK_AND_ASSIGN(Graph g, ReluModel().Import());
  ASSERT_EQ(g.inputs().size(), 1u);
  const Value& x = g.value(g.inputs()[0]);
  EXPECT_EQ(x.name, "x");
  EXPECT_EQ(x.dtype, DataType::kFloat32);
  ASSERT_TRUE(x.shape.has_value());
  EXPECT_EQ(*x.shape, (Shape{Dim::Symbolic("N"), Dim::Known(3)}));
  ASSERT_EQ(g.num_nodes(), 1);
  EXPECT_EQ(g.node(0).name, "Relu_0");
  EXPECT_EQ(g.node(0).op, OpType::kRelu);
  ASSERT_EQ(g.outputs().size(), 1u);
  EXPECT_EQ(g.value(g.outputs()[0]).name, "y");
}

TEST(OnnxImporterTest, DimWithoutValueOrParamIsAnonymousSymbol) {
  ModelBuilder b;
  b.Input("x", {2}).Output("y");
  b.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()->add_dim();
  b.Node("Relu", {"x"}, {"y"});
  ASSERT_OK_AND_ASSIGN(Graph g, b.Import());
  EXPECT_EQ(*g.value(g.inputs()[0]).shape, (Shape{Dim::Known(2), Dim::Symbolic("")}));
}

TEST(OnnxImporterTest, GeneratedNamesAreUniqueAndStable) {
  ModelBuilder b;
  b.Input("x").Output("z");
  b.Node("Relu", {"x"}, {"y"}, "Relu_1");  // explicit name equal to a generated one
  b.Node("Relu", {"y"}, {"z"});            // index 1 -> "Relu_1" taken -> "Relu_1_1"
  ASSERT_OK_AND_ASSIGN(Graph g, b.Import());
  EXPECT_NE(testing::FindNode(g, "Relu_1"), nullptr);
  EXPECT_NE(testing::FindNode(g, "Relu_1_1"), nullptr);
}

TEST(OnnxImporterTest, SortsNodesTopologically) {
  ModelBuilder b;
  b.Input("x").Output("z");
  b.Node("Relu", {"y"}, {"z"}, "second");
  b.Node("Relu", {"x"}, {"y"}, "first");
  ASSERT_OK_AND_ASSIGN(Graph g, b.Import());
  EXPECT_EQ(g.node(0).name, "first");
  EXPECT_EQ(g.node(1).name, "second");
}

TEST(OnnxImporterTest, InitializerListedAsInputIsNotAGraphInput) {
  ModelBuilder b;
  b.Input("x").Input("w").Output("y");
  b.Initializer("w", {1, 4}, {1, 2, 3, 4});
  b.Node("Add", {"x", "w"}, {"y"});
  ASSERT_OK_AND_ASSIGN(Graph g, b.Import());
  ASSERT_EQ(g.inputs().size(), 1u);
  EXPECT_EQ(g.value(g.inputs()[0]).name, "x");
  const Value& w = g.value(*g.FindValue("w"));
  ASSERT_TRUE(w.constant.has_value());
  EXPECT_EQ(w.constant->data<float>()[3], 4.0f);
}

TEST(OnnxImporterTest, ValueInfoGivesIntermediateTypes) {
  ModelBuilder b;
  b.Input("x").Output("z");
  b.Node("Relu", {"x"}, {"y"});
  b.Node("Relu", {"y"}, {"z"});
  ModelBuilder::SetType(b.graph().add_value_info(), "y", {1, 4}, onnx::TensorProto::FLOAT);
  ModelBuilder::SetType(b.graph().mutable_output(0), "z", {1, 4}, onnx::TensorProto::FLOAT);
  ASSERT_OK_AND_ASSIGN(Graph g, b.Import());
  for (const char* name : {"y", "z"}) {
    const Value& v = g.value(*g.FindValue(name));
    EXPECT_EQ(v.dtype, DataType::kFloat32) << name;
    EXPECT_EQ(v.shape, (Shape{Dim::Known(1), Dim::Known(4)})) << name;
  }
}

TEST(OnnxImporterTest, RefusesGarbageBytes) {
  EXPECT_THAT(ImportOnnxModel("this is not an onnx model at all", {}),
              StatusIs(kInvalid, HasSubstr("not a valid ONNX model (protobuf parse failed)")));
}

TEST(OnnxImporterTest, RefusesTruncatedModel) {
  std::string bytes = ReluModel().Bytes();
  for (size_t cut : {bytes.size() - 1, bytes.size() / 2, size_t{3}}) {
    EXPECT_THAT(ImportOnnxModel(bytes.substr(0, cut), {}),
                StatusIs(kInvalid, HasSubstr("protobuf parse failed")))
        << cut;
  }
}

TEST(OnnxImporterTest, RefusesModelAboveSizeLimit) {
  OnnxImportOptions options;
  options.max_model_bytes = 10;
  EXPECT_THAT(ReluModel().Import(options), StatusIs(kInvalid, HasSubstr("above the limit of 10")));
}

TEST(OnnxImporterTest, RefusesTooManyNodes) {
  OnnxImportOptions options;
  options.max_nodes = 0;
  EXPECT_THAT(ReluModel().Import(options), StatusIs(kInvalid, HasSubstr("above the limit of 0")));
}

TEST(OnnxImporterTest, RefusesIrVersionsOutsideRange) {
  for (int ir : {2, 11}) {
    ModelBuilder b = ReluModel();
    b.model().set_ir_version(ir);
    EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr(absl::StrCat(
                                                   "ir_version ", ir, " is not supported (3-10)"))));
  }
}

TEST(OnnxImporterTest, AcceptsOpsets11To21) {
  for (int opset = 11; opset <= 21; ++opset) EXPECT_OK(ReluModel(opset).Import());
}

TEST(OnnxImporterTest, RefusesUnsupportedDefaultOpset) {
  for (int opset : {10, 22}) {
    EXPECT_THAT(ReluModel(opset).Import(),
                StatusIs(kInvalid, HasSubstr(absl::StrCat(
                                       "opset ", opset,
                                       " of the default domain is not supported (11-21)"))));
  }
}

TEST(OnnxImporterTest, AcceptsAiOnnxDomainName) {
  ModelBuilder b = ReluModel();
  b.model().mutable_opset_import(0)->set_domain("ai.onnx");
  b.graph().mutable_node(0)->set_domain("ai.onnx");
  EXPECT_OK(b.Import());
}

TEST(OnnxImporterTest, RefusesSparseflowVersion2) {
  ModelBuilder b = ReluModel();
  auto* op = b.model().add_opset_import();
  op->set_domain("sparseflow");
  op->set_version(2);
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("opset 2 of domain 'sparseflow'")));
}

TEST(OnnxImporterTest, RefusesNodeOfOtherDomain) {
  ModelBuilder b;
  auto* op = b.model().add_opset_import();
  op->set_domain("com.microsoft");
  op->set_version(1);
  b.Input("x").Output("y");
  b.Node("FusedGemm", {"x"}, {"y"}, "fg", "com.microsoft");
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("node 'fg': op 'FusedGemm' of domain "
                                                       "'com.microsoft'")));
}

TEST(OnnxImporterTest, RefusesNeuronWithoutSparseflowImport) {
  ModelBuilder b(13, /*neurons=*/false);
  b.Input("x").Output("y");
  b.Node("IF", {"x"}, {"y"}, "if1", "sparseflow");
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("node 'if1': domain 'sparseflow' is used "
                                                       "but not in opset_import")));
}

TEST(OnnxImporterTest, RefusesUnknownOp) {
  ModelBuilder b;
  b.Input("x").Output("y");
  b.Node("Foo", {"x"}, {"y"}, "f");
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("node 'f': unsupported op 'Foo' (domain '')")));
}

TEST(OnnxImporterTest, RefusesGraphWithoutOutputs) {
  ModelBuilder b;
  b.Input("x");
  b.Node("Relu", {"x"}, {"y"});
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("graph has no outputs")));
}

TEST(OnnxImporterTest, RefusesModelWithoutGraph) {
  ModelBuilder b;
  b.model().clear_graph();
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("model has no graph")));
}

TEST(OnnxImporterTest, RefusesUndefinedOutput) {
  ModelBuilder b = ReluModel();
  b.Output("ghost");
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("graph output 'ghost' is not defined")));
}

TEST(OnnxImporterTest, RefusesUndefinedInput) {
  ModelBuilder b;
  b.Input("x").Output("y");
  b.Node("Add", {"x", "ghost"}, {"y"}, "add1");
  EXPECT_THAT(b.Import(),
              StatusIs(kInvalid, HasSubstr("node 'add1': input 'ghost' is not defined")));
}

TEST(OnnxImporterTest, RefusesCycle) {
  ModelBuilder b;
  b.Input("x").Output("b");
  b.Node("Add", {"x", "b"}, {"a"}, "add_a");
  b.Node("Relu", {"a"}, {"b"}, "relu_b");
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("cycle")));
}

TEST(OnnxImporterTest, RefusesDuplicateNodeNames) {
  ModelBuilder b;
  b.Input("x").Output("z");
  b.Node("Relu", {"x"}, {"y"}, "same");
  b.Node("Relu", {"y"}, {"z"}, "same");
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("node name 'same' is used twice")));
}

TEST(OnnxImporterTest, RefusesValueProducedTwice) {
  ModelBuilder b;
  b.Input("x").Output("y");
  b.Node("Relu", {"x"}, {"y"}, "r1");
  b.Node("Neg", {"x"}, {"y"}, "r2");
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("value 'y' is defined twice (output of "
                                                       "node 'r2')")));
}

TEST(OnnxImporterTest, RefusesNodeOutputShadowingInput) {
  ModelBuilder b;
  b.Input("x").Output("x");
  b.Node("Relu", {"x"}, {"x"}, "r");
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("value 'x' is defined twice")));
}

TEST(OnnxImporterTest, RefusesDuplicateGraphInputs) {
  ModelBuilder b;
  b.Input("x").Input("x").Output("y");
  b.Node("Relu", {"x"}, {"y"});
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("value 'x' is defined twice (graph input")));
}

TEST(OnnxImporterTest, RefusesBadInputTypes) {
  {
    ModelBuilder b;
    b.Input("x", {2, -1}).Output("y");
    b.graph().mutable_input(0)->mutable_type()->mutable_tensor_type()->mutable_shape()
        ->mutable_dim(0)->set_dim_value(-3);
    b.Node("Relu", {"x"}, {"y"});
    EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("graph input 'x': negative dimension")));
  }
  {
    ModelBuilder b;
    b.Input("x", std::vector<int64_t>(17, 1)).Output("y");
    b.Node("Relu", {"x"}, {"y"});
    EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("graph input 'x': rank 17 exceeds")));
  }
  {
    ModelBuilder b;
    b.Input("x", {1}, onnx::TensorProto::STRING).Output("y");
    b.Node("Relu", {"x"}, {"y"});
    EXPECT_THAT(b.Import(),
                StatusIs(kInvalid, HasSubstr("graph input 'x': unsupported element type STRING")));
  }
  {
    ModelBuilder b;
    b.Input("x", {1}, onnx::TensorProto::UNDEFINED).Output("y");
    b.Node("Relu", {"x"}, {"y"});
    EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("graph input 'x' has no element type")));
  }
}

TEST(OnnxImporterTest, RefusesUnsupportedAttributeTypes) {
  ModelBuilder b;
  b.Input("x").Output("y");
  auto& n = b.Node("Relu", {"x"}, {"y"}, "r");
  testing::AddAttr(n, "body", onnx::AttributeProto::GRAPH);
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("node 'r': attribute 'body': type GRAPH "
                                                       "is not supported")));
}

TEST(OnnxImporterTest, RefusesRepeatedAttribute) {
  ModelBuilder b;
  b.Input("x").Output("y");
  auto& n = b.Node("Flatten", {"x"}, {"y"}, "fl");
  testing::SetInt(n, "axis", 1);
  testing::SetInt(n, "axis", 0);
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("node 'fl': attribute 'axis' is given twice")));
}

// Every single-byte corruption of a valid model imports or fails cleanly.
TEST(OnnxImporterTest, SurvivesCorruptedBytes) {
  ModelBuilder b;
  b.Input("x", {-1, 4}).Output("z");
  b.Initializer("w", {4}, {1, 2, 3, 4});
  auto& n = b.Node("Unsqueeze", {"x"}, {"u"});
  testing::SetInts(n, "axes", {0});
  b.Node("Add", {"u", "w"}, {"z"});
  const std::string bytes = b.Bytes();
  for (size_t i = 0; i < bytes.size(); ++i) {
    for (unsigned char v : {0x00, 0x7f, 0xff}) {
      std::string corrupt = bytes;
      corrupt[i] = static_cast<char>(v);
      auto g = ImportOnnxModel(corrupt, {});
      if (!g.ok()) {
        EXPECT_FALSE(g.status().message().empty());
      }
    }
  }
}

TEST(OnnxFileTest, ReadsFileAndPrefixesErrorsWithPath) {
  const std::string dir = ::testing::TempDir();
  const std::string path = dir + "/sf_importer_relu.onnx";
  {
    std::ofstream out(path, std::ios::binary);
    out << ReluModel().Bytes();
  }
  ASSERT_OK_AND_ASSIGN(Graph g, ImportOnnxFile(path));
  EXPECT_EQ(g.num_nodes(), 1);
  EXPECT_THAT(ImportOnnxFile(dir + "/sf_importer_missing.onnx"),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr("sf_importer_missing.onnx")));
}

}  // namespace
}  // namespace sf
