#include "graph/passes/compose_transposes.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"

namespace sf {
namespace {

// The perm of Transpose `node` (absent: reversed axes), or nullopt when its
// input's rank is unknown or the perm is not a permutation of [0, rank).
std::optional<std::vector<int64_t>> PermOf(const Graph& graph, const Node& node) {
  if (node.op != OpType::kTranspose || node.inputs.size() != 1 || node.outputs.size() != 1 ||
      node.inputs[0] == kNoValue) {
    return std::nullopt;
  }
  const std::optional<Shape>& shape = graph.value(node.inputs[0]).shape;
  if (!shape) return std::nullopt;
  const int64_t rank = static_cast<int64_t>(shape->size());
  absl::StatusOr<std::vector<int64_t>> perm = node.attrs.GetIntsOr("perm", {});
  if (!perm.ok()) return std::nullopt;
  if (!node.attrs.Has("perm")) {
    for (int64_t i = rank - 1; i >= 0; --i) perm->push_back(i);
  }
  if (static_cast<int64_t>(perm->size()) != rank) return std::nullopt;
  std::vector<bool> seen(rank, false);
  for (int64_t p : *perm) {
    if (p < 0 || p >= rank || seen[p]) return std::nullopt;
    seen[p] = true;
  }
  return *std::move(perm);
}

bool IsIdentity(const std::vector<int64_t>& perm) {
  for (size_t i = 0; i < perm.size(); ++i) {
    if (perm[i] != static_cast<int64_t>(i)) return false;
  }
  return true;
}

// Ops that only reinterpret their input's dims (row-major bytes unchanged).
bool IsView(const Node& node) {
  switch (node.op) {
    case OpType::kReshape:
    case OpType::kSqueeze:
    case OpType::kUnsqueeze:
    case OpType::kFlatten:
    case OpType::kIdentity:
      return node.outputs.size() == 1 && !node.inputs.empty() && node.inputs[0] != kNoValue;
    default:
      return false;
  }
}

// The tensor as a list of axes, each a run of "atoms" (factors of the input's
// axes, major to minor; size-1 axes have none). A view regroups the atoms in
// order, splitting one where an axis boundary falls inside it; a Transpose
// permutes the axes. Then the whole chain is the input viewed as its atoms,
// one transpose of the atoms, and a view to the output dims.
class AtomTracker {
 public:
  explicit AtomTracker(const std::vector<int64_t>& dims) {
    for (int64_t d : dims) {
      std::vector<int> axis;
      if (d > 1) axis.push_back(NewAtom(d));
      input_.push_back(axis);
      axes_.push_back(std::move(axis));
    }
  }

  void Permute(const std::vector<int64_t>& perm) {
    std::vector<std::vector<int>> next;
    for (int64_t p : perm) next.push_back(axes_[p]);
    axes_ = std::move(next);
  }

  // Regroups the atoms as `dims`; false when a boundary does not divide an atom.
  bool View(const std::vector<int64_t>& dims) {
    std::vector<int> seq;
    for (const std::vector<int>& axis : axes_) seq.insert(seq.end(), axis.begin(), axis.end());
    std::vector<std::vector<int>> next;
    size_t at = 0;
    for (int64_t d : dims) {
      std::vector<int> axis;
      int64_t rem = d;
      while (rem > 1) {
        if (at >= seq.size()) return false;
        const int a = seq[at];
        const int64_t size = sizes_[a];
        if (rem % size == 0) {
          axis.push_back(a);
          rem /= size;
          ++at;
        } else if (size % rem == 0) {
          const int major = NewAtom(rem), minor = NewAtom(size / rem);
          Split(a, major, minor);
          seq[at] = minor;
          axis.push_back(major);
          rem = 1;
        } else {
          return false;
        }
      }
      next.push_back(std::move(axis));
    }
    if (at != seq.size()) return false;
    axes_ = std::move(next);
    return true;
  }

  // The chain as view(in_dims) -> Transpose(perm) -> view(output), with atoms
  // that stay adjacent merged. perm is empty when no transpose is left.
  void Reduce(std::vector<int64_t>& in_dims, std::vector<int64_t>& perm) const {
    std::vector<int> in, out;
    for (const std::vector<int>& axis : input_) in.insert(in.end(), axis.begin(), axis.end());
    for (const std::vector<int>& axis : axes_) out.insert(out.end(), axis.begin(), axis.end());
    // Runs of output atoms that are consecutive in the input become one axis.
    std::vector<std::vector<int>> runs;
    for (size_t i = 0; i < out.size(); ++i) {
      const auto pos = std::find(in.begin(), in.end(), out[i]) - in.begin();
      if (!runs.empty()) {
        const int last = runs.back().back();
        const auto last_pos = std::find(in.begin(), in.end(), last) - in.begin();
        if (last_pos + 1 == pos) {
          runs.back().push_back(out[i]);
          continue;
        }
      }
      runs.push_back({out[i]});
    }
    // The runs in input order give the input view; their output order the perm.
    std::vector<int> order(runs.size());
    for (size_t i = 0; i < runs.size(); ++i) order[i] = static_cast<int>(i);
    auto first_pos = [&](int r) {
      return std::find(in.begin(), in.end(), runs[r][0]) - in.begin();
    };
    std::sort(order.begin(), order.end(),
              [&](int a, int b) { return first_pos(a) < first_pos(b); });
    in_dims.clear();
    perm.assign(runs.size(), 0);
    for (size_t k = 0; k < order.size(); ++k) {
      int64_t size = 1;
      for (int a : runs[order[k]]) size *= sizes_[a];
      in_dims.push_back(size);
      perm[order[k]] = static_cast<int64_t>(k);
    }
    bool identity = true;
    for (size_t i = 0; i < perm.size(); ++i) identity &= perm[i] == static_cast<int64_t>(i);
    if (identity) perm.clear();
  }

 private:
  int NewAtom(int64_t size) {
    sizes_.push_back(size);
    return static_cast<int>(sizes_.size()) - 1;
  }
  void Split(int a, int major, int minor) {
    for (std::vector<std::vector<int>>* list : {&input_, &axes_}) {
      for (std::vector<int>& axis : *list) {
        auto it = std::find(axis.begin(), axis.end(), a);
        if (it == axis.end()) continue;
        *it = minor;
        axis.insert(it, major);
      }
    }
  }

  std::vector<int64_t> sizes_;
  std::vector<std::vector<int>> input_;  // the input's axes
  std::vector<std::vector<int>> axes_;   // the current value's axes
};

std::optional<std::vector<int64_t>> DimsOf(const Graph& graph, ValueId v) {
  const std::optional<Shape>& s = graph.value(v).shape;
  if (!s) return std::nullopt;
  std::optional<std::vector<int64_t>> dims = ConcreteDims(*s);
  if (!dims) return std::nullopt;
  for (int64_t d : *dims) {
    if (d <= 0) return std::nullopt;  // empty tensors: nothing to gain
  }
  return dims;
}

bool Plain(const Node& node) { return !node.channels_last && !node.carries_state; }

// Rewrites Transpose -> views -> Transpose ending at node `last` as at most a
// view, one Transpose and a view; returns whether it did.
bool ComposeThroughViews(Graph& graph, const std::vector<int>& readers, int last,
                         std::vector<bool>& keep) {
  const Node& t2 = graph.node(last);
  const std::optional<std::vector<int64_t>> p2 = PermOf(graph, t2);
  if (!p2 || !Plain(t2)) return false;
  // Walk back over single-reader views to a Transpose.
  std::vector<int> chain = {last};
  ValueId v = t2.inputs[0];
  while (true) {
    if (readers[v] != 1 || graph.IsOutput(v)) return false;
    const int p = graph.value(v).producer;
    if (p < 0 || !keep[p] || !Plain(graph.node(p))) return false;
    chain.push_back(p);
    if (graph.node(p).op == OpType::kTranspose) break;
    if (!IsView(graph.node(p))) return false;
    v = graph.node(p).inputs[0];
  }
  if (chain.size() < 3) return false;        // no view between: the pair rule's case
  std::reverse(chain.begin(), chain.end());  // T1, views..., T2
  const Node& t1 = graph.node(chain[0]);
  const std::optional<std::vector<int64_t>> p1 = PermOf(graph, t1);
  const ValueId source = t1.inputs[0];
  const std::optional<std::vector<int64_t>> source_dims = DimsOf(graph, source);
  if (!p1 || !source_dims) return false;
  AtomTracker atoms(*source_dims);
  atoms.Permute(*p1);
  for (size_t i = 1; i + 1 < chain.size(); ++i) {
    const std::optional<std::vector<int64_t>> dims = DimsOf(graph, graph.node(chain[i]).outputs[0]);
    if (!dims || !atoms.View(*dims)) return false;
  }
  atoms.Permute(*p2);
  const ValueId out = t2.outputs[0];
  const std::optional<std::vector<int64_t>> out_dims = DimsOf(graph, out);
  if (!out_dims) return false;
  std::vector<int64_t> in_dims, perm;
  atoms.Reduce(in_dims, perm);

  // Slots: T1 (the input view), the first view (the Transpose), T2 (the output
  // view); the other views go. Values: new ones between, T2's output at the end.
  const DataType dtype = graph.value(source).dtype;
  const std::string base = graph.node(chain[0]).name;
  auto shape_constant = [&](const std::vector<int64_t>& dims, absl::string_view suffix) {
    return graph.AddConstant(
        graph.UniqueValueName(absl::StrCat(base, suffix)),
        Tensor::FromVector<int64_t>({static_cast<int64_t>(dims.size())}, dims));
  };
  auto make_view = [&](int slot, ValueId from, ValueId to, const std::vector<int64_t>& dims,
                       absl::string_view suffix) {
    const ValueId shape = shape_constant(dims, suffix);
    Node& n = graph.node(slot);
    n.op = OpType::kReshape;
    n.attrs = Attrs();
    n.inputs = {from, shape};
    n.outputs = {to};
  };
  for (size_t i = 1; i + 1 < chain.size(); ++i) keep[chain[i]] = false;
  if (perm.empty()) {
    keep[chain[0]] = false;
    make_view(last, source, out, *out_dims, ".composed_shape");
    return true;
  }
  ValueId from = source;
  if (in_dims != *source_dims) {
    const ValueId viewed = graph.AddValue(graph.UniqueValueName(absl::StrCat(base, ".atoms")),
                                          dtype, MakeShape(in_dims));
    make_view(chain[0], source, viewed, in_dims, ".atoms_shape");
    from = viewed;
  } else {
    keep[chain[0]] = false;
  }
  std::vector<int64_t> moved(perm.size());
  for (size_t i = 0; i < perm.size(); ++i) moved[i] = in_dims[perm[i]];
  const int transpose_slot = chain[1];
  keep[transpose_slot] = true;
  Node& t = graph.node(transpose_slot);
  t.op = OpType::kTranspose;
  t.attrs = Attrs();
  t.attrs.Set("perm", perm);
  t.inputs = {from};
  if (moved == *out_dims) {
    t.outputs = {out};
    keep[last] = false;
  } else {
    const ValueId moved_v = graph.AddValue(graph.UniqueValueName(absl::StrCat(base, ".composed")),
                                           dtype, MakeShape(moved));
    t.outputs = {moved_v};
    make_view(last, moved_v, out, *out_dims, ".composed_shape");
  }
  return true;
}

}  // namespace

absl::StatusOr<int> ComposeTransposes(Graph& graph) {
  std::vector<bool> keep(graph.num_nodes(), true);
  std::vector<int> readers(graph.num_values(), 0);
  for (const Node& node : graph.nodes()) {
    for (ValueId v : node.inputs) {
      if (v != kNoValue) ++readers[v];
    }
  }
  int changed = 0;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const std::optional<std::vector<int64_t>> p2 = PermOf(graph, graph.node(i));
    if (!p2 || !Plain(graph.node(i))) continue;
    const ValueId mid = graph.node(i).inputs[0];
    const int first = graph.value(mid).producer;
    if (first < 0 || !keep[first] || !Plain(graph.node(first))) continue;
    const std::optional<std::vector<int64_t>> p1 = PermOf(graph, graph.node(first));
    if (!p1) continue;
    const ValueId source = graph.node(first).inputs[0];
    std::vector<int64_t> perm(p2->size());
    for (size_t k = 0; k < perm.size(); ++k) perm[k] = (*p1)[(*p2)[k]];
    --readers[mid];
    ++readers[source];
    Node& second = graph.node(i);
    const ValueId out = second.outputs[0];
    if (!IsIdentity(perm)) {
      second.inputs[0] = source;
      second.attrs.Set("perm", std::move(perm));
    } else if (graph.IsOutput(out)) {
      second.op = OpType::kIdentity;
      second.attrs = Attrs();
      second.inputs[0] = source;
    } else {
      // Its readers read the source; the node goes.
      for (int j = i + 1; j < graph.num_nodes(); ++j) {
        for (ValueId& v : graph.node(j).inputs) {
          if (v == out) v = source;
        }
      }
      readers[source] += readers[out] - 1;
      readers[out] = 0;
      keep[i] = false;
    }
    ++changed;
    if (readers[mid] == 0 && !graph.IsOutput(mid)) {
      keep[first] = false;
      --readers[source];
    }
  }
  if (changed > 0) graph.KeepNodes(keep);
  return changed;
}

absl::StatusOr<int> ComposeTransposesThroughViews(Graph& graph) {
  std::vector<bool> keep(graph.num_nodes(), true);
  std::vector<int> readers;
  int changed = 0;
  // The readers are counted again after each rewrite (it adds values).
  auto count_readers = [&] {
    readers.assign(graph.num_values(), 0);
    for (int i = 0; i < graph.num_nodes(); ++i) {
      if (!keep[i]) continue;
      for (ValueId v : graph.node(i).inputs) {
        if (v != kNoValue) ++readers[v];
      }
    }
  };
  count_readers();
  for (int i = 0; i < graph.num_nodes(); ++i) {
    if (keep[i] && ComposeThroughViews(graph, readers, i, keep)) {
      ++changed;
      count_readers();
    }
  }
  if (changed > 0) graph.KeepNodes(keep);
  return changed;
}

}  // namespace sf
