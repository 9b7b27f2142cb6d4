// ReadFileToString and WriteFilesAtomically: regular files, folders, named pipes,
// devices, symbolic links, all-or-none groups.
#include "runtime/file_util.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "tests/testing/cli_test_util.h"
#include "tests/testing/status_matchers.h"

namespace sf {
namespace {

namespace fs = std::filesystem;
using ::sf::testing::ReadTextFile;
using ::sf::testing::ScratchDir;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

std::vector<std::string> FilesIn(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

TEST(ReadFileToStringTest, ReadsRefusesAndNeverWaitsOnAPipe) {
  ScratchDir s("file_util");
  ASSERT_TRUE(WriteFileAtomically(s.Path("a.txt"), "hello").ok());
  EXPECT_EQ(*ReadFileToString(s.Path("a.txt"), 5), "hello");
  EXPECT_THAT(ReadFileToString(s.Path("a.txt"), 4).status().message(),
              HasSubstr("above the limit of 4"));
  EXPECT_EQ(ReadFileToString(s.Path("none"), 10).status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(ReadFileToString(s.dir().string(), 10).status().message(),
              HasSubstr("not a regular file"));
  // A named pipe with no writer: opening it for reading must not block.
  ASSERT_EQ(::mkfifo(s.Path("fifo").c_str(), 0600), 0);
  EXPECT_THAT(ReadFileToString(s.Path("fifo"), 10).status().message(),
              HasSubstr("fifo: not a regular file"));
}

TEST(WriteFilesAtomicallyTest, WritesEveryFileAndLeavesNoTemporaries) {
  ScratchDir s("file_util");
  ASSERT_TRUE(WriteFileAtomically(s.Path("b.txt"), "old").ok());
  const std::vector<FileContents> files = {{s.Path("a.txt"), "A"}, {s.Path("b.txt"), "B"}};
  ASSERT_TRUE(WriteFilesAtomically(files).ok());
  EXPECT_EQ(ReadTextFile(s.Path("a.txt")), "A");
  EXPECT_EQ(ReadTextFile(s.Path("b.txt")), "B");
  EXPECT_EQ(FilesIn(s.dir()), (std::vector<std::string>{"a.txt", "b.txt"}));
}

TEST(WriteFilesAtomicallyTest, OneFailureWritesNone) {
  ScratchDir s("file_util");
  ASSERT_TRUE(WriteFileAtomically(s.Path("a.txt"), "old").ok());
  const std::vector<FileContents> files = {{s.Path("a.txt"), "new"},
                                           {s.Path("no_such_dir/b.txt"), "B"}};
  const absl::Status st = WriteFilesAtomically(files);
  EXPECT_FALSE(st.ok());
  EXPECT_THAT(st.message(),
              HasSubstr(absl::StrCat("cannot write '", s.Path("no_such_dir/b.txt"), "'")));
  EXPECT_EQ(ReadTextFile(s.Path("a.txt")), "old");
  EXPECT_EQ(FilesIn(s.dir()), (std::vector<std::string>{"a.txt"}));
}

TEST(WriteFilesAtomicallyTest, RefusesEmptyNamesFoldersAndTheSameFileTwice) {
  ScratchDir s("file_util");
  EXPECT_THAT(WriteFileAtomically("", "x").message(), HasSubstr("file name is empty"));
  EXPECT_THAT(WriteFileAtomically(s.dir().string(), "x").message(), HasSubstr("is a folder"));
  const std::vector<FileContents> twice = {{s.Path("a.txt"), "1"},
                                           {(s.dir() / "." / "a.txt").string(), "2"}};
  EXPECT_THAT(WriteFilesAtomically(twice).message(), HasSubstr("named as the file of two"));
  EXPECT_THAT(FilesIn(s.dir()), IsEmpty());
}

TEST(WriteFilesAtomicallyTest, FollowsASymbolicLinkAndKeepsIt) {
  ScratchDir s("file_util");
  ASSERT_TRUE(WriteFileAtomically(s.Path("target.txt"), "old").ok());
  fs::create_symlink(s.Path("target.txt"), s.Path("link.txt"));
  ASSERT_TRUE(WriteFileAtomically(s.Path("link.txt"), "new").ok());
  EXPECT_TRUE(fs::is_symlink(s.Path("link.txt")));
  EXPECT_EQ(ReadTextFile(s.Path("target.txt")), "new");
  // A link to a device (as /dev/stdout is to a pipe or terminal) is written through.
  fs::create_symlink("/dev/null", s.Path("to_null"));
  ASSERT_TRUE(WriteFileAtomically(s.Path("to_null"), "x").ok());
  EXPECT_TRUE(fs::is_symlink(s.Path("to_null")));
  EXPECT_TRUE(fs::is_character_file("/dev/null"));
  fs::create_symlink(s.Path("nothing"), s.Path("dangling"));
  EXPECT_THAT(WriteFileAtomically(s.Path("dangling"), "x").message(),
              HasSubstr("symbolic link to nothing"));
}

TEST(WriteFilesAtomicallyTest, KeepsTheReplacedFilesMode) {
  ScratchDir s("file_util");
  ASSERT_TRUE(WriteFileAtomically(s.Path("a.txt"), "old").ok());
  ASSERT_EQ(::chmod(s.Path("a.txt").c_str(), 0600), 0);
  ASSERT_TRUE(WriteFileAtomically(s.Path("a.txt"), "new").ok());
  struct stat st;
  ASSERT_EQ(::stat(s.Path("a.txt").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600u);
}

TEST(WriteFilesAtomicallyTest, WritesDevicesInPlaceAndNeverWaitsOnAPipe) {
  ScratchDir s("file_util");
  // /dev/null stays a device (it was replaced by a regular file before).
  ASSERT_TRUE(WriteFileAtomically("/dev/null", "discarded").ok());
  struct stat st;
  ASSERT_EQ(::stat("/dev/null", &st), 0);
  EXPECT_TRUE(S_ISCHR(st.st_mode));
  if (::access("/dev/full", W_OK) == 0) {
    // A device that fails the write: the error names it, the regular file beside is untouched.
    const std::vector<FileContents> files = {{s.Path("a.txt"), "A"}, {"/dev/full", "x"}};
    EXPECT_THAT(WriteFilesAtomically(files).message(), HasSubstr("/dev/full"));
    EXPECT_FALSE(fs::exists(s.Path("a.txt")));
    ASSERT_EQ(::stat("/dev/full", &st), 0);
    EXPECT_TRUE(S_ISCHR(st.st_mode));
  }
  ASSERT_EQ(::mkfifo(s.Path("fifo").c_str(), 0600), 0);
  EXPECT_THAT(WriteFileAtomically(s.Path("fifo"), "x").message(),
              HasSubstr("a named pipe with no reader"));
  EXPECT_TRUE(fs::is_fifo(s.Path("fifo")));
}

}  // namespace
}  // namespace sf
