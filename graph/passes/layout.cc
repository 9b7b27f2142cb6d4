#include "graph/passes/layout.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "graph/status.h"
#include "graph/topo.h"

namespace sf {
namespace {

enum class Kind { kOther, kAware, kAgnostic };

// Ops that any common layout of their operands works for: the elementwise
// ones and the neurons (each output element from the input elements at the
// same broadcast index), and Concat (its axis is renamed).
bool IsAgnostic(OpType op) { return IsElementwise(op) || IsNeuron(op) || op == OpType::kConcat; }

bool IsRank4(const Graph& graph, ValueId v) {
  return v != kNoValue && graph.value(v).shape && graph.value(v).shape->size() == 4;
}

bool IsConstant(const Graph& graph, ValueId v) {
  return v != kNoValue && graph.value(v).constant.has_value();
}

Kind Classify(const Graph& graph, const Node& node, const NhwcSupport& runs_nhwc) {
  if (IsAgnostic(node.op)) return Kind::kAgnostic;
  const bool spatial_io = !node.inputs.empty() && IsRank4(graph, node.inputs[0]) &&
                          node.outputs.size() == 1 && IsRank4(graph, node.outputs[0]);
  bool aware = false;
  switch (node.op) {
    case OpType::kConv:
      aware = spatial_io && node.inputs.size() >= 2 && IsConstant(graph, node.inputs[1]) &&
              IsRank4(graph, node.inputs[1]);
      break;
    case OpType::kMaxPool:  // one output: no Indices
    case OpType::kAveragePool:
    case OpType::kGlobalAveragePool:
      aware = spatial_io;
      break;
    default:
      break;
  }
  return aware && runs_nhwc(graph, node) ? Kind::kAware : Kind::kOther;
}

Shape PermuteShape(const Shape& s, const std::array<int64_t, 4>& perm) {
  Shape out;
  for (int64_t p : perm) out.push_back(s[p]);
  return out;
}

// `t` (rank <= 4) aligned to rank 4 by leading 1s and permuted to NHWC.
absl::StatusOr<Tensor> ToNhwc(const Tensor& t, const std::string& name) {
  std::vector<int64_t> nchw(4 - t.rank(), 1);
  nchw.insert(nchw.end(), t.dims().begin(), t.dims().end());
  SF_ASSIGN_OR_RETURN(Tensor out, Tensor::Create(t.dtype(), PermuteDims(nchw, kNchwToNhwc), name));
  const size_t size = SizeOf(t.dtype());
  const auto* in = static_cast<const char*>(t.raw_data());
  auto* o = static_cast<char*>(out.raw_data());
  const int64_t c_n = nchw[1], h_n = nchw[2], w_n = nchw[3];
  for (int64_t n = 0; n < nchw[0]; ++n) {
    for (int64_t c = 0; c < c_n; ++c) {
      for (int64_t h = 0; h < h_n; ++h) {
        for (int64_t w = 0; w < w_n; ++w) {
          const int64_t from = ((n * c_n + c) * h_n + h) * w_n + w;
          const int64_t to = ((n * h_n + h) * w_n + w) * c_n + c;
          std::memcpy(o + to * size, in + from * size, size);
        }
      }
    }
  }
  return out;
}

// Tracks, per original value, which value holds its NCHW data and which its
// NHWC data (kNoValue: not made), and adds the Transposes between them.
class LayoutRewriter {
 public:
  explicit LayoutRewriter(Graph& graph)
      : graph_(graph),
        consumers_(graph.Consumers()),
        is_output_(graph.num_values(), false),
        nchw_(graph.num_values()),
        nhwc_(graph.num_values(), kNoValue) {
    for (ValueId v : graph.outputs()) is_output_[v] = true;
    for (ValueId v = 0; v < graph.num_values(); ++v) nchw_[v] = v;
    for (const Node& n : graph.nodes()) node_names_.insert(n.name);
  }

  bool HasNhwc(ValueId v) const { return v != kNoValue && nhwc_[v] != kNoValue; }

  // Whether an agnostic node can run channels-last: see layout.h.
  bool CanPassThrough(const Node& node) const {
    bool any_nhwc = false;
    for (ValueId v : node.inputs) {
      if (v == kNoValue) continue;
      any_nhwc |= HasNhwc(v);
      const bool ok = HasNhwc(v) || IsRank4(graph_, v) ||
                      (IsConstant(graph_, v) && graph_.value(v).constant->rank() <= 4);
      if (!ok) return false;
    }
    for (ValueId v : node.outputs) {
      if (!IsRank4(graph_, v)) return false;
    }
    return any_nhwc;
  }

  // The value holding v's data channels-last (a scalar constant is itself).
  absl::StatusOr<ValueId> ReadNhwc(ValueId v) {
    if (v == kNoValue || HasNhwc(v)) return v == kNoValue ? v : nhwc_[v];
    Value& value = graph_.value(v);
    if (value.constant) {
      if (value.constant->num_elements() == 1) return v;
      const std::string name = graph_.UniqueValueName(absl::StrCat(value.name, ".nhwc"));
      SF_ASSIGN_OR_RETURN(Tensor t, ToNhwc(*value.constant, name));
      if (consumers_[v].size() == 1 && !is_output_[v]) {  // this reader only: in place
        value.shape = MakeShape(t.dims());
        value.constant = std::move(t);
        nhwc_[v] = v;
        nchw_[v] = kNoValue;
      } else {
        nhwc_[v] = graph_.AddConstant(name, std::move(t));
      }
      return nhwc_[v];
    }
    nhwc_[v] = NewValue(v, PermuteShape(*value.shape, kNchwToNhwc), "nhwc");
    AddTranspose(v, nhwc_[v], kNchwToNhwc);
    return nhwc_[v];
  }

  // The value holding v's data NCHW.
  ValueId ReadNchw(ValueId v) {
    if (v == kNoValue || nchw_[v] != kNoValue) return v == kNoValue ? v : nchw_[v];
    const ValueId from = nhwc_[v];
    nchw_[v] = NewValue(from, PermuteShape(*graph_.value(from).shape, kNhwcToNchw), "nchw");
    AddTranspose(from, nchw_[v], kNhwcToNchw);
    return nchw_[v];
  }

  // Output `k` of node `i` is written channels-last.
  void WriteNhwc(int i, int k) {
    const ValueId v = graph_.node(i).outputs[k];
    Shape nhwc = PermuteShape(*graph_.value(v).shape, kNchwToNhwc);
    if (!is_output_[v]) {
      graph_.value(v).shape = std::move(nhwc);
      nhwc_[v] = v;
      nchw_[v] = kNoValue;
      return;
    }
    // The user reads v as NCHW: the node writes "<v>.nhwc", a Transpose makes v.
    const ValueId w = NewValue(v, std::move(nhwc), "nhwc");
    graph_.node(i).outputs[k] = w;
    graph_.value(w).producer = i;
    AddTranspose(w, v, kNhwcToNchw);
    nhwc_[v] = w;
  }

 private:
  ValueId NewValue(ValueId like, Shape shape, absl::string_view suffix) {
    const Value& v = graph_.value(like);
    const std::string name = graph_.UniqueValueName(absl::StrCat(v.name, ".", suffix));
    return graph_.AddValue(name, v.dtype, std::move(shape));
  }

  void AddTranspose(ValueId from, ValueId to, const std::array<int64_t, 4>& perm) {
    std::string name = graph_.value(to).name;
    for (int i = 2; node_names_.contains(name); ++i) {
      name = absl::StrCat(graph_.value(to).name, "_", i);
    }
    node_names_.insert(name);
    Node t{name, OpType::kTranspose, {from}, {to}, {}};
    t.attrs.Set("perm", std::vector<int64_t>(perm.begin(), perm.end()));
    graph_.AddNode(std::move(t));
  }

  Graph& graph_;
  const std::vector<std::vector<int>> consumers_;
  std::vector<bool> is_output_;
  std::vector<ValueId> nchw_, nhwc_;  // per original value
  absl::flat_hash_set<std::string> node_names_;
};

// Concat's axis in the NHWC order of its inputs.
absl::Status RenameConcatAxis(Node& node) {
  SF_ASSIGN_OR_RETURN(int64_t axis, node.attrs.GetIntOr("axis", 1));
  if (axis < -4 || axis > 3) {
    return absl::InvalidArgumentError(
        absl::StrCat("Concat '", node.name, "': axis ", axis, " is out of range for rank 4"));
  }
  if (axis < 0) axis += 4;
  const auto* it = std::find(kNchwToNhwc.begin(), kNchwToNhwc.end(), axis);
  node.attrs.Set("axis", static_cast<int64_t>(it - kNchwToNhwc.begin()));
  return absl::OkStatus();
}

}  // namespace

std::vector<int64_t> PermuteDims(const std::vector<int64_t>& dims,
                                 const std::array<int64_t, 4>& perm) {
  std::vector<int64_t> out;
  for (int64_t p : perm) out.push_back(dims[p]);
  return out;
}

std::vector<int64_t> LogicalDims(const Node& node, std::vector<int64_t> dims) {
  if (!node.channels_last || dims.size() != 4) return dims;
  return PermuteDims(dims, kNhwcToNchw);
}

absl::StatusOr<int> ConvertToNhwc(Graph& graph, const NhwcSupport& runs_nhwc) {
  const int num_nodes = graph.num_nodes();
  std::vector<Kind> kind(num_nodes);
  int aware = 0;
  for (int i = 0; i < num_nodes; ++i) {
    kind[i] = Classify(graph, graph.node(i), runs_nhwc);
    aware += kind[i] == Kind::kAware ? 1 : 0;
  }
  if (aware == 0) return 0;

  LayoutRewriter rw(graph);
  // Topological order: a node's inputs are decided before the node.
  for (int i = 0; i < num_nodes; ++i) {
    const bool nhwc = kind[i] == Kind::kAware ||
                      (kind[i] == Kind::kAgnostic && rw.CanPassThrough(graph.node(i)));
    const int num_inputs = static_cast<int>(graph.node(i).inputs.size());
    for (int k = 0; k < num_inputs; ++k) {
      const ValueId v = graph.node(i).inputs[k];
      // A Conv's bias is per output channel in either layout.
      const bool keep = graph.node(i).op == OpType::kConv && k == 2;
      ValueId read = v;
      if (nhwc && !keep) {
        SF_ASSIGN_OR_RETURN(read, rw.ReadNhwc(v));
      } else if (!nhwc) {
        read = rw.ReadNchw(v);
      }
      graph.node(i).inputs[k] = read;
    }
    if (!nhwc) continue;
    for (int k = 0; k < static_cast<int>(graph.node(i).outputs.size()); ++k) rw.WriteNhwc(i, k);
    graph.node(i).channels_last = kind[i] == Kind::kAware;
    if (graph.node(i).op == OpType::kConcat) SF_RETURN_IF_ERROR(RenameConcatAxis(graph.node(i)));
  }
  SF_RETURN_IF_ERROR(SortTopologically(graph));
  return aware;
}

}  // namespace sf
