#include "graph/dtype.h"

namespace sf {

absl::string_view ToString(DataType t) {
  switch (t) {
#define SF_DTYPE(e, code, ctype, name, size) \
  case DataType::e:                          \
    return name;
#include "graph/dtype.def"
#undef SF_DTYPE
    case DataType::kUndefined:
      break;
  }
  return "undefined";
}

size_t SizeOf(DataType t) {
  switch (t) {
#define SF_DTYPE(e, code, ctype, name, size) \
  case DataType::e:                          \
    return size;
#include "graph/dtype.def"
#undef SF_DTYPE
    case DataType::kUndefined:
      break;
  }
  return 0;
}

std::optional<DataType> DataTypeFromOnnx(int32_t onnx_code) {
  switch (onnx_code) {
#define SF_DTYPE(e, code, ctype, name, size) \
  case code:                                 \
    return DataType::e;
#include "graph/dtype.def"
#undef SF_DTYPE
    default:
      return std::nullopt;
  }
}

int32_t ToOnnx(DataType t) {
  switch (t) {
#define SF_DTYPE(e, code, ctype, name, size) \
  case DataType::e:                          \
    return code;
#include "graph/dtype.def"
#undef SF_DTYPE
    case DataType::kUndefined:
      break;
  }
  return 0;
}

bool IsFloating(DataType t) {
  return t == DataType::kFloat32 || t == DataType::kFloat64 || t == DataType::kFloat16;
}

}  // namespace sf
