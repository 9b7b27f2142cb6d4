// Converters of the neural-network ops: Conv, pools, BatchNormalization, Gemm,
// Softmax, Dropout, Clip, the activations with attributes, Pow.
#include <cmath>

#include "graph/status.h"
#include "importers/onnx/op_converters.h"

namespace sf {
namespace {

// An int-list attribute of exactly `n` values, each >= `min`; absent -> n x `def`.
// Written back explicitly.
absl::Status ListAttr(ConvertContext& ctx, absl::string_view name, size_t n, int64_t min,
                      int64_t def) {
  SF_ASSIGN_OR_RETURN(auto v, IntsAttr(ctx, name));
  std::vector<int64_t> list = v ? std::move(*v) : std::vector<int64_t>(n, def);
  if (list.size() != n) {
    return NodeError(ctx, "attribute '", name, "' has ", list.size(), " values, expected ", n);
  }
  for (int64_t x : list) {
    if (x < min) return NodeError(ctx, "attribute '", name, "' has value ", x, " < ", min);
  }
  ctx.node.attrs.Set(std::string(name), std::move(list));
  return absl::OkStatus();
}

// auto_pad, strides, pads and (when `dilations`) dilations of a window over
// `spatial` dims.
absl::Status WindowAttrs(ConvertContext& ctx, size_t spatial, bool dilations) {
  const bool explicit_pads = ctx.node.attrs.Has("pads");
  SF_ASSIGN_OR_RETURN(std::string auto_pad,
                      EnumAttr(ctx, "auto_pad", "NOTSET", "NOTSET,SAME_UPPER,SAME_LOWER,VALID"));
  if (auto_pad != "NOTSET" && explicit_pads) {
    return NodeError(ctx, "pads and auto_pad ", auto_pad, " cannot both be given");
  }
  SF_RETURN_IF_ERROR(ListAttr(ctx, "strides", spatial, 1, 1));
  SF_RETURN_IF_ERROR(ListAttr(ctx, "pads", 2 * spatial, 0, 0));
  if (dilations) SF_RETURN_IF_ERROR(ListAttr(ctx, "dilations", spatial, 1, 1));
  return absl::OkStatus();
}

}  // namespace

// 2-D convolutions, and 1-D ones (which graph/passes/lift_1d.h runs as 2-D):
// the spatial dims from kernel_shape, else from W's rank where it is known.
absl::Status ConvertConv(ConvertContext& ctx) {
  SF_ASSIGN_OR_RETURN(auto kernel, IntsAttr(ctx, "kernel_shape"));
  size_t spatial = 2;
  if (kernel) {
    spatial = kernel->size();
  } else if (ctx.node.inputs.size() > 1 && ctx.node.inputs[1] != kNoValue) {
    const Value& w = ctx.graph.value(ctx.node.inputs[1]);
    const int64_t rank = w.constant ? w.constant->rank() : w.shape ? w.shape->size() : 4;
    if (rank == 3) spatial = 1;
  }
  if (spatial != 1 && spatial != 2) {
    return NodeError(ctx, "only 1-D and 2-D convolutions are supported, kernel_shape has ", spatial,
                     " values");
  }
  if (kernel) SF_RETURN_IF_ERROR(ListAttr(ctx, "kernel_shape", spatial, 1, 1));
  SF_RETURN_IF_ERROR(WindowAttrs(ctx, spatial, /*dilations=*/true));
  SF_ASSIGN_OR_RETURN(int64_t group, IntAttr(ctx, "group", 1));
  if (group < 1) return NodeError(ctx, "group must be >= 1, got ", group);
  return absl::OkStatus();
}

absl::Status ConvertPool(ConvertContext& ctx) {
  Node& node = ctx.node;
  SF_ASSIGN_OR_RETURN(auto kernel, IntsAttr(ctx, "kernel_shape"));
  if (!kernel || kernel->empty() || kernel->size() > static_cast<size_t>(kMaxRank)) {
    return NodeError(ctx, "kernel_shape is required (1 to ", kMaxRank, " values)");
  }
  const size_t spatial = kernel->size();
  SF_RETURN_IF_ERROR(ListAttr(ctx, "kernel_shape", spatial, 1, 1));
  SF_RETURN_IF_ERROR(FlagAttr(ctx, "ceil_mode", 0).status());
  if (node.op == OpType::kMaxPool) {
    if (node.outputs.size() > 1) return NodeError(ctx, "MaxPool's Indices output is not supported");
    SF_RETURN_IF_ERROR(FlagAttr(ctx, "storage_order", 0).status());
    node.attrs.Erase("storage_order");  // only affects Indices
    return WindowAttrs(ctx, spatial, /*dilations=*/true);
  }
  SF_RETURN_IF_ERROR(FlagAttr(ctx, "count_include_pad", 0).status());
  SF_ASSIGN_OR_RETURN(auto dilations, IntsAttr(ctx, "dilations"));  // opset 19
  for (int64_t d : dilations.value_or(std::vector<int64_t>{})) {
    if (d != 1) return NodeError(ctx, "AveragePool with dilations != 1 is not supported");
  }
  node.attrs.Erase("dilations");
  return WindowAttrs(ctx, spatial, /*dilations=*/false);
}

absl::Status ConvertBatchNorm(ConvertContext& ctx) {
  if (ctx.node.outputs.size() > 1) {
    return NodeError(ctx, "training outputs (running mean/var) are not supported");
  }
  SF_ASSIGN_OR_RETURN(int64_t training, FlagAttr(ctx, "training_mode", 0));
  if (training != 0) return NodeError(ctx, "training_mode=1 is not supported");
  ctx.node.attrs.Erase("training_mode");
  ctx.node.attrs.Erase("momentum");  // only used in training
  SF_ASSIGN_OR_RETURN(float epsilon, FloatAttr(ctx, "epsilon", 1e-5f));
  if (epsilon < 0) return NodeError(ctx, "epsilon must be >= 0, got ", epsilon);
  return absl::OkStatus();
}

absl::Status ConvertGemm(ConvertContext& ctx) {
  SF_RETURN_IF_ERROR(FloatAttr(ctx, "alpha", 1.0f).status());
  SF_RETURN_IF_ERROR(FloatAttr(ctx, "beta", 1.0f).status());
  SF_RETURN_IF_ERROR(FlagAttr(ctx, "transA", 0).status());
  return FlagAttr(ctx, "transB", 0).status();
}

absl::Status ConvertSoftmax(ConvertContext& ctx) {
  const bool coerce_2d = ctx.opset < 13;
  SF_RETURN_IF_ERROR(IntAttr(ctx, "axis", coerce_2d ? 1 : -1).status());
  ctx.node.attrs.Set("coerce_2d", int64_t{coerce_2d ? 1 : 0});
  return absl::OkStatus();
}

absl::Status ConvertDropout(ConvertContext& ctx) {
  Node& node = ctx.node;
  node.attrs.Erase("seed");  // inference only
  if (ctx.opset < 12) {
    if (node.inputs.size() > 1) {
      return NodeError(ctx, "at opset ", ctx.opset, " ratio is an attribute, not an input");
    }
    if (node.attrs.Has("ratio")) {
      SF_ASSIGN_OR_RETURN(float ratio, FloatAttr(ctx, "ratio", 0.5f));
      node.attrs.Erase("ratio");
      node.inputs.push_back(AddConstantInput(ctx, "ratio", Tensor::Scalar(ratio)));
    }
    return absl::OkStatus();
  }
  if (node.attrs.Has("ratio")) {
    return NodeError(ctx, "at opset ", ctx.opset, " ratio is an input, not an attribute");
  }
  if (node.inputs.size() == 3 && node.inputs[2] != kNoValue) {
    const auto& mode = ctx.graph.value(node.inputs[2]).constant;
    if (mode && mode->dtype() == DataType::kBool && mode->num_elements() == 1 &&
        mode->data<bool>()[0]) {
      return NodeError(ctx, "training_mode=true is not supported");
    }
  }
  return absl::OkStatus();
}

absl::Status ConvertClip(ConvertContext& ctx) {
  Node& node = ctx.node;
  if (!node.attrs.Has("min") && !node.attrs.Has("max")) return absl::OkStatus();
  if (node.inputs.size() > 1) {
    return NodeError(ctx, "min/max are given both as attributes and as inputs");
  }
  node.inputs.resize(3, kNoValue);
  for (int i : {1, 2}) {
    const char* name = i == 1 ? "min" : "max";
    if (!node.attrs.Has(name)) continue;
    SF_ASSIGN_OR_RETURN(float bound, FloatAttr(ctx, name, 0.0f));
    node.attrs.Erase(name);
    node.inputs[i] = AddConstantInput(ctx, name, Tensor::Scalar(bound));
  }
  while (node.inputs.back() == kNoValue) node.inputs.pop_back();
  return absl::OkStatus();
}

absl::Status ConvertActivation(ConvertContext& ctx) {
  switch (ctx.node.op) {
    case OpType::kLeakyRelu:
      return FloatAttr(ctx, "alpha", 0.01f).status();
    case OpType::kElu:
      return FloatAttr(ctx, "alpha", 1.0f).status();
    case OpType::kHardSigmoid:
      SF_RETURN_IF_ERROR(FloatAttr(ctx, "alpha", 0.2f).status());
      return FloatAttr(ctx, "beta", 0.5f).status();
    default:
      return NodeError(ctx, "not an activation with attributes");
  }
}

absl::Status ConvertLayerNorm(ConvertContext& ctx) {
  if (ctx.opset < 17) {
    return NodeError(ctx, "LayerNormalization is an opset-17 op, the model imports opset ",
                     ctx.opset);
  }
  if (ctx.node.outputs.size() > 1) {
    return NodeError(ctx, "the Mean and InvStdDev outputs are not supported (Y only)");
  }
  SF_RETURN_IF_ERROR(IntAttr(ctx, "axis", -1).status());
  SF_ASSIGN_OR_RETURN(float epsilon, FloatAttr(ctx, "epsilon", 1e-5f));
  if (!(epsilon >= 0.0f)) return NodeError(ctx, "epsilon must be >= 0, got ", epsilon);
  SF_ASSIGN_OR_RETURN(int64_t stash, IntAttr(ctx, "stash_type", 1));
  if (stash != 1) return NodeError(ctx, "stash_type ", stash, " is not supported (1: float32)");
  ctx.node.attrs.Erase("stash_type");
  return absl::OkStatus();
}

absl::Status ConvertPow(ConvertContext& ctx) {
  const Value& exponent = ctx.graph.value(ctx.node.inputs[1]);
  if (!exponent.constant) return absl::OkStatus();
  const Tensor& e = *exponent.constant;
  const DataType type = e.dtype();
  if (type == DataType::kFloat32 || type == DataType::kFloat16) return absl::OkStatus();
  SF_ASSIGN_OR_RETURN(Tensor f, Tensor::Create(DataType::kFloat32, e.dims(), ctx.node.name));
  for (int64_t i = 0; i < e.num_elements(); ++i) {
    double v = 0;
    switch (type) {
      case DataType::kFloat64:
        v = e.data<double>()[i];
        break;
      case DataType::kInt64:
        v = static_cast<double>(e.data<int64_t>()[i]);
        break;
      case DataType::kInt32:
        v = e.data<int32_t>()[i];
        break;
      case DataType::kInt8:
        v = e.data<int8_t>()[i];
        break;
      case DataType::kUInt8:
        v = e.data<uint8_t>()[i];
        break;
      default:
        return NodeError(ctx, "exponent of type ", ToString(type), " is not supported");
    }
    if (type != DataType::kFloat64 && std::abs(v) > 16777216.0) {
      return NodeError(ctx, "integer exponent ", v, " is not exact in float32 (|e| <= 2^24)");
    }
    f.data<float>()[i] = static_cast<float>(v);
  }
  ctx.node.inputs[1] = AddConstantInput(ctx, "exponent", std::move(f));
  return absl::OkStatus();
}

}  // namespace sf
