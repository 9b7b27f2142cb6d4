// The tuning cache file (runtime/gpu/tuning_cache.h): its text form
// (cuda::FormatConvAlgoRecords / ParseConvAlgoRecords, no GPU needed), and on
// a GPU a second process's view of it (the process cache emptied between two
// Runtimes): no search, the same outputs to the bit, choices from a
// stranger's file checked before they run.
#include "runtime/gpu/tuning_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "cuda/conv_algo_cache.h"
#include "sf/runtime.h"
#include "tests/cuda/gpu_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::StatusIs;
using ::testing::HasSubstr;

cuda::ConvAlgoRecord Record(std::string identity, int64_t c_in, int64_t h, int64_t k,
                            int64_t stride, int64_t engine,
                            std::vector<std::pair<int64_t, int64_t>> knobs) {
  cuda::ConvAlgoRecord r;
  r.identity = std::move(identity);
  const int64_t pad = k / 2;
  r.key.shape = cuda::ConvShape{.n = 16,
                                .c_in = c_in,
                                .h = h,
                                .w = h + 1,
                                .c_out = 2 * c_in,
                                .kh = k,
                                .kw = k,
                                .stride_h = stride,
                                .stride_w = stride,
                                .pad_h = pad,
                                .pad_w = pad,
                                .dil_h = 1,
                                .dil_w = 1,
                                .group = 1,
                                .out_h = (h + 2 * pad - k) / stride + 1,
                                .out_w = (h + 1 + 2 * pad - k) / stride + 1};
  r.key.data_type = engine >= 0 ? CUDNN_DATA_HALF : CUDNN_DATA_FLOAT;
  r.key.layout = engine >= 0 ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
  r.key.tf32 = engine >= 0;
  r.key.timed = true;
  r.key.workspace_limit = size_t{256} << 20;
  r.key.gemm_only = stride == 2;
  r.key.bias = true;
  r.choice.algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_PRECOMP_GEMM;
  r.choice.workspace_bytes = 4096;
  r.choice.timed = true;
  r.choice.backend.engine = engine;
  r.choice.backend.knobs = std::move(knobs);
  return r;
}

std::vector<cuda::ConvAlgoRecord> SampleRecords() {
  return {Record("NVIDIA H200, cc 9.0, 132 SMs, cuDNN 91400, CUDA runtime 13000", 64, 32, 3, 1, 41,
                 {{2, 3}, {14, 4}}),
          Record("NVIDIA H200, cc 9.0, 132 SMs, cuDNN 91400, CUDA runtime 13000", 128, 16, 1, 2, -1,
                 {}),
          Record("NVIDIA A100-SXM4-80GB, cc 8.0, 108 SMs, cuDNN 90100, CUDA runtime 12040", 3, 224,
                 3, 2, 7, {})};
}

void ExpectSame(const cuda::ConvAlgoRecord& a, const cuda::ConvAlgoRecord& b) {
  EXPECT_EQ(a.identity, b.identity);
  EXPECT_TRUE(a.key == b.key);
  EXPECT_EQ(a.choice.algo, b.choice.algo);
  EXPECT_EQ(a.choice.workspace_bytes, b.choice.workspace_bytes);
  EXPECT_EQ(a.choice.timed, b.choice.timed);
  EXPECT_EQ(a.choice.backend, b.choice.backend);
}

TEST(TuningCacheTextTest, RoundTrips) {
  const std::vector<cuda::ConvAlgoRecord> records = SampleRecords();
  const std::string text = cuda::FormatConvAlgoRecords(records);
  EXPECT_EQ(text.rfind("sparseflow-tuning-cache 1\n", 0), 0u) << text;
  ASSERT_OK_AND_ASSIGN(std::vector<cuda::ConvAlgoRecord> parsed,
                       cuda::ParseConvAlgoRecords(text, "c.txt"));
  ASSERT_EQ(parsed.size(), records.size());
  for (size_t i = 0; i < records.size(); ++i) {
    ExpectSame(parsed[i], records[i]);
    EXPECT_TRUE(parsed[i].choice.from_file);
  }
  // Written again: the same text; with Windows line ends: the same records.
  EXPECT_EQ(cuda::FormatConvAlgoRecords(parsed), text);
  ASSERT_OK_AND_ASSIGN(
      parsed, cuda::ParseConvAlgoRecords(absl::StrReplaceAll(text, {{"\n", "\r\n"}}), "c.txt"));
  EXPECT_EQ(parsed.size(), records.size());
}

TEST(TuningCacheTextTest, DropsARepeatedKey) {
  std::vector<cuda::ConvAlgoRecord> records = SampleRecords();
  records.push_back(records[0]);
  records.back().choice.backend.engine = 9;
  ASSERT_OK_AND_ASSIGN(std::vector<cuda::ConvAlgoRecord> parsed,
                       cuda::ParseConvAlgoRecords(cuda::FormatConvAlgoRecords(records), "c.txt"));
  ASSERT_EQ(parsed.size(), 3u);
  EXPECT_EQ(parsed[0].choice.backend.engine, 41);
}

// The text of SampleRecords with `from` replaced by `to` (once).
std::string Edited(const std::string& from, const std::string& to) {
  std::string text = cuda::FormatConvAlgoRecords(SampleRecords());
  const size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

TEST(TuningCacheTextTest, RefusesFaultyTextNamingFileAndLine) {
  struct Case {
    std::string text, message;
  };
  // The first conv line, after the magic, 2 comments and 2 device lines.
  const std::string conv_line_6 = "c.txt:6: ";
  const std::vector<Case> cases = {
      {"", "not a SparseFlow tuning cache"},
      {"onnx model\n", "not a SparseFlow tuning cache"},
      {"sparseflow-tuning-cache 2\n", "not a SparseFlow tuning cache"},
      {Edited(" n=16 ", " n=0 "), conv_line_6 + "field n='0' is not a whole number in [1, "},
      {Edited(" n=16 ", " n=1e3 "), conv_line_6 + "field n='1e3'"},
      {Edited(" n=16 ", " n=99999999999999999999999 "), conv_line_6 + "field n="},
      {Edited(" n=16 ", " "), conv_line_6 + "field 'n' missing"},
      {Edited(" n=16 ", " n=16 n=16 "), conv_line_6 + "field 'n' given twice"},
      {Edited(" n=16 ", " n=16 color=red "), conv_line_6 + "unknown field 'color'"},
      {Edited(" n=16 ", " n "), conv_line_6 + "field 'n' is not NAME=VALUE"},
      {Edited(" algo=1 ", " algo=99 "), conv_line_6 + "field algo='99'"},
      {Edited(" algo=1 ", " algo=-1 "), conv_line_6 + "field algo='-1'"},
      {Edited(" workspace=4096 ", " workspace=999999999999 "), conv_line_6 + "field workspace="},
      {Edited(" out_h=32 ", " out_h=31 "),
       conv_line_6 + "out_h 31 x out_w 33 does not follow from the input"},
      {Edited(" group=1 ", " group=5 "), conv_line_6 + "group 5 does not divide"},
      {Edited(" type=half ", " type=int8 "),
       conv_line_6 + "field type='int8' must be float or half"},
      {Edited(" layout=nhwc ", " layout=chw "), conv_line_6 + "field layout='chw'"},
      {Edited(" search=timed ", " search=yes "), conv_line_6 + "field search='yes'"},
      {Edited(" knobs=2:3,14:4", " knobs=2:3,14"), conv_line_6 + "knob '14' is not TYPE:VALUE"},
      {Edited(" knobs=2:3,14:4", " knobs=2:3,-1:4"), conv_line_6 + "knob '-1:4'"},
      {Edited(" engine=41 ", " engine=-1 "), conv_line_6 + "knobs without an engine"},
      {Edited(" engine=41 ", " engine=-2 "), conv_line_6 + "field engine='-2'"},
      {Edited("conv device=0", "conv device=5"),
       conv_line_6 + "device 5 is not named by an earlier 'device' line"},
      {Edited("conv device=0", "conv device=x"), conv_line_6 + "field device='x'"},
      {Edited("device 0 NVIDIA", "# device 0 NVIDIA"),
       conv_line_6 + "device 0 is not named by an earlier 'device' line"},
      {Edited("device 0 NVIDIA", "device 99999 NVIDIA"), "c.txt:4: not 'device ID IDENTITY'"},
      {Edited("device 0 NVIDIA H200, cc 9.0, 132 SMs, cuDNN 91400, CUDA runtime 13000\n",
              "device 0 \n"),
       "c.txt:4: a device identity of 1 to 256 characters expected"},
      {Edited("device 1 NVIDIA A100", "device 0 NVIDIA A100"), "c.txt:5: device 0 given twice"},
      {Edited("conv device=0", "cnv device=0"), conv_line_6 + "not a 'device' or 'conv' line"},
      {Edited(" n=16 ", " n=1\t6 "), conv_line_6 + "a character that is not printable ASCII"},
      {Edited(" n=16 ", std::string(" n=16\0 ", 7)),
       conv_line_6 + "a character that is not printable ASCII"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(cuda::ParseConvAlgoRecords(c.text, "c.txt"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.text;
  }
}

// Truncations and byte flips of a valid file either parse or fail cleanly
// (the sanitizer build runs this too).
TEST(TuningCacheTextTest, MangledTextNeverCrashes) {
  const std::string text = cuda::FormatConvAlgoRecords(SampleRecords());
  for (size_t n = 0; n <= text.size(); ++n) {
    (void)cuda::ParseConvAlgoRecords(text.substr(0, n), "c.txt");
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string t = text;
    for (int flips = 1 + static_cast<int>(rng() % 4); flips > 0; --flips) {
      t[rng() % t.size()] = static_cast<char>(rng() % 256);
    }
    absl::StatusOr<std::vector<cuda::ConvAlgoRecord>> parsed = cuda::ParseConvAlgoRecords(t, "c");
    if (parsed.ok()) {
      for (const cuda::ConvAlgoRecord& r : *parsed) {
        EXPECT_GE(r.key.shape.out_h, 1);
        EXPECT_LE(r.choice.workspace_bytes, r.key.workspace_limit);
      }
    }
  }
}

std::string TempPath(const std::string& name);
std::string ReadAll(const std::string& path);

// The file layer (runtime/gpu/tuning_cache.h) with records of other machines
// only, as on any machine (none of these identities is a real device's):
// nothing is imported, and a save after the process cache changed writes them
// back as they were.
TEST(TuningCacheFileTest, KeepsOtherMachinesRecords) {
  const std::string path = TempPath("cache.txt");
  std::vector<cuda::ConvAlgoRecord> records = SampleRecords();
  for (cuda::ConvAlgoRecord& r : records) r.identity = "Not a GPU, cc 0.0, 0 SMs";
  const std::string text = cuda::FormatConvAlgoRecords(records);
  { std::ofstream(path, std::ios::binary) << text; }
  cuda::ClearConvAlgoCacheForTesting();
  ASSERT_OK(LoadTuningCache(path));
  ASSERT_OK(SaveTuningCache(path));  // unchanged since the load: nothing written
  EXPECT_EQ(ReadAll(path), text);
  cuda::ClearConvAlgoCacheForTesting();
  std::filesystem::remove(path);
  ASSERT_OK(SaveTuningCache(path));  // changed: written again, the others' records kept
  EXPECT_EQ(ReadAll(path), text);
  std::filesystem::remove(path);
}

TEST(TuningCacheFileTest, MissingFileIsNoErrorAndFaultyFilesFail) {
  const std::string path = TempPath("cache.txt");
  std::filesystem::remove(path);
  EXPECT_OK(LoadTuningCache(path));
  EXPECT_FALSE(std::filesystem::exists(path));
  { std::ofstream(path, std::ios::binary) << "sparseflow-tuning-cache 1\nconv device=0\n"; }
  EXPECT_THAT(LoadTuningCache(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat(path, ":2: field 'n' missing"))));
  std::filesystem::remove(path);
  std::filesystem::create_directories(path);
  EXPECT_THAT(LoadTuningCache(path),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat(path, ": not a regular file"))));
  std::filesystem::remove(path);
}

// --- On a GPU -------------------------------------------------------------

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          absl::StrCat("sf_tuning_cache_test_",
                       ::testing::UnitTest::GetInstance()->current_test_info()->name(), "_", name))
      .string();
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct FmnistRun {
  std::vector<Tensor> outputs;
  Plan plan;
};

// The shipped fmnist_snn, all convs on cuDNN, on its test images.
absl::StatusOr<FmnistRun> RunFmnist(const Options& base, const std::string& cache) {
  const std::string dir = std::string(SF_SOURCE_DIR) + "/models/fmnist_snn/";
  SF_ASSIGN_OR_RETURN(Tensor images, ReadNpy(dir + "test_input.npy"));
  Options o = base;
  o.device = "cuda";
  o.sparse = SparseMode::kOff;
  o.tuning_cache = cache;
  SF_ASSIGN_OR_RETURN(std::unique_ptr<Runtime> rt, Runtime::Load(dir + "model.onnx", o));
  FmnistRun run;
  SF_ASSIGN_OR_RETURN(run.outputs, rt->Run({{rt->InputInfo().at(0).name, images}}));
  SF_ASSIGN_OR_RETURN(run.plan, rt->GetPlan({{rt->InputInfo().at(0).name, images.dims()}}));
  return run;
}

// The kernel details of the plan's convs.
std::vector<std::string> ConvDetails(const Plan& plan) {
  std::vector<std::string> details;
  for (const PlanStep& s : plan.steps) {
    if (s.op == OpType::kConv) details.push_back(s.kernel_detail);
  }
  return details;
}

Options Fp16Nhwc() {
  Options o;
  o.precision = Precision::kFloat16;
  o.layout = Layout::kNHWC;
  return o;
}

TEST(TuningCacheGpuTest, SecondProcessSkipsTheSearchesWithTheSameOutputs) {
  SF_SKIP_WITHOUT_GPU();
  for (const Options& options : {Options{}, Fp16Nhwc()}) {
    const std::string path = TempPath("cache.txt");
    std::filesystem::remove(path);
    cuda::ClearConvAlgoCacheForTesting();
    const int64_t searches = cuda::ConvAlgoSearchCount();
    ASSERT_OK_AND_ASSIGN(FmnistRun first, RunFmnist(options, path));
    const int64_t searched = cuda::ConvAlgoSearchCount() - searches;
    EXPECT_GT(searched, 0);
    ASSERT_OK_AND_ASSIGN(std::vector<cuda::ConvAlgoRecord> records,
                         cuda::ParseConvAlgoRecords(ReadAll(path), path));
    EXPECT_EQ(static_cast<int64_t>(records.size()), searched);
    ASSERT_OK_AND_ASSIGN(const std::string identity, cuda::DeviceIdentity(0));
    for (const cuda::ConvAlgoRecord& r : records) EXPECT_EQ(r.identity, identity);

    cuda::ClearConvAlgoCacheForTesting();  // as a new process
    ASSERT_OK_AND_ASSIGN(FmnistRun second, RunFmnist(options, path));
    EXPECT_EQ(cuda::ConvAlgoSearchCount() - searches, searched) << "searched again";
    ASSERT_EQ(first.outputs.size(), second.outputs.size());
    for (size_t i = 0; i < first.outputs.size(); ++i) {
      testing::ExpectClose(second.outputs[i], first.outputs[i], 0, 0, "outputs");
    }
    const std::vector<std::string> a = ConvDetails(first.plan), b = ConvDetails(second.plan);
    ASSERT_EQ(a.size(), b.size());
    ASSERT_FALSE(a.empty());
    for (size_t i = 0; i < a.size(); ++i) {
      EXPECT_THAT(a[i], ::testing::Not(HasSubstr("tuning cache")));
      EXPECT_THAT(b[i], HasSubstr(", tuning cache"));
      // Same choice: the details differ only by the file's mark.
      EXPECT_EQ(absl::StrReplaceAll(b[i], {{", tuning cache", ""}}), a[i]);
    }
    std::filesystem::remove(path);
  }
}

TEST(TuningCacheGpuTest, OtherDevicesRecordsAreKeptAndNotUsed) {
  SF_SKIP_WITHOUT_GPU();
  const std::string path = TempPath("cache.txt");
  std::filesystem::remove(path);
  cuda::ClearConvAlgoCacheForTesting();
  ASSERT_OK_AND_ASSIGN(FmnistRun first, RunFmnist(Options{}, path));
  // The same records under another identity: not this machine's.
  std::vector<cuda::ConvAlgoRecord> others =
      cuda::ParseConvAlgoRecords(ReadAll(path), path).value();
  for (cuda::ConvAlgoRecord& r : others) r.identity = "Another GPU, cc 1.0, 1 SMs";
  { std::ofstream(path, std::ios::binary) << cuda::FormatConvAlgoRecords(others); }
  cuda::ClearConvAlgoCacheForTesting();
  const int64_t searches = cuda::ConvAlgoSearchCount();
  ASSERT_OK_AND_ASSIGN(FmnistRun second, RunFmnist(Options{}, path));
  EXPECT_EQ(cuda::ConvAlgoSearchCount() - searches, static_cast<int64_t>(others.size()));
  // Written back: this device's records and the other's.
  ASSERT_OK_AND_ASSIGN(std::vector<cuda::ConvAlgoRecord> both,
                       cuda::ParseConvAlgoRecords(ReadAll(path), path));
  EXPECT_EQ(both.size(), 2 * others.size());
  std::filesystem::remove(path);
}

// A stranger's file may name any algorithm or engine: what the conv's rules
// exclude does not run, and the outputs stay those of a clean search.
TEST(TuningCacheGpuTest, ExcludedChoicesFromAFileDoNotRun) {
  SF_SKIP_WITHOUT_GPU();
  Options gemm = Fp16Nhwc();
  gemm.conv_algo_search = ConvAlgoSearch::kTimedGemm;
  const std::string path = TempPath("cache.txt");
  std::filesystem::remove(path);
  cuda::ClearConvAlgoCacheForTesting();
  ASSERT_OK_AND_ASSIGN(FmnistRun clean, RunFmnist(gemm, path));
  std::vector<cuda::ConvAlgoRecord> records =
      cuda::ParseConvAlgoRecords(ReadAll(path), path).value();
  for (cuda::ConvAlgoRecord& r : records) {
    r.choice.algo = CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED;  // not a sum of products
    r.choice.backend = {.engine = 1000000, .knobs = {{1, 1}}};     // no such engine
  }
  { std::ofstream(path, std::ios::binary) << cuda::FormatConvAlgoRecords(records); }
  cuda::ClearConvAlgoCacheForTesting();
  ASSERT_OK_AND_ASSIGN(FmnistRun tampered, RunFmnist(gemm, path));
  const std::vector<std::string> details = ConvDetails(tampered.plan);
  ASSERT_FALSE(details.empty());
  for (const std::string& d : details) {
    EXPECT_THAT(d, ::testing::Not(HasSubstr("WINOGRAD")));
    EXPECT_THAT(d, ::testing::Not(HasSubstr("backend")));
    EXPECT_THAT(d, HasSubstr("IMPLICIT_GEMM"));
    EXPECT_THAT(d, HasSubstr("(fallback: the cached algorithm is not a plain sum of products"));
  }
  // Another sum-of-products algorithm adds in another order, which may flip
  // a float16 spike downstream: the outputs are checked for shape and
  // finiteness only.
  ASSERT_EQ(clean.outputs.size(), tampered.outputs.size());
  for (size_t i = 0; i < clean.outputs.size(); ++i) {
    ASSERT_EQ(tampered.outputs[i].dims(), clean.outputs[i].dims());
    for (int64_t j = 0; j < tampered.outputs[i].num_elements(); ++j) {
      ASSERT_TRUE(std::isfinite(testing::ElementAsDouble(tampered.outputs[i], j))) << j;
    }
  }
  std::filesystem::remove(path);
}

TEST(TuningCacheGpuTest, AFileThatIsNotACacheFailsLoad) {
  SF_SKIP_WITHOUT_GPU();
  const std::string path = TempPath("not_a_cache.txt");
  { std::ofstream(path, std::ios::binary) << "hello\n"; }
  EXPECT_THAT(RunFmnist(Options{}, path).status(),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr(absl::StrCat("tuning cache ", path, ": not a SparseFlow"))));
  EXPECT_EQ(ReadAll(path), "hello\n");  // untouched
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace sf
