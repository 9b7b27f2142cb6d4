// End-to-end tests of the sfrun binary: outputs, exit codes, error lines, and
// that no output file is left behind on failure.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "runtime/file_util.h"
#include "runtime/npy.h"
#include "tests/testing/cli_test_util.h"
#include "tests/testing/onnx_model_builder.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

namespace fs = std::filesystem;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
using testing::OnnxModelBuilder;
using ::testing::StartsWith;

class SfrunTest : public ::testing::Test {
 protected:
  std::string Path(const std::string& name) const { return scratch_.Path(name); }
  testing::CommandResult Run(const std::string& args) const {
    return testing::RunCommand(SF_SFRUN_PATH, args, scratch_);
  }

  // y = relu(conv3x3(x, w) + b) over x [N,1,4,4], w all ones, b = -4, pads 1.
  std::string WriteConvModel() const {
    OnnxModelBuilder b;
    b.Input("x", {-1, 1, 4, 4}).Output("y");
    b.Initializer("w", {1, 1, 3, 3}, std::vector<float>(9, 1.0f));
    b.Initializer("b", {1}, {-4.0f});
    b.Node("Conv", {"x", "w", "b"}, {"c"}, "conv_0").Ints("pads", {1, 1, 1, 1});
    b.Node("Relu", {"c"}, {"y"}, "relu_0");
    std::string path = Path("conv.onnx");
    EXPECT_OK(WriteFileAtomically(path, b.Serialize()));
    return path;
  }

  std::string WriteInput(const std::string& name, std::vector<int64_t> dims, float value) const {
    Tensor t = Tensor::Create(DataType::kFloat32, std::move(dims)).value();
    for (float& v : t.span<float>()) v = value;
    std::string path = Path(name);
    EXPECT_OK(WriteNpy(path, t));
    return path;
  }

  testing::ScratchDir scratch_{"sfrun_test"};
};

TEST_F(SfrunTest, RunsAndWritesOutput) {
  std::string model = WriteConvModel();
  std::string in = WriteInput("x.npy", {2, 1, 4, 4}, 1.0f);
  testing::CommandResult r = Run(model + " --input " + in + " --output " + Path("y.npy") + " --device cpu");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_OK_AND_ASSIGN(Tensor y, ReadNpy(Path("y.npy")));
  ASSERT_EQ(y.dims(), (std::vector<int64_t>{2, 1, 4, 4}));
  // Corners see 4 ones (-> 0), edges 6 (-> 2), the centre 9 (-> 5).
  EXPECT_EQ(y.data<float>()[0], 0.0f);
  EXPECT_EQ(y.data<float>()[1], 2.0f);
  EXPECT_EQ(y.data<float>()[5], 5.0f);
}

TEST_F(SfrunTest, Tf32FlagIsAccepted) {
  // TF32 only changes CUDA math; on the CPU the result is the exact FP32 one.
  std::string model = WriteConvModel();
  std::string in = WriteInput("x.npy", {1, 1, 4, 4}, 1.0f);
  testing::CommandResult r = Run(model + " --input " + in + " --device cpu --tf32");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("max=5"));
}

TEST_F(SfrunTest, ConvAlgoFlag) {
  // How cuDNN picks conv algorithms: accepted everywhere, no effect on the CPU.
  std::string model = WriteConvModel();
  std::string in = WriteInput("x.npy", {1, 1, 4, 4}, 1.0f);
  for (const char* mode : {"timed", "heuristic", "gemm"}) {
    testing::CommandResult r = Run(model + " --input " + in + " --device cpu --conv-algo " + mode);
    ASSERT_EQ(r.exit_code, 0) << mode << ": " << r.err;
    EXPECT_THAT(r.out, HasSubstr("max=5")) << mode;
  }
  testing::CommandResult r = Run(model + " --input " + in + " --conv-algo exhaustive");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--conv-algo must be timed, heuristic or gemm, not 'exhaustive'"));
  EXPECT_EQ(Run(model + " --input " + in + " --conv-algo").exit_code, 2);
}

// --tuning-cache FILE: ignored on the CPU (nothing written); on a GPU the
// file is created, read by the next run, and a file that is not a tuning
// cache fails the run (exit 1, no output file, the file untouched).
TEST_F(SfrunTest, TuningCacheFlag) {
  std::string model = WriteConvModel();
  std::string in = WriteInput("x.npy", {1, 1, 4, 4}, 1.0f);
  testing::CommandResult r =
      Run(model + " --input " + in + " --device cpu --tuning-cache " + Path("cache.txt"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("max=5"));
  EXPECT_FALSE(fs::exists(Path("cache.txt")));
  EXPECT_EQ(Run(model + " --input " + in + " --tuning-cache").exit_code, 2);
  r = Run(model + " --input " + in + " --tuning-cache=");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--tuning-cache needs a file name"));
  if (std::getenv("SF_EXPECT_GPU") == nullptr) return;
  for (int i = 0; i < 2; ++i) {
    r = Run(model + " --input " + in + " --device cuda --tuning-cache " + Path("cache.txt"));
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_THAT(r.out, HasSubstr("max=5"));
    EXPECT_THAT(testing::ReadTextFile(Path("cache.txt")),
                StartsWith("sparseflow-tuning-cache 1\n"));
  }
  ASSERT_OK(WriteFileAtomically(Path("other.txt"), "not a cache\n"));
  r = Run(model + " --input " + in + " --device cuda --tuning-cache " + Path("other.txt") +
          " --output " + Path("y.npy"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, StartsWith("error: "));
  EXPECT_THAT(r.err, HasSubstr(absl::StrCat("tuning cache ", Path("other.txt"),
                                            ": not a SparseFlow tuning cache")));
  EXPECT_FALSE(fs::exists(Path("y.npy")));
  EXPECT_EQ(testing::ReadTextFile(Path("other.txt")), "not a cache\n");
}

// --runs N runs the model N times and reports the last run's outputs (the
// same here: nothing on the CPU depends on an earlier run); anything but an
// integer from 1 to 1000 is a usage error.
TEST_F(SfrunTest, RunsFlag) {
  std::string model = WriteConvModel();
  std::string in = WriteInput("x.npy", {2, 1, 4, 4}, 1.0f);
  testing::CommandResult r =
      Run(model + " --input " + in + " --device cpu --runs 3 --output " + Path("y.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_OK_AND_ASSIGN(Tensor y, ReadNpy(Path("y.npy")));
  ASSERT_EQ(y.dims(), (std::vector<int64_t>{2, 1, 4, 4}));
  EXPECT_EQ(y.data<float>()[0], 0.0f);
  EXPECT_EQ(y.data<float>()[5], 5.0f);
  for (const char* bad : {"0", "-1", "x", "1001", "2.5"}) {
    r = Run(model + " --input " + in + " --runs " + bad);
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_THAT(r.err,
                HasSubstr(absl::StrCat("--runs must be an integer in 1..1000, not '", bad, "'")));
  }
  EXPECT_EQ(Run(model + " --input " + in + " --runs").exit_code, 2);
}

TEST_F(SfrunTest, PrintsSummaryWithoutOutputFlag) {
  std::string model = WriteConvModel();
  std::string in = WriteInput("x.npy", {1, 1, 4, 4}, 1.0f);
  testing::CommandResult r = Run(model + " --input " + in);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("y: [1,1,4,4] float32"));
  EXPECT_THAT(r.out, HasSubstr("max=5"));
}

TEST_F(SfrunTest, NamedInputBinding) {
  std::string model = WriteConvModel();
  std::string in = WriteInput("x.npy", {1, 1, 4, 4}, 1.0f);
  testing::CommandResult r = Run(model + " --input x=" + in + " --output y=" + Path("y.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(fs::exists(Path("y.npy")));
}

TEST_F(SfrunTest, UsageErrorsExitTwo) {
  EXPECT_EQ(Run("").exit_code, 2);
  testing::CommandResult r = Run("model.onnx --input x.npy --bogus");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, StartsWith("error: unknown flag '--bogus'"));
  r = Run("model.onnx --input x.npy --sparse sometimes");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--sparse must be auto, on or off"));
  r = Run("model.onnx --input");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--input needs a value"));
  r = Run("model.onnx --input x.npy --sparse");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, HasSubstr("--sparse needs a value"));
  for (const char* empty : {"''", "y=", "=", "x.npy --input ''"}) {
    r = Run(std::string("model.onnx --input x.npy --output ") + empty);
    EXPECT_EQ(r.exit_code, 2) << empty;
    EXPECT_THAT(r.err, HasSubstr("needs a file name (FILE or NAME=FILE)")) << empty;
  }
  EXPECT_EQ(Run("model.onnx --input x.npy --plan-json ''").exit_code, 2);
  EXPECT_EQ(Run("model.onnx").exit_code, 2);
  EXPECT_EQ(Run("model.onnx --input x.npy --block conv").exit_code, 2);
  // A misspelt device is a usage error; a well-spelt one that is missing is not (1, below).
  for (const char* bad : {"gpu", "cuda:", "cuda:x", "cuda:-1", "CPU"}) {
    r = Run(std::string("model.onnx --input x.npy --device ") + bad);
    EXPECT_EQ(r.exit_code, 2) << bad;
    EXPECT_THAT(r.err, HasSubstr(absl::StrCat("--device must be auto, cpu, cuda, cuda:N or all, "
                                              "not '",
                                              bad, "'")));
  }
}

// A run writes its files (the plan JSON and every output) all or none: one that
// cannot be written leaves the others unwritten, and existing files untouched.
TEST_F(SfrunTest, WritesAllFilesOrNone) {
  OnnxModelBuilder b;
  b.Input("x", {2, 3}).Output("y").Output("z");
  b.Node("Relu", {"x"}, {"y"}, "relu");
  b.Node("Neg", {"x"}, {"z"}, "neg");
  const std::string model = Path("two.onnx");
  ASSERT_OK(WriteFileAtomically(model, b.Serialize()));
  const std::string in = WriteInput("x.npy", {2, 3}, -1.0f);
  ASSERT_OK(WriteFileAtomically(Path("old_z.npy"), "old"));
  for (const std::string order : {"y=%Y --output z=%Z", "z=%Z --output y=%Y"}) {
    std::string outs =
        absl::StrReplaceAll(order, {{"%Y", Path("y.npy")}, {"%Z", Path("no_such_dir/z.npy")}});
    testing::CommandResult r = Run(absl::StrCat(
        model, " --device cpu --input ", in, " --plan-json ", Path("p.json"), " --output ", outs));
    EXPECT_EQ(r.exit_code, 1) << order;
    EXPECT_THAT(r.err, AllOf(StartsWith("error: "), HasSubstr("no_such_dir/z.npy")));
    EXPECT_FALSE(std::filesystem::exists(Path("y.npy"))) << order;
    EXPECT_FALSE(std::filesystem::exists(Path("p.json"))) << order;
  }
  // The same file for two outputs is refused before anything is written.
  testing::CommandResult r =
      Run(absl::StrCat(model, " --device cpu --input ", in, " --output y=", Path("old_z.npy"),
                       " --output z=", Path("old_z.npy")));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("named as the file of two outputs"));
  EXPECT_EQ(testing::ReadTextFile(Path("old_z.npy")), "old");
  // Both succeed together; /dev/null stays a device.
  r = Run(absl::StrCat(model, " --device cpu --input ", in, " --plan-json /dev/null",
                       " --output y=", Path("y.npy"), " --output z=/dev/null"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_TRUE(std::filesystem::exists(Path("y.npy")));
  EXPECT_TRUE(std::filesystem::is_character_file("/dev/null"));
}

// An input that is a named pipe is refused at once, not waited on.
TEST_F(SfrunTest, NamedPipeInputIsRefusedNotWaitedOn) {
  const std::string model = WriteConvModel();
  ASSERT_EQ(::mkfifo(Path("pipe.npy").c_str(), 0600), 0);
  const std::string sfrun = std::string("timeout 20 ") + SF_SFRUN_PATH;
  testing::CommandResult r =
      testing::RunCommand(sfrun, model + " --device cpu --input " + Path("pipe.npy"), scratch_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("pipe.npy: not a regular file"));
  r = testing::RunCommand(sfrun, Path("pipe.npy") + " --device cpu --plan-only", scratch_);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("pipe.npy: not a regular file"));
}

// -v's log lines go to stderr: stdout carries only the outputs' summary.
TEST_F(SfrunTest, VerboseLogsGoToStderr) {
  std::string model = WriteConvModel();
  std::string in = WriteInput("x.npy", {1, 1, 4, 4}, 1.0f);
  testing::CommandResult r = Run(model + " --input " + in + " --device cpu -v");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("y: [1,1,4,4] float32"));
  EXPECT_THAT(r.out, Not(HasSubstr("[debug]")));
  EXPECT_THAT(r.err, HasSubstr("[debug]"));
}

// A rank-1 output is one row: its argmax is over all of it.
TEST_F(SfrunTest, SummaryArgmaxOfAVector) {
  OnnxModelBuilder b;
  b.Input("x", {5}).Output("y");
  b.Node("Relu", {"x"}, {"y"}, "relu_0");
  const std::string model = Path("vec.onnx");
  ASSERT_OK(WriteFileAtomically(model, b.Serialize()));
  Tensor t = Tensor::Create(DataType::kFloat32, {5}).value();
  const float values[] = {0.0f, 1.0f, 9.0f, 3.0f, 2.0f};
  std::copy(values, values + 5, t.data<float>());
  ASSERT_OK(WriteNpy(Path("v.npy"), t));
  testing::CommandResult r = Run(model + " --input " + Path("v.npy") + " --device cpu");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("y: [5] float32"));
  EXPECT_THAT(r.out, HasSubstr("argmax(row 0)=2"));
}

TEST_F(SfrunTest, PrecisionFlag) {
  std::string model = WriteConvModel();
  std::string in = WriteInput("x.npy", {1, 1, 4, 4}, 1.0f);
  testing::CommandResult r = Run(model + " --input " + in + " --precision fp16x");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, StartsWith("error: --precision must be fp32 or fp16, not 'fp16x'"));
  EXPECT_EQ(Run(model + " --input " + in + " --precision").exit_code, 2);
  r = Run(model + " --input " + in + " --device cpu --precision fp32");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("max=5"));
  // fp16 is CUDA only: refused on the CPU with one clear line, nothing written.
  r = Run(model + " --input " + in + " --device cpu --precision fp16 --output " + Path("y.npy"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, StartsWith("error: "));
  EXPECT_THAT(r.err, HasSubstr("precision fp16 needs a CUDA device; the CPU runs fp32"));
  EXPECT_FALSE(fs::exists(Path("y.npy")));
}

TEST_F(SfrunTest, LayoutFlag) {
  std::string model = WriteConvModel();
  std::string in = WriteInput("x.npy", {1, 1, 4, 4}, 1.0f);
  testing::CommandResult r = Run(model + " --input " + in + " --layout chwn");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_THAT(r.err, StartsWith("error: --layout must be nchw or nhwc, not 'chwn'"));
  EXPECT_EQ(Run(model + " --input " + in + " --layout").exit_code, 2);
  r = Run(model + " --input " + in + " --device cpu --layout nchw");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("max=5"));
  // nhwc is CUDA only: refused on the CPU with one clear line, nothing written.
  r = Run(model + " --input " + in + " --device cpu --layout nhwc --output " + Path("y.npy"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, StartsWith("error: "));
  EXPECT_THAT(r.err, HasSubstr("layout nhwc needs a CUDA device; the CPU runs nchw"));
  EXPECT_FALSE(fs::exists(Path("y.npy")));
}

TEST_F(SfrunTest, PlanShowsThePrecision) {
  std::string model = WriteConvModel();
  testing::CommandResult r = Run(model + " --plan-only --device cpu --plan-json " + Path("p.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(testing::ReadTextFile(Path("p.json")), HasSubstr("\"precision\": \"fp32\""));
  EXPECT_THAT(testing::ReadTextFile(Path("p.json")), HasSubstr("\"layout\": \"nchw\""));
}

TEST_F(SfrunTest, MissingModelFails) {
  std::string in = WriteInput("x.npy", {1, 1, 4, 4}, 1.0f);
  testing::CommandResult r = Run(Path("nope.onnx") + " --input " + in);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, StartsWith("error: "));
  EXPECT_THAT(r.err, HasSubstr("nope.onnx"));
}

TEST_F(SfrunTest, GarbageModelFailsWithoutOutput) {
  ASSERT_OK(WriteFileAtomically(Path("bad.onnx"), "this is not a protobuf \x01\x02\xff"));
  std::string in = WriteInput("x.npy", {1, 1, 4, 4}, 1.0f);
  testing::CommandResult r = Run(Path("bad.onnx") + " --input " + in + " --output " + Path("y.npy"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, StartsWith("error: "));
  EXPECT_THAT(r.err, HasSubstr("bad.onnx"));
  EXPECT_FALSE(fs::exists(Path("y.npy")));
}

TEST_F(SfrunTest, BadNpyFails) {
  std::string model = WriteConvModel();
  ASSERT_OK(WriteFileAtomically(Path("bad.npy"), "NOTNUMPY"));
  testing::CommandResult r = Run(model + " --input " + Path("bad.npy") + " --output " + Path("y.npy"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, StartsWith("error: "));
  EXPECT_THAT(r.err, HasSubstr("bad.npy"));
  EXPECT_FALSE(fs::exists(Path("y.npy")));
}

TEST_F(SfrunTest, ShapeMismatchNamesTheInput) {
  std::string model = WriteConvModel();
  std::string in = WriteInput("x.npy", {1, 2, 4, 4}, 1.0f);
  testing::CommandResult r = Run(model + " --input " + in + " --output " + Path("y.npy"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("input 'x' has shape [1,2,4,4]"));
  EXPECT_FALSE(fs::exists(Path("y.npy")));
  in = WriteInput("x3.npy", {1, 4, 4}, 1.0f);
  r = Run(model + " --input " + in);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("input 'x'"));
}

TEST_F(SfrunTest, UnknownInputNameFails) {
  std::string model = WriteConvModel();
  std::string in = WriteInput("x.npy", {1, 1, 4, 4}, 1.0f);
  testing::CommandResult r = Run(model + " --input nope=" + in);
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, HasSubstr("no input named 'nope'"));
}

TEST_F(SfrunTest, CudaWithoutGpuFailsClearly) {
  if (std::getenv("SF_EXPECT_GPU") != nullptr) GTEST_SKIP() << "GPU machine";
  std::string model = WriteConvModel();
  std::string in = WriteInput("x.npy", {1, 1, 4, 4}, 1.0f);
  testing::CommandResult r = Run(model + " --input " + in + " --device cuda --output " + Path("y.npy"));
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_THAT(r.err, StartsWith("error: device 'cuda'"));
  EXPECT_FALSE(fs::exists(Path("y.npy")));
}

TEST_F(SfrunTest, PlanOnlyWritesJson) {
  std::string model = WriteConvModel();
  testing::CommandResult r = Run(model + " --plan-only --plan-json " + Path("plan.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string json = testing::ReadTextFile(Path("plan.json"));
  EXPECT_THAT(json, HasSubstr("\"name\": \"conv_0\""));
  EXPECT_THAT(json, HasSubstr("\"input_class\": \"dense\""));
  EXPECT_THAT(json, HasSubstr("\"block\": 0"));
}

TEST_F(SfrunTest, PlanOnlyOfTimeMajorSnnWithSymbolicBatch) {
  // x [T*N, 2, 8, 8] with N symbolic -> LIF(steps 4) -> 3x3 conv: planning without an
  // input must pick a batch that the neuron accepts.
  OnnxModelBuilder b;
  b.Input("x", {-1, 2, 8, 8}).Output("y");
  b.Initializer("w", {4, 2, 3, 3}, std::vector<float>(72, 0.5f));
  b.Node("LIF", {"x"}, {"s"}, "lif_0", "sparseflow").Int("steps", 4).Float("tau", 2.0f);
  b.Node("Conv", {"s", "w"}, {"y"}, "conv_1").Ints("pads", {1, 1, 1, 1});
  ASSERT_OK(WriteFileAtomically(Path("snn.onnx"), b.Serialize()));
  testing::CommandResult r =
      Run(Path("snn.onnx") + " --plan-only --plan-json " + Path("plan.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::string json = testing::ReadTextFile(Path("plan.json"));
  EXPECT_THAT(json, HasSubstr("\"name\": \"conv_1\", \"op\": \"Conv\", \"input_class\": \"binary\""));
  EXPECT_THAT(json, HasSubstr("\"block\": 4, \"kernel\": \"sparse\""));
}

// Symbolic H and W: planning without an input says on stderr that it used a
// made-up size; with an input the plan is for the input's size, silently.
TEST_F(SfrunTest, PlanOnlyWithSymbolicSpatialDimsWarnsUnlessGivenAnInput) {
  OnnxModelBuilder b;
  b.Input("x", {-1, 2, -1, -1}).Output("y");
  b.Initializer("w", {4, 2, 3, 3}, std::vector<float>(72, 0.5f));
  b.Node("LIF", {"x"}, {"s"}, "lif_0", "sparseflow").Int("steps", 4).Float("tau", 2.0f);
  b.Node("Conv", {"s", "w"}, {"y"}, "conv_1").Ints("pads", {1, 1, 1, 1});
  ASSERT_OK(WriteFileAtomically(Path("snn_hw.onnx"), b.Serialize()));
  testing::CommandResult r = Run(Path("snn_hw.onnx") + " --plan-only --device cpu");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, HasSubstr("input 'x' dim 2 is symbolic: planned as 4"));
  EXPECT_THAT(r.err, HasSubstr("input 'x' dim 3 is symbolic"));
  const std::string in = WriteInput("x.npy", {8, 2, 32, 32}, 0.0f);
  r = Run(Path("snn_hw.onnx") + " --plan-only --device cpu --input " + in + " --plan-json " +
          Path("plan.json"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.err, Not(HasSubstr("symbolic")));
  const std::string json = testing::ReadTextFile(Path("plan.json"));
  EXPECT_THAT(json, HasSubstr("\"H\": 32"));
  EXPECT_THAT(json, HasSubstr("\"block\": 16, \"kernel\": \"sparse\""));
}

// Every Conv of the model is in the plan, even one whose inputs are all
// constants (it is not folded away at load); the run adds it correctly.
TEST_F(SfrunTest, ConvOnConstantsIsPlannedAndRun) {
  OnnxModelBuilder b;
  b.Input("x", {1, 1, 2, 2}).Output("y");
  b.Initializer("c", {1, 1, 2, 2}, {1.0f, 2.0f, 3.0f, 4.0f});
  b.Initializer("w", {1, 1, 1, 1}, {2.0f});
  b.Node("Conv", {"c", "w"}, {"k"}, "conv_const");
  b.Node("Add", {"x", "k"}, {"y"}, "add_0");
  ASSERT_OK(WriteFileAtomically(Path("cc.onnx"), b.Serialize()));
  const std::string in = WriteInput("x.npy", {1, 1, 2, 2}, 0.5f);
  testing::CommandResult r = Run(Path("cc.onnx") + " --device cpu --input " + in + " --plan-json " +
                                 Path("plan.json") + " --output " + Path("y.npy"));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(testing::ReadTextFile(Path("plan.json")),
              HasSubstr("\"name\": \"conv_const\", \"op\": \"Conv\""));
  ASSERT_OK_AND_ASSIGN(Tensor y, ReadNpy(Path("y.npy")));
  EXPECT_THAT(std::vector<float>(y.data<float>(), y.data<float>() + 4),
              ::testing::ElementsAre(2.5f, 4.5f, 6.5f, 8.5f));
}

TEST_F(SfrunTest, SummaryNamesTheModelsOutputType) {
  OnnxModelBuilder b;
  b.Input("x", {1, 4}).Output("y", onnx::TensorProto::BOOL);
  b.Initializer("half", {1}, {0.5f});
  b.Node("Greater", {"x", "half"}, {"y"}, "greater_0");
  ASSERT_OK(WriteFileAtomically(Path("cmp.onnx"), b.Serialize()));
  std::string in = WriteInput("x.npy", {1, 4}, 1.0f);
  testing::CommandResult r = Run(Path("cmp.onnx") + " --input " + in);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("y: [1,4] bool  min=1 max=1"));
}

}  // namespace
}  // namespace sf
