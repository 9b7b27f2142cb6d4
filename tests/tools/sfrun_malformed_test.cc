// sfrun on malformed models and inputs: every class of bad file gives exit status
// 1, one 'error:' line naming the file and the fault, and no output file.
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/file_util.h"
#include "runtime/npy.h"
#include "tests/testing/cli_test_util.h"
#include "tests/testing/onnx_model_builder.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

namespace fs = std::filesystem;
using ::testing::HasSubstr;
using ::testing::StartsWith;
using testing::OnnxModelBuilder;

class SfrunMalformedTest : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() /
            ("sfrun_malformed_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(root_);
    dir_ = root_ / "model";
    fs::create_directories(dir_);
    Tensor x = Tensor::Create(DataType::kFloat32, {1, 4}).value();
    ASSERT_OK(WriteNpy(Path("x.npy"), x));
  }
  void TearDown() override { fs::remove_all(root_); }

  std::string Path(const std::string& name) const { return (dir_ / name).string(); }
  std::string Write(const std::string& name, const std::string& bytes) const {
    EXPECT_OK(WriteFileAtomically(Path(name), bytes));
    return Path(name);
  }

  // y = Relu(x), x [1,4] float.
  static OnnxModelBuilder Relu() {
    OnnxModelBuilder b;
    b.Input("x", {1, 4}).Output("y");
    b.Node("Relu", {"x"}, {"y"}, "relu_0");
    return b;
  }

  // Runs sfrun MODEL --input INPUT --output y.npy and checks the failure contract;
  // returns stderr.
  std::string RunExpectingError(const std::string& model, const std::string& input) const {
    const std::string out = Path("y.npy");
    const std::string cmd = std::string(SF_SFRUN_PATH) + " " + model + " --input " + input +
                            " --output " + out + " --device cpu >/dev/null 2>" + Path("err.txt");
    const int status = std::system(cmd.c_str());
    EXPECT_TRUE(WIFEXITED(status)) << "sfrun died from a signal: " << status;
    EXPECT_EQ(WEXITSTATUS(status), 1);
    const std::string err = testing::ReadTextFile(Path("err.txt"));
    EXPECT_THAT(err, StartsWith("error: "));
    EXPECT_FALSE(fs::exists(out)) << "an output file was left behind";
    for (const auto& entry : fs::directory_iterator(dir_)) {
      EXPECT_THAT(entry.path().filename().string(), ::testing::Not(HasSubstr(".tmp")));
    }
    return err;
  }
  std::string RunModel(const OnnxModelBuilder& b) const {
    return RunExpectingError(Write("m.onnx", b.Serialize()), Path("x.npy"));
  }
  std::string RunInput(const std::string& npy_bytes) const {
    return RunExpectingError(Write("m.onnx", Relu().Serialize()), Write("in.npy", npy_bytes));
  }

  fs::path root_, dir_;
};

TEST_F(SfrunMalformedTest, BaselineRuns) {
  const std::string model = Write("m.onnx", Relu().Serialize());
  const std::string cmd = std::string(SF_SFRUN_PATH) + " " + model + " --input " + Path("x.npy") +
                          " --output " + Path("y.npy") + " --device cpu";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_TRUE(fs::exists(Path("y.npy")));
}

TEST_F(SfrunMalformedTest, TruncatedModel) {
  const std::string bytes = Relu().Serialize();
  const std::string err =
      RunExpectingError(Write("m.onnx", bytes.substr(0, bytes.size() / 2)), Path("x.npy"));
  EXPECT_THAT(err, HasSubstr("m.onnx: not a valid ONNX model (protobuf parse failed)"));
}

TEST_F(SfrunMalformedTest, EmptyModelFile) {
  EXPECT_THAT(RunExpectingError(Write("m.onnx", ""), Path("x.npy")),
              HasSubstr("m.onnx: ir_version 0 is not supported"));
}

TEST_F(SfrunMalformedTest, ModelIsAFolder) {
  fs::create_directory(Path("dir.onnx"));
  EXPECT_THAT(RunExpectingError(Path("dir.onnx"), Path("x.npy")),
              HasSubstr("dir.onnx: not a regular file"));
}

TEST_F(SfrunMalformedTest, TooNewIrVersion) {
  OnnxModelBuilder b = Relu();
  b.proto().set_ir_version(42);
  EXPECT_THAT(RunModel(b), HasSubstr("ir_version 42 is not supported (3-10)"));
}

TEST_F(SfrunMalformedTest, UnsupportedOp) {
  OnnxModelBuilder b;
  b.Input("x", {1, 4}).Output("y");
  b.Node("Einsum", {"x"}, {"y"}, "einsum_0");
  EXPECT_THAT(RunModel(b), HasSubstr("node 'einsum_0': unsupported op 'Einsum'"));
}

TEST_F(SfrunMalformedTest, HugeInitializerDeclaredWithFewBytes) {
  OnnxModelBuilder b = Relu();
  b.Initializer("w", {int64_t{1} << 33}, {1.0f});
  EXPECT_THAT(RunModel(b),
              HasSubstr("initializer 'w': float_data has 1 values, but shape [8589934592] needs"));
}

TEST_F(SfrunMalformedTest, ExternalDataOutsideTheFolder) {
  ASSERT_OK(WriteFileAtomically((root_ / "secret.bin").string(), std::string(16, 'x')));
  OnnxModelBuilder b = Relu();
  onnx::TensorProto* w = b.proto().mutable_graph()->add_initializer();
  w->set_name("w");
  w->set_data_type(onnx::TensorProto::FLOAT);
  w->add_dims(4);
  w->set_data_location(onnx::TensorProto::EXTERNAL);
  auto* e = w->add_external_data();
  e->set_key("location");
  e->set_value("../secret.bin");
  EXPECT_THAT(RunModel(b), HasSubstr("initializer 'w': external data location '../secret.bin' "
                                     "has a '..' component"));
}

TEST_F(SfrunMalformedTest, ShapeInferenceError) {
  OnnxModelBuilder b;
  b.Input("x", {1, 4}).Output("y");
  b.Initializer("w", {3, 5}, std::vector<float>(15, 1.0f));
  b.Node("MatMul", {"x", "w"}, {"y"}, "matmul_0");
  EXPECT_THAT(RunModel(b), HasSubstr("matmul_0"));
}

TEST_F(SfrunMalformedTest, NpyTruncatedData) {
  Tensor x = Tensor::Create(DataType::kFloat32, {1, 4}).value();
  std::string bytes = SerializeNpy(x).value();
  bytes.resize(bytes.size() - 1);
  EXPECT_THAT(RunInput(bytes),
              HasSubstr("in.npy: truncated data: expected 16 bytes for shape [1,4], got 15"));
}

TEST_F(SfrunMalformedTest, NpyHeaderOverTheCap) {
  std::string bytes = "\x93NUMPY\x02";
  bytes += std::string("\x00\x10\x27\x00\x00", 5);  // version 2.0, header length 10000
  bytes[8] = '\x11';                                 // ... made 10001
  EXPECT_THAT(RunInput(bytes), HasSubstr("in.npy: header length 10001 exceeds the limit of "
                                         "10000 bytes"));
}

TEST_F(SfrunMalformedTest, NpyObjectDtype) {
  std::string header = "{'descr': '|O', 'fortran_order': False, 'shape': (1, 4), }";
  header += std::string(128 - 10 - header.size() - 1, ' ') + "\n";
  std::string bytes = std::string("\x93NUMPY\x01\x00", 8);
  bytes += static_cast<char>(header.size());
  bytes += '\0';
  EXPECT_THAT(RunInput(bytes + header),
              HasSubstr("in.npy: object dtype '|O' refused (pickled data is never loaded)"));
}

TEST_F(SfrunMalformedTest, NpyWrongDtype) {
  Tensor x = Tensor::Create(DataType::kInt8, {1, 4}).value();
  EXPECT_THAT(RunInput(SerializeNpy(x).value()),
              HasSubstr("input 'x' has dtype int8 but the model expects float32"));
}

TEST_F(SfrunMalformedTest, RunTimeErrorLeavesNoOutput) {
  OnnxModelBuilder b;
  b.Input("x", {1, 4}).Output("y");
  b.InitializerInt64("i", {1}, {7});
  b.Node("Gather", {"x", "i"}, {"y"}, "gather_0").Int("axis", 1);
  EXPECT_THAT(RunModel(b), HasSubstr("gather_0"));
}

}  // namespace
}  // namespace sf
