// Block-size selection for spike-fed convolutions.
//
// Candidates: Conv with a non-dense input (per SpikeAnalysis), kernel 3x3 or 1x1,
// group = 1, dilation = 1. The block edge comes from a rule table on the input
// height H (default: H >= 32 -> 16, H >= 16 -> 8, H >= 8 -> 4, else 0 = not
// replaced), which per-layer overrides can replace.
#ifndef SF_GRAPH_PASSES_BLOCK_SELECTION_H_
#define SF_GRAPH_PASSES_BLOCK_SELECTION_H_

#include "absl/strings/string_view.h"
#include <array>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "graph/passes/spike_analysis.h"

namespace sf {

struct BlockRule {
  // (min_H, block) pairs in decreasing min_H; the first with H >= min_H wins.
  std::vector<std::pair<int64_t, int>> entries = {{32, 16}, {16, 8}, {8, 4}};
  // Parses "32:16,16:8,8:4" (min_H:block pairs).
  static absl::StatusOr<BlockRule> Parse(absl::string_view text);
  int BlockFor(int64_t h) const;
};

// Rule-table bounds: a block edge is 1..kMaxBlock (0 = not replaced).
inline constexpr int kMaxBlock = 64;

// The 2-D geometry of a Conv node (rank-4 NCHW input, or NHWC with
// Node::channels_last) as selection and the plan
// report it. Sizes in elements.
struct ConvGeometry {
  int64_t h = -1, w = -1;  // input spatial size, -1 when unknown
  std::array<int64_t, 2> kernel_hw{0, 0};
  std::array<int64_t, 2> stride{1, 1};
  std::array<int64_t, 2> dilation{1, 1};
  int64_t group = 1;
};
// Reads kernel_shape (or the weight's dims), strides, dilations and group.
// InvalidArgument naming the node for malformed attributes or an unknown kernel size.
absl::StatusOr<ConvGeometry> ReadConvGeometry(const Graph& graph, const Node& conv);

struct ConvBlockChoice {
  int node = -1;          // node index of the Conv
  bool candidate = false;  // eligible for the sparse kernel (class, kernel, groups, dilation)
  int block = 0;          // chosen block edge, 0 = not replaced
  ConvGeometry geometry;
  std::string reason;     // why it is not a candidate ("input is dense"); empty otherwise
};

// One entry per Conv node, in node order. `overrides` maps Conv node names to a
// block edge (0 disables); names that match no Conv, a block outside 0..kMaxBlock
// and a block > 0 on a non-candidate are InvalidArgument errors naming the node.
absl::StatusOr<std::vector<ConvBlockChoice>> SelectBlocks(
    const Graph& graph, const SpikeAnalysis& spikes, const BlockRule& rule,
    const std::map<std::string, int>& overrides);

}  // namespace sf

#endif  // SF_GRAPH_PASSES_BLOCK_SELECTION_H_
