#include "cuda/conv_algo_cache.h"

#include <cuda_runtime.h>

#include <algorithm>
#include <array>
#include <mutex>
#include <optional>
#include <tuple>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "cuda/cuda_status.h"
#include "graph/status.h"

namespace sf::cuda {
namespace {

struct Cache {
  std::mutex mu;
  absl::flat_hash_map<ConvAlgoKey, ConvAlgoChoice> choices;  // guarded by mu
  int64_t searches = 0;                                      // guarded by mu
  int64_t generation = 0;                                    // guarded by mu
  // (device, key) -> value (MeasuredRecord)
  absl::flat_hash_map<std::pair<int, std::string>, std::string> measured;  // guarded by mu
};

// Never destroyed: kernels may prepare during static destruction of a caller.
Cache& GetCache() {
  static Cache* cache = new Cache();
  return *cache;
}

}  // namespace

bool operator==(const ConvAlgoKey& a, const ConvAlgoKey& b) {
  const ConvShape& x = a.shape;
  const ConvShape& y = b.shape;
  return a.device == b.device && a.data_type == b.data_type && a.layout == b.layout &&
         a.tf32 == b.tf32 && a.timed == b.timed && a.workspace_limit == b.workspace_limit &&
         a.gemm_only == b.gemm_only && a.bias == b.bias && x.n == y.n && x.c_in == y.c_in &&
         x.h == y.h && x.w == y.w && x.c_out == y.c_out && x.kh == y.kh && x.kw == y.kw &&
         x.stride_h == y.stride_h && x.stride_w == y.stride_w && x.pad_h == y.pad_h &&
         x.pad_w == y.pad_w && x.dil_h == y.dil_h && x.dil_w == y.dil_w && x.group == y.group &&
         x.out_h == y.out_h && x.out_w == y.out_w;
}

absl::StatusOr<ConvAlgoChoice> LookupOrSearchConvAlgo(
    const ConvAlgoKey& key, absl::FunctionRef<absl::StatusOr<ConvAlgoChoice>()> search) {
  Cache& cache = GetCache();
  std::lock_guard<std::mutex> lock(cache.mu);
  auto it = cache.choices.find(key);
  if (it != cache.choices.end()) return it->second;
  ++cache.searches;
  absl::StatusOr<ConvAlgoChoice> choice = search();
  if (choice.ok()) {
    cache.choices.emplace(key, *choice);
    ++cache.generation;
  }
  return choice;
}

int64_t ConvAlgoSearchCount() {
  Cache& cache = GetCache();
  std::lock_guard<std::mutex> lock(cache.mu);
  return cache.searches;
}

int64_t ConvAlgoCacheGeneration() {
  Cache& cache = GetCache();
  std::lock_guard<std::mutex> lock(cache.mu);
  return cache.generation;
}

void ClearConvAlgoCacheForTesting() {
  Cache& cache = GetCache();
  std::lock_guard<std::mutex> lock(cache.mu);
  cache.choices.clear();
  cache.measured.clear();
  ++cache.generation;
}

absl::StatusOr<std::string> DeviceIdentity(int device) {
  cudaDeviceProp prop{};
  SF_CUDA_RETURN_IF_ERROR(cudaGetDeviceProperties(&prop, device));
  int runtime = 0;
  SF_CUDA_RETURN_IF_ERROR(cudaRuntimeGetVersion(&runtime));
  std::string name(prop.name, strnlen(prop.name, sizeof(prop.name)));
  // One line, no separators of the file's format inside the name.
  for (char& c : name) {
    if (c < 0x20 || c > 0x7e) c = '?';
  }
  return absl::StrCat(name, ", cc ", prop.major, ".", prop.minor, ", ", prop.multiProcessorCount,
                      " SMs, cuDNN ", cudnnGetVersion(), ", CUDA runtime ", runtime);
}

namespace {

constexpr absl::string_view kMagic = "sparseflow-tuning-cache 1";
constexpr int64_t kMaxDim = (int64_t{1} << 31) - 1;
constexpr int64_t kMaxIdentities = 1024;
constexpr size_t kMaxIdentityChars = 256;

absl::string_view TypeName(cudnnDataType_t t) { return t == CUDNN_DATA_HALF ? "half" : "float"; }
absl::string_view LayoutName(cudnnTensorFormat_t f) {
  return f == CUDNN_TENSOR_NHWC ? "nhwc" : "nchw";
}

std::string FormatKnobs(const BackendEngineConfig& config) {
  return absl::StrJoin(config.knobs, ",", [](std::string* out, const auto& knob) {
    absl::StrAppend(out, knob.first, ":", knob.second);
  });
}

// The conv line's fields as name=value strings (identity `id`).
std::string FormatRecord(const ConvAlgoRecord& r, int id) {
  const ConvShape& s = r.key.shape;
  const ConvAlgoKey& k = r.key;
  const ConvAlgoChoice& c = r.choice;
  return absl::StrCat("conv device=", id, " n=", s.n, " c_in=", s.c_in, " h=", s.h, " w=", s.w,
                      " c_out=", s.c_out, " kh=", s.kh, " kw=", s.kw, " stride_h=", s.stride_h,
                      " stride_w=", s.stride_w, " pad_h=", s.pad_h, " pad_w=", s.pad_w,
                      " dil_h=", s.dil_h, " dil_w=", s.dil_w, " group=", s.group,
                      " out_h=", s.out_h, " out_w=", s.out_w, " type=", TypeName(k.data_type),
                      " layout=", LayoutName(k.layout), " tensor_ops=", k.tf32 ? 1 : 0,
                      " search=", k.timed ? "timed" : "heuristic",
                      " workspace_limit=", k.workspace_limit, " gemm_only=", k.gemm_only ? 1 : 0,
                      " bias=", k.bias ? 1 : 0, " algo=", static_cast<int>(c.algo),
                      " workspace=", c.workspace_bytes, " chosen=", c.timed ? "timed" : "heuristic",
                      " engine=", c.backend.engine, " knobs=", FormatKnobs(c.backend));
}

// The NAME=VALUE fields of one line, parsed.
class FieldLine {
 public:
  // `line` is `kind` followed by NAME=VALUE fields.
  absl::Status Parse(absl::string_view line, absl::string_view kind) {
    std::vector<absl::string_view> tokens = absl::StrSplit(line, ' ', absl::SkipEmpty());
    if (tokens.empty() || tokens[0] != kind) {
      return absl::InvalidArgumentError(absl::StrCat("not a ", kind, " line"));
    }
    for (size_t i = 1; i < tokens.size(); ++i) {
      const size_t eq = tokens[i].find('=');
      if (eq == absl::string_view::npos || eq == 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("field '", tokens[i], "' is not NAME=VALUE"));
      }
      const absl::string_view name = tokens[i].substr(0, eq);
      if (!fields_.emplace(name, tokens[i].substr(eq + 1)).second) {
        return absl::InvalidArgumentError(absl::StrCat("field '", name, "' given twice"));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<int64_t> Int(absl::string_view name, int64_t min, int64_t max) {
    SF_ASSIGN_OR_RETURN(absl::string_view text, Text(name));
    int64_t v = 0;
    if (!absl::SimpleAtoi(text, &v) || v < min || v > max) {
      return absl::InvalidArgumentError(absl::StrCat(
          "field ", name, "='", text, "' is not a whole number in [", min, ", ", max, "]"));
    }
    return v;
  }

  // `name`'s value, one of `choices` (returns its index).
  absl::StatusOr<int> OneOf(absl::string_view name, std::span<const absl::string_view> choices) {
    SF_ASSIGN_OR_RETURN(absl::string_view text, Text(name));
    for (size_t i = 0; i < choices.size(); ++i) {
      if (text == choices[i]) return static_cast<int>(i);
    }
    return absl::InvalidArgumentError(
        absl::StrCat("field ", name, "='", text, "' must be ", absl::StrJoin(choices, " or ")));
  }

  absl::StatusOr<absl::string_view> Text(absl::string_view name) {
    auto it = fields_.find(name);
    if (it == fields_.end()) {
      return absl::InvalidArgumentError(absl::StrCat("field '", name, "' missing"));
    }
    used_.insert(name);
    return it->second;
  }

  absl::Status NoneLeft() const {
    for (const auto& [name, value] : fields_) {
      if (!used_.contains(name)) {
        return absl::InvalidArgumentError(absl::StrCat("unknown field '", name, "'"));
      }
    }
    return absl::OkStatus();
  }

 private:
  absl::flat_hash_map<absl::string_view, absl::string_view> fields_;
  absl::flat_hash_set<absl::string_view> used_;
};

absl::StatusOr<std::vector<std::pair<int64_t, int64_t>>> ParseKnobs(absl::string_view text) {
  std::vector<std::pair<int64_t, int64_t>> knobs;
  if (text.empty()) return knobs;
  for (absl::string_view item : absl::StrSplit(text, ',')) {
    const size_t colon = item.find(':');
    int64_t type = 0, value = 0;
    if (colon == absl::string_view::npos || !absl::SimpleAtoi(item.substr(0, colon), &type) ||
        !absl::SimpleAtoi(item.substr(colon + 1), &value) || type < 0 || type > 1024) {
      return absl::InvalidArgumentError(
          absl::StrCat("knob '", item, "' is not TYPE:VALUE with TYPE in [0, 1024]"));
    }
    if (knobs.size() == kMaxBackendKnobs) {
      return absl::InvalidArgumentError(absl::StrCat("more than ", kMaxBackendKnobs, " knobs"));
    }
    knobs.emplace_back(type, value);
  }
  return knobs;
}

// A conv line's record and the device id it names (identity not set).
absl::StatusOr<std::pair<int64_t, ConvAlgoRecord>> ParseConvRecord(absl::string_view line) {
  FieldLine f;
  SF_RETURN_IF_ERROR(f.Parse(line, "conv"));
  ConvAlgoRecord r;
  ConvShape& s = r.key.shape;
  SF_ASSIGN_OR_RETURN(const int64_t id, f.Int("device", 0, kMaxIdentities - 1));
  struct Dim {
    absl::string_view name;
    int64_t* field;
    int64_t min, max;
  };
  const std::array<Dim, 16> dims{{{"n", &s.n, 1, kMaxDim},
                                  {"c_in", &s.c_in, 1, kMaxDim},
                                  {"h", &s.h, 1, kMaxDim},
                                  {"w", &s.w, 1, kMaxDim},
                                  {"c_out", &s.c_out, 1, kMaxDim},
                                  {"kh", &s.kh, 1, 1024},
                                  {"kw", &s.kw, 1, 1024},
                                  {"stride_h", &s.stride_h, 1, 1024},
                                  {"stride_w", &s.stride_w, 1, 1024},
                                  {"pad_h", &s.pad_h, 0, 1024},
                                  {"pad_w", &s.pad_w, 0, 1024},
                                  {"dil_h", &s.dil_h, 1, 1024},
                                  {"dil_w", &s.dil_w, 1, 1024},
                                  {"group", &s.group, 1, kMaxDim},
                                  {"out_h", &s.out_h, 1, kMaxDim},
                                  {"out_w", &s.out_w, 1, kMaxDim}}};
  for (const Dim& d : dims) {
    SF_ASSIGN_OR_RETURN(*d.field, f.Int(d.name, d.min, d.max));
  }
  if (s.c_in % s.group != 0 || s.c_out % s.group != 0) {
    return absl::InvalidArgumentError(
        absl::StrCat("group ", s.group, " does not divide c_in ", s.c_in, " and c_out ", s.c_out));
  }
  const int64_t want_h = (s.h + 2 * s.pad_h - s.dil_h * (s.kh - 1) - 1) / s.stride_h + 1;
  const int64_t want_w = (s.w + 2 * s.pad_w - s.dil_w * (s.kw - 1) - 1) / s.stride_w + 1;
  if (s.h + 2 * s.pad_h < s.dil_h * (s.kh - 1) + 1 ||
      s.w + 2 * s.pad_w < s.dil_w * (s.kw - 1) + 1 || want_h != s.out_h || want_w != s.out_w) {
    return absl::InvalidArgumentError(absl::StrCat("out_h ", s.out_h, " x out_w ", s.out_w,
                                                   " does not follow from the input, kernel, "
                                                   "stride, padding and dilation"));
  }
  constexpr std::array<absl::string_view, 2> kTypes{"float", "half"};
  constexpr std::array<absl::string_view, 2> kLayouts{"nchw", "nhwc"};
  constexpr std::array<absl::string_view, 2> kHow{"heuristic", "timed"};
  SF_ASSIGN_OR_RETURN(const int type, f.OneOf("type", kTypes));
  r.key.data_type = type == 1 ? CUDNN_DATA_HALF : CUDNN_DATA_FLOAT;
  SF_ASSIGN_OR_RETURN(const int layout, f.OneOf("layout", kLayouts));
  r.key.layout = layout == 1 ? CUDNN_TENSOR_NHWC : CUDNN_TENSOR_NCHW;
  SF_ASSIGN_OR_RETURN(const int64_t tensor_ops, f.Int("tensor_ops", 0, 1));
  r.key.tf32 = tensor_ops == 1;
  SF_ASSIGN_OR_RETURN(const int search, f.OneOf("search", kHow));
  r.key.timed = search == 1;
  constexpr int64_t kMaxWorkspace = int64_t{1} << 40;
  SF_ASSIGN_OR_RETURN(const int64_t limit, f.Int("workspace_limit", 0, kMaxWorkspace));
  r.key.workspace_limit = static_cast<size_t>(limit);
  SF_ASSIGN_OR_RETURN(const int64_t gemm_only, f.Int("gemm_only", 0, 1));
  r.key.gemm_only = gemm_only == 1;
  SF_ASSIGN_OR_RETURN(const int64_t bias, f.Int("bias", 0, 1));
  r.key.bias = bias == 1;
  SF_ASSIGN_OR_RETURN(const int64_t algo,
                      f.Int("algo", 0, static_cast<int64_t>(CUDNN_CONVOLUTION_FWD_ALGO_COUNT) - 1));
  r.choice.algo = static_cast<cudnnConvolutionFwdAlgo_t>(algo);
  SF_ASSIGN_OR_RETURN(const int64_t workspace, f.Int("workspace", 0, limit));
  r.choice.workspace_bytes = static_cast<size_t>(workspace);
  SF_ASSIGN_OR_RETURN(const int chosen, f.OneOf("chosen", kHow));
  r.choice.timed = chosen == 1;
  SF_ASSIGN_OR_RETURN(r.choice.backend.engine, f.Int("engine", -1, int64_t{1} << 20));
  SF_ASSIGN_OR_RETURN(const absl::string_view knobs, f.Text("knobs"));
  SF_ASSIGN_OR_RETURN(r.choice.backend.knobs, ParseKnobs(knobs));
  if (r.choice.backend.engine < 0 && !r.choice.backend.knobs.empty()) {
    return absl::InvalidArgumentError("knobs without an engine");
  }
  SF_RETURN_IF_ERROR(f.NoneLeft());
  r.choice.from_file = true;
  return std::make_pair(id, std::move(r));
}

// Why `token` cannot be a measured key or value; "" when it can.
std::string BadMeasuredToken(absl::string_view token) {
  if (token.empty() || token.size() > kMaxMeasuredChars) {
    return absl::StrCat("1 to ", kMaxMeasuredChars, " characters expected");
  }
  for (char c : token) {
    if (c <= 0x20 || c > 0x7e) return "only printable ASCII without spaces";
  }
  return "";
}

// A "measured" line's record and the device id it names (identity not set).
absl::StatusOr<std::pair<int64_t, MeasuredRecord>> ParseMeasuredRecord(absl::string_view line) {
  FieldLine f;
  SF_RETURN_IF_ERROR(f.Parse(line, "measured"));
  SF_ASSIGN_OR_RETURN(const int64_t id, f.Int("device", 0, kMaxIdentities - 1));
  MeasuredRecord r;
  for (auto [name, out] : {std::pair<absl::string_view, std::string*>{"key", &r.key},
                           std::pair<absl::string_view, std::string*>{"value", &r.value}}) {
    SF_ASSIGN_OR_RETURN(const absl::string_view text, f.Text(name));
    if (const std::string bad = BadMeasuredToken(text); !bad.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("field ", name, ": ", bad));
    }
    *out = std::string(text);
  }
  SF_RETURN_IF_ERROR(f.NoneLeft());
  return std::make_pair(id, std::move(r));
}

}  // namespace

std::string FormatTuningRecords(const TuningRecords& records) {
  std::string out = absl::StrCat(
      kMagic,
      "\n# SparseFlow's cuDNN conv choices and measured values (Options::tuning_cache,\n"
      "# sfrun --tuning-cache): made on the device named by each record's id; safe to delete.\n");
  std::vector<std::string> identities;
  std::vector<std::string> lines;
  auto id_of = [&](const std::string& identity) {
    auto it = std::find(identities.begin(), identities.end(), identity);
    const int id = static_cast<int>(it - identities.begin());
    if (it == identities.end()) {
      identities.push_back(identity);
      absl::StrAppend(&out, "device ", id, " ", identity, "\n");
    }
    return id;
  };
  for (const ConvAlgoRecord& r : records.convs) lines.push_back(FormatRecord(r, id_of(r.identity)));
  for (const MeasuredRecord& r : records.measured) {
    lines.push_back(
        absl::StrCat("measured device=", id_of(r.identity), " key=", r.key, " value=", r.value));
  }
  for (const std::string& line : lines) absl::StrAppend(&out, line, "\n");
  return out;
}

absl::StatusOr<TuningRecords> ParseTuningRecords(absl::string_view text, absl::string_view file) {
  std::vector<absl::string_view> lines = absl::StrSplit(text, '\n');
  if (lines.empty() || absl::StripSuffix(lines[0], "\r") != kMagic) {
    return absl::InvalidArgumentError(absl::StrCat(
        file, ": not a SparseFlow tuning cache (its first line is not '", kMagic, "')"));
  }
  std::vector<std::optional<std::string>> identities;
  TuningRecords records;
  absl::flat_hash_set<std::pair<std::string, ConvAlgoKey>> seen;
  absl::flat_hash_set<std::pair<std::string, std::string>> seen_measured;
  for (size_t i = 1; i < lines.size(); ++i) {
    const absl::string_view line = absl::StripSuffix(lines[i], "\r");
    auto fail = [&](absl::string_view why) {
      return absl::InvalidArgumentError(absl::StrCat(file, ":", i + 1, ": ", why));
    };
    // The identity a record's device id names.
    auto identity_of = [&](int64_t id) -> absl::StatusOr<std::string> {
      if (static_cast<size_t>(id) >= identities.size() || !identities[id].has_value()) {
        return fail(absl::StrCat("device ", id, " is not named by an earlier 'device' line"));
      }
      return *identities[id];
    };
    if (line.empty() || line[0] == '#') continue;
    for (char c : line) {
      if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) {
        return fail("a character that is not printable ASCII");
      }
    }
    if (absl::StartsWith(line, "device ")) {
      const absl::string_view rest = line.substr(7);
      const size_t space = rest.find(' ');
      int64_t id = 0;
      if (space == absl::string_view::npos || !absl::SimpleAtoi(rest.substr(0, space), &id) ||
          id < 0 || id >= kMaxIdentities) {
        return fail(absl::StrCat("not 'device ID IDENTITY' with ID in [0, ", kMaxIdentities, ")"));
      }
      const absl::string_view identity = rest.substr(space + 1);
      if (identity.empty() || identity.size() > kMaxIdentityChars) {
        return fail(
            absl::StrCat("a device identity of 1 to ", kMaxIdentityChars, " characters expected"));
      }
      if (identities.size() <= static_cast<size_t>(id)) identities.resize(id + 1);
      if (identities[id].has_value()) return fail(absl::StrCat("device ", id, " given twice"));
      identities[id] = std::string(identity);
    } else if (absl::StartsWith(line, "conv ")) {
      absl::StatusOr<std::pair<int64_t, ConvAlgoRecord>> parsed = ParseConvRecord(line);
      if (!parsed.ok()) return fail(parsed.status().message());
      auto& [id, record] = *parsed;
      SF_ASSIGN_OR_RETURN(record.identity, identity_of(id));
      if (seen.emplace(record.identity, record.key).second) {
        records.convs.push_back(std::move(record));
      }
    } else if (absl::StartsWith(line, "measured ")) {
      absl::StatusOr<std::pair<int64_t, MeasuredRecord>> parsed = ParseMeasuredRecord(line);
      if (!parsed.ok()) return fail(parsed.status().message());
      auto& [id, record] = *parsed;
      SF_ASSIGN_OR_RETURN(record.identity, identity_of(id));
      if (seen_measured.emplace(record.identity, record.key).second) {
        records.measured.push_back(std::move(record));
      }
    } else {
      return fail("not a 'device', 'conv' or 'measured' line");
    }
  }
  return records;
}

absl::StatusOr<TuningRecords> ExportTuningRecords() {
  Cache& cache = GetCache();
  std::lock_guard<std::mutex> lock(cache.mu);
  absl::flat_hash_map<int, std::string> identities;
  auto identity_of = [&](int device) -> absl::StatusOr<std::string> {
    auto it = identities.find(device);
    if (it == identities.end()) {
      SF_ASSIGN_OR_RETURN(std::string id, DeviceIdentity(device));
      it = identities.emplace(device, std::move(id)).first;
    }
    return it->second;
  };
  TuningRecords records;
  for (const auto& [key, choice] : cache.choices) {
    SF_ASSIGN_OR_RETURN(std::string identity, identity_of(key.device));
    ConvAlgoRecord r{.identity = std::move(identity), .key = key, .choice = choice};
    r.key.device = 0;
    r.choice.from_file = false;
    records.convs.push_back(std::move(r));
  }
  for (const auto& [key, value] : cache.measured) {
    SF_ASSIGN_OR_RETURN(std::string identity, identity_of(key.first));
    records.measured.push_back({std::move(identity), key.second, value});
  }
  // A stable order, so that the same choices give the same file.
  std::sort(records.convs.begin(), records.convs.end(),
            [](const ConvAlgoRecord& a, const ConvAlgoRecord& b) {
              if (a.identity != b.identity) return a.identity < b.identity;
              return FormatRecord(a, 0) < FormatRecord(b, 0);
            });
  std::sort(records.measured.begin(), records.measured.end(),
            [](const MeasuredRecord& a, const MeasuredRecord& b) {
              return std::tie(a.identity, a.key) < std::tie(b.identity, b.key);
            });
  return records;
}

absl::StatusOr<int> ImportTuningRecords(const TuningRecords& records) {
  int devices = 0;
  if (cudaGetDeviceCount(&devices) != cudaSuccess) {
    (void)cudaGetLastError();
    return 0;
  }
  std::vector<std::string> identities;
  for (int d = 0; d < devices; ++d) {
    SF_ASSIGN_OR_RETURN(std::string id, DeviceIdentity(d));
    identities.push_back(std::move(id));
  }
  Cache& cache = GetCache();
  std::lock_guard<std::mutex> lock(cache.mu);
  int added = 0;
  for (int d = 0; d < devices; ++d) {
    for (const ConvAlgoRecord& r : records.convs) {
      if (identities[d] != r.identity) continue;
      ConvAlgoKey key = r.key;
      key.device = d;
      ConvAlgoChoice choice = r.choice;
      choice.from_file = true;
      added += cache.choices.emplace(key, choice).second ? 1 : 0;
    }
    for (const MeasuredRecord& r : records.measured) {
      if (identities[d] != r.identity) continue;
      added += cache.measured.emplace(std::make_pair(d, r.key), r.value).second ? 1 : 0;
    }
  }
  if (added > 0) ++cache.generation;
  return added;
}

std::optional<std::string> LookupMeasured(int device, absl::string_view key) {
  Cache& cache = GetCache();
  std::lock_guard<std::mutex> lock(cache.mu);
  auto it = cache.measured.find(std::make_pair(device, std::string(key)));
  if (it == cache.measured.end()) return std::nullopt;
  return it->second;
}

absl::Status StoreMeasured(int device, absl::string_view key, absl::string_view value) {
  for (auto [what, token] : {std::pair<const char*, absl::string_view>{"key", key},
                             std::pair<const char*, absl::string_view>{"value", value}}) {
    if (const std::string bad = BadMeasuredToken(token); !bad.empty()) {
      return absl::InvalidArgumentError(absl::StrCat("measured ", what, " '", token, "': ", bad));
    }
  }
  Cache& cache = GetCache();
  std::lock_guard<std::mutex> lock(cache.mu);
  cache.measured[std::make_pair(device, std::string(key))] = std::string(value);
  ++cache.generation;
  return absl::OkStatus();
}

}  // namespace sf::cuda
