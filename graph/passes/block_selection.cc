#include "graph/passes/block_selection.h"

#include <set>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "graph/status.h"

namespace sf {
namespace {

// Wraps an attribute error with the node it belongs to.
absl::Status NodeError(const Node& node, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat("Conv '", node.name, "': ", what));
}

// A 2-element int-list attribute (strides, dilations) with default {1, 1}.
absl::StatusOr<std::array<int64_t, 2>> ReadPair(const Node& node, absl::string_view name) {
  auto values = node.attrs.GetIntsOr(name, {1, 1});
  if (!values.ok()) return NodeError(node, values.status().message());
  if (values->size() != 2 || (*values)[0] < 1 || (*values)[1] < 1) {
    return NodeError(node, absl::StrCat("attribute '", name, "' must hold 2 positive ints, got ",
                                        AttrToString(*values)));
  }
  return std::array<int64_t, 2>{(*values)[0], (*values)[1]};
}

absl::StatusOr<std::array<int64_t, 2>> ReadKernel(const Graph& graph, const Node& node) {
  auto attr = node.attrs.GetIntsOr("kernel_shape", {});
  if (!attr.ok()) return NodeError(node, attr.status().message());
  std::vector<int64_t> dims = *attr;
  if (dims.empty() && node.inputs.size() >= 2 && node.inputs[1] >= 0 &&
      node.inputs[1] < graph.num_values()) {
    const std::optional<Shape>& w = graph.value(node.inputs[1]).shape;
    const int kh = node.channels_last ? 1 : 2;  // KRSC or KCRS
    if (w && w->size() == 4 && (*w)[kh].known() && (*w)[kh + 1].known()) {
      dims = {(*w)[kh].value, (*w)[kh + 1].value};
    }
  }
  if (dims.size() != 2 || dims[0] < 1 || dims[1] < 1) {
    return NodeError(node, "kernel size unknown or not 2-D (only 2-D convolutions are supported)");
  }
  return std::array<int64_t, 2>{dims[0], dims[1]};
}

// Why `conv` cannot use the sparse kernel; empty when it can.
std::string NonCandidateReason(const ConvGeometry& g, ValueClass input_class) {
  if (input_class == ValueClass::kDense) return "its input is dense";
  bool k3 = g.kernel_hw[0] == 3 && g.kernel_hw[1] == 3;
  bool k1 = g.kernel_hw[0] == 1 && g.kernel_hw[1] == 1;
  if (!k3 && !k1) {
    return absl::StrCat("its kernel is ", g.kernel_hw[0], "x", g.kernel_hw[1],
                        " (only 3x3 and 1x1 run sparse)");
  }
  if (g.group != 1) return absl::StrCat("it has group = ", g.group, " (only group 1 runs sparse)");
  if (g.dilation[0] != 1 || g.dilation[1] != 1) return "it is dilated";
  if (g.h < 0 || g.w < 0) return "its input spatial size is unknown";
  return "";
}

}  // namespace

absl::StatusOr<BlockRule> BlockRule::Parse(absl::string_view text) {
  BlockRule rule;
  rule.entries.clear();
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    std::vector<absl::string_view> kv = absl::StrSplit(part, ':');
    int64_t min_h = 0;
    int block = 0;
    if (kv.size() != 2 || !absl::SimpleAtoi(absl::StripAsciiWhitespace(kv[0]), &min_h) ||
        !absl::SimpleAtoi(absl::StripAsciiWhitespace(kv[1]), &block)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "block rule '", text, "': entry '", part, "' is not min_H:block (e.g. 32:16,16:8,8:4)"));
    }
    if (min_h < 1) {
      return absl::InvalidArgumentError(
          absl::StrCat("block rule '", text, "': min_H must be positive, got ", min_h));
    }
    if (block < 1 || block > kMaxBlock) {
      return absl::InvalidArgumentError(absl::StrCat("block rule '", text, "': block must be in 1..",
                                                     kMaxBlock, ", got ", block));
    }
    if (!rule.entries.empty() && min_h >= rule.entries.back().first) {
      return absl::InvalidArgumentError(
          absl::StrCat("block rule '", text, "': min_H must strictly decrease, got ", min_h,
                       " after ", rule.entries.back().first));
    }
    rule.entries.emplace_back(min_h, block);
  }
  return rule;
}

int BlockRule::BlockFor(int64_t h) const {
  for (const auto& [min_h, block] : entries) {
    if (h >= min_h) return block;
  }
  return 0;
}

absl::StatusOr<ConvGeometry> ReadConvGeometry(const Graph& graph, const Node& conv) {
  ConvGeometry g;
  SF_ASSIGN_OR_RETURN(g.kernel_hw, ReadKernel(graph, conv));
  SF_ASSIGN_OR_RETURN(g.stride, ReadPair(conv, "strides"));
  SF_ASSIGN_OR_RETURN(g.dilation, ReadPair(conv, "dilations"));
  auto group = conv.attrs.GetIntOr("group", 1);
  if (!group.ok()) return NodeError(conv, group.status().message());
  if (*group < 1) return NodeError(conv, absl::StrCat("group must be >= 1, got ", *group));
  g.group = *group;
  if (!conv.inputs.empty() && conv.inputs[0] >= 0 && conv.inputs[0] < graph.num_values()) {
    const std::optional<Shape>& x = graph.value(conv.inputs[0]).shape;
    const int h = conv.channels_last ? 1 : 2;  // NHWC or NCHW
    if (x && x->size() == 4) {
      g.h = (*x)[h].value;
      g.w = (*x)[h + 1].value;
    }
  }
  return g;
}

absl::StatusOr<std::vector<ConvBlockChoice>> SelectBlocks(
    const Graph& graph, const SpikeAnalysis& spikes, const BlockRule& rule,
    const std::map<std::string, int>& overrides) {
  std::set<std::string> unused;
  for (const auto& [name, block] : overrides) unused.insert(name);
  std::vector<ConvBlockChoice> choices;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    const Node& node = graph.node(i);
    if (node.op != OpType::kConv) continue;
    ConvBlockChoice choice;
    choice.node = i;
    SF_ASSIGN_OR_RETURN(choice.geometry, ReadConvGeometry(graph, node));
    ValueId x = node.inputs.empty() ? kNoValue : node.inputs[0];
    ValueClass input_class = x >= 0 && x < static_cast<int>(spikes.value_class.size())
                                 ? spikes.value_class[x]
                                 : ValueClass::kDense;
    choice.reason = NonCandidateReason(choice.geometry, input_class);
    choice.candidate = choice.reason.empty();
    if (choice.candidate) choice.block = rule.BlockFor(choice.geometry.h);
    if (auto it = overrides.find(node.name); it != overrides.end()) {
      unused.erase(node.name);
      int block = it->second;
      if (block < 0 || block > kMaxBlock) {
        return NodeError(node, absl::StrCat("block override ", block, " is outside 0..", kMaxBlock));
      }
      if (block > 0 && !choice.candidate) {
        return NodeError(node, absl::StrCat("cannot override the block to ", block,
                                            ": not a sparse candidate because ", choice.reason));
      }
      choice.block = block;
    }
    choices.push_back(std::move(choice));
  }
  if (!unused.empty()) {
    const std::string& name = *unused.begin();
    bool is_node = false;
    for (const Node& node : graph.nodes()) is_node = is_node || node.name == name;
    return absl::InvalidArgumentError(absl::StrCat(
        "block override for '", name, "': ", is_node ? "that node is not a Conv" : "no such node"));
  }
  return choices;
}

}  // namespace sf
