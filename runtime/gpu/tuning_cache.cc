#include "runtime/gpu/tuning_cache.h"

#include <filesystem>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "cuda/conv_algo_cache.h"
#include "graph/status.h"
#include "runtime/file_util.h"
#include "spdlog/spdlog.h"

namespace sf {
namespace {

constexpr int64_t kMaxFileBytes = int64_t{16} << 20;

struct FileState {
  cuda::TuningRecords records;                // as last read from or written to the file
  int64_t generation = -1;                    // the process cache's, at that time
};

struct Files {
  std::mutex mu;
  absl::flat_hash_map<std::string, FileState> by_path;  // guarded by mu
};

Files& GetFiles() {
  static Files* files = new Files();
  return *files;
}

// Appends the records of `older` whose (identity, key) none of `*records` has.
template <typename Record>
void AppendMissing(const std::vector<Record>& older, std::vector<Record>* records) {
  using Key = std::pair<std::string, decltype(Record::key)>;
  absl::flat_hash_set<Key> present;
  for (const Record& r : *records) present.emplace(r.identity, r.key);
  for (const Record& r : older) {
    if (present.emplace(r.identity, r.key).second) records->push_back(r);
  }
}

}  // namespace

absl::Status LoadTuningCache(const std::string& path) {
  Files& files = GetFiles();
  std::lock_guard<std::mutex> lock(files.mu);
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    spdlog::debug("tuning cache {}: no such file yet", path);
    files.by_path[path] = FileState{};  // written at the next save
    return absl::OkStatus();
  }
  SF_ASSIGN_OR_RETURN(std::string text, ReadFileToString(path, kMaxFileBytes));
  SF_ASSIGN_OR_RETURN(cuda::TuningRecords records, cuda::ParseTuningRecords(text, path));
  SF_ASSIGN_OR_RETURN(const int added, cuda::ImportTuningRecords(records));
  spdlog::debug("tuning cache {}: {} records, {} added for this machine's devices", path,
                records.convs.size() + records.measured.size(), added);
  FileState& state = files.by_path[path];
  state.records = std::move(records);
  state.generation = cuda::ConvAlgoCacheGeneration();
  return absl::OkStatus();
}

absl::Status SaveTuningCache(const std::string& path) {
  Files& files = GetFiles();
  std::lock_guard<std::mutex> lock(files.mu);
  FileState& state = files.by_path[path];
  const int64_t generation = cuda::ConvAlgoCacheGeneration();
  if (generation == state.generation) return absl::OkStatus();
  SF_ASSIGN_OR_RETURN(cuda::TuningRecords records, cuda::ExportTuningRecords());
  // The file's records of other devices (or of keys this process has not
  // prepared) after this process's own, which win.
  AppendMissing(state.records.convs, &records.convs);
  AppendMissing(state.records.measured, &records.measured);
  SF_RETURN_IF_ERROR(WriteFileAtomically(path, cuda::FormatTuningRecords(records)));
  spdlog::debug("tuning cache {}: {} records written", path,
                records.convs.size() + records.measured.size());
  state.records = std::move(records);
  state.generation = generation;
  return absl::OkStatus();
}

}  // namespace sf
