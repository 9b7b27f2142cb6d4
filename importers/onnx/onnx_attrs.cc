#include "importers/onnx/onnx_attrs.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status.h"
#include "importers/onnx/onnx_tensor.h"

namespace sf {
namespace {

absl::StatusOr<AttrValue> AttrValueFromOnnx(const onnx::AttributeProto& a,
                                            absl::string_view what,
                                            absl::string_view model_dir) {
  switch (a.type()) {
    case onnx::AttributeProto::INT:
      return AttrValue(static_cast<int64_t>(a.i()));
    case onnx::AttributeProto::FLOAT:
      return AttrValue(a.f());
    case onnx::AttributeProto::STRING:
      return AttrValue(a.s());
    case onnx::AttributeProto::INTS:
      return AttrValue(std::vector<int64_t>(a.ints().begin(), a.ints().end()));
    case onnx::AttributeProto::FLOATS:
      return AttrValue(std::vector<float>(a.floats().begin(), a.floats().end()));
    case onnx::AttributeProto::STRINGS:
      return AttrValue(std::vector<std::string>(a.strings().begin(), a.strings().end()));
    case onnx::AttributeProto::TENSOR: {
      SF_ASSIGN_OR_RETURN(Tensor t, TensorFromOnnx(a.t(), model_dir, what));
      return AttrValue(std::move(t));
    }
    default:
      break;
  }
  const std::string type_name = onnx::AttributeProto_AttributeType_Name(a.type());
  return absl::InvalidArgumentError(absl::StrCat(
      what, ": type ", type_name.empty() ? absl::StrCat(a.type()) : type_name,
      " is not supported"));
}

}  // namespace

absl::StatusOr<Attrs> AttrsFromOnnx(const onnx::NodeProto& node, absl::string_view node_name,
                                    absl::string_view model_dir) {
  Attrs attrs;
  for (const onnx::AttributeProto& a : node.attribute()) {
    SF_CHECK_ARG(!a.name().empty(), "node '", node_name, "': an attribute has no name");
    const std::string what = absl::StrCat("node '", node_name, "': attribute '", a.name(), "'");
    SF_CHECK_ARG(!attrs.Has(a.name()), what, " is given twice");
    SF_CHECK_ARG(a.ref_attr_name().empty(), what,
                 ": references to function attributes are not supported");
    SF_ASSIGN_OR_RETURN(AttrValue v, AttrValueFromOnnx(a, what, model_dir));
    attrs.Set(a.name(), std::move(v));
  }
  return attrs;
}

}  // namespace sf
