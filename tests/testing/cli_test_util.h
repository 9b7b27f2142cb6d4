// Helpers for tests that run the command-line tools (sfrun, sfbench) as
// separate processes: a per-test scratch folder and a command runner that
// captures the exit status, stdout and stderr.
#ifndef SF_TESTS_TESTING_CLI_TEST_UTIL_H_
#define SF_TESTS_TESTING_CLI_TEST_UTIL_H_

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace sf::testing {

inline std::string ReadTextFile(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A fresh folder named after the running test; removed again on destruction.
class ScratchDir {
 public:
  explicit ScratchDir(const std::string& prefix)
      : dir_(std::filesystem::temp_directory_path() /
             (prefix + "_" + std::to_string(::getpid()) + "_" +
              ::testing::UnitTest::GetInstance()->current_test_info()->name())) {
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~ScratchDir() { std::filesystem::remove_all(dir_); }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::filesystem::path& dir() const { return dir_; }
  std::string Path(const std::string& name) const { return (dir_ / name).string(); }

 private:
  std::filesystem::path dir_;
};

struct CommandResult {
  int exit_code = -1;  // 128 + signal number when killed by a signal
  std::string out, err;
};

// Runs `binary args` through the shell with stdout/stderr captured in `scratch`.
inline CommandResult RunCommand(const std::string& binary, const std::string& args,
                                const ScratchDir& scratch) {
  const std::string cmd = binary + " " + args + " >" + scratch.Path("stdout.txt") + " 2>" +
                          scratch.Path("stderr.txt");
  const int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  r.out = ReadTextFile(scratch.Path("stdout.txt"));
  r.err = ReadTextFile(scratch.Path("stderr.txt"));
  return r;
}

}  // namespace sf::testing

#endif  // SF_TESTS_TESTING_CLI_TEST_UTIL_H_
