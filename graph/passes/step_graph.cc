#include "graph/passes/step_graph.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/status.h"
#include "graph/topo.h"

namespace sf {
namespace {

// How a value relates to time in the all-T graph.
enum class Time {
  kNone,   // no time axis: constants, and everything after the time reduction
  kRows,   // dim 0 is T*N rows, T-major (inputs, neurons, convs, ...)
  kSplit,  // dim 0 is T: the rows regrouped as [T, N, ...] for the time reduction
  kStatic, // dim 0 is N samples, the same at every step (repeated over T later)
};

// A Concat over axis 0 of `steps` copies of one value: how a model repeats a
// static input (an image) over T steps.
bool IsTimeRepeat(const Graph& graph, const Node& node, int64_t steps) {
  if (node.op != OpType::kConcat || static_cast<int64_t>(node.inputs.size()) != steps) {
    return false;
  }
  const ValueId v = node.inputs[0];
  if (v == kNoValue || std::count(node.inputs.begin(), node.inputs.end(), v) != steps) {
    return false;
  }
  const auto axis = node.attrs.GetIntOr("axis", 0);
  const std::optional<Shape>& shape = graph.value(v).shape;
  return axis.ok() && shape && (*axis == 0 || *axis == -static_cast<int64_t>(shape->size()));
}

class StepRewriter {
 public:
  explicit StepRewriter(Graph& graph) : graph_(graph), time_(graph.num_values(), Time::kNone) {}

  absl::Status Run() {
    SF_ASSIGN_OR_RETURN(steps_, StreamingSteps(graph_));
    const std::vector<bool> is_static = StaticInputs(graph_);
    for (size_t i = 0; i < graph_.inputs().size(); ++i) {
      const ValueId v = graph_.inputs()[i];
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> d, Dims(v));
      if (is_static[i]) {
        time_[v] = Time::kStatic;
        continue;
      }
      if (d.empty() || d[0] % steps_ != 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("input '", graph_.value(v).name, "' has shape ", ShapeToString(d),
                         ": streaming needs T-major [T*N, ...] rows with T = ", steps_));
      }
      time_[v] = Time::kRows;
    }
    SF_ASSIGN_OR_RETURN(std::vector<int> order, TopologicalOrder(graph_));
    for (int i : order) SF_RETURN_IF_ERROR(Visit(i));
    for (size_t i = 0; i < graph_.inputs().size(); ++i) {
      if (is_static[i]) continue;
      Shape& s = *graph_.value(graph_.inputs()[i]).shape;
      s[0] = Dim::Known(s[0].value / steps_);
    }
    return absl::OkStatus();
  }

 private:
  absl::StatusOr<std::vector<int64_t>> Dims(ValueId v) const {
    return ConcreteValueDims(graph_.value(v));
  }

  absl::Status Mixes(const Node& node, absl::string_view why) const {
    return absl::UnimplementedError(
        absl::StrCat("Step(): node '", node.name, "' (", ToString(node.op), ") ", why,
                     "; streaming runs ops that treat time steps and samples independently"));
  }

  // The common time class of the node's inputs that have one (kNone if none);
  // an error when they disagree.
  absl::StatusOr<Time> InputTime(const Node& node) const {
    Time t = Time::kNone;
    for (ValueId v : node.inputs) {
      if (v == kNoValue || time_[v] == Time::kNone) continue;
      if (t != Time::kNone && t != time_[v]) return Mixes(node, "combines rows with [T, ...]");
      t = time_[v];
    }
    return t;
  }

  // Only input 0 may carry time (weights, shapes, pads, ... are time-free).
  absl::Status OnlyFirstTimed(const Node& node) const {
    for (size_t i = 1; i < node.inputs.size(); ++i) {
      if (node.inputs[i] != kNoValue && time_[node.inputs[i]] != Time::kNone) {
        return Mixes(node, absl::StrCat("takes time-varying data as input ", i));
      }
    }
    return absl::OkStatus();
  }

  absl::StatusOr<int> Axis(const Node& node, absl::string_view name, int64_t def,
                           size_t rank) const {
    SF_ASSIGN_OR_RETURN(int64_t a, node.attrs.GetIntOr(name, def));
    const int64_t r = static_cast<int64_t>(rank);
    if (a < -r || a >= std::max<int64_t>(r, 1)) {
      return absl::InvalidArgumentError(
          absl::StrCat("node '", node.name, "': ", name, " ", a, " out of range for rank ", r));
    }
    return static_cast<int>(a < 0 ? a + r : a);
  }

  absl::StatusOr<bool> AxesInclude0(const Node& node, size_t rank) const {
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, node.attrs.GetIntsOr("axes", {}));
    if (axes.empty()) return true;  // all axes (Reduce*, Squeeze)
    for (int64_t a : axes) {
      if (a == 0 || a == -static_cast<int64_t>(rank)) return true;
    }
    return false;
  }

  // Whether the op, on a time-carrying input 0, leaves axis 0 alone.
  absl::StatusOr<bool> KeepsAxis0(const Node& node) const {
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> x, Dims(node.inputs[0]));
    switch (node.op) {
      case OpType::kConv: case OpType::kMaxPool: case OpType::kAveragePool:
      case OpType::kGlobalAveragePool: case OpType::kBatchNormalization:
      case OpType::kMatMul:
        return true;
      case OpType::kGemm: {
        SF_ASSIGN_OR_RETURN(int64_t trans_a, node.attrs.GetIntOr("transA", 0));
        if (trans_a != 0) return false;
        if (node.inputs.size() > 2 && node.inputs[2] != kNoValue) {
          SF_ASSIGN_OR_RETURN(std::vector<int64_t> c, Dims(node.inputs[2]));
          if (c.size() == 2 && c[0] != 1) return false;  // a bias per row
        }
        return true;
      }
      case OpType::kFlatten: {
        SF_ASSIGN_OR_RETURN(int axis, Axis(node, "axis", 1, x.size()));
        return axis >= 1;
      }
      case OpType::kSoftmax: {
        SF_ASSIGN_OR_RETURN(int axis, Axis(node, "axis", -1, x.size()));
        return axis != 0;
      }
      case OpType::kGather: {
        SF_ASSIGN_OR_RETURN(int axis, Axis(node, "axis", 0, x.size()));
        return axis != 0;
      }
      case OpType::kConcat: {
        SF_ASSIGN_OR_RETURN(int axis, Axis(node, "axis", 0, x.size()));
        return axis != 0;
      }
      case OpType::kTranspose: {
        SF_ASSIGN_OR_RETURN(std::vector<int64_t> perm, node.attrs.GetIntsOr("perm", {}));
        return !perm.empty() && perm[0] == 0;
      }
      case OpType::kSqueeze: case OpType::kUnsqueeze: case OpType::kReduceMean:
      case OpType::kReduceSum: {
        size_t rank = x.size();
        if (node.op == OpType::kUnsqueeze) {
          SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, Dims(node.outputs[0]));
          rank = y.size();
        }
        SF_ASSIGN_OR_RETURN(bool has0, AxesInclude0(node, rank));
        return !has0;
      }
      case OpType::kSlice: {
        // Inputs: data, starts, ends, axes (default 0..k-1), steps.
        if (node.inputs.size() < 4 || node.inputs[3] == kNoValue) return false;
        const std::optional<Tensor>& axes = graph_.value(node.inputs[3]).constant;
        if (!axes || axes->dtype() != DataType::kInt64) return false;
        for (int64_t i = 0; i < axes->num_elements(); ++i) {
          const int64_t a = axes->data<int64_t>()[i];
          if (a == 0 || a == -static_cast<int64_t>(x.size())) return false;
        }
        return true;
      }
      case OpType::kPad: {
        if (node.inputs.size() < 2 || node.inputs[1] == kNoValue) return false;
        const std::optional<Tensor>& pads = graph_.value(node.inputs[1]).constant;
        const int64_t r = static_cast<int64_t>(x.size());
        if (!pads || pads->dtype() != DataType::kInt64 || pads->num_elements() != 2 * r) {
          return false;  // axes input or runtime pads: not checked, refused
        }
        if (node.inputs.size() > 3 && node.inputs[3] != kNoValue) return false;
        return pads->data<int64_t>()[0] == 0 && pads->data<int64_t>()[r] == 0;
      }
      default:
        return false;
    }
  }

  absl::Status Visit(int index) {
    Node& node = graph_.node(index);
    SF_ASSIGN_OR_RETURN(Time t, InputTime(node));
    if (t == Time::kNone) return absl::OkStatus();  // time-free: outputs stay kNone
    if (t == Time::kStatic && IsTimeRepeat(graph_, node, steps_)) {
      node.inputs.resize(1);  // the step's copy
      return SetOutputs(node, Time::kRows);
    }
    if (IsNeuron(node.op)) {
      if (t != Time::kRows) {
        return Mixes(node, t == Time::kSplit ? "gets [T, ...] rather than T-major rows"
                                             : "gets an input that is not repeated over time");
      }
      node.attrs.Set("steps", int64_t{1});
      node.carries_state = true;
      return SetOutputs(node, Time::kRows);
    }
    if (IsElementwise(node.op)) {
      SF_RETURN_IF_ERROR(CheckBroadcast(node));
      return SetOutputs(node, t);
    }
    if (node.op == OpType::kReshape) return VisitReshape(node, t);
    if ((node.op == OpType::kReduceMean || node.op == OpType::kReduceSum) &&
        t == Time::kSplit) {
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> axes, node.attrs.GetIntsOr("axes", {}));
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> x, Dims(node.inputs[0]));
      const int64_t r = static_cast<int64_t>(x.size());
      if (axes.size() == 1 && (axes[0] == 0 || axes[0] == -r)) {
        node.carries_state = true;
        return SetOutputs(node, Time::kNone);
      }
    }
    if (node.op == OpType::kConcat) {
      for (ValueId v : node.inputs) {
        if (v != kNoValue && time_[v] == Time::kNone) {
          return Mixes(node, "concatenates time-varying data with a constant");
        }
      }
    } else {
      SF_RETURN_IF_ERROR(OnlyFirstTimed(node));
      if (time_[node.inputs[0]] == Time::kNone) return Mixes(node, "gets time-varying weights");
    }
    SF_ASSIGN_OR_RETURN(bool keeps, KeepsAxis0(node));
    if (!keeps) return Mixes(node, "reads across axis 0 (time steps or samples)");
    return SetOutputs(node, t);
  }

  // A time-free operand must not vary along the output's axis 0.
  absl::Status CheckBroadcast(const Node& node) const {
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, Dims(node.outputs[0]));
    for (ValueId v : node.inputs) {
      if (v == kNoValue) continue;
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> d, Dims(v));
      if (d.size() != y.size() || d.empty()) continue;
      if (time_[v] == Time::kNone ? d[0] != 1 : d[0] != y[0]) {
        return Mixes(node, absl::StrCat("broadcasts '", graph_.value(v).name, "' ",
                                        ShapeToString(d), " along axis 0"));
      }
    }
    return absl::OkStatus();
  }

  // Reshape of time-carrying data. Rows stay rows ([T*N, a] -> [T*N, b]: the
  // step graph copies or infers dim 0), time splits off ([T*N, k] -> [T, N, k])
  // or stays split ([T, N, k] -> [T, N*k]: the step graph has 1 there), or
  // splits join back ([T, N, k] -> [T*N, k]: inferred). Anything else regroups
  // rows. With N = 1, [T, ...] and [T*N, ...] look alike: a new axis of 1 after
  // T marks a split.
  absl::Status VisitReshape(Node& node, Time t) {
    SF_RETURN_IF_ERROR(OnlyFirstTimed(node));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> x, Dims(node.inputs[0]));
    SF_ASSIGN_OR_RETURN(std::vector<int64_t> y, Dims(node.outputs[0]));
    const std::optional<Tensor>& shape = graph_.value(node.inputs[1]).constant;
    if (!shape || shape->dtype() != DataType::kInt64 ||
        shape->num_elements() != static_cast<int64_t>(y.size()) || y.empty() || x.empty()) {
      return Mixes(node, "has a shape computed at run time");
    }
    std::vector<int64_t> s(shape->data<int64_t>(), shape->data<int64_t>() + y.size());
    const bool other_minus_one = std::count(s.begin() + 1, s.end(), int64_t{-1}) > 0;
    SF_ASSIGN_OR_RETURN(int64_t allowzero, node.attrs.GetIntOr("allowzero", 0));
    Time out = Time::kNone;
    if (t == Time::kRows && y[0] == steps_ &&
        (x[0] != steps_ || (y.size() == x.size() + 1 && y[1] == 1))) {
      out = Time::kSplit;
      s[0] = 1;
    } else if (t != Time::kSplit && y[0] == x[0]) {  // rows (or samples) stay
      out = t;
      if (s[0] != 0 && s[0] != -1) {
        if (allowzero == 0) {
          s[0] = 0;  // copy the step's row count
        } else if (!other_minus_one) {
          s[0] = -1;
        } else {
          return Mixes(node, "has allowzero and a -1: its row count cannot follow the input");
        }
      }
    } else if (t == Time::kSplit && y[0] == x[0]) {  // [T, ...] stays split
      out = Time::kSplit;
      s[0] = 1;
    } else if (t == Time::kSplit && x.size() >= 2 && y[0] == x[0] * x[1] && !other_minus_one) {
      out = Time::kRows;
      s[0] = -1;
    }
    if (out == Time::kNone) {
      return Mixes(node, absl::StrCat("regroups rows: ", ShapeToString(x), " -> ",
                                      ShapeToString(y)));
    }
    SF_ASSIGN_OR_RETURN(Tensor c, Tensor::Create(DataType::kInt64,
                                                 {static_cast<int64_t>(s.size())},
                                                 graph_.value(node.inputs[1]).name));
    std::copy(s.begin(), s.end(), c.data<int64_t>());
    node.inputs[1] = graph_.AddConstant(graph_.UniqueValueName(node.name + "_step_shape"),
                                        std::move(c));
    time_.resize(graph_.num_values(), Time::kNone);
    return SetOutputs(node, out);
  }

  absl::Status SetOutputs(const Node& node, Time t) {
    for (ValueId v : node.outputs) {
      if (v != kNoValue) time_[v] = t;
    }
    return absl::OkStatus();
  }

  Graph& graph_;
  std::vector<Time> time_;  // per value
  int64_t steps_ = 1;
};

}  // namespace

absl::StatusOr<int64_t> StreamingSteps(const Graph& graph) {
  int64_t steps = 0;
  for (const Node& node : graph.nodes()) {
    if (!IsNeuron(node.op)) continue;
    SF_ASSIGN_OR_RETURN(int64_t s, node.attrs.GetInt("steps"));
    if (steps != 0 && s != steps) {
      return absl::FailedPreconditionError(absl::StrCat(
          "Step(): neurons disagree on steps (", steps, " and ", s, " at node '", node.name,
          "'); streaming needs one clock"));
    }
    steps = s;
  }
  if (steps < 1) {
    return absl::FailedPreconditionError(
        "Step(): the model has no IF/LIF/PLIF neuron (sparseflow custom op) to stream");
  }
  return steps;
}

std::vector<bool> StaticInputs(const Graph& graph) {
  const auto steps = StreamingSteps(graph);
  std::vector<bool> result(graph.inputs().size(), false);
  if (!steps.ok()) return result;
  const std::vector<std::vector<int>> consumers = graph.Consumers();
  for (size_t i = 0; i < graph.inputs().size(); ++i) {
    std::vector<bool> seen(graph.num_values(), false);
    std::vector<ValueId> work = {graph.inputs()[i]};
    seen[work[0]] = true;
    while (!work.empty() && !result[i]) {
      const ValueId v = work.back();
      work.pop_back();
      for (int c : consumers[v]) {
        const Node& node = graph.node(c);
        if (IsTimeRepeat(graph, node, *steps)) {
          result[i] = true;
          break;
        }
        for (ValueId out : node.outputs) {
          if (out != kNoValue && !seen[out]) {
            seen[out] = true;
            work.push_back(out);
          }
        }
      }
    }
  }
  return result;
}

absl::Status MakeStepGraph(Graph& graph) { return StepRewriter(graph).Run(); }

}  // namespace sf
