// Serialise/parse and WriteNpy/ReadNpy round trips, file layout, and atomic writes.
#include <cstring>
#include <filesystem>
#include <fstream>
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
using ::sf::testing::StatusIs;
using ::testing::AllOf;
using ::testing::HasSubstr;

constexpr DataType kNpyDtypes[] = {DataType::kFloat32, DataType::kFloat64, DataType::kBool,
                                   DataType::kInt64,   DataType::kInt32,   DataType::kUInt8,
                                   DataType::kInt8};

// A tensor of `dtype` and `dims` with distinct, deterministic bytes (0/1 for bool).
Tensor PatternTensor(DataType dtype, std::vector<int64_t> dims) {
  Tensor t = Tensor::Create(dtype, std::move(dims)).value();
  auto* bytes = static_cast<uint8_t*>(t.raw_data());
  for (size_t i = 0; i < t.nbytes(); ++i) {
    bytes[i] = dtype == DataType::kBool ? i % 3 == 0 : static_cast<uint8_t>(i * 31 + 7);
  }
  return t;
}

void ExpectSameTensor(const Tensor& a, const Tensor& b) {
  EXPECT_EQ(a.dtype(), b.dtype());
  EXPECT_EQ(a.dims(), b.dims());
  ASSERT_EQ(a.nbytes(), b.nbytes());
  EXPECT_EQ(std::memcmp(a.raw_data(), b.raw_data(), a.nbytes()), 0);
}

std::vector<std::vector<int64_t>> ShapesOfRank0To5() {
  const std::vector<int64_t> dims = {2, 3, 1, 4, 2};
  std::vector<std::vector<int64_t>> shapes;
  for (size_t rank = 0; rank <= dims.size(); ++rank) {
    shapes.emplace_back(dims.begin(), dims.begin() + rank);
  }
  shapes.push_back({0});
  shapes.push_back({3, 0, 2});
  return shapes;
}

TEST(NpyRoundTripTest, EveryDtypeAndRankInMemory) {
  for (DataType dtype : kNpyDtypes) {
    for (const auto& dims : ShapesOfRank0To5()) {
      SCOPED_TRACE(absl::StrCat(ToString(dtype), " ", ShapeToString(dims)));
      const Tensor t = PatternTensor(dtype, dims);
      ASSERT_OK_AND_ASSIGN(std::string bytes, SerializeNpy(t));
      ASSERT_OK_AND_ASSIGN(Tensor back, ParseNpy(bytes));
      ExpectSameTensor(t, back);
    }
  }
}

TEST(NpyRoundTripTest, EveryDtypeAndRankThroughFiles) {
  ScratchDir dir;
  ASSERT_FALSE(dir.path().empty());
  for (DataType dtype : kNpyDtypes) {
    for (const auto& dims : ShapesOfRank0To5()) {
      SCOPED_TRACE(absl::StrCat(ToString(dtype), " ", ShapeToString(dims)));
      const std::string path = dir.File(absl::StrCat(ToString(dtype), dims.size(), ".npy"));
      const Tensor t = PatternTensor(dtype, dims);
      ASSERT_OK(WriteNpy(path, t));
      ASSERT_OK_AND_ASSIGN(Tensor back, ReadNpy(path));
      ExpectSameTensor(t, back);
    }
  }
}

TEST(NpyRoundTripTest, LayoutIsVersion1AlignedTo64) {
  for (const auto& dims : ShapesOfRank0To5()) {
    ASSERT_OK_AND_ASSIGN(std::string bytes, SerializeNpy(PatternTensor(DataType::kInt64, dims)));
    ASSERT_GE(bytes.size(), 10u);
    EXPECT_EQ(bytes.substr(0, 8), std::string("\x93NUMPY\x01\x00", 8));
    const size_t header_len = static_cast<uint8_t>(bytes[8]) | static_cast<uint8_t>(bytes[9]) << 8;
    const size_t data_start = 10 + header_len;
    EXPECT_EQ(data_start % 64, 0u);
    EXPECT_EQ(bytes[data_start - 1], '\n');
    EXPECT_EQ(bytes.size() - data_start, 8 * static_cast<size_t>(
                                             CheckedElementCount(dims, "t").value()));
  }
  ASSERT_OK_AND_ASSIGN(std::string bytes, SerializeNpy(PatternTensor(DataType::kInt32, {5})));
  EXPECT_THAT(bytes, HasSubstr("{'descr': '<i4', 'fortran_order': False, 'shape': (5,), }"));
  ASSERT_OK_AND_ASSIGN(bytes, SerializeNpy(PatternTensor(DataType::kBool, {})));
  EXPECT_THAT(bytes, HasSubstr("{'descr': '|b1', 'fortran_order': False, 'shape': (), }"));
  ASSERT_OK_AND_ASSIGN(bytes, SerializeNpy(PatternTensor(DataType::kFloat64, {2, 3})));
  EXPECT_THAT(bytes, HasSubstr("'shape': (2, 3), }"));
}

TEST(NpyRoundTripTest, UnsupportedDtypeNotSerialised) {
  EXPECT_THAT(SerializeNpy(PatternTensor(DataType::kFloat16, {2})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("float16")));
  EXPECT_THAT(SerializeNpy(Tensor()),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("undefined")));
}

std::vector<std::string> FolderEntries(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  return names;
}

TEST(NpyWriteTest, OverwritesExistingFileAndLeavesNoTemp) {
  ScratchDir dir;
  const std::string path = dir.File("a.npy");
  ASSERT_OK(WriteNpy(path, PatternTensor(DataType::kFloat32, {100})));
  const Tensor second = PatternTensor(DataType::kInt8, {2, 2});
  ASSERT_OK(WriteNpy(path, second));
  ASSERT_OK_AND_ASSIGN(Tensor back, ReadNpy(path));
  ExpectSameTensor(second, back);
  EXPECT_THAT(FolderEntries(dir.path()), ::testing::ElementsAre("a.npy"));
}

TEST(NpyWriteTest, MissingFolderFailsNamingThePath) {
  ScratchDir dir;
  const std::string path = dir.File("missing/a.npy");
  EXPECT_THAT(WriteNpy(path, PatternTensor(DataType::kFloat32, {3})),
              StatusIs(absl::StatusCode::kNotFound, HasSubstr(path)));
  EXPECT_TRUE(FolderEntries(dir.path()).empty());
}

TEST(NpyWriteTest, AFolderAtThePathWritesNothing) {
  ScratchDir dir;
  // A folder cannot be replaced: refused before any temporary file is written.
  const std::string path = dir.File("occupied");
  std::filesystem::create_directory(path);
  std::ofstream(dir.File("occupied/x")) << "x";
  const absl::Status status = WriteNpy(path, PatternTensor(DataType::kFloat32, {3}));
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(std::string(status.message()), AllOf(HasSubstr("is a folder"), HasSubstr(path)));
  EXPECT_THAT(FolderEntries(dir.path()), ::testing::ElementsAre("occupied"));
}

TEST(NpyWriteTest, UnsupportedDtypeWritesNothing) {
  ScratchDir dir;
  EXPECT_THAT(WriteNpy(dir.File("h.npy"), PatternTensor(DataType::kFloat16, {3})),
              StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("float16")));
  EXPECT_TRUE(FolderEntries(dir.path()).empty());
}

TEST(NpyReadTest, FileErrorsNameThePath) {
  ScratchDir dir;
  const std::string missing = dir.File("nope.npy");
  EXPECT_THAT(ReadNpy(missing), StatusIs(absl::StatusCode::kNotFound, HasSubstr(missing)));
  EXPECT_THAT(ReadNpy(dir.path()),
              StatusIs(absl::StatusCode::kInvalidArgument,
                       AllOf(HasSubstr(dir.path()), HasSubstr("not a regular file"))));
}

TEST(NpyReadTest, ParseErrorsArePrefixedWithThePath) {
  ScratchDir dir;
  const std::string path = dir.File("bad.npy");
  std::ofstream(path, std::ios::binary) << "not numpy";
  EXPECT_THAT(ReadNpy(path), StatusIs(absl::StatusCode::kInvalidArgument,
                                      HasSubstr(absl::StrCat(path, ": not a .npy file"))));
  const std::string cut = dir.File("cut.npy");
  std::ofstream(cut, std::ios::binary)
      << SerializeNpy(PatternTensor(DataType::kFloat32, {4})).value().substr(0, 130);
  EXPECT_THAT(ReadNpy(cut), StatusIs(absl::StatusCode::kInvalidArgument,
                                     HasSubstr(absl::StrCat(cut, ": truncated data"))));
}

}  // namespace
}  // namespace sf
