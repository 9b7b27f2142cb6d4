#include "runtime/file_util.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "graph/status.h"

namespace sf {
namespace {

namespace fs = std::filesystem;

absl::Status ErrnoError(absl::string_view action, const std::string& path) {
  const int err = errno;
  return absl::ErrnoToStatus(err, absl::StrCat("cannot ", action, " '", path, "'"));
}

// Closes a file descriptor on destruction unless Close()d explicitly.
class FdCloser {
 public:
  explicit FdCloser(int fd) : fd_(fd) {}
  ~FdCloser() {
    if (fd_ >= 0) ::close(fd_);
  }
  FdCloser(const FdCloser&) = delete;
  FdCloser& operator=(const FdCloser&) = delete;
  // Returns close()'s result.
  int Close() {
    const int rc = ::close(fd_);
    fd_ = -1;
    return rc;
  }

 private:
  int fd_;
};

absl::Status WriteAll(int fd, absl::string_view bytes, const std::string& path) {
  while (!bytes.empty()) {
    const ssize_t n = ::write(fd, bytes.data(), bytes.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("write", path);
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

// Where one of WriteFilesAtomically's files goes.
struct Target {
  const FileContents* file = nullptr;
  std::string path;       // the destination, symbolic links followed
  bool in_place = false;  // exists and is not a regular file
  mode_t mode = 0644;     // the replaced file's permissions, for the new one
  std::string temp;       // beside `path`; empty once renamed or when in place
};

absl::StatusOr<Target> Resolve(const FileContents& file) {
  Target t;
  t.file = &file;
  t.path = file.path;
  SF_CHECK_ARG(!file.path.empty(), "an output file name is empty");
  struct stat st;
  if (::lstat(file.path.c_str(), &st) != 0) {
    if (errno == ENOENT) return t;  // a new file
    return ErrnoError("stat", file.path);
  }
  if (S_ISLNK(st.st_mode)) {
    SF_CHECK_ARG(::stat(file.path.c_str(), &st) == 0, "'", file.path,
                 "' is a symbolic link to nothing");
    if (S_ISREG(st.st_mode)) {  // replace the file it names (not the link)
      std::error_code ec;
      const fs::path target = fs::canonical(file.path, ec);
      if (ec) return absl::InvalidArgumentError(absl::StrCat(file.path, ": ", ec.message()));
      t.path = target.string();
    }  // else a device or pipe (/dev/stdout): written in place through the link
  }
  SF_CHECK_ARG(!S_ISDIR(st.st_mode), "'", file.path, "' is a folder");
  t.in_place = !S_ISREG(st.st_mode);
  t.mode = st.st_mode & 07777;
  return t;
}

absl::Status WriteTemporary(Target& t) {
  const std::string temp = absl::StrCat(t.path, ".tmp.", ::getpid());
  const int fd = ::open(temp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return ErrnoError("write", t.file->path);  // the name the caller gave
  t.temp = temp;  // from here on the caller removes it on failure
  FdCloser closer(fd);
  if (t.mode != 0644) ::fchmod(fd, t.mode);  // best effort: keep the replaced file's mode
  SF_RETURN_IF_ERROR(WriteAll(fd, t.file->bytes, temp));
  if (::fsync(fd) != 0) return ErrnoError("sync", temp);
  if (closer.Close() != 0) return ErrnoError("close", temp);
  return absl::OkStatus();
}

// A device or a named pipe: opened without waiting for a reader.
absl::Status WriteInPlace(const Target& t) {
  const int fd = ::open(t.path.c_str(), O_WRONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    return errno == ENXIO ? absl::FailedPreconditionError(absl::StrCat(
                                "cannot write '", t.file->path, "': a named pipe with no reader"))
                          : ErrnoError("open", t.file->path);
  }
  FdCloser closer(fd);
  const int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags & ~O_NONBLOCK);
  SF_RETURN_IF_ERROR(WriteAll(fd, t.file->bytes, t.file->path));
  if (closer.Close() != 0) return ErrnoError("close", t.file->path);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<std::string> ReadFileToString(const std::string& path, int64_t max_bytes) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return absl::NotFoundError(absl::StrCat(path, ": no such file"));
    return ErrnoError("open", path);
  }
  FdCloser closer(fd);
  struct stat st;
  if (::fstat(fd, &st) != 0) return ErrnoError("stat", path);
  if (!S_ISREG(st.st_mode)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": not a regular file"));
  }
  if (st.st_size > max_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": file is ", st.st_size, " bytes, above the limit of ", max_bytes));
  }
  std::string bytes(static_cast<size_t>(st.st_size), '\0');
  size_t filled = 0;
  while (filled < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + filled, bytes.size() - filled);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoError("read", path);
    }
    if (n == 0) return absl::DataLossError(absl::StrCat(path, ": short read"));
    filled += static_cast<size_t>(n);
  }
  return bytes;
}

absl::Status WriteFilesAtomically(std::span<const FileContents> files) {
  std::vector<Target> targets;
  absl::flat_hash_set<std::string> seen;
  for (const FileContents& f : files) {
    SF_ASSIGN_OR_RETURN(Target t, Resolve(f));
    if (!t.in_place) {
      std::error_code ec;
      const std::string key = fs::weakly_canonical(t.path, ec).string();
      SF_CHECK_ARG(seen.insert(ec ? t.path : key).second, "'", f.path,
                   "' is named as the file of two outputs");
    }
    targets.push_back(std::move(t));
  }
  // Removes the temporaries not renamed yet, on every way out.
  struct Cleanup {
    std::vector<Target>& targets;
    ~Cleanup() {
      for (const Target& t : targets) {
        if (!t.temp.empty()) ::unlink(t.temp.c_str());
      }
    }
  } cleanup{targets};
  for (Target& t : targets) {
    if (!t.in_place) SF_RETURN_IF_ERROR(WriteTemporary(t));
  }
  for (const Target& t : targets) {
    if (t.in_place) SF_RETURN_IF_ERROR(WriteInPlace(t));
  }
  for (Target& t : targets) {
    if (t.in_place) continue;
    if (::rename(t.temp.c_str(), t.path.c_str()) != 0) return ErrnoError("rename onto", t.path);
    t.temp.clear();
  }
  return absl::OkStatus();
}

absl::Status WriteFileAtomically(const std::string& path, std::string bytes) {
  const FileContents file{path, std::move(bytes)};
  return WriteFilesAtomically(std::span<const FileContents>(&file, 1));
}

}  // namespace sf
