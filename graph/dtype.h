// Element types of tensors in the IR and at run time.
#ifndef SF_GRAPH_DTYPE_H_
#define SF_GRAPH_DTYPE_H_

#include "absl/strings/string_view.h"
#include <cstddef>
#include <cstdint>
#include <optional>


namespace sf {

enum class DataType : int8_t {
  kUndefined = 0,
#define SF_DTYPE(e, code, ctype, name, size) e,
#include "graph/dtype.def"
#undef SF_DTYPE
};

// "float32", "int64", ... ("undefined" for kUndefined).
absl::string_view ToString(DataType t);
// Bytes per element; 0 for kUndefined.
size_t SizeOf(DataType t);
// Maps an ONNX TensorProto.DataType code; nullopt for codes SparseFlow does not support.
std::optional<DataType> DataTypeFromOnnx(int32_t code);
int32_t ToOnnx(DataType t);
bool IsFloating(DataType t);

template <typename T> constexpr DataType DataTypeOf();
template <> constexpr DataType DataTypeOf<float>() { return DataType::kFloat32; }
template <> constexpr DataType DataTypeOf<double>() { return DataType::kFloat64; }
template <> constexpr DataType DataTypeOf<int64_t>() { return DataType::kInt64; }
template <> constexpr DataType DataTypeOf<int32_t>() { return DataType::kInt32; }
template <> constexpr DataType DataTypeOf<int8_t>() { return DataType::kInt8; }
template <> constexpr DataType DataTypeOf<uint8_t>() { return DataType::kUInt8; }
template <> constexpr DataType DataTypeOf<bool>() { return DataType::kBool; }

}  // namespace sf

#endif  // SF_GRAPH_DTYPE_H_
