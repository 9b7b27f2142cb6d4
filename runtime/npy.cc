#include "runtime/npy.h"

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstring>
#include <limits>
#include <optional>
#include <span>
#include <utility>
#include <variant>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "graph/status.h"
#include "runtime/file_util.h"

namespace sf {
namespace {

constexpr absl::string_view kMagic = "\x93NUMPY";
// NumPy refuses headers longer than this (numpy.lib.format._MAX_HEADER_SIZE); the
// limit applies to the header dict including its padding.
constexpr int64_t kMaxHeaderLen = 10000;
// Version 1.0 files store the header length in 2 bytes, later versions in 4.
constexpr size_t kV1LenBytes = 2;
constexpr size_t kV2LenBytes = 4;
constexpr size_t kVersionOffset = kMagic.size();
constexpr size_t kLenOffset = kVersionOffset + 2;
// Data starts at a multiple of this in the files we write, as NumPy does.
constexpr size_t kDataAlign = 64;
// The headers we write stay under NumPy's cap (and so fit version 1.0's 2-byte
// length): under 64 bytes of fixed text, at most 22 per dimension, padding under 64.
static_assert(kLenOffset + kV1LenBytes + 64 + 22 * kMaxRank + kDataAlign < kMaxHeaderLen);

constexpr bool kNativeLittleEndian = std::endian::native == std::endian::little;

// The dtypes SparseFlow reads and writes: NumPy kind character + item size.
struct NpyType {
  char kind;
  int size;
  DataType dtype;
};
constexpr NpyType kNpyTypes[] = {
    {'f', 4, DataType::kFloat32}, {'f', 8, DataType::kFloat64},
    {'b', 1, DataType::kBool},    {'i', 8, DataType::kInt64},
    {'i', 4, DataType::kInt32},   {'u', 1, DataType::kUInt8},
    {'i', 1, DataType::kInt8},
};

// A decoded 'descr': the element type and whether the file's bytes need swapping.
struct Descr {
  DataType dtype;
  size_t itemsize;
  bool swap;
};

// Maps a plain dtype string such as "<f4" or "|b1"; anything else is refused, naming it.
absl::StatusOr<Descr> DecodeDescr(absl::string_view descr, absl::string_view what) {
  if (absl::StrContains(descr, 'O')) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": object dtype '", descr, "' refused (pickled data is never loaded)"));
  }
  if (descr.size() >= 2) {
    const char order = descr[0];
    const absl::string_view body = descr.substr(1);
    for (const NpyType& t : kNpyTypes) {
      if (body != absl::StrCat(absl::string_view(&t.kind, 1), t.size)) continue;
      const bool single = t.size == 1;
      if (order == '|' && single) return Descr{t.dtype, 1, false};
      if (order == '=') return Descr{t.dtype, static_cast<size_t>(t.size), false};
      if (order == '<' || order == '>') {
        const bool little = order == '<';
        return Descr{t.dtype, static_cast<size_t>(t.size), !single && little != kNativeLittleEndian};
      }
    }
  }
  return absl::InvalidArgumentError(absl::StrCat(
      what, ": unsupported dtype '", descr, "' (supported: ",
      absl::StrJoin(kNpyTypes, " ",
                    [](std::string* out, const NpyType& t) {
                      absl::StrAppend(out, absl::string_view(&t.kind, 1), t.size);
                    }),
      ", each with an explicit byte order)"));
}

// ---------------------------------------------------------------------------
// Header dict parser: the subset of Python literal syntax NumPy writes, e.g.
//   {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }
// Values are strings, True/False or tuples of integers; anything else is an error.

using HeaderValue = std::variant<std::string, bool, std::vector<int64_t>>;

struct Header {
  Descr descr;
  bool fortran_order;
  std::vector<int64_t> shape;
};

class DictParser {
 public:
  DictParser(absl::string_view text, absl::string_view what) : text_(text), what_(what) {}

  // Parses the whole text as one dict followed only by whitespace; calls `on_entry`
  // for every key/value pair in order.
  template <typename OnEntry>
  absl::Status Parse(OnEntry on_entry) {
    SF_RETURN_IF_ERROR(Expect('{'));
    while (!Consume('}')) {
      SF_ASSIGN_OR_RETURN(std::string key, ParseString());
      SF_RETURN_IF_ERROR(Expect(':'));
      SF_ASSIGN_OR_RETURN(HeaderValue value, ParseValue(key));
      SF_RETURN_IF_ERROR(on_entry(key, std::move(value)));
      if (!Consume(',')) {
        SF_RETURN_IF_ERROR(Expect('}'));
        break;
      }
    }
    SkipSpace();
    if (pos_ != text_.size()) return Error("unexpected text after the header dict");
    return absl::OkStatus();
  }

 private:
  absl::Status Error(absl::string_view message) const {
    return absl::InvalidArgumentError(
        absl::StrCat(what_, ": malformed header at offset ", pos_, ": ", message));
  }
  void SkipSpace() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t' ||
                                   text_[pos_] == '\n' || text_[pos_] == '\r')) {
      ++pos_;
    }
  }
  // Skips whitespace; true (and consumes it) when the next character is `c`.
  bool Consume(char c) {
    SkipSpace();
    if (pos_ < text_.size() && text_[pos_] == c) {
      ++pos_;
      return true;
    }
    return false;
  }
  // Describes the next character for error messages.
  std::string Found() const {
    if (pos_ >= text_.size()) return "found end of header";
    return absl::StrCat("found '", absl::CHexEscape(text_.substr(pos_, 1)), "'");
  }
  absl::Status Expect(char c) {
    if (Consume(c)) return absl::OkStatus();
    return Error(absl::StrCat("expected '", absl::string_view(&c, 1), "', ", Found()));
  }

  // A quoted string without escapes ('descr' values never need them).
  absl::StatusOr<std::string> ParseString() {
    SkipSpace();
    if (pos_ >= text_.size() || (text_[pos_] != '\'' && text_[pos_] != '"')) {
      return Error(absl::StrCat("expected a quoted string, ", Found()));
    }
    const char quote = text_[pos_++];
    const size_t start = pos_;
    while (pos_ < text_.size() && text_[pos_] != quote) {
      const unsigned char c = static_cast<unsigned char>(text_[pos_]);
      if (c == '\\' || c < 0x20 || c >= 0x7f) return Error("unsupported character in string");
      ++pos_;
    }
    if (pos_ >= text_.size()) return Error("unterminated string");
    return std::string(text_.substr(start, pos_++ - start));
  }

  absl::StatusOr<int64_t> ParseInt() {
    SkipSpace();
    const bool negative = pos_ < text_.size() && text_[pos_] == '-';
    if (negative) ++pos_;
    const size_t start = pos_;
    uint64_t magnitude = 0;
    while (pos_ < text_.size() && text_[pos_] >= '0' && text_[pos_] <= '9') {
      magnitude = magnitude * 10 + static_cast<uint64_t>(text_[pos_++] - '0');
      if (magnitude > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return Error("integer out of range");
      }
    }
    if (pos_ == start) return Error(absl::StrCat("expected an integer, ", Found()));
    if (text_[start] == '0' && pos_ - start > 1) return Error("integer with a leading zero");
    // Python 2 wrote long integers with an 'L' suffix; NumPy still reads those files.
    if (pos_ < text_.size() && text_[pos_] == 'L') ++pos_;
    const int64_t value = static_cast<int64_t>(magnitude);
    return negative ? -value : value;
  }

  // "()", "(5,)", "(2, 3)" or "(2, 3,)". "(5)" is not a tuple in Python.
  absl::StatusOr<std::vector<int64_t>> ParseTuple() {
    std::vector<int64_t> items;
    SF_RETURN_IF_ERROR(Expect('('));
    if (Consume(')')) return items;
    while (true) {
      SF_ASSIGN_OR_RETURN(int64_t item, ParseInt());
      items.push_back(item);
      if (!Consume(',')) {
        if (items.size() == 1) return Error("expected ',' (a 1-element tuple needs one)");
        SF_RETURN_IF_ERROR(Expect(')'));
        return items;
      }
      if (Consume(')')) return items;
    }
  }

  absl::StatusOr<HeaderValue> ParseValue(absl::string_view key) {
    SkipSpace();
    const char c = pos_ < text_.size() ? text_[pos_] : '\0';
    if (c == '\'' || c == '"') return ParseString();
    if (c == '(') return ParseTuple();
    for (const auto& [word, value] : {std::pair{"True", true}, std::pair{"False", false}}) {
      const absl::string_view w(word);
      if (text_.substr(pos_, w.size()) == w) {
        pos_ += w.size();
        return HeaderValue(value);
      }
    }
    if (c == '[' || c == '{') {
      return Error(absl::StrCat("unsupported value for key '", key,
                                "' (structured dtypes and nested containers are refused)"));
    }
    return Error(absl::StrCat("unsupported value for key '", key, "', ", Found()));
  }

  absl::string_view text_;
  absl::string_view what_;
  size_t pos_ = 0;
};

// Parses and validates the header dict: exactly the keys descr, fortran_order, shape.
absl::StatusOr<Header> ParseHeader(absl::string_view text, absl::string_view what) {
  std::optional<std::string> descr;
  std::optional<bool> fortran_order;
  std::optional<std::vector<int64_t>> shape;
  auto bad_type = [&](absl::string_view key, absl::string_view expected) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, ": header key '", key, "' must be ", expected));
  };
  auto on_entry = [&](const std::string& key, HeaderValue value) -> absl::Status {
    auto store = [&]<typename T>(std::optional<T>& slot, absl::string_view expected) {
      if (slot.has_value()) {
        return absl::InvalidArgumentError(
            absl::StrCat(what, ": duplicate header key '", key, "'"));
      }
      T* v = std::get_if<T>(&value);
      if (v == nullptr) return bad_type(key, expected);
      slot = std::move(*v);
      return absl::OkStatus();
    };
    if (key == "descr") return store(descr, "a dtype string");
    if (key == "fortran_order") return store(fortran_order, "True or False");
    if (key == "shape") return store(shape, "a tuple of integers");
    return absl::InvalidArgumentError(absl::StrCat(what, ": unknown header key '", key, "'"));
  };
  SF_RETURN_IF_ERROR(DictParser(text, what).Parse(on_entry));
  for (const auto& [present, key] : {std::pair{descr.has_value(), "descr"},
                                     std::pair{fortran_order.has_value(), "fortran_order"},
                                     std::pair{shape.has_value(), "shape"}}) {
    if (!present) {
      return absl::InvalidArgumentError(absl::StrCat(what, ": header key '", key, "' is missing"));
    }
  }
  SF_ASSIGN_OR_RETURN(Descr decoded, DecodeDescr(*descr, what));
  return Header{decoded, *fortran_order, std::move(*shape)};
}

// Copies Fortran-order elements of `src` into C order in `dst`.
void FortranToC(const char* src, char* dst, std::span<const int64_t> dims, size_t itemsize,
                int64_t count) {
  const size_t rank = dims.size();
  std::vector<int64_t> index(rank, 0);
  std::vector<int64_t> fortran_stride(rank);
  int64_t stride = 1;
  for (size_t k = 0; k < rank; ++k) {
    fortran_stride[k] = stride;
    stride *= dims[k];
  }
  int64_t from = 0;
  for (int64_t to = 0; to < count; ++to) {
    std::memcpy(dst + to * itemsize, src + from * itemsize, itemsize);
    for (size_t k = rank; k-- > 0;) {
      if (++index[k] < dims[k]) {
        from += fortran_stride[k];
        break;
      }
      from -= fortran_stride[k] * (dims[k] - 1);
      index[k] = 0;
    }
  }
}

void SwapBytes(char* data, size_t itemsize, int64_t count) {
  for (int64_t i = 0; i < count; ++i) std::reverse(data + i * itemsize, data + (i + 1) * itemsize);
}

absl::Status CheckBoolBytes(const Tensor& t, absl::string_view what) {
  const auto* bytes = static_cast<const uint8_t*>(t.raw_data());
  for (int64_t i = 0; i < t.num_elements(); ++i) {
    if (bytes[i] > 1) {
      return absl::InvalidArgumentError(absl::StrCat(
          what, ": bool element ", i, " has byte value ", static_cast<int>(bytes[i]), " (must be 0 or 1)"));
    }
  }
  return absl::OkStatus();
}

uint32_t ReadLittleEndian(absl::string_view bytes) {
  uint32_t v = 0;
  for (size_t i = bytes.size(); i-- > 0;) v = (v << 8) | static_cast<uint8_t>(bytes[i]);
  return v;
}

std::string ShapeLiteral(std::span<const int64_t> dims) {
  if (dims.size() == 1) return absl::StrCat("(", dims[0], ",)");
  return absl::StrCat("(", absl::StrJoin(dims, ", "), ")");
}

}  // namespace

absl::StatusOr<Tensor> ParseNpy(absl::string_view bytes, absl::string_view what) {
  if (bytes.size() < kMagic.size() || bytes.substr(0, kMagic.size()) != kMagic) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": not a .npy file (bad magic)"));
  }
  if (bytes.size() < kLenOffset) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": truncated preamble"));
  }
  const int major = static_cast<uint8_t>(bytes[kVersionOffset]);
  const int minor = static_cast<uint8_t>(bytes[kVersionOffset + 1]);
  if (major < 1 || major > 3 || minor != 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": unsupported .npy format version ", major, ".", minor, " (supported: 1.0 2.0 3.0)"));
  }
  const size_t len_bytes = major == 1 ? kV1LenBytes : kV2LenBytes;
  const size_t header_start = kLenOffset + len_bytes;
  if (bytes.size() < header_start) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": truncated preamble"));
  }
  const int64_t header_len = ReadLittleEndian(bytes.substr(kLenOffset, len_bytes));
  if (header_len > kMaxHeaderLen) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": header length ", header_len, " exceeds the limit of ", kMaxHeaderLen, " bytes"));
  }
  if (static_cast<int64_t>(bytes.size() - header_start) < header_len) {
    return absl::InvalidArgumentError(absl::StrCat(
        what, ": header of ", header_len, " bytes runs past the end of the file (",
        bytes.size(), " bytes)"));
  }
  SF_ASSIGN_OR_RETURN(Header header, ParseHeader(bytes.substr(header_start, header_len), what));

  SF_ASSIGN_OR_RETURN(int64_t count, CheckedElementCount(header.shape, what));
  const absl::string_view data = bytes.substr(header_start + header_len);
  // count <= kMaxTensorElements and itemsize <= 8, so this cannot overflow.
  const int64_t expected = count * static_cast<int64_t>(header.descr.itemsize);
  const int64_t actual = static_cast<int64_t>(data.size());
  if (actual < expected) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": truncated data: expected ", expected,
                                                   " bytes for shape ", ShapeToString(header.shape),
                                                   ", got ", actual));
  }
  if (actual > expected) {
    return absl::InvalidArgumentError(absl::StrCat(what, ": trailing data: expected ", expected,
                                                   " bytes for shape ", ShapeToString(header.shape),
                                                   ", got ", actual));
  }
  // The allocation is bounded by the input's real size, checked just above.
  SF_ASSIGN_OR_RETURN(Tensor tensor, Tensor::Create(header.descr.dtype, header.shape, what));
  char* out = static_cast<char*>(tensor.raw_data());
  if (header.fortran_order) {
    FortranToC(data.data(), out, header.shape, header.descr.itemsize, count);
  } else if (expected > 0) {
    std::memcpy(out, data.data(), static_cast<size_t>(expected));
  }
  if (header.descr.swap) SwapBytes(out, header.descr.itemsize, count);
  if (header.descr.dtype == DataType::kBool) SF_RETURN_IF_ERROR(CheckBoolBytes(tensor, what));
  return tensor;
}

absl::StatusOr<Tensor> ReadNpy(const std::string& path) {
  SF_ASSIGN_OR_RETURN(
      std::string bytes,
      ReadFileToString(path, kMaxTensorBytes + kMaxHeaderLen + static_cast<int64_t>(kDataAlign)));
  return ParseNpy(bytes, path);
}

absl::StatusOr<std::string> SerializeNpy(const Tensor& tensor) {
  const NpyType* type = nullptr;
  for (const NpyType& t : kNpyTypes) {
    if (t.dtype == tensor.dtype()) type = &t;
  }
  if (type == nullptr) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot write a ", ToString(tensor.dtype()), " tensor as .npy"));
  }
  const char order = type->size == 1 ? '|' : (kNativeLittleEndian ? '<' : '>');
  std::string header = absl::StrCat("{'descr': '", absl::string_view(&order, 1),
                                    absl::string_view(&type->kind, 1), type->size,
                                    "', 'fortran_order': False, 'shape': ",
                                    ShapeLiteral(tensor.dims()), ", }");
  const size_t unpadded = kLenOffset + kV1LenBytes + header.size() + 1;
  header.append((kDataAlign - unpadded % kDataAlign) % kDataAlign, ' ');
  header.push_back('\n');
  std::string out(kMagic);
  out.push_back('\x01');
  out.push_back('\x00');
  out.push_back(static_cast<char>(header.size() & 0xff));
  out.push_back(static_cast<char>(header.size() >> 8));
  out.append(header);
  out.append(static_cast<const char*>(tensor.raw_data()), tensor.nbytes());
  return out;
}

absl::Status WriteNpy(const std::string& path, const Tensor& tensor) {
  SF_ASSIGN_OR_RETURN(std::string bytes, SerializeNpy(tensor));
  return WriteFileAtomically(path, std::move(bytes));
}

}  // namespace sf
