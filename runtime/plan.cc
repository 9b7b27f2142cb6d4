#include "runtime/plan.h"

#include <algorithm>
#include <optional>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "graph/status.h"

namespace sf {
namespace {

constexpr absl::string_view kSparseKernel = "sparse";
constexpr absl::string_view kDenseKernel = "dense";

// Dims of a value, -1 for an unknown dim; empty when the rank is unknown.
std::vector<int64_t> DimsOf(const Graph& graph, const std::vector<ValueId>& ids) {
  if (ids.empty() || ids[0] < 0 || ids[0] >= graph.num_values()) return {};
  const std::optional<Shape>& shape = graph.value(ids[0]).shape;
  std::vector<int64_t> dims;
  if (!shape) return dims;
  for (const Dim& d : *shape) dims.push_back(d.known() ? d.value : -1);
  return dims;
}

std::string DimsToString(const std::vector<int64_t>& dims) {
  std::vector<std::string> parts;
  for (int64_t d : dims) parts.push_back(d >= 0 ? absl::StrCat(d) : "?");
  return absl::StrCat("[", absl::StrJoin(parts, ","), "]");
}

std::string JsonPair(const std::array<int64_t, 2>& v) {
  return absl::StrCat("[", v[0], ", ", v[1], "]");
}

void FillConvStep(const ConvBlockChoice& choice, SparseMode mode, PlanStep& step) {
  step.h = choice.geometry.h;
  step.w = choice.geometry.w;
  step.kernel_hw = choice.geometry.kernel_hw;
  step.stride = choice.geometry.stride;
  step.block = mode == SparseMode::kOff ? 0 : choice.block;
  step.kernel = std::string(step.block > 0 ? kSparseKernel : kDenseKernel);
}

// Most taps per output (C_in * kh * kw) of a dense conv fused with its neuron
// (the direct kernel's limit, cuda/kernels/direct_conv_neuron.h).
constexpr int64_t kDirectFusionMaxTaps = 64;

// What the fusion passes ask of the graph: each value's readers, and whether
// it is a graph output (which needs its memory, so it is never fused away).
struct FusionView {
  explicit FusionView(const Graph& graph)
      : readers(graph.Consumers()), is_output(graph.num_values(), false) {
    for (ValueId out : graph.outputs()) is_output[out] = true;
  }
  // The node that alone reads `v`, which is no graph output; -1 otherwise.
  int OnlyReader(ValueId v) const {
    return v != kNoValue && !is_output[v] && readers[v].size() == 1 ? readers[v][0] : -1;
  }
  std::vector<std::vector<int>> readers;
  std::vector<bool> is_output;
};

// Whether step `i` takes part in no fusion yet.
bool Unfused(const Plan& plan, int i) {
  const PlanStep& s = plan.steps[i];
  return s.fused_neuron < 0 && s.fused_add < 0 && s.fused_into < 0;
}

// A neuron a fusion may take: no carried state, one input and one output of
// `type`, `steps` dividing the first of `dims`.
bool FusableNeuron(const Graph& graph, const Node& neuron, DataType type,
                   const std::vector<int64_t>& dims) {
  if (!IsNeuron(neuron.op) || neuron.carries_state || neuron.inputs.size() != 1 ||
      neuron.outputs.size() != 1 || neuron.inputs[0] == kNoValue || neuron.outputs[0] == kNoValue ||
      graph.value(neuron.outputs[0]).dtype != type || dims.empty() || dims[0] <= 0) {
    return false;
  }
  absl::StatusOr<int64_t> steps = neuron.attrs.GetInt("steps");
  return steps.ok() && *steps >= 1 && dims[0] % *steps == 0;
}

// PlanStep::fused_neuron / fused_into on convs, per the conditions in plan.h.
void MarkNeuronFusion(const Graph& graph, const PlanOptions& options, const FusionView& view,
                      Plan& plan) {
  if (!options.fuse_neurons || options.sparse == SparseMode::kOff ||
      options.precision != Precision::kFloat16 || !absl::StartsWith(options.device, "cuda")) {
    return;
  }
  for (PlanStep& step : plan.steps) {
    const Node& conv = graph.node(step.node);
    if (step.op != OpType::kConv || step.stride[0] != step.stride[1] || conv.outputs.empty() ||
        conv.inputs.size() < 2 || conv.inputs[0] == kNoValue || conv.inputs[1] == kNoValue) {
      continue;
    }
    if (step.block <= 0) {  // dense: only where the direct kernel may run (few taps)
      const Value& w = graph.value(conv.inputs[1]);
      const std::optional<std::vector<int64_t>> wd =
          w.shape ? ConcreteDims(*w.shape) : std::nullopt;
      if (!wd || wd->size() != 4 || (*wd)[1] * (*wd)[2] * (*wd)[3] > kDirectFusionMaxTaps) continue;
    }
    const ValueId y = conv.outputs[0];
    const int reader = view.OnlyReader(y);
    if (reader < 0 || !Unfused(plan, reader) ||
        graph.value(conv.inputs[0]).dtype != DataType::kFloat16 ||
        graph.value(y).dtype != DataType::kFloat16 ||
        !FusableNeuron(graph, graph.node(reader), DataType::kFloat16, step.output_dims)) {
      continue;
    }
    step.fused_neuron = reader;
    plan.steps[reader].fused_into = step.node;
  }
}

// The dims of an elementwise Add whose two inputs and output share concrete
// dims and one float type (`type`); nullopt for any other node.
std::optional<std::vector<int64_t>> PlainAddDims(const Graph& graph, const Node& add,
                                                 DataType* type) {
  if (add.op != OpType::kAdd || add.inputs.size() != 2 || add.outputs.size() != 1 ||
      add.outputs[0] == kNoValue) {
    return std::nullopt;
  }
  const Value& y = graph.value(add.outputs[0]);
  if (y.dtype != DataType::kFloat32 && y.dtype != DataType::kFloat16) return std::nullopt;
  if (!y.shape) return std::nullopt;
  std::optional<std::vector<int64_t>> dims = ConcreteDims(*y.shape);
  if (!dims) return std::nullopt;
  for (ValueId in : add.inputs) {
    if (in == kNoValue) return std::nullopt;
    const Value& x = graph.value(in);
    if (x.dtype != y.dtype || !x.shape || ConcreteDims(*x.shape) != dims) return std::nullopt;
  }
  *type = y.dtype;
  return dims;
}

// PlanStep::fused_neuron on Adds and fused_add, per the conditions in plan.h.
void MarkAddFusion(const Graph& graph, const PlanOptions& options, const FusionView& view,
                   Plan& plan) {
  if (!options.fuse_neurons || !absl::StartsWith(options.device, "cuda")) return;
  // Add -> neuron.
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const Node& add = graph.node(i);
    DataType type = DataType::kUndefined;
    const std::optional<std::vector<int64_t>> dims = PlainAddDims(graph, add, &type);
    if (!dims) continue;
    const int reader = view.OnlyReader(add.outputs[0]);
    if (reader < 0 || !Unfused(plan, i) || !Unfused(plan, reader) ||
        !FusableNeuron(graph, graph.node(reader), type, *dims)) {
      continue;
    }
    plan.steps[i].fused_neuron = reader;
    plan.steps[reader].fused_into = i;
  }
  // Neuron -> Add, where the Add's other input already exists at the neuron.
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const Node& neuron = graph.node(i);
    if (!IsNeuron(neuron.op) || neuron.outputs.size() != 1) continue;
    const ValueId s = neuron.outputs[0];
    const int a = view.OnlyReader(s);
    if (a < 0) continue;
    const Node& add = graph.node(a);
    DataType type = DataType::kUndefined;
    const std::optional<std::vector<int64_t>> dims = PlainAddDims(graph, add, &type);
    if (!dims || (add.inputs[0] == s) == (add.inputs[1] == s)) continue;  // s once, not twice
    const ValueId other = add.inputs[0] == s ? add.inputs[1] : add.inputs[0];
    if (graph.value(other).producer >= i || !Unfused(plan, i) || !Unfused(plan, a) ||
        !FusableNeuron(graph, neuron, type, *dims)) {
      continue;
    }
    plan.steps[i].fused_add = a;
    plan.steps[a].fused_into = i;
  }
}

// The length of the well-formed UTF-8 sequence at the start of `s` (RFC 3629:
// no overlong forms, no surrogates, nothing above U+10FFFF), or 0.
size_t Utf8SequenceLength(absl::string_view s) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  const unsigned char c = byte(0);
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // the second byte's range
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;
    if (c == 0xed) hi = 0x9f;
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;
    if (c == 0xf4) hi = 0x8f;
  } else {
    return 0;
  }
  if (s.size() < n || byte(1) < lo || byte(1) > hi) return 0;
  for (size_t i = 2; i < n; ++i) {
    if (byte(i) < 0x80 || byte(i) > 0xbf) return 0;
  }
  return n;
}

}  // namespace

std::string JsonString(absl::string_view s) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {  // UTF-8 passes through; a byte that is not becomes U+FFFD
      const size_t n = Utf8SequenceLength(s.substr(i));
      if (n == 0) {
        out += "\\ufffd";
        ++i;
      } else {
        out.append(s.data() + i, n);
        i += n;
      }
      continue;
    }
    ++i;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          absl::StrAppendFormat(&out, "\\u%04x", c);
        } else {
          out += static_cast<char>(c);
        }
    }
  }
  return out + "\"";
}

absl::string_view ToString(SparseMode m) {
  switch (m) {
    case SparseMode::kAuto:
      return "auto";
    case SparseMode::kOn:
      return "on";
    case SparseMode::kOff:
      return "off";
  }
  return "?";
}

absl::string_view ToString(ConvAlgoSearch s) {
  switch (s) {
    case ConvAlgoSearch::kHeuristic:
      return "heuristic";
    case ConvAlgoSearch::kTimed:
      return "timed";
    case ConvAlgoSearch::kTimedGemm:
      return "gemm";
  }
  return "?";
}

absl::string_view ToString(Precision p) {
  switch (p) {
    case Precision::kFloat32:
      return "fp32";
    case Precision::kFloat16:
      return "fp16";
  }
  return "?";
}

absl::StatusOr<Precision> ParsePrecision(absl::string_view text) {
  for (Precision p : {Precision::kFloat32, Precision::kFloat16}) {
    if (text == ToString(p)) return p;
  }
  return absl::InvalidArgumentError(
      absl::StrCat("precision must be fp32 or fp16, not '", text, "'"));
}

absl::string_view ToString(Layout l) {
  switch (l) {
    case Layout::kNCHW:
      return "nchw";
    case Layout::kNHWC:
      return "nhwc";
  }
  return "?";
}

absl::StatusOr<Layout> ParseLayout(absl::string_view text) {
  for (Layout l : {Layout::kNCHW, Layout::kNHWC}) {
    if (text == ToString(l)) return l;
  }
  return absl::InvalidArgumentError(absl::StrCat("layout must be nchw or nhwc, not '", text, "'"));
}

absl::StatusOr<Plan> BuildPlan(const Graph& graph, const PlanOptions& options) {
  SpikeAnalysis spikes = AnalyzeSpikes(graph);
  SF_ASSIGN_OR_RETURN(std::vector<ConvBlockChoice> choices,
                      SelectBlocks(graph, spikes, options.block_rule, options.block_overrides));
  Plan plan;
  plan.model = options.model_name;
  plan.device = options.device;
  plan.sparse_mode = options.sparse;
  plan.precision = options.precision;
  plan.layout = options.layout;
  plan.steps.reserve(graph.num_nodes());
  auto choice = choices.begin();
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const Node& node = graph.node(i);
    PlanStep step;
    step.node = i;
    step.name = node.name;
    step.op = node.op;
    step.kernel = std::string(kDenseKernel);
    step.input_dims = DimsOf(graph, node.inputs);
    step.output_dims = DimsOf(graph, node.outputs);
    if (!node.inputs.empty() && node.inputs[0] >= 0 && node.inputs[0] < graph.num_values()) {
      step.input_class = spikes.value_class[node.inputs[0]];
      for (int source : spikes.spike_sources[node.inputs[0]]) {
        step.spike_sources.push_back(graph.node(source).name);
      }
    }
    if (node.op == OpType::kConv) {
      if (choice->geometry.h < 0 || choice->geometry.w < 0) {
        return absl::InvalidArgumentError(
            absl::StrCat("Conv '", node.name, "': the spatial size of its input is unknown (",
                         DimsToString(step.input_dims), ")"));
      }
      FillConvStep(*choice++, options.sparse, step);
    }
    plan.steps.push_back(std::move(step));
  }
  const FusionView view(graph);
  MarkAddFusion(graph, options, view, plan);
  MarkNeuronFusion(graph, options, view, plan);
  return plan;
}

namespace {

// Whether a step's kernel_detail adds to its kernel: the CPU executor's
// ("cpu dense", "cpu sparse block 16") repeats the plan, and a GPU kernel
// with no choice to report says "cuda".
bool DetailSaysMore(const PlanStep& s) {
  return !s.kernel_detail.empty() && s.kernel_detail != "cuda" &&
         !absl::StartsWith(s.kernel_detail, "cpu ");
}

}  // namespace

std::string PlanToJson(const Plan& plan) {
  std::string out = absl::StrCat(
      "{\n  \"model\": ", JsonString(plan.model), ",\n  \"device\": ", JsonString(plan.device),
      ",\n  \"precision\": ", JsonString(ToString(plan.precision)),
      ",\n  \"layout\": ", JsonString(ToString(plan.layout)),
      ",\n  \"arena_bytes\": ", plan.arena_bytes, ",\n  \"tensor_bytes\": ", plan.tensor_bytes,
      ",\n  \"spike_mask_bytes\": ", plan.spike_mask_bytes,
      ",\n  \"spike_packed_bytes\": ", plan.spike_packed_bytes, ",\n  \"nodes\": [");
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const PlanStep& s = plan.steps[i];
    absl::StrAppend(&out, i == 0 ? "\n" : ",\n", "    {\"name\": ", JsonString(s.name),
                    ", \"op\": ", JsonString(ToString(s.op)),
                    ", \"input_class\": ", JsonString(ToString(s.input_class)));
    if (s.op == OpType::kConv) {
      absl::StrAppend(&out, ", \"H\": ", s.h, ", \"W\": ", s.w,
                      ", \"kernel_hw\": ", JsonPair(s.kernel_hw),
                      ", \"stride\": ", JsonPair(s.stride));
    }
    absl::StrAppend(&out, ", \"block\": ", s.block, ", \"kernel\": ", JsonString(s.kernel));
    if (s.fused_neuron >= 0) {
      absl::StrAppend(&out, ", \"fused_neuron\": ", JsonString(plan.steps[s.fused_neuron].name));
    }
    if (s.fused_add >= 0) {
      absl::StrAppend(&out, ", \"fused_add\": ", JsonString(plan.steps[s.fused_add].name));
    }
    if (s.fused_into >= 0) {
      absl::StrAppend(&out, ", \"fused_into\": ", JsonString(plan.steps[s.fused_into].name));
    }
    std::vector<std::string> sources;
    for (const std::string& name : s.spike_sources) sources.push_back(JsonString(name));
    absl::StrAppend(&out, ", \"spike_sources\": [", absl::StrJoin(sources, ", "), "]");
    // What the executor prepared (Runtime::GetPlan), after the spec's fields.
    if (s.switch_sparse_tiles >= -1) {
      absl::StrAppend(&out,
                      ", \"density_switch\": {\"sparse_up_to_tiles\": ", s.switch_sparse_tiles,
                      ", \"tiles\": ", s.switch_tiles, "}");
    }
    if (DetailSaysMore(s)) {
      absl::StrAppend(&out, ", \"kernel_detail\": ", JsonString(s.kernel_detail));
    }
    absl::StrAppend(&out, "}");
  }
  return absl::StrCat(out, plan.steps.empty() ? "]\n}\n" : "\n  ]\n}\n");
}

std::string PlanToTable(const Plan& plan) {
  using Row = std::vector<std::string>;
  std::vector<Row> rows = {{"name", "op", "class", "shape", "H", "W", "kernel_hw", "stride",
                            "block", "kernel", "spike sources"}};
  for (const PlanStep& s : plan.steps) {
    bool conv = s.op == OpType::kConv;
    const int partner = s.fused_neuron >= 0 ? s.fused_neuron : s.fused_add;  // the step runs both
    auto conv_only = [conv](std::string text) { return conv ? text : std::string("-"); };
    rows.push_back({s.name, std::string(ToString(s.op)), std::string(ToString(s.input_class)),
                    absl::StrCat(DimsToString(s.input_dims), " -> ", DimsToString(s.output_dims)),
                    conv_only(absl::StrCat(s.h)), conv_only(absl::StrCat(s.w)),
                    conv_only(absl::StrCat(s.kernel_hw[0], "x", s.kernel_hw[1])),
                    conv_only(absl::StrCat(s.stride[0], "x", s.stride[1])), absl::StrCat(s.block),
                    partner >= 0        ? absl::StrCat(s.kernel, "+", plan.steps[partner].name)
                    : s.fused_into >= 0 ? absl::StrCat("fused into ", plan.steps[s.fused_into].name)
                                        : s.kernel,
                    s.spike_sources.empty() ? "-" : absl::StrJoin(s.spike_sources, ",")});
  }
  std::vector<size_t> width(rows[0].size(), 0);
  for (const Row& row : rows) {
    for (size_t c = 0; c < row.size(); ++c) width[c] = std::max(width[c], row[c].size());
  }
  std::string out =
      absl::StrCat("plan: model ", plan.model, ", device ", plan.device, ", precision ",
                   ToString(plan.precision), ", layout ", ToString(plan.layout), "\n");
  for (const Row& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c) {
      absl::StrAppend(&line, row[c], std::string(width[c] - row[c].size() + 2, ' '));
    }
    line.erase(line.find_last_not_of(' ') + 1);
    absl::StrAppend(&out, line, "\n");
  }
  // What the executor prepared (Runtime::GetPlan): one line per step that
  // says more than its kernel column.
  std::string details;
  for (const PlanStep& s : plan.steps) {
    if (!DetailSaysMore(s) || s.fused_into >= 0) continue;
    absl::StrAppend(&details, "  ", s.name, ": ", s.kernel_detail, "\n");
  }
  if (!details.empty()) absl::StrAppend(&out, "kernels as prepared:\n", details);
  if (plan.tensor_bytes > 0) {
    absl::StrAppendFormat(
        &out, "memory: arena %d bytes for %d bytes of tensors (%.1f%%)\n", plan.arena_bytes,
        plan.tensor_bytes,
        100.0 * static_cast<double>(plan.arena_bytes) / static_cast<double>(plan.tensor_bytes));
  }
  if (plan.spike_mask_bytes > 0 || plan.spike_packed_bytes > 0) {
    absl::StrAppendFormat(&out,
                          "spike links: %d bytes of tile occupancy masks, %d bytes of bit-packed "
                          "spikes\n",
                          plan.spike_mask_bytes, plan.spike_packed_bytes);
  }
  return out;
}

namespace {

absl::StatusOr<int64_t> ValueBytes(const Graph& graph, ValueId v) {
  if (v == kNoValue) return 0;
  if (v < 0 || v >= graph.num_values()) {
    return absl::InvalidArgumentError(absl::StrCat("value ", v, " is not in the graph"));
  }
  return ConcreteValueBytes(graph.value(v));
}

}  // namespace

absl::StatusOr<StepTraffic> PlanStepTraffic(const Graph& graph, const Plan& plan, size_t step,
                                            bool conv_neuron_ran_fused) {
  if (step >= plan.steps.size()) {
    return absl::InvalidArgumentError(absl::StrCat("the plan has no step ", step));
  }
  auto node_of = [&](int index) -> absl::StatusOr<const Node*> {
    if (index < 0 || static_cast<size_t>(index) >= plan.steps.size() ||
        plan.steps[index].node < 0 || plan.steps[index].node >= graph.num_nodes()) {
      return absl::InvalidArgumentError(
          absl::StrCat("plan step ", step, " refers to a step the graph does not have"));
    }
    return &graph.node(plan.steps[index].node);
  };
  const PlanStep& s = plan.steps[step];
  StepTraffic t;
  if (s.fused_into >= 0) return t;  // its work is the other step's
  SF_ASSIGN_OR_RETURN(const Node* node, node_of(static_cast<int>(step)));
  std::vector<ValueId> reads = node->inputs, writes = node->outputs;
  if (s.fused_neuron >= 0) {
    SF_ASSIGN_OR_RETURN(const Node* neuron, node_of(s.fused_neuron));
    if (node->op == OpType::kConv && !conv_neuron_ran_fused) {
      reads.insert(reads.end(), node->outputs.begin(), node->outputs.end());  // by the neuron
      writes.insert(writes.end(), neuron->outputs.begin(), neuron->outputs.end());
    } else {
      writes = neuron->outputs;
    }
  }
  if (s.fused_add >= 0) {
    SF_ASSIGN_OR_RETURN(const Node* add, node_of(s.fused_add));
    for (ValueId v : add->inputs) {
      if (node->outputs.empty() || v != node->outputs[0]) reads.push_back(v);
    }
    writes = add->outputs;
  }
  for (ValueId v : reads) {
    SF_ASSIGN_OR_RETURN(int64_t bytes, ValueBytes(graph, v));
    t.read_bytes += bytes;
  }
  for (ValueId v : writes) {
    SF_ASSIGN_OR_RETURN(int64_t bytes, ValueBytes(graph, v));
    t.written_bytes += bytes;
  }
  return t;
}

}  // namespace sf
