#include "importers/onnx/onnx_tensor.h"

#include <cstring>

#include "absl/strings/str_cat.h"
#include "graph/status.h"
#include "importers/onnx/external_data.h"

namespace sf {
namespace {

// Copies a typed repeated field into `t`, converting each element to T.
template <typename T, typename Field>
void CopyTyped(const Field& field, Tensor& t) {
  T* out = t.data<T>();
  for (int i = 0; i < field.size(); ++i) out[i] = static_cast<T>(field.Get(i));
}

struct TypedField {
  const char* name;
  int size;
};

// The typed field ONNX uses for `dtype`.
TypedField ExpectedField(const onnx::TensorProto& p, DataType dtype) {
  switch (dtype) {
    case DataType::kFloat32:
      return {"float_data", p.float_data_size()};
    case DataType::kInt64:
      return {"int64_data", p.int64_data_size()};
    case DataType::kFloat64:
      return {"double_data", p.double_data_size()};
    default:
      return {"int32_data", p.int32_data_size()};
  }
}

void CopyFromTypedField(const onnx::TensorProto& p, Tensor& t) {
  switch (t.dtype()) {
    case DataType::kFloat32:
      return CopyTyped<float>(p.float_data(), t);
    case DataType::kInt64:
      return CopyTyped<int64_t>(p.int64_data(), t);
    case DataType::kFloat64:
      return CopyTyped<double>(p.double_data(), t);
    case DataType::kInt32:
      return CopyTyped<int32_t>(p.int32_data(), t);
    case DataType::kInt8:
      return CopyTyped<int8_t>(p.int32_data(), t);
    case DataType::kUInt8:
      return CopyTyped<uint8_t>(p.int32_data(), t);
    case DataType::kBool:
      return CopyTyped<bool>(p.int32_data(), t);
    case DataType::kFloat16:  // int32_data holds the IEEE half bits
      return CopyTyped<uint16_t>(p.int32_data(), t);
    case DataType::kUndefined:
      return;
  }
}

absl::StatusOr<Tensor> TensorFromInlineData(const onnx::TensorProto& p, DataType dtype,
                                            std::vector<int64_t> dims, int64_t count,
                                            int64_t num_bytes, absl::string_view what) {
  const int sources = (p.has_raw_data() ? 1 : 0) + (p.float_data_size() > 0) +
                      (p.int32_data_size() > 0) + (p.int64_data_size() > 0) +
                      (p.double_data_size() > 0) + (p.uint64_data_size() > 0) +
                      (p.string_data_size() > 0);
  SF_CHECK_ARG(sources <= 1, what, ": data is stored in more than one field");
  if (p.has_raw_data()) {
    SF_CHECK_ARG(static_cast<int64_t>(p.raw_data().size()) == num_bytes, what, ": raw_data has ",
                 p.raw_data().size(), " bytes, but shape ", ShapeToString(dims), " of ",
                 ToString(dtype), " needs ", num_bytes);
    SF_ASSIGN_OR_RETURN(Tensor t, Tensor::Create(dtype, std::move(dims), what));
    if (num_bytes > 0) std::memcpy(t.raw_data(), p.raw_data().data(), p.raw_data().size());
    return t;
  }
  const TypedField field = ExpectedField(p, dtype);
  SF_CHECK_ARG(sources == 0 || field.size > 0, what, ": data of a ", ToString(dtype),
               " tensor must be in raw_data or ", field.name);
  SF_CHECK_ARG(field.size == count, what, ": ", field.name, " has ", field.size,
               " values, but shape ", ShapeToString(dims), " needs ", count);
  SF_ASSIGN_OR_RETURN(Tensor t, Tensor::Create(dtype, std::move(dims), what));
  CopyFromTypedField(p, t);
  return t;
}

}  // namespace

absl::StatusOr<Tensor> TensorFromOnnx(const onnx::TensorProto& proto,
                                      absl::string_view model_dir, absl::string_view what) {
  std::optional<DataType> dtype = DataTypeFromOnnx(proto.data_type());
  SF_CHECK_ARG(dtype.has_value(), what, ": unsupported data type ",
               onnx::TensorProto_DataType_Name(proto.data_type()), " (", proto.data_type(),
               ")");
  SF_CHECK_ARG(!proto.has_segment(), what, ": segmented tensors are not supported");
  std::vector<int64_t> dims(proto.dims().begin(), proto.dims().end());
  SF_ASSIGN_OR_RETURN(int64_t count, CheckedElementCount(dims, what));
  const int64_t num_bytes = count * static_cast<int64_t>(SizeOf(*dtype));
  SF_CHECK_ARG(num_bytes <= kMaxTensorBytes, what, ": shape ", ShapeToString(dims),
               " needs more than the ", kMaxTensorBytes, "-byte tensor limit");
  if (proto.data_location() == onnx::TensorProto::EXTERNAL) {
    return ReadExternalTensor(proto, *dtype, std::move(dims), num_bytes, model_dir, what);
  }
  SF_CHECK_ARG(proto.external_data_size() == 0, what,
               ": has external_data keys but data_location is not EXTERNAL");
  return TensorFromInlineData(proto, *dtype, std::move(dims), count, num_bytes, what);
}

absl::StatusOr<ValueType> ValueTypeFromOnnx(const onnx::ValueInfoProto& info,
                                            absl::string_view what) {
  ValueType out;
  if (!info.has_type()) return out;
  SF_CHECK_ARG(info.type().has_tensor_type(), what, ": only tensor types are supported");
  const onnx::TypeProto::Tensor& tt = info.type().tensor_type();
  if (tt.elem_type() != onnx::TensorProto::UNDEFINED) {
    std::optional<DataType> dtype = DataTypeFromOnnx(tt.elem_type());
    SF_CHECK_ARG(dtype.has_value(), what, ": unsupported element type ",
                 onnx::TensorProto_DataType_Name(tt.elem_type()), " (", tt.elem_type(), ")");
    out.dtype = *dtype;
  }
  if (!tt.has_shape()) return out;
  SF_CHECK_ARG(tt.shape().dim_size() <= kMaxRank, what, ": rank ", tt.shape().dim_size(),
               " exceeds the limit of ", kMaxRank);
  Shape shape;
  for (const onnx::TensorShapeProto::Dimension& d : tt.shape().dim()) {
    if (d.has_dim_value()) {
      SF_CHECK_ARG(d.dim_value() >= 0, what, ": negative dimension ", d.dim_value());
      shape.push_back(Dim::Known(d.dim_value()));
    } else {
      shape.push_back(Dim::Symbolic(d.has_dim_param() ? d.dim_param() : ""));
    }
  }
  out.shape = std::move(shape);
  return out;
}

}  // namespace sf
