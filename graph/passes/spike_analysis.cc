#include "graph/passes/spike_analysis.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <span>

#include "graph/float16.h"

namespace sf {
namespace {

constexpr ValueClass kDense = ValueClass::kDense;
constexpr ValueClass kZeroPreserving = ValueClass::kZeroPreserving;
constexpr ValueClass kBinary = ValueClass::kBinary;

bool NonDense(ValueClass c) { return c != kDense; }

// What a rule decides for a node's first output.
struct Outcome {
  ValueClass cls = kDense;
  bool spike_source = false;  // the node itself emits spikes
};

// Read-only view a rule works on: the graph, the node and the classes so far.
struct Context {
  const Graph& graph;
  const Node& node;
  const std::vector<ValueClass>& classes;

  int num_inputs() const { return static_cast<int>(node.inputs.size()); }
  bool has_input(int i) const {
    return i < num_inputs() && node.inputs[i] >= 0 && node.inputs[i] < graph.num_values();
  }
  ValueClass input_class(int i) const {
    return has_input(i) ? classes[node.inputs[i]] : kDense;
  }
  const Value* input_value(int i) const {
    return has_input(i) ? &graph.value(node.inputs[i]) : nullptr;
  }
};

template <typename T>
std::vector<double> ToDoubles(const Tensor& t) {
  std::span<const T> in = t.span<T>();
  return std::vector<double>(in.begin(), in.end());
}

// The elements of a constant value as doubles (all exact); nullopt when `v`
// is not a constant.
std::optional<std::vector<double>> ConstantValues(const Value* v) {
  if (v == nullptr || !v->constant) return std::nullopt;
  const Tensor& t = *v->constant;
  switch (t.dtype()) {
    case DataType::kFloat32: return ToDoubles<float>(t);
    case DataType::kFloat16: {
      std::vector<double> out;
      for (uint16_t h : t.span<uint16_t>()) out.push_back(HalfToFloat(h));
      return out;
    }
    case DataType::kFloat64: return ToDoubles<double>(t);
    case DataType::kInt64: return ToDoubles<int64_t>(t);
    case DataType::kInt32: return ToDoubles<int32_t>(t);
    case DataType::kInt8: return ToDoubles<int8_t>(t);
    case DataType::kUInt8: return ToDoubles<uint8_t>(t);
    case DataType::kBool: return ToDoubles<bool>(t);
    default: return std::nullopt;
  }
}

bool AllOf(const std::optional<std::vector<double>>& values, bool (*pred)(double)) {
  return values && std::all_of(values->begin(), values->end(), pred);
}
bool IsZero(double x) { return x == 0.0; }
bool IsFiniteNonZero(double x) { return x != 0.0 && std::isfinite(x); }
bool IsFinite(double x) { return std::isfinite(x); }

// A scalar constant bound (Clip's min/max); `def` when the input is omitted,
// nullopt when it is present but not a constant scalar.
std::optional<double> ScalarBound(const Context& c, int i, double def) {
  if (!c.has_input(i)) return def;
  auto values = ConstantValues(c.input_value(i));
  if (!values || values->size() != 1) return std::nullopt;
  return (*values)[0];
}

bool IsBoolComparison(OpType op) {
  return op == OpType::kGreater || op == OpType::kGreaterOrEqual || op == OpType::kLess ||
         op == OpType::kLessOrEqual || op == OpType::kEqual || op == OpType::kNot;
}

// ---- Rules, one per op family. ----

Outcome Neuron(const Context&) { return {kBinary, true}; }

// Values of a boolean tensor cast to any type are 0 or 1: a spike source.
// Other casts keep the class (zeros cast to zeros).
Outcome Cast(const Context& c) {
  const Value* in = c.input_value(0);
  if (in == nullptr) return {};
  bool is_bool = in->dtype == DataType::kBool ||
                 (in->producer >= 0 && IsBoolComparison(c.graph.node(in->producer).op));
  if (is_bool) return {kBinary, true};
  return {c.input_class(0)};
}

// Data movement: every output element is some input element (or, for Gather
// on a spatial axis, still some input element), so the class carries over.
Outcome PassThrough(const Context& c) { return {c.input_class(0)}; }

// Zeros stay zero and values only get smaller or larger: binary stays binary,
// zero_preserving stays zero_preserving.
Outcome Relu(const Context& c) { return {c.input_class(0)}; }

// MaxPool pads with -inf, so the max of a window of spikes is 0 or 1. A
// zero_preserving input may hold negative values, whose max with a zero is not
// zero: without a non-negativity proof it is dense (conservative).
Outcome MaxPool(const Context& c) {
  return {c.input_class(0) == kBinary ? kBinary : kDense};
}

Outcome Averaging(const Context& c) {
  return {NonDense(c.input_class(0)) ? kZeroPreserving : kDense};
}

// Add/Sum: all operands non-dense -> zero_preserving. An all-zero constant
// operand is ignored (x + 0 keeps the class of x); any other constant (a bias)
// makes the result dense.
Outcome Sum(const Context& c) {
  std::vector<ValueClass> operands;
  for (int i = 0; i < c.num_inputs(); ++i) {
    if (AllOf(ConstantValues(c.input_value(i)), IsZero)) continue;
    operands.push_back(c.input_class(i));
  }
  if (operands.empty() || !std::all_of(operands.begin(), operands.end(), NonDense)) return {};
  return {operands.size() == 1 ? operands[0] : kZeroPreserving};
}

// Mul by a finite constant, or of two non-dense operands, keeps zeros; the
// product of two spike maps is a spike map.
Outcome Mul(const Context& c) {
  if (c.num_inputs() != 2) return {};
  ValueClass a = c.input_class(0), b = c.input_class(1);
  if (a == kBinary && b == kBinary) return {kBinary};
  if (NonDense(a) && NonDense(b)) return {kZeroPreserving};
  if (NonDense(a) && AllOf(ConstantValues(c.input_value(1)), IsFinite)) return {kZeroPreserving};
  if (NonDense(b) && AllOf(ConstantValues(c.input_value(0)), IsFinite)) return {kZeroPreserving};
  return {};
}

Outcome Div(const Context& c) {
  if (NonDense(c.input_class(0)) && AllOf(ConstantValues(c.input_value(1)), IsFiniteNonZero)) {
    return {kZeroPreserving};
  }
  return {};
}

// Pad in constant mode with 0 (inputs: data, pads, [constant_value], [axes]).
Outcome Pad(const Context& c) {
  auto mode = c.node.attrs.GetStringOr("mode", "constant");
  if (!mode.ok() || *mode != "constant" || !NonDense(c.input_class(0))) return {};
  if (c.has_input(2) && !AllOf(ConstantValues(c.input_value(2)), IsZero)) return {};
  return {kZeroPreserving};
}

// Clip(x, [min], [max]) keeps zeros when min <= 0 <= max, and keeps spikes
// binary when also max >= 1.
Outcome Clip(const Context& c) {
  ValueClass in = c.input_class(0);
  std::optional<double> lo = ScalarBound(c, 1, -std::numeric_limits<double>::infinity());
  std::optional<double> hi = ScalarBound(c, 2, std::numeric_limits<double>::infinity());
  if (!NonDense(in) || !lo || !hi || *lo > 0.0 || *hi < 0.0) return {};
  return {in == kBinary && *hi >= 1.0 ? kBinary : kZeroPreserving};
}

// Concat: all binary -> binary; any dense -> dense; else zero_preserving.
Outcome Concat(const Context& c) {
  if (c.num_inputs() == 0) return {};
  ValueClass out = kBinary;
  for (int i = 0; i < c.num_inputs(); ++i) {
    ValueClass in = c.input_class(i);
    if (in == kDense) return {};
    if (in == kZeroPreserving) out = kZeroPreserving;
  }
  return {out};
}

using Rule = Outcome (*)(const Context&);

struct RuleEntry {
  OpType op;
  Rule rule;
};

// Ops not listed produce dense values (BatchNormalization, Conv, Gemm, Sub, ...).
constexpr RuleEntry kRules[] = {
    {OpType::kIF, Neuron},
    {OpType::kLIF, Neuron},
    {OpType::kPLIF, Neuron},
    {OpType::kCast, Cast},
    {OpType::kReshape, PassThrough},
    {OpType::kFlatten, PassThrough},
    {OpType::kIdentity, PassThrough},
    {OpType::kDropout, PassThrough},
    {OpType::kTranspose, PassThrough},
    {OpType::kSqueeze, PassThrough},
    {OpType::kUnsqueeze, PassThrough},
    {OpType::kSlice, PassThrough},
    {OpType::kSplit, PassThrough},
    {OpType::kGather, PassThrough},
    {OpType::kExpand, PassThrough},
    {OpType::kRelu, Relu},
    {OpType::kMaxPool, MaxPool},
    {OpType::kAveragePool, Averaging},
    {OpType::kGlobalAveragePool, Averaging},
    {OpType::kAdd, Sum},
    {OpType::kSum, Sum},
    {OpType::kMul, Mul},
    {OpType::kDiv, Div},
    {OpType::kPad, Pad},
    {OpType::kClip, Clip},
    {OpType::kConcat, Concat},
};

const std::array<Rule, kNumOpTypes>& RuleTable() {
  static const std::array<Rule, kNumOpTypes> table = [] {
    std::array<Rule, kNumOpTypes> t{};
    for (const RuleEntry& e : kRules) t[static_cast<int>(e.op)] = e.rule;
    return t;
  }();
  return table;
}

}  // namespace

absl::string_view ToString(ValueClass c) {
  switch (c) {
#define SF_VC_CASE(e, name) \
  case ValueClass::e:       \
    return name;
    SF_VALUE_CLASSES(SF_VC_CASE)
#undef SF_VC_CASE
  }
  return "?";
}

SpikeAnalysis AnalyzeSpikes(const Graph& graph) {
  SpikeAnalysis result;
  result.value_class.assign(graph.num_values(), kDense);
  result.spike_sources.assign(graph.num_values(), {});
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const Node& node = graph.node(i);
    if (node.outputs.empty() || node.outputs[0] < 0 || node.outputs[0] >= graph.num_values()) {
      continue;
    }
    if (node.op == OpType::kFusedElementwise) {
      // Classes the fusion pass recorded from the unfused ops; the node
      // itself stands for the spike sources inside it.
      const std::vector<int64_t> classes =
          node.attrs.GetIntsOr("output_classes", {}).value_or(std::vector<int64_t>{});
      for (size_t k = 0; k < node.outputs.size() && k < classes.size(); ++k) {
        const ValueId out = node.outputs[k];
        const bool spiking = classes[k] == static_cast<int64_t>(kZeroPreserving) ||
                             classes[k] == static_cast<int64_t>(kBinary);
        if (out < 0 || out >= graph.num_values() || !spiking) continue;
        result.value_class[out] = static_cast<ValueClass>(classes[k]);
        result.spike_sources[out] = {i};
      }
      continue;
    }
    int op = static_cast<int>(node.op);
    Rule rule = op >= 0 && op < kNumOpTypes ? RuleTable()[op] : nullptr;
    if (rule == nullptr) continue;
    Outcome outcome = rule(Context{graph, node, result.value_class});
    if (outcome.cls == kDense) continue;
    ValueId out = node.outputs[0];
    result.value_class[out] = outcome.cls;
    std::vector<int>& sources = result.spike_sources[out];
    if (outcome.spike_source) {
      sources = {i};
      continue;
    }
    for (ValueId in : node.inputs) {
      if (in < 0 || in >= graph.num_values() || result.value_class[in] == kDense) continue;
      const std::vector<int>& s = result.spike_sources[in];
      sources.insert(sources.end(), s.begin(), s.end());
    }
    std::sort(sources.begin(), sources.end());
    sources.erase(std::unique(sources.begin(), sources.end()), sources.end());
    // Every part of a Split (a pass-through, never a spike source) is as its input.
    for (size_t k = 1; node.op == OpType::kSplit && k < node.outputs.size(); ++k) {
      if (node.outputs[k] >= 0 && node.outputs[k] < graph.num_values()) {
        result.value_class[node.outputs[k]] = outcome.cls;
        result.spike_sources[node.outputs[k]] = sources;
      }
    }
  }
  return result;
}

}  // namespace sf
