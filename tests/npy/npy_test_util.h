// Helpers shared by the .npy tests: hand-built .npy bytes and a scratch folder.
#ifndef SF_TESTS_NPY_NPY_TEST_UTIL_H_
#define SF_TESTS_NPY_NPY_TEST_UTIL_H_

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace sf::testing {

// The preamble of a .npy file of format `major`.0 announcing `header_len` bytes.
inline std::string NpyPreamble(int major, uint64_t header_len) {
  std::string out = "\x93NUMPY";
  out.push_back(static_cast<char>(major));
  out.push_back('\0');
  const size_t len_bytes = major == 1 ? 2 : 4;
  for (size_t i = 0; i < len_bytes; ++i) {
    out.push_back(static_cast<char>((header_len >> (8 * i)) & 0xff));
  }
  return out;
}

// Bytes of a .npy file of format `major`.0 whose header is `dict` padded with
// spaces and a newline to a multiple of 64, followed by `data`. The header
// length field is the real length unless `header_len` overrides it.
inline std::string MakeNpy(absl::string_view dict, absl::string_view data, int major = 1,
                           int64_t header_len = -1) {
  std::string header(dict);
  const size_t unpadded = 8 + (major == 1 ? 2 : 4) + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  const uint64_t len = header_len >= 0 ? static_cast<uint64_t>(header_len) : header.size();
  return absl::StrCat(NpyPreamble(major, len), header, data);
}

// The usual header dict NumPy writes.
inline std::string NpyDict(absl::string_view descr, absl::string_view shape,
                           absl::string_view fortran = "False") {
  return absl::StrCat("{'descr': '", descr, "', 'fortran_order': ", fortran,
                      ", 'shape': ", shape, ", }");
}

// A fresh, empty folder under the system temp dir, removed on destruction.
class ScratchDir {
 public:
  ScratchDir() {
    std::string templ = (std::filesystem::temp_directory_path() / "sf_npy_XXXXXX").string();
    path_ = ::mkdtemp(templ.data()) != nullptr ? templ : "";
  }
  ~ScratchDir() {
    std::error_code ignored;
    if (!path_.empty()) std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;

  const std::string& path() const { return path_; }
  std::string File(absl::string_view name) const { return absl::StrCat(path_, "/", name); }

 private:
  std::string path_;
};

}  // namespace sf::testing

#endif  // SF_TESTS_NPY_NPY_TEST_UTIL_H_
