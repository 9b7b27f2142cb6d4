#include "runtime/cpu/kernel_util.h"

#include <algorithm>

namespace sf {
namespace {

absl::StatusOr<std::vector<int64_t>> ValueDims(const Graph& graph, const Node& node,
                                               ValueId id, absl::string_view what, int i) {
  if (id == kNoValue || id < 0 || id >= graph.num_values()) {
    return NodeError(node, what, " ", i, " is missing");
  }
  const Value& v = graph.value(id);
  std::optional<std::vector<int64_t>> dims;
  if (v.shape.has_value()) dims = ConcreteDims(*v.shape);
  if (!dims.has_value()) {
    return NodeError(node, what, " '", v.name, "' has no concrete shape (",
                     ShapeToString(v.shape), ")");
  }
  return *dims;
}

}  // namespace

absl::Status CheckArity(const Node& node, int min_inputs, int max_inputs, int min_outputs,
                        int max_outputs) {
  const int ni = static_cast<int>(node.inputs.size());
  const int no = static_cast<int>(node.outputs.size());
  if (ni < min_inputs || ni > max_inputs) {
    return NodeError(node, "expects ", min_inputs, "..", max_inputs, " inputs, got ", ni);
  }
  for (int i = 0; i < min_inputs; ++i) {
    if (node.inputs[i] == kNoValue) return NodeError(node, "input ", i, " is required");
  }
  if (no < min_outputs || no > max_outputs) {
    return NodeError(node, "expects ", min_outputs, "..", max_outputs, " outputs, got ", no);
  }
  return absl::OkStatus();
}

bool HasInput(const Node& node, int i) {
  return i < static_cast<int>(node.inputs.size()) && node.inputs[i] != kNoValue;
}

absl::StatusOr<std::vector<int64_t>> InputDims(const Graph& graph, const Node& node, int i) {
  if (i >= static_cast<int>(node.inputs.size())) return NodeError(node, "input ", i, " is missing");
  return ValueDims(graph, node, node.inputs[i], "input", i);
}

absl::StatusOr<std::vector<int64_t>> OutputDims(const Graph& graph, const Node& node, int i) {
  if (i >= static_cast<int>(node.outputs.size())) {
    return NodeError(node, "output ", i, " is missing");
  }
  return ValueDims(graph, node, node.outputs[i], "output", i);
}

DataType InputType(const Graph& graph, const Node& node, int i) {
  return HasInput(node, i) ? graph.value(node.inputs[i]).dtype : DataType::kUndefined;
}

DataType OutputType(const Graph& graph, const Node& node, int i) {
  return i < static_cast<int>(node.outputs.size()) ? graph.value(node.outputs[i]).dtype
                                                   : DataType::kUndefined;
}

absl::StatusOr<Tensor> ConstantOfShapeValue(const Graph& graph, const Node& node) {
  SF_RETURN_IF_ERROR(CheckArity(node, 1, 1, 1, 1));
  Tensor value = Tensor::Scalar(0.0f);
  if (node.attrs.Has("value")) {
    SF_ASSIGN_OR_RETURN(value, node.attrs.GetTensor("value"));
  }
  if (value.num_elements() != 1) return NodeError(node, "value must have one element");
  if (OutputType(graph, node, 0) != value.dtype()) {
    return NodeError(node, "output type must be ", ToString(value.dtype()));
  }
  SF_RETURN_IF_ERROR(OutputDims(graph, node, 0).status());
  return value;
}

absl::StatusOr<LayerNormGeometry> LayerNormGeometryOf(const Graph& graph, const Node& node) {
  SF_RETURN_IF_ERROR(CheckArity(node, 2, 3, 1, 1));
  for (int i = 0; i < static_cast<int>(node.inputs.size()); ++i) {
    if (HasInput(node, i) && InputType(graph, node, i) != DataType::kFloat32) {
      return NodeError(node, "input ", i, " must be float32");
    }
  }
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> x, InputDims(graph, node, 0));
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, 0));
  if (x != y || x.empty()) return NodeError(node, "Y must have X's shape");
  SF_ASSIGN_OR_RETURN(int64_t axis_attr, node.attrs.GetIntOr("axis", -1));
  SF_ASSIGN_OR_RETURN(int axis, NormalizeAxis(node, axis_attr, static_cast<int64_t>(x.size())));
  LayerNormGeometry g;
  SF_ASSIGN_OR_RETURN(g.epsilon, node.attrs.GetFloatOr("epsilon", 1e-5f));
  g.rows = Product(x, 0, axis);
  g.cols = Product(x, axis, x.size());
  for (int i = 1; i < 3; ++i) {
    if (!HasInput(node, i)) continue;
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> p, InputDims(graph, node, i));
    size_t lead = 0;
    while (lead < p.size() && p[lead] == 1) ++lead;
    const size_t tail = p.size() - lead;
    bool ok = tail <= x.size() - static_cast<size_t>(axis);
    for (size_t k = 0; ok && k < tail; ++k) ok = p[p.size() - 1 - k] == x[x.size() - 1 - k];
    if (!ok) {
      return NodeError(node, i == 1 ? "Scale " : "B ", ShapeToString(p),
                       " must be the trailing dims of the normalised shape ",
                       ShapeToString(std::vector<int64_t>(x.begin() + axis, x.end())),
                       " (leading 1s allowed)");
    }
    g.params[i - 1] = Product(p);
  }
  return g;
}

absl::StatusOr<SplitParts> SplitPartsOf(const Graph& graph, const Node& node) {
  SF_RETURN_IF_ERROR(CheckArity(node, 1, 1, 1, 1 << 20));
  SplitParts p;
  SF_ASSIGN_OR_RETURN(p.x_dims, InputDims(graph, node, 0));
  if (p.x_dims.empty()) return NodeError(node, "input must have rank >= 1");
  SF_ASSIGN_OR_RETURN(int64_t axis_attr, node.attrs.GetIntOr("axis", 0));
  SF_ASSIGN_OR_RETURN(p.axis,
                      NormalizeAxis(node, axis_attr, static_cast<int64_t>(p.x_dims.size())));
  int64_t sum = 0;
  for (int k = 0; k < static_cast<int>(node.outputs.size()); ++k) {
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, OutputDims(graph, node, k));
    std::vector<int64_t> expect = p.x_dims;
    expect[p.axis] = y.size() == p.x_dims.size() ? y[p.axis] : -1;
    if (y != expect || OutputType(graph, node, k) != InputType(graph, node, 0)) {
      return NodeError(node, "output ", k, " ", ShapeToString(y), " is not a part of ",
                       ShapeToString(p.x_dims), " along axis ", p.axis);
    }
    p.sizes.push_back(y[p.axis]);
    sum += y[p.axis];
  }
  if (sum != p.x_dims[p.axis]) {
    return NodeError(node, "the parts add up to ", sum, ", the axis has ", p.x_dims[p.axis]);
  }
  return p;
}

absl::StatusOr<ActivationParams> ActivationParamsOf(const Node& node) {
  ActivationParams p;
  if (node.op == OpType::kLeakyRelu || node.op == OpType::kElu || node.op == OpType::kHardSigmoid) {
    SF_ASSIGN_OR_RETURN(p.alpha, node.attrs.GetFloat("alpha"));
  }
  if (node.op == OpType::kHardSigmoid) {
    SF_ASSIGN_OR_RETURN(p.beta, node.attrs.GetFloat("beta"));
  }
  return p;
}

absl::StatusOr<int> NormalizeAxis(const Node& node, int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    return NodeError(node, "axis ", axis, " is out of range for rank ", rank);
  }
  return static_cast<int>(axis < 0 ? axis + rank : axis);
}

int64_t Product(std::span<const int64_t> dims, size_t begin, size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end; ++i) p *= dims[i];
  return p;
}

absl::Status ResolveAutoPad(const Node& node, absl::string_view auto_pad, int64_t in, int64_t k,
                            int64_t stride, int64_t dil, int64_t* begin, int64_t* end) {
  if (auto_pad == "NOTSET") return absl::OkStatus();
  if (auto_pad == "VALID") {
    *begin = *end = 0;
    return absl::OkStatus();
  }
  if (auto_pad != "SAME_UPPER" && auto_pad != "SAME_LOWER") {
    return NodeError(node, "unknown auto_pad '", auto_pad, "'");
  }
  if (stride < 1) return NodeError(node, "strides must be >= 1");
  const int64_t out = (in + stride - 1) / stride;
  const int64_t total = std::max<int64_t>(0, (out - 1) * stride + (k - 1) * dil + 1 - in);
  *begin = auto_pad == "SAME_UPPER" ? total / 2 : total - total / 2;
  *end = total - *begin;
  return absl::OkStatus();
}

absl::Status ReadIndexValues(const Node& label, const Tensor* t, absl::string_view what,
                             std::span<int64_t> out, int64_t* count) {
  if (t == nullptr) return NodeError(label, what, " is missing");
  if (t->dtype() != DataType::kInt64 && t->dtype() != DataType::kInt32) {
    return NodeError(label, what, " must be int32 or int64");
  }
  if (t->num_elements() > static_cast<int64_t>(out.size())) {
    return NodeError(label, what, " has too many values (", t->num_elements(), ")");
  }
  *count = t->num_elements();
  for (int64_t i = 0; i < *count; ++i) {
    out[i] = t->dtype() == DataType::kInt64 ? t->data<int64_t>()[i] : t->data<int32_t>()[i];
  }
  return absl::OkStatus();
}

absl::Status CheckTensor(const Node& node, const Tensor* t, DataType dtype,
                         std::span<const int64_t> dims, absl::string_view what) {
  if (t == nullptr) return NodeError(node, what, " is missing");
  if (t->dtype() != dtype || t->num_elements() != Product(dims)) {
    return NodeError(node, what, " is ", ToString(t->dtype()), ShapeToString(t->dims()),
                     ", prepared for ", ToString(dtype), ShapeToString(dims));
  }
  return absl::OkStatus();
}

}  // namespace sf
