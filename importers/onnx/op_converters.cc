#include "importers/onnx/op_converters.h"

#include <cmath>
#include <iterator>

#include "absl/strings/str_split.h"
#include "graph/status.h"

namespace sf {
namespace {

constexpr absl::string_view kPoolAttrs =
    "auto_pad,ceil_mode,count_include_pad,dilations,kernel_shape,pads,strides";
constexpr absl::string_view kMaxPoolAttrs =
    "auto_pad,ceil_mode,dilations,kernel_shape,pads,storage_order,strides";
constexpr absl::string_view kNeuronAttrs = "steps,v_threshold,v_reset,soft_reset";
constexpr absl::string_view kDecayNeuronAttrs =
    "steps,v_threshold,v_reset,soft_reset,decay_input,tau";
constexpr absl::string_view kPlifAttrs = "steps,v_threshold,v_reset,soft_reset,decay_input,w";
constexpr absl::string_view kReduceAttrs = "axes,keepdims,noop_with_empty_axes";
constexpr absl::string_view kConstantAttrs =
    "value,value_float,value_floats,value_int,value_ints,value_string,value_strings,"
    "sparse_value";

using O = OpType;
// op, inputs min/max, outputs min/max, attributes, converter. Same order as ops.def.
constexpr OpConverter kConverters[] = {
    {O::kAbs, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kAdd, 2, 2, 1, 1, "", ConvertAsIs},
    {O::kAveragePool, 1, 1, 1, 1, kPoolAttrs, ConvertPool},
    {O::kBatchNormalization, 5, 5, 1, 5, "epsilon,momentum,training_mode", ConvertBatchNorm},
    {O::kCast, 1, 1, 1, 1, "to,saturate", ConvertCast},
    {O::kClip, 1, 3, 1, 1, "min,max", ConvertClip},
    {O::kConcat, 1, kVariadic, 1, 1, "axis", ConvertAxis},
    {O::kConstant, 0, 0, 1, 1, kConstantAttrs, ConvertConstant},
    {O::kConstantOfShape, 1, 1, 1, 1, "value", ConvertConstantOfShape},
    {O::kConv, 2, 3, 1, 1, "auto_pad,dilations,group,kernel_shape,pads,strides", ConvertConv},
    {O::kDiv, 2, 2, 1, 1, "", ConvertAsIs},
    {O::kDropout, 1, 3, 1, 2, "ratio,seed", ConvertDropout},
    {O::kEqual, 2, 2, 1, 1, "", ConvertAsIs},
    {O::kExp, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kExpand, 2, 2, 1, 1, "", ConvertAsIs},
    {O::kFlatten, 1, 1, 1, 1, "axis", ConvertAxis},
    {O::kFloor, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kGather, 2, 2, 1, 1, "axis", ConvertAxis},
    {O::kGemm, 2, 3, 1, 1, "alpha,beta,transA,transB", ConvertGemm},
    {O::kGlobalAveragePool, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kGreater, 2, 2, 1, 1, "", ConvertAsIs},
    {O::kGreaterOrEqual, 2, 2, 1, 1, "", ConvertAsIs},
    {O::kIdentity, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kLess, 2, 2, 1, 1, "", ConvertAsIs},
    {O::kLessOrEqual, 2, 2, 1, 1, "", ConvertAsIs},
    {O::kMatMul, 2, 2, 1, 1, "", ConvertAsIs},
    {O::kMax, 1, kVariadic, 1, 1, "", ConvertAsIs},
    {O::kMaxPool, 1, 1, 1, 2, kMaxPoolAttrs, ConvertPool},
    {O::kMin, 1, kVariadic, 1, 1, "", ConvertAsIs},
    {O::kMul, 2, 2, 1, 1, "", ConvertAsIs},
    {O::kNeg, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kNot, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kPad, 2, 4, 1, 1, "mode", ConvertPad},
    {O::kReduceMean, 1, 2, 1, 1, kReduceAttrs, ConvertReduce},
    {O::kReduceSum, 1, 2, 1, 1, kReduceAttrs, ConvertReduce},
    {O::kRelu, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kReshape, 2, 2, 1, 1, "allowzero", ConvertReshape},
    {O::kShape, 1, 1, 1, 1, "end,start", ConvertShape},
    {O::kSigmoid, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kSlice, 3, 5, 1, 1, "", ConvertAsIs},
    {O::kSoftmax, 1, 1, 1, 1, "axis", ConvertSoftmax},
    {O::kSqrt, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kSqueeze, 1, 2, 1, 1, "axes", ConvertSqueeze},
    {O::kSub, 2, 2, 1, 1, "", ConvertAsIs},
    {O::kSum, 1, kVariadic, 1, 1, "", ConvertAsIs},
    {O::kTanh, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kTranspose, 1, 1, 1, 1, "perm", ConvertTranspose},
    {O::kUnsqueeze, 1, 2, 1, 1, "axes", ConvertUnsqueeze},
    {O::kWhere, 3, 3, 1, 1, "", ConvertAsIs},
    {O::kCeil, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kElu, 1, 1, 1, 1, "alpha", ConvertActivation},
    {O::kErf, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kHardSigmoid, 1, 1, 1, 1, "alpha,beta", ConvertActivation},
    {O::kHardSwish, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kLeakyRelu, 1, 1, 1, 1, "alpha", ConvertActivation},
    {O::kLog, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kPow, 2, 2, 1, 1, "", ConvertPow},
    {O::kReciprocal, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kRound, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kSign, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kSoftplus, 1, 1, 1, 1, "", ConvertAsIs},
    {O::kLayerNormalization, 2, 3, 1, 3, "axis,epsilon,stash_type", ConvertLayerNorm},
    {O::kSplit, 1, 2, 1, kVariadic, "axis,split,num_outputs", ConvertSplit},
    {O::kIF, 1, 1, 1, 1, kNeuronAttrs, ConvertNeuron},
    {O::kLIF, 1, 1, 1, 1, kDecayNeuronAttrs, ConvertNeuron},
    {O::kPLIF, 1, 1, 1, 1, kPlifAttrs, ConvertNeuron},
    {O::kFusedElementwise, 0, 0, 0, 0, "", RefuseInternalOp},
};
static_assert(std::size(kConverters) == kNumOpTypes, "one converter per op in ops.def");

constexpr bool TableFollowsOpsDef() {
  for (int i = 0; i < kNumOpTypes; ++i) {
    if (static_cast<int>(kConverters[i].op) != i) return false;
  }
  return true;
}
static_assert(TableFollowsOpsDef(), "kConverters must list ops in ops.def order");

bool Contains(absl::string_view list, absl::string_view name) {
  for (absl::string_view item : absl::StrSplit(list, ',')) {
    if (item == name) return true;
  }
  return false;
}

absl::Status CheckArity(const ConvertContext& ctx, const OpConverter& c) {
  const int in = static_cast<int>(ctx.node.inputs.size());
  const int out = static_cast<int>(ctx.node.outputs.size());
  if (in < c.min_inputs || in > c.max_inputs) {
    return NodeError(ctx, ToString(c.op), " takes ", c.min_inputs,
                     c.max_inputs == c.min_inputs ? ""
                     : c.max_inputs == kVariadic  ? " or more"
                                                  : absl::StrCat(" to ", c.max_inputs),
                     " inputs, got ", in);
  }
  if (out < c.min_outputs || out > c.max_outputs) {
    return NodeError(ctx, ToString(c.op), " has ", c.min_outputs,
                     c.max_outputs == c.min_outputs ? "" : absl::StrCat(" to ", c.max_outputs),
                     " outputs, got ", out);
  }
  for (int i = 0; i < c.min_inputs; ++i) {
    if (ctx.node.inputs[i] == kNoValue) return NodeError(ctx, "required input ", i, " is empty");
  }
  if (ctx.node.outputs[0] == kNoValue) return NodeError(ctx, "output 0 is empty");
  return absl::OkStatus();
}

template <typename T>
absl::StatusOr<T> WithNode(const ConvertContext& ctx, absl::StatusOr<T> v) {
  if (!v.ok()) return NodeError(ctx, v.status().message());
  return v;
}

}  // namespace

const OpConverter& ConverterFor(OpType op) { return kConverters[static_cast<int>(op)]; }

absl::Status ConvertNode(ConvertContext& ctx) {
  const OpConverter& c = ConverterFor(ctx.node.op);
  SF_RETURN_IF_ERROR(CheckArity(ctx, c));
  for (const auto& [name, value] : ctx.node.attrs.map()) {
    if (!Contains(c.attributes, name)) {
      return NodeError(ctx, "unknown attribute '", name, "' for ", ToString(c.op));
    }
  }
  return c.convert(ctx);
}

absl::Status ConvertAsIs(ConvertContext&) { return absl::OkStatus(); }

absl::Status RefuseInternalOp(ConvertContext& ctx) {
  return NodeError(ctx, "op ", ToString(ctx.node.op),
                   " is made by SparseFlow, not read from a model");
}

absl::StatusOr<int64_t> IntAttr(ConvertContext& ctx, absl::string_view name, int64_t def) {
  SF_ASSIGN_OR_RETURN(int64_t v, WithNode(ctx, ctx.node.attrs.GetIntOr(name, def)));
  ctx.node.attrs.Set(std::string(name), v);
  return v;
}

absl::StatusOr<int64_t> FlagAttr(ConvertContext& ctx, absl::string_view name, int64_t def) {
  SF_ASSIGN_OR_RETURN(int64_t v, IntAttr(ctx, name, def));
  if (v != 0 && v != 1) return NodeError(ctx, "attribute '", name, "' must be 0 or 1, got ", v);
  return v;
}

absl::StatusOr<int64_t> RequiredIntAttr(ConvertContext& ctx, absl::string_view name) {
  return WithNode(ctx, ctx.node.attrs.GetInt(name));
}

namespace {
absl::StatusOr<float> WriteFiniteFloat(ConvertContext& ctx, absl::string_view name,
                                       absl::StatusOr<float> v) {
  SF_ASSIGN_OR_RETURN(float f, WithNode(ctx, std::move(v)));
  if (!std::isfinite(f)) {
    return NodeError(ctx, "attribute '", name, "' must be finite, got ", f);
  }
  ctx.node.attrs.Set(std::string(name), f);
  return f;
}
}  // namespace

absl::StatusOr<float> FloatAttr(ConvertContext& ctx, absl::string_view name, float def) {
  return WriteFiniteFloat(ctx, name, ctx.node.attrs.GetFloatOr(name, def));
}

absl::StatusOr<float> RequiredFloatAttr(ConvertContext& ctx, absl::string_view name) {
  return WriteFiniteFloat(ctx, name, ctx.node.attrs.GetFloat(name));
}

absl::StatusOr<std::string> EnumAttr(ConvertContext& ctx, absl::string_view name,
                                     absl::string_view def, absl::string_view allowed) {
  SF_ASSIGN_OR_RETURN(std::string v,
                      WithNode(ctx, ctx.node.attrs.GetStringOr(name, std::string(def))));
  if (!Contains(allowed, v)) {
    return NodeError(ctx, "attribute '", name, "' is \"", v, "\"; supported: ", allowed);
  }
  ctx.node.attrs.Set(std::string(name), v);
  return v;
}

absl::StatusOr<std::optional<std::vector<int64_t>>> IntsAttr(const ConvertContext& ctx,
                                                             absl::string_view name) {
  if (!ctx.node.attrs.Has(name)) return std::optional<std::vector<int64_t>>();
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> v, WithNode(ctx, ctx.node.attrs.GetIntsOr(name, {})));
  return std::optional<std::vector<int64_t>>(std::move(v));
}

ValueId AddConstantInput(ConvertContext& ctx, absl::string_view suffix, Tensor t) {
  std::string name = ctx.graph.UniqueValueName(absl::StrCat(ctx.node.name, "_", suffix));
  return ctx.graph.AddConstant(std::move(name), std::move(t));
}

absl::Status NormalizeAxes(ConvertContext& ctx, int input_since, bool required) {
  Node& node = ctx.node;
  std::vector<int64_t> axes;
  if (ctx.opset < input_since) {
    if (node.inputs.size() > 1) {
      return NodeError(ctx, "at opset ", ctx.opset, " axes are an attribute, not an input");
    }
    SF_ASSIGN_OR_RETURN(auto attr, IntsAttr(ctx, "axes"));
    if (attr) axes = std::move(*attr);
  } else {
    if (node.attrs.Has("axes")) {
      return NodeError(ctx, "at opset ", ctx.opset, " axes are an input, not an attribute");
    }
    if (node.inputs.size() > 1) {
      const Value& v = ctx.graph.value(node.inputs[1]);
      if (!v.constant) {
        return NodeError(ctx, "axes input '", v.name, "' must be a constant");
      }
      SF_ASSIGN_OR_RETURN(axes, WithNode(ctx, v.constant->ToInt64Vector()));
      node.inputs.resize(1);
    }
  }
  node.attrs.Erase("axes");
  if (!axes.empty()) node.attrs.Set("axes", std::move(axes));
  if (required && !node.attrs.Has("axes")) return NodeError(ctx, "axes are required");
  return absl::OkStatus();
}

}  // namespace sf
