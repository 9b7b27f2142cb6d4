// The tuning cache file (runtime/gpu/tuning_cache.h): its text form
// (cuda::FormatTuningRecords / ParseTuningRecords, no GPU needed), and on
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

#include "absl/strings/match.h"
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

cuda::TuningRecords SampleRecords() {
  const std::string h200 = "NVIDIA H200, cc 9.0, 132 SMs, cuDNN 91400, CUDA runtime 13000";
  cuda::TuningRecords r;
  r.convs = {Record(h200, 64, 32, 3, 1, 41, {{2, 3}, {14, 4}}), Record(h200, 128, 16, 1, 2, -1, {}),
             Record("NVIDIA A100-SXM4-80GB, cc 8.0, 108 SMs, cuDNN 90100, CUDA runtime 12040", 3,
                    224, 3, 2, 7, {})};
  r.measured = {{h200, "sparse-f16-crossover/n64_c64/cudnn:fp16_nhwc_(timed,_ws_0_B)",
                 "t=12,of=256,cudnn=19.30,empty=8.10,full=40.20,steps=7"},
                {h200, "another/key=with=equals", "v"}};
  return r;
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
  const cuda::TuningRecords records = SampleRecords();
  const std::string text = cuda::FormatTuningRecords(records);
  EXPECT_EQ(text.rfind("sparseflow-tuning-cache 1\n", 0), 0u) << text;
  ASSERT_OK_AND_ASSIGN(cuda::TuningRecords parsed, cuda::ParseTuningRecords(text, "c.txt"));
  ASSERT_EQ(parsed.convs.size(), records.convs.size());
  for (size_t i = 0; i < records.convs.size(); ++i) {
    ExpectSame(parsed.convs[i], records.convs[i]);
    EXPECT_TRUE(parsed.convs[i].choice.from_file);
  }
  ASSERT_EQ(parsed.measured.size(), records.measured.size());
  for (size_t i = 0; i < records.measured.size(); ++i) {
    EXPECT_EQ(parsed.measured[i].identity, records.measured[i].identity);
    EXPECT_EQ(parsed.measured[i].key, records.measured[i].key);
    EXPECT_EQ(parsed.measured[i].value, records.measured[i].value);
  }
  // Written again: the same text; with Windows line ends: the same records.
  EXPECT_EQ(cuda::FormatTuningRecords(parsed), text);
  ASSERT_OK_AND_ASSIGN(
      parsed, cuda::ParseTuningRecords(absl::StrReplaceAll(text, {{"\n", "\r\n"}}), "c.txt"));
  EXPECT_EQ(parsed.convs.size(), records.convs.size());
  EXPECT_EQ(parsed.measured.size(), records.measured.size());
}

TEST(TuningCacheTextTest, DropsARepeatedKey) {
  cuda::TuningRecords records = SampleRecords();
  records.convs.push_back(records.convs[0]);
  records.convs.back().choice.backend.engine = 9;
  records.measured.push_back(records.measured[0]);
  records.measured.back().value = "t=0,of=1,cudnn=1,empty=1,full=1,steps=1";
  ASSERT_OK_AND_ASSIGN(cuda::TuningRecords parsed,
                       cuda::ParseTuningRecords(cuda::FormatTuningRecords(records), "c.txt"));
  ASSERT_EQ(parsed.convs.size(), 3u);
  EXPECT_EQ(parsed.convs[0].choice.backend.engine, 41);
  ASSERT_EQ(parsed.measured.size(), 2u);
  EXPECT_EQ(parsed.measured[0].value, SampleRecords().measured[0].value);
}

// The text of SampleRecords with `from` replaced by `to` (once).
std::string Edited(const std::string& from, const std::string& to) {
  std::string text = cuda::FormatTuningRecords(SampleRecords());
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
      {Edited("conv device=0", "cnv device=0"),
       conv_line_6 + "not a 'device', 'conv' or 'measured' line"},
      {Edited(" key=sparse-f16-crossover/n64_c64/cudnn:fp16_nhwc_(timed,_ws_0_B)", " key="),
       "field key: 1 to 1024 characters expected"},
      {Edited("measured device=0 key=sparse", "measured device=0 kee=sparse"),
       "field 'key' missing"},
      {Edited(",steps=7", ",steps=7 extra=1"), "unknown field 'extra'"},
      {Edited("measured device=0", "measured device=7"),
       "device 7 is not named by an earlier 'device' line"},
      {Edited(" value=v", " value=" + std::string(1025, 'v')),
       "field value: 1 to 1024 characters expected"},
      {Edited(" n=16 ", " n=1\t6 "), conv_line_6 + "a character that is not printable ASCII"},
      {Edited(" n=16 ", std::string(" n=16\0 ", 7)),
       conv_line_6 + "a character that is not printable ASCII"},
  };
  for (const Case& c : cases) {
    EXPECT_THAT(cuda::ParseTuningRecords(c.text, "c.txt"),
                StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr(c.message)))
        << c.text;
  }
}

// Truncations and byte flips of a valid file either parse or fail cleanly
// (the sanitizer build runs this too).
TEST(TuningCacheTextTest, MangledTextNeverCrashes) {
  const std::string text = cuda::FormatTuningRecords(SampleRecords());
  for (size_t n = 0; n <= text.size(); ++n) {
    (void)cuda::ParseTuningRecords(text.substr(0, n), "c.txt");
  }
  std::mt19937 rng(7);
  for (int i = 0; i < 3000; ++i) {
    std::string t = text;
    for (int flips = 1 + static_cast<int>(rng() % 4); flips > 0; --flips) {
      t[rng() % t.size()] = static_cast<char>(rng() % 256);
    }
    absl::StatusOr<cuda::TuningRecords> parsed = cuda::ParseTuningRecords(t, "c");
    if (!parsed.ok()) continue;
    for (const cuda::ConvAlgoRecord& r : parsed->convs) {
      EXPECT_GE(r.key.shape.out_h, 1);
      EXPECT_LE(r.choice.workspace_bytes, r.key.workspace_limit);
    }
    for (const cuda::MeasuredRecord& r : parsed->measured) {
      EXPECT_FALSE(r.key.empty());
      EXPECT_EQ(r.value.find(' '), std::string::npos);
    }
  }
}

// A measured value is kept per device and key; keys and values that a file
// could not hold are refused.
TEST(TuningCacheTextTest, StoresMeasuredValues) {
  cuda::ClearConvAlgoCacheForTesting();
  EXPECT_FALSE(cuda::LookupMeasured(0, "k").has_value());
  const int64_t generation = cuda::ConvAlgoCacheGeneration();
  ASSERT_OK(cuda::StoreMeasured(0, "k", "1"));
  EXPECT_NE(cuda::ConvAlgoCacheGeneration(), generation);
  ASSERT_OK(cuda::StoreMeasured(0, "k", "2"));
  EXPECT_EQ(cuda::LookupMeasured(0, "k"), std::optional<std::string>("2"));
  EXPECT_FALSE(cuda::LookupMeasured(1, "k").has_value());
  EXPECT_THAT(cuda::StoreMeasured(0, "a key", "1"),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("measured key 'a key': only printable ASCII without spaces")));
  EXPECT_THAT(cuda::StoreMeasured(0, "k", ""),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       HasSubstr("measured value '': 1 to 1024 characters expected")));
  EXPECT_THAT(cuda::StoreMeasured(0, std::string(1025, 'k'), "1"),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("1 to 1024 characters")));
  cuda::ClearConvAlgoCacheForTesting();
  EXPECT_FALSE(cuda::LookupMeasured(0, "k").has_value());
}

std::string TempPath(const std::string& name);
std::string ReadAll(const std::string& path);

// The file layer (runtime/gpu/tuning_cache.h) with records of other machines
// only, as on any machine (none of these identities is a real device's):
// nothing is imported, and a save after the process cache changed writes them
// back as they were.
TEST(TuningCacheFileTest, KeepsOtherMachinesRecords) {
  const std::string path = TempPath("cache.txt");
  cuda::TuningRecords records = SampleRecords();
  for (cuda::ConvAlgoRecord& r : records.convs) r.identity = "Not a GPU, cc 0.0, 0 SMs";
  for (cuda::MeasuredRecord& r : records.measured) r.identity = "Not a GPU, cc 0.0, 0 SMs";
  const std::string text = cuda::FormatTuningRecords(records);
  { std::ofstream(path, std::ios::binary) << text; }
  cuda::ClearConvAlgoCacheForTesting();
  ASSERT_OK(LoadTuningCache(path));
  EXPECT_FALSE(cuda::LookupMeasured(0, records.measured[0].key).has_value());
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

// The shipped fmnist_snn on its test images, all convs on cuDNN unless `sparse` says.
absl::StatusOr<FmnistRun> RunFmnist(const Options& base, const std::string& cache,
                                    SparseMode sparse = SparseMode::kOff) {
  const std::string dir = std::string(SF_SOURCE_DIR) + "/models/fmnist_snn/";
  SF_ASSIGN_OR_RETURN(Tensor images, ReadNpy(dir + "test_input.npy"));
  Options o = base;
  o.device = "cuda";
  o.sparse = sparse;
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
    ASSERT_OK_AND_ASSIGN(cuda::TuningRecords records,
                         cuda::ParseTuningRecords(ReadAll(path), path));
    EXPECT_EQ(static_cast<int64_t>(records.convs.size()), searched);
    ASSERT_OK_AND_ASSIGN(const std::string identity, cuda::DeviceIdentity(0));
    for (const cuda::ConvAlgoRecord& r : records.convs) EXPECT_EQ(r.identity, identity);

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
  cuda::TuningRecords others = cuda::ParseTuningRecords(ReadAll(path), path).value();
  for (cuda::ConvAlgoRecord& r : others.convs) r.identity = "Another GPU, cc 1.0, 1 SMs";
  { std::ofstream(path, std::ios::binary) << cuda::FormatTuningRecords(others); }
  cuda::ClearConvAlgoCacheForTesting();
  const int64_t searches = cuda::ConvAlgoSearchCount();
  ASSERT_OK_AND_ASSIGN(FmnistRun second, RunFmnist(Options{}, path));
  EXPECT_EQ(cuda::ConvAlgoSearchCount() - searches, static_cast<int64_t>(others.convs.size()));
  // Written back: this device's records and the other's.
  ASSERT_OK_AND_ASSIGN(cuda::TuningRecords both, cuda::ParseTuningRecords(ReadAll(path), path));
  EXPECT_EQ(both.convs.size(), 2 * others.convs.size());
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
  cuda::TuningRecords records = cuda::ParseTuningRecords(ReadAll(path), path).value();
  for (cuda::ConvAlgoRecord& r : records.convs) {
    r.choice.algo = CUDNN_CONVOLUTION_FWD_ALGO_WINOGRAD_NONFUSED;  // not a sum of products
    r.choice.backend = {.engine = 1000000, .knobs = {{1, 1}}};     // no such engine
  }
  { std::ofstream(path, std::ios::binary) << cuda::FormatTuningRecords(records); }
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

// --sparse auto in float16: each sparse conv's density crossover is
// calibrated once, kept in the file, and used by the next process; a value
// that does not fit the conv is measured again.
TEST(TuningCacheGpuTest, CrossoversAreCalibratedOnce) {
  SF_SKIP_WITHOUT_GPU();
  Options o = Fp16Nhwc();
  o.fuse_neurons = false;  // the sparse convs stand alone (and calibrate)
  const std::string path = TempPath("cache.txt");
  std::filesystem::remove(path);
  cuda::ClearConvAlgoCacheForTesting();
  auto switches = [](const Plan& plan) {
    std::vector<std::pair<int, int>> out;
    for (const PlanStep& s : plan.steps) {
      if (s.op == OpType::kConv && s.switch_sparse_tiles >= -1) {
        out.emplace_back(s.switch_sparse_tiles, s.switch_tiles);
      }
    }
    return out;
  };
  auto cached_marks = [](const Plan& plan) {
    int n = 0;
    for (const PlanStep& s : plan.steps) {
      n += s.kernel_detail.find("(earlier, or a tuning cache)") != std::string::npos ? 1 : 0;
    }
    return n;
  };
  ASSERT_OK_AND_ASSIGN(FmnistRun first, RunFmnist(o, path, SparseMode::kAuto));
  const std::vector<std::pair<int, int>> calibrated = switches(first.plan);
  ASSERT_FALSE(calibrated.empty());
  EXPECT_EQ(cached_marks(first.plan), 0);
  ASSERT_OK_AND_ASSIGN(cuda::TuningRecords records, cuda::ParseTuningRecords(ReadAll(path), path));
  int crossovers = 0;
  for (const cuda::MeasuredRecord& r : records.measured) {
    crossovers += absl::StartsWith(r.key, "sparse-f16-crossover/") ? 1 : 0;
  }
  EXPECT_EQ(crossovers, static_cast<int>(calibrated.size()));

  cuda::ClearConvAlgoCacheForTesting();  // as a new process
  ASSERT_OK_AND_ASSIGN(FmnistRun second, RunFmnist(o, path, SparseMode::kAuto));
  EXPECT_EQ(switches(second.plan), calibrated);
  EXPECT_EQ(cached_marks(second.plan), static_cast<int>(calibrated.size()));

  // A crossover over another tile count is not this conv's: measured again.
  for (cuda::MeasuredRecord& r : records.measured) {
    r.value = absl::StrReplaceAll(r.value, {{",of=", ",of=1"}});
  }
  { std::ofstream(path, std::ios::binary) << cuda::FormatTuningRecords(records); }
  cuda::ClearConvAlgoCacheForTesting();
  ASSERT_OK_AND_ASSIGN(FmnistRun third, RunFmnist(o, path, SparseMode::kAuto));
  EXPECT_EQ(cached_marks(third.plan), 0);
  EXPECT_EQ(switches(third.plan).size(), calibrated.size());
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
