// Compatibility with real NumPy: files written by /usr/bin/python3's numpy (format
// versions 1.0/2.0/3.0, Fortran order, big-endian) are read correctly, and files we
// write load in numpy. Skipped when that python has no numpy.
#include <cstdlib>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "runtime/npy.h"
#include "tests/npy/npy_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

using ::sf::testing::ScratchDir;

constexpr char kPython[] = "/usr/bin/python3";

bool HaveNumpy() {
  return std::system(absl::StrCat(kPython, " -c 'import numpy' >/dev/null 2>&1").c_str()) == 0;
}

// Runs python `code` (no single quotes) with the scratch folder as sys.argv[1].
int RunPython(const std::string& code, const std::string& dir) {
  return std::system(absl::StrCat(kPython, " -c '", code, "' ", dir).c_str());
}

// Every file holds arange(24) reshaped to (2, 3, 4) and cast (floats: i * 0.5 - 3,
// bool: i % 3 == 0), so element i in C order has a known value.
constexpr char kWriter[] = R"(
import sys, numpy as np
from numpy.lib import format as fmt
d = sys.argv[1]
i = np.arange(24).reshape(2, 3, 4)
vals = {"f4": i * 0.5 - 3, "f8": i * 0.5 - 3, "i8": i, "i4": i, "u1": i, "i1": i, "b1": i % 3 == 0}
def save(name, a, version=(1, 0)):
    with open(d + "/" + name + ".npy", "wb") as f:
        fmt.write_array(f, a, version=version, allow_pickle=False)
for k, v in vals.items():
    a = v.astype(k)
    save("v1_" + k, a)
    save("v2_" + k, a, (2, 0))
    save("v3_" + k, a, (3, 0))
    save("fortran_" + k, np.asfortranarray(a))
    save("fortran2d_" + k, np.asfortranarray(a.reshape(6, 4)))
    if k in ("f4", "f8", "i8", "i4"):
        save("be_" + k, a.astype(">" + k))
        save("be_fortran_" + k, np.asfortranarray(a.astype(">" + k)))
save("scalar", np.float32(2.5))
save("empty", np.zeros((0, 3), np.float32))
save("vector", np.arange(5, dtype=np.int64))
)";

double Expected(DataType dtype, int64_t i) {
  if (dtype == DataType::kBool) return i % 3 == 0;
  return IsFloating(dtype) ? i * 0.5 - 3 : static_cast<double>(i);
}

double ElementAsDouble(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DataType::kFloat32: return t.data<float>()[i];
    case DataType::kFloat64: return t.data<double>()[i];
    case DataType::kInt64: return static_cast<double>(t.data<int64_t>()[i]);
    case DataType::kInt32: return t.data<int32_t>()[i];
    case DataType::kUInt8: return t.data<uint8_t>()[i];
    case DataType::kInt8: return t.data<int8_t>()[i];
    case DataType::kBool: return t.data<bool>()[i];
    default: return -1e300;
  }
}

struct NumpyType {
  const char* code;
  DataType dtype;
};
constexpr NumpyType kTypes[] = {
    {"f4", DataType::kFloat32}, {"f8", DataType::kFloat64}, {"i8", DataType::kInt64},
    {"i4", DataType::kInt32},   {"u1", DataType::kUInt8},   {"i1", DataType::kInt8},
    {"b1", DataType::kBool},
};

void ExpectPattern(const Tensor& t, DataType dtype, const std::vector<int64_t>& dims) {
  EXPECT_EQ(t.dtype(), dtype);
  EXPECT_EQ(t.dims(), dims);
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    ASSERT_EQ(ElementAsDouble(t, i), Expected(dtype, i)) << "element " << i;
  }
}

class NpyNumpyCompatTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (!HaveNumpy()) GTEST_SKIP() << kPython << " has no numpy";
    ASSERT_FALSE(dir_.path().empty());
  }
  ScratchDir dir_;
};

TEST_F(NpyNumpyCompatTest, ReadsFilesWrittenByNumpy) {
  ASSERT_EQ(RunPython(kWriter, dir_.path()), 0);
  for (const NumpyType& type : kTypes) {
    for (const char* prefix : {"v1_", "v2_", "v3_", "fortran_", "fortran2d_", "be_",
                               "be_fortran_"}) {
      const bool big_endian_only = absl::string_view(prefix).substr(0, 3) == "be_";
      if (big_endian_only && (type.dtype == DataType::kBool || type.dtype == DataType::kUInt8 ||
                              type.dtype == DataType::kInt8)) {
        continue;
      }
      const std::string path = dir_.File(absl::StrCat(prefix, type.code, ".npy"));
      SCOPED_TRACE(path);
      ASSERT_OK_AND_ASSIGN(Tensor t, ReadNpy(path));
      const std::vector<int64_t> dims = absl::string_view(prefix) == "fortran2d_"
                                            ? std::vector<int64_t>{6, 4}
                                            : std::vector<int64_t>{2, 3, 4};
      ExpectPattern(t, type.dtype, dims);
    }
  }
  ASSERT_OK_AND_ASSIGN(Tensor scalar, ReadNpy(dir_.File("scalar.npy")));
  EXPECT_EQ(scalar.rank(), 0);
  EXPECT_EQ(scalar.data<float>()[0], 2.5f);
  ASSERT_OK_AND_ASSIGN(Tensor empty, ReadNpy(dir_.File("empty.npy")));
  EXPECT_EQ(empty.dims(), (std::vector<int64_t>{0, 3}));
  ASSERT_OK_AND_ASSIGN(Tensor vector, ReadNpy(dir_.File("vector.npy")));
  ExpectPattern(vector, DataType::kInt64, {5});
}

TEST_F(NpyNumpyCompatTest, NumpyReadsOurFiles) {
  for (const NumpyType& type : kTypes) {
    Tensor t = Tensor::Create(type.dtype, {2, 3, 4}).value();
    for (int64_t i = 0; i < t.num_elements(); ++i) {
      const double v = Expected(type.dtype, i);
      switch (type.dtype) {
        case DataType::kFloat32: t.data<float>()[i] = static_cast<float>(v); break;
        case DataType::kFloat64: t.data<double>()[i] = v; break;
        case DataType::kInt64: t.data<int64_t>()[i] = static_cast<int64_t>(v); break;
        case DataType::kInt32: t.data<int32_t>()[i] = static_cast<int32_t>(v); break;
        case DataType::kUInt8: t.data<uint8_t>()[i] = static_cast<uint8_t>(v); break;
        case DataType::kInt8: t.data<int8_t>()[i] = static_cast<int8_t>(v); break;
        case DataType::kBool: t.data<bool>()[i] = v != 0; break;
        default: FAIL();
      }
    }
    ASSERT_OK(WriteNpy(dir_.File(absl::StrCat("ours_", type.code, ".npy")), t));
  }
  constexpr char kChecker[] = R"(
import sys, numpy as np
d = sys.argv[1]
i = np.arange(24).reshape(2, 3, 4)
vals = {"f4": i * 0.5 - 3, "f8": i * 0.5 - 3, "i8": i, "i4": i, "u1": i, "i1": i, "b1": i % 3 == 0}
for k, v in vals.items():
    a = np.load(d + "/ours_" + k + ".npy", allow_pickle=False)
    assert a.dtype == np.dtype(k), (k, a.dtype)
    assert a.flags.c_contiguous and np.array_equal(a, v.astype(k)), k
)";
  EXPECT_EQ(RunPython(kChecker, dir_.path()), 0);
}

}  // namespace
}  // namespace sf
