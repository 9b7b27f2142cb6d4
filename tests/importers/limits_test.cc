// The limits on untrusted models (docs/security.md, "Limits"): one test per limit,
// each asserting the exact error, which names the limit and how to raise it.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/strings/str_cat.h"
#include "graph/tensor.h"
#include "importers/onnx/onnx_importer.h"
#include "sf/runtime.h"
#include "tests/importers/onnx_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using testing::ModelBuilder;
using testing::StatusIs;
constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

// y = Relu(x) with x of `dims`.
ModelBuilder ReluModel(const std::vector<int64_t>& dims = {1, 4}) {
  ModelBuilder b;
  b.Input("x", dims).Output("y");
  b.Node("Relu", {"x"}, {"y"}, "relu_0");
  return b;
}

// Relu model plus an initializer 'w' of `dims` and `dtype` (no data yet).
onnx::TensorProto& AddInitializer(ModelBuilder& b, const std::vector<int64_t>& dims,
                                  int dtype = onnx::TensorProto::FLOAT) {
  onnx::TensorProto* w = b.graph().add_initializer();
  w->set_name("w");
  w->set_data_type(dtype);
  for (int64_t d : dims) w->add_dims(d);
  return *w;
}

TEST(LimitsTest, ModelSize) {
  OnnxImportOptions options;
  options.max_model_bytes = 16;
  const std::string bytes = ReluModel().Bytes();
  EXPECT_THAT(ImportOnnxModel(bytes, options),
              StatusIs(kInvalid, HasSubstr(absl::StrCat(
                                     "model is ", bytes.size(),
                                     " bytes, above the limit of 16 bytes "
                                     "(OnnxImportOptions::max_model_bytes; protobuf's own "
                                     "cap is 2 GiB)"))));
}

TEST(LimitsTest, DefaultModelSizeIsProtobufsTwoGiB) {
  EXPECT_EQ(OnnxImportOptions{}.max_model_bytes, int64_t{2} << 30);
}

// A node attribute holding a graph whose node holds a graph ... `depth` times.
TEST(LimitsTest, NestingDepth) {
  ModelBuilder b = ReluModel();
  onnx::NodeProto* node = b.graph().mutable_node(0);
  for (int i = 0; i < 100; ++i) {
    onnx::AttributeProto* a = node->add_attribute();
    a->set_name("body");
    a->set_type(onnx::AttributeProto::GRAPH);
    node = a->mutable_g()->add_node();
    node->set_op_type("Relu");
  }
  EXPECT_THAT(b.Import(),
              StatusIs(kInvalid, HasSubstr("not a valid ONNX model (protobuf parse failed): the "
                                           "bytes are corrupt or truncated, or messages nest "
                                           "deeper than the limit of 64")));
}

TEST(LimitsTest, ShallowSubgraphAttributeIsRefusedByType) {
  ModelBuilder b = ReluModel();
  onnx::AttributeProto* a = b.graph().mutable_node(0)->add_attribute();
  a->set_name("body");
  a->set_type(onnx::AttributeProto::GRAPH);
  a->mutable_g()->set_name("sub");
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("node 'relu_0': attribute 'body': type "
                                                       "GRAPH is not supported")));
}

TEST(LimitsTest, NodeCount) {
  ModelBuilder b = ReluModel();
  b.Node("Relu", {"y"}, {"z"}, "relu_1");
  OnnxImportOptions options;
  options.max_nodes = 1;
  EXPECT_THAT(b.Import(options),
              StatusIs(kInvalid, HasSubstr("graph has 2 nodes, above the limit of 1 "
                                           "(OnnxImportOptions::max_nodes)")));
}

TEST(LimitsTest, InitializerRank) {
  ModelBuilder b = ReluModel();
  AddInitializer(b, std::vector<int64_t>(kMaxRank + 1, 1)).add_float_data(1.0f);
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("initializer 'w': rank 17 exceeds the "
                                                       "limit of 16")));
}

TEST(LimitsTest, InputRank) {
  EXPECT_THAT(ReluModel(std::vector<int64_t>(kMaxRank + 1, 1)).Import(),
              StatusIs(kInvalid, HasSubstr("graph input 'x': rank 17 exceeds the limit of 16")));
}

TEST(LimitsTest, InitializerElementCount) {
  ModelBuilder b = ReluModel();
  AddInitializer(b, {int64_t{1} << 20, int64_t{1} << 20}).set_raw_data("abcd");
  EXPECT_THAT(b.Import(),
              StatusIs(kInvalid, HasSubstr("initializer 'w': shape [1048576,1048576] has too "
                                           "many elements (limit 17179869184)")));
}

TEST(LimitsTest, NegativeInitializerDim) {
  ModelBuilder b = ReluModel();
  AddInitializer(b, {2, -3}).set_raw_data("abcd");
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("initializer 'w': negative dimension in "
                                                       "shape [2,-3]")));
}

TEST(LimitsTest, InitializerBytes) {
  ModelBuilder b = ReluModel();
  AddInitializer(b, {kMaxTensorElements}, onnx::TensorProto::DOUBLE).set_raw_data("abcdefgh");
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("initializer 'w': shape [17179869184] "
                                                       "needs more than the 68719476736-byte "
                                                       "tensor limit")));
}

// 32 GiB declared, 4 bytes present: refused by comparing sizes, before any allocation.
TEST(LimitsTest, InitializerBytesCheckedBeforeAllocation) {
  ModelBuilder b = ReluModel();
  AddInitializer(b, {int64_t{1} << 33}).set_raw_data("abcd");
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("initializer 'w': raw_data has 4 bytes, "
                                                       "but shape [8589934592] of float32 "
                                                       "needs 34359738368")));
  ModelBuilder typed = ReluModel();
  AddInitializer(typed, {int64_t{1} << 33}).add_float_data(1.0f);
  EXPECT_THAT(typed.Import(), StatusIs(kInvalid, HasSubstr("initializer 'w': float_data has 1 "
                                                           "values, but shape [8589934592] "
                                                           "needs 8589934592")));
}

TEST(LimitsTest, TooNewIrVersion) {
  ModelBuilder b = ReluModel();
  b.model().set_ir_version(11);
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("ir_version 11 is not supported (3-10)")));
}

TEST(LimitsTest, MissingIrVersion) {
  ModelBuilder b = ReluModel();
  b.model().clear_ir_version();
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("ir_version 0 is not supported (3-10)")));
}

TEST(LimitsTest, TooNewOpset) {
  ModelBuilder b(22);
  b.Input("x").Output("y");
  b.Node("Relu", {"x"}, {"y"}, "relu_0");
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("opset 22 of the default domain is not "
                                                       "supported (11-21)")));
}

TEST(LimitsTest, UnknownDomainOp) {
  ModelBuilder b = ReluModel();
  b.graph().mutable_node(0)->set_domain("com.example");
  EXPECT_THAT(b.Import(), StatusIs(kInvalid, HasSubstr("node 'relu_0': op 'Relu' of domain "
                                                       "'com.example': the domain is not "
                                                       "supported")));
}

// A declared input shape too large for any tensor is refused when planning,
// before any arena is allocated.
TEST(LimitsTest, InputElementCountAtPlanTime) {
  const int64_t big = int64_t{1} << 20;
  Options options;
  options.device = "cpu";
  ASSERT_OK_AND_ASSIGN(auto rt, Runtime::LoadFromBytes(ReluModel({big, big, big}).Bytes(),
                                                       options));
  EXPECT_THAT(rt->GetPlan(), StatusIs(kInvalid, HasSubstr("too many elements")));
}

// External data with more than one hard link is refused: a hard link inside the
// model folder may be the same file as one outside it, which no path check sees.
class HardLinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) /
            absl::StrCat("sf_limits_", getpid(), "_",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    fs::create_directories(root_ / "model");
    std::ofstream(root_ / "secret.bin", std::ios::binary) << std::string(16, 'x');
  }
  void TearDown() override { fs::remove_all(root_); }

  absl::StatusOr<Graph> ImportWithExternal(const std::string& location) {
    ModelBuilder b = ReluModel();
    onnx::TensorProto& w = AddInitializer(b, {4});
    w.set_data_location(onnx::TensorProto::EXTERNAL);
    auto* e = w.add_external_data();
    e->set_key("location");
    e->set_value(location);
    OnnxImportOptions options;
    options.model_dir = (root_ / "model").string();
    return b.Import(options);
  }

  fs::path root_;
};

TEST_F(HardLinkTest, RefusesHardLinkedFile) {
  fs::create_hard_link(root_ / "secret.bin", root_ / "model" / "w.bin");
  EXPECT_THAT(ImportWithExternal("w.bin"),
              StatusIs(kInvalid, HasSubstr("initializer 'w': external data file 'w.bin' has 2 "
                                           "hard links; refused because a hard link may lead "
                                           "outside the model folder (store a copy of the file "
                                           "instead)")));
}

TEST_F(HardLinkTest, AcceptsPlainCopy) {
  fs::copy_file(root_ / "secret.bin", root_ / "model" / "w.bin");
  EXPECT_OK(ImportWithExternal("w.bin"));
}

}  // namespace
}  // namespace sf
