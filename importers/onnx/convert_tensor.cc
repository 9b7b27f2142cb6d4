// Converters of the tensor and shape ops: Constant, ConstantOfShape, Cast, axis ops,
// Pad, Reshape, Shape, Transpose, Squeeze/Unsqueeze, Reduce*.
#include <algorithm>

#include "graph/status.h"
#include "importers/onnx/op_converters.h"

namespace sf {
namespace {

// A tensor of `dims` holding `values` (sizes checked, no abort on huge lists).
template <typename T>
absl::StatusOr<Tensor> TensorOf(const ConvertContext& ctx, std::vector<int64_t> dims,
                                const std::vector<T>& values) {
  auto t = Tensor::Create(DataTypeOf<T>(), std::move(dims), ctx.node.name);
  if (!t.ok()) return NodeError(ctx, t.status().message());
  std::copy(values.begin(), values.end(), t->template data<T>());
  return t;
}

absl::StatusOr<Tensor> ConstantTensor(const ConvertContext& ctx) {
  const Attrs& a = ctx.node.attrs;
  if (a.map().size() != 1) {
    return NodeError(ctx, "Constant needs exactly one value attribute, got ", a.map().size());
  }
  const auto& [name, value] = *a.map().begin();
  if (const Tensor* t = std::get_if<Tensor>(&value); t && name == "value") return *t;
  if (const float* f = std::get_if<float>(&value); f && name == "value_float") {
    return Tensor::Scalar(*f);
  }
  if (const int64_t* i = std::get_if<int64_t>(&value); i && name == "value_int") {
    return TensorOf<int64_t>(ctx, {}, {*i});
  }
  using Floats = std::vector<float>;
  if (const Floats* f = std::get_if<Floats>(&value); f && name == "value_floats") {
    return TensorOf<float>(ctx, {static_cast<int64_t>(f->size())}, *f);
  }
  using Ints = std::vector<int64_t>;
  if (const Ints* i = std::get_if<Ints>(&value); i && name == "value_ints") {
    return TensorOf<int64_t>(ctx, {static_cast<int64_t>(i->size())}, *i);
  }
  return NodeError(ctx, "Constant attribute '", name, "' (", AttrToString(value),
                   ") is not supported");
}

}  // namespace

absl::Status ConvertConstant(ConvertContext& ctx) {
  SF_ASSIGN_OR_RETURN(Tensor t, ConstantTensor(ctx));
  Value& out = ctx.graph.value(ctx.node.outputs[0]);
  out.dtype = t.dtype();
  out.shape = MakeShape(t.dims());
  out.constant = std::move(t);
  ctx.keep = false;
  return absl::OkStatus();
}

absl::Status ConvertConstantOfShape(ConvertContext& ctx) {
  if (!ctx.node.attrs.Has("value")) {
    ctx.node.attrs.Set("value", Tensor::FromVector<float>({1}, {0.0f}));
    return absl::OkStatus();
  }
  auto value = ctx.node.attrs.GetTensor("value");
  if (!value.ok()) return NodeError(ctx, value.status().message());
  if (value->num_elements() != 1) {
    return NodeError(ctx, "attribute 'value' must hold one element, got ",
                     value->num_elements());
  }
  return absl::OkStatus();
}

absl::Status ConvertCast(ConvertContext& ctx) {
  SF_ASSIGN_OR_RETURN(int64_t to, RequiredIntAttr(ctx, "to"));
  if (to < INT32_MIN || to > INT32_MAX || !DataTypeFromOnnx(static_cast<int32_t>(to))) {
    return NodeError(ctx, "Cast to ONNX data type ", to, " is not supported");
  }
  ctx.node.attrs.Erase("saturate");  // float8 only
  return absl::OkStatus();
}

absl::Status ConvertAxis(ConvertContext& ctx) {
  switch (ctx.node.op) {
    case OpType::kConcat:
      return RequiredIntAttr(ctx, "axis").status();
    case OpType::kFlatten:
      return IntAttr(ctx, "axis", 1).status();
    default:  // Gather
      return IntAttr(ctx, "axis", 0).status();
  }
}

absl::Status ConvertPad(ConvertContext& ctx) {
  if (ctx.opset < 18 && ctx.node.inputs.size() > 3) {
    return NodeError(ctx, "the axes input of Pad needs opset 18, the model imports ", ctx.opset);
  }
  return EnumAttr(ctx, "mode", "constant", "constant,reflect,edge").status();
}

absl::Status ConvertReshape(ConvertContext& ctx) {
  return FlagAttr(ctx, "allowzero", 0).status();
}

absl::Status ConvertShape(ConvertContext& ctx) {
  for (absl::string_view name : {"start", "end"}) {
    if (ctx.node.attrs.Has(name)) SF_RETURN_IF_ERROR(RequiredIntAttr(ctx, name).status());
  }
  return absl::OkStatus();
}

absl::Status ConvertTranspose(ConvertContext& ctx) {
  SF_ASSIGN_OR_RETURN(auto perm, IntsAttr(ctx, "perm"));
  if (!perm) return absl::OkStatus();
  std::vector<int64_t> sorted = *perm;
  std::sort(sorted.begin(), sorted.end());
  for (size_t i = 0; i < sorted.size(); ++i) {
    if (sorted[i] != static_cast<int64_t>(i)) {
      return NodeError(ctx, "perm is not a permutation of 0..", perm->size() - 1);
    }
  }
  return absl::OkStatus();
}

absl::Status ConvertSqueeze(ConvertContext& ctx) {
  return NormalizeAxes(ctx, /*input_since=*/13, /*required=*/false);
}

absl::Status ConvertUnsqueeze(ConvertContext& ctx) {
  return NormalizeAxes(ctx, /*input_since=*/13, /*required=*/true);
}

absl::Status ConvertSplit(ConvertContext& ctx) {
  Node& node = ctx.node;
  for (ValueId out : node.outputs) {
    if (out == kNoValue) return NodeError(ctx, "every output of a Split must be named");
  }
  SF_RETURN_IF_ERROR(IntAttr(ctx, "axis", 0).status());
  if (ctx.opset < 13) {
    if (node.inputs.size() > 1) {
      return NodeError(ctx, "at opset ", ctx.opset, " split is an attribute, not an input");
    }
  } else {
    if (node.attrs.Has("split")) {
      return NodeError(ctx, "at opset ", ctx.opset, " split is an input, not an attribute");
    }
    if (node.inputs.size() > 1 && node.inputs[1] != kNoValue) {
      const Value& v = ctx.graph.value(node.inputs[1]);
      if (!v.constant || v.constant->dtype() != DataType::kInt64) {
        return NodeError(ctx, "split ('", v.name, "') must be a constant int64 tensor");
      }
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> split, v.constant->ToInt64Vector());
      node.attrs.Set("split", std::move(split));
    }
    node.inputs.resize(1);
  }
  if (node.attrs.Has("num_outputs")) {
    if (ctx.opset < 18) return NodeError(ctx, "num_outputs is an opset-18 attribute");
    SF_ASSIGN_OR_RETURN(int64_t n, IntAttr(ctx, "num_outputs", 0));
    if (n != static_cast<int64_t>(node.outputs.size()) || node.attrs.Has("split")) {
      return NodeError(ctx, "num_outputs ", n, " needs ", n, " outputs and no split, got ",
                       node.outputs.size(), " outputs");
    }
    node.attrs.Erase("num_outputs");
    node.attrs.Set("ceil", int64_t{1});
  }
  return absl::OkStatus();
}

absl::Status ConvertReduce(ConvertContext& ctx) {
  const int input_since = ctx.node.op == OpType::kReduceSum ? 13 : 18;
  SF_RETURN_IF_ERROR(NormalizeAxes(ctx, input_since, /*required=*/false));
  SF_RETURN_IF_ERROR(FlagAttr(ctx, "keepdims", 1).status());
  return FlagAttr(ctx, "noop_with_empty_axes", 0).status();
}

}  // namespace sf
