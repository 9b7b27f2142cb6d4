// Initializers: raw and typed data, size checks, external data and its path rules.
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "graph/status.h"
#include "tests/importers/onnx_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

namespace fs = std::filesystem;
using ::sf::testing::ModelBuilder;
using ::sf::testing::StatusIs;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
constexpr auto kInvalid = absl::StatusCode::kInvalidArgument;

// x + w with the initializer `w` built by the test.
struct AddModel {
  ModelBuilder b;
  onnx::TensorProto* w;
  AddModel() {
    b.Input("x").Output("y");
    b.Node("Add", {"x", "w"}, {"y"});
    w = b.graph().add_initializer();
    w->set_name("w");
  }
  absl::StatusOr<Tensor> Import(const OnnxImportOptions& options = {}) {
    SF_ASSIGN_OR_RETURN(Graph g, b.Import(options));
    return *g.value(*g.FindValue("w")).constant;
  }
};

TEST(OnnxTensorTest, RawData) {
  AddModel m;
  m.w->set_data_type(onnx::TensorProto::FLOAT);
  m.w->add_dims(2);
  const float v[2] = {1.5f, -2.0f};
  m.w->set_raw_data(std::string(reinterpret_cast<const char*>(v), sizeof(v)));
  ASSERT_OK_AND_ASSIGN(Tensor t, m.Import());
  EXPECT_EQ(t.dtype(), DataType::kFloat32);
  EXPECT_THAT(t.span<float>(), ElementsAre(1.5f, -2.0f));
}

TEST(OnnxTensorTest, TypedFields) {
  {
    AddModel m;
    m.w->set_data_type(onnx::TensorProto::FLOAT);
    m.w->add_dims(2);
    m.w->add_float_data(3.0f);
    m.w->add_float_data(4.0f);
    ASSERT_OK_AND_ASSIGN(Tensor t, m.Import());
    EXPECT_THAT(t.span<float>(), ElementsAre(3.0f, 4.0f));
  }
  {
    AddModel m;
    m.w->set_data_type(onnx::TensorProto::INT64);
    m.w->add_int64_data(int64_t{1} << 40);
    ASSERT_OK_AND_ASSIGN(Tensor t, m.Import());
    EXPECT_EQ(t.rank(), 0);
    EXPECT_EQ(t.data<int64_t>()[0], int64_t{1} << 40);
  }
  {
    AddModel m;
    m.w->set_data_type(onnx::TensorProto::DOUBLE);
    m.w->add_dims(1);
    m.w->add_double_data(0.25);
    ASSERT_OK_AND_ASSIGN(Tensor t, m.Import());
    EXPECT_EQ(t.data<double>()[0], 0.25);
  }
}

TEST(OnnxTensorTest, Int32DataHoldsSmallTypes) {
  struct Case {
    int onnx_type;
    DataType dtype;
  };
  for (Case c : {Case{onnx::TensorProto::INT32, DataType::kInt32},
                 Case{onnx::TensorProto::INT8, DataType::kInt8},
                 Case{onnx::TensorProto::UINT8, DataType::kUInt8},
                 Case{onnx::TensorProto::BOOL, DataType::kBool},
                 Case{onnx::TensorProto::FLOAT16, DataType::kFloat16}}) {
    AddModel m;
    m.w->set_data_type(c.onnx_type);
    m.w->add_dims(2);
    m.w->add_int32_data(0);
    m.w->add_int32_data(1);
    ASSERT_OK_AND_ASSIGN(Tensor t, m.Import());
    EXPECT_EQ(t.dtype(), c.dtype);
    ASSERT_EQ(t.num_elements(), 2);
  }
  AddModel m;
  m.w->set_data_type(onnx::TensorProto::FLOAT16);
  m.w->add_int32_data(0x3C00);  // 1.0 in IEEE half
  ASSERT_OK_AND_ASSIGN(Tensor t, m.Import());
  EXPECT_EQ(t.data<uint16_t>()[0], 0x3C00);
}

TEST(OnnxTensorTest, RefusesRawDataOfWrongSize) {
  AddModel m;
  m.w->set_data_type(onnx::TensorProto::FLOAT);
  m.w->add_dims(4);
  m.w->set_raw_data(std::string(12, '\0'));
  EXPECT_THAT(m.Import(), StatusIs(kInvalid, HasSubstr("initializer 'w': raw_data has 12 bytes, "
                                                       "but shape [4] of float32 needs 16")));
}

TEST(OnnxTensorTest, RefusesTypedDataOfWrongCount) {
  AddModel m;
  m.w->set_data_type(onnx::TensorProto::FLOAT);
  m.w->add_dims(2);
  m.w->add_dims(2);
  m.w->add_float_data(1.0f);
  EXPECT_THAT(m.Import(), StatusIs(kInvalid, HasSubstr("initializer 'w': float_data has 1 "
                                                       "values, but shape [2,2] needs 4")));
}

TEST(OnnxTensorTest, RefusesDataInTheWrongField) {
  AddModel m;
  m.w->set_data_type(onnx::TensorProto::FLOAT);
  m.w->add_int64_data(1);
  EXPECT_THAT(m.Import(),
              StatusIs(kInvalid, HasSubstr("initializer 'w': data of a float32 tensor must be in "
                                           "raw_data or float_data")));
}

TEST(OnnxTensorTest, RefusesDataInTwoFields) {
  AddModel m;
  m.w->set_data_type(onnx::TensorProto::FLOAT);
  m.w->add_float_data(1.0f);
  m.w->set_raw_data(std::string(4, '\0'));
  EXPECT_THAT(m.Import(), StatusIs(kInvalid, HasSubstr("initializer 'w': data is stored in more")));
}

TEST(OnnxTensorTest, RefusesAbsurdDimsBeforeAllocating) {
  AddModel m;
  m.w->set_data_type(onnx::TensorProto::FLOAT);
  for (int i = 0; i < 3; ++i) m.w->add_dims(int64_t{1} << 40);
  EXPECT_THAT(m.Import(), StatusIs(kInvalid, HasSubstr("initializer 'w': shape")));
  AddModel big;  // within the element limit, above the byte limit
  big.w->set_data_type(onnx::TensorProto::DOUBLE);
  big.w->add_dims(int64_t{1} << 34);
  EXPECT_THAT(big.Import(), StatusIs(kInvalid, HasSubstr("initializer 'w': shape")));
}

TEST(OnnxTensorTest, RefusesNegativeDims) {
  AddModel m;
  m.w->set_data_type(onnx::TensorProto::FLOAT);
  m.w->add_dims(-1);
  EXPECT_THAT(m.Import(), StatusIs(kInvalid, HasSubstr("initializer 'w': negative dimension")));
}

TEST(OnnxTensorTest, RefusesUnsupportedDataType) {
  AddModel m;
  m.w->set_data_type(onnx::TensorProto::STRING);
  m.w->add_string_data("a");
  EXPECT_THAT(m.Import(),
              StatusIs(kInvalid, HasSubstr("initializer 'w': unsupported data type STRING")));
}

TEST(OnnxTensorTest, RefusesDuplicateInitializer) {
  AddModel m;
  m.w->set_data_type(onnx::TensorProto::FLOAT);
  m.w->add_float_data(1.0f);
  *m.b.graph().add_initializer() = *m.w;
  EXPECT_THAT(m.Import(), StatusIs(kInvalid, HasSubstr("value 'w' is defined twice (initializer")));
}

// A fresh folder with a data file "w.bin" holding `bytes` bytes (0, 1, 2, ...).
class ExternalDataTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::path(::testing::TempDir()) /
            absl::StrCat("sf_ext_", getpid(), "_",
                         ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    dir_ = root_ / "model";
    fs::create_directories(dir_);
    WriteFile(dir_ / "w.bin", 64);
  }
  void TearDown() override { fs::remove_all(root_); }

  static void WriteFile(const fs::path& path, int bytes) {
    std::ofstream out(path, std::ios::binary);
    for (int i = 0; i < bytes; ++i) out.put(static_cast<char>(i));
  }
  // An external float initializer of `count` elements at `location`.
  absl::StatusOr<Tensor> Import(const std::string& location, int count,
                                const std::string& offset = "", const std::string& length = "",
                                const std::string& model_dir = "default") {
    AddModel m;
    m.w->set_data_type(onnx::TensorProto::FLOAT);
    m.w->add_dims(count);
    m.w->set_data_location(onnx::TensorProto::EXTERNAL);
    auto add = [&](const char* key, const std::string& value) {
      if (value.empty()) return;
      auto* e = m.w->add_external_data();
      e->set_key(key);
      e->set_value(value);
    };
    add("location", location);
    add("offset", offset);
    add("length", length);
    OnnxImportOptions options;
    options.model_dir = model_dir == "default" ? dir_.string() : model_dir;
    return m.Import(options);
  }

  fs::path root_, dir_;
};

TEST_F(ExternalDataTest, ReadsRangeOfFile) {
  ASSERT_OK_AND_ASSIGN(Tensor t, Import("w.bin", 2, "8", "8"));
  ASSERT_EQ(t.num_elements(), 2);
  const auto* bytes = static_cast<const unsigned char*>(t.raw_data());
  EXPECT_EQ(bytes[0], 8);
  EXPECT_EQ(bytes[7], 15);
  ASSERT_OK_AND_ASSIGN(Tensor whole, Import("w.bin", 16));  // no offset/length: whole file
  EXPECT_EQ(static_cast<const unsigned char*>(whole.raw_data())[63], 63);
}

TEST_F(ExternalDataTest, ReadsFromSubfolder) {
  fs::create_directories(dir_ / "data");
  WriteFile(dir_ / "data" / "sub.bin", 16);
  EXPECT_OK(Import("data/sub.bin", 4));
}

TEST_F(ExternalDataTest, RefusesWithoutModelDir) {
  EXPECT_THAT(Import("w.bin", 16, "", "", ""),
              StatusIs(kInvalid, HasSubstr("initializer 'w': external data 'w.bin' is refused: "
                                           "the model's folder is unknown")));
}

TEST_F(ExternalDataTest, RefusesAbsolutePath) {
  EXPECT_THAT(Import((dir_ / "w.bin").string(), 16),
              StatusIs(kInvalid, HasSubstr("is an absolute path")));
}

TEST_F(ExternalDataTest, RefusesDotDot) {
  WriteFile(root_ / "outside.bin", 64);
  EXPECT_THAT(Import("../outside.bin", 16), StatusIs(kInvalid, HasSubstr("has a '..' component")));
  EXPECT_THAT(Import("data/../../outside.bin", 16),
              StatusIs(kInvalid, HasSubstr("has a '..' component")));
}

TEST_F(ExternalDataTest, RefusesSymlinkOutOfTheFolder) {
  WriteFile(root_ / "outside.bin", 64);
  fs::create_symlink(root_ / "outside.bin", dir_ / "link.bin");
  EXPECT_THAT(Import("link.bin", 16),
              StatusIs(kInvalid, HasSubstr("initializer 'w': external data 'link.bin' resolves "
                                           "to")));
  fs::create_directory_symlink(root_, dir_ / "up");
  EXPECT_THAT(Import("up/outside.bin", 16), StatusIs(kInvalid, HasSubstr("outside the model folder")));
}

TEST_F(ExternalDataTest, AcceptsSymlinkInsideTheFolder) {
  fs::create_symlink(dir_ / "w.bin", dir_ / "alias.bin");
  EXPECT_OK(Import("alias.bin", 16));
}

TEST_F(ExternalDataTest, RefusesFileTooShort) {
  EXPECT_THAT(Import("w.bin", 16, "32"), StatusIs(kInvalid, HasSubstr("does not match")));
  EXPECT_THAT(Import("w.bin", 16, "32", "64"), StatusIs(kInvalid, HasSubstr("is too short")));
  EXPECT_THAT(Import("w.bin", 16, "9223372036854775807", "64"),
              StatusIs(kInvalid, HasSubstr("past the end")));
  EXPECT_THAT(Import("w.bin", 16, "1", "9223372036854775807"),
              StatusIs(kInvalid, HasSubstr("is too short")));
}

TEST_F(ExternalDataTest, RefusesLengthMismatch) {
  EXPECT_THAT(Import("w.bin", 4, "0", "12"),
              StatusIs(kInvalid, HasSubstr("external data length 12 does not match the 16 bytes")));
}

TEST_F(ExternalDataTest, RefusesBadKeys) {
  EXPECT_THAT(Import("w.bin", 4, "-1"), StatusIs(kInvalid, HasSubstr("offset '-1'")));
  EXPECT_THAT(Import("w.bin", 4, "0", "abc"), StatusIs(kInvalid, HasSubstr("length 'abc'")));
  EXPECT_THAT(Import("", 4), StatusIs(kInvalid, HasSubstr("has no 'location'")));
  EXPECT_THAT(Import("missing.bin", 4), StatusIs(kInvalid, HasSubstr("does not exist")));
}

}  // namespace
}  // namespace sf
