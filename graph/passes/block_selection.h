// Block-size selection for spike-fed convolutions.
//
// Candidates: Conv with a non-dense input (per SpikeAnalysis), kernel 3x3 or 1x1,
// group = 1, dilation = 1. The block edge comes from a rule table on the input
// height H (default: H >= 32 -> 16, H >= 16 -> 8, H >= 8 -> 4, else 0 = not
// replaced), which per-layer overrides can replace.
#ifndef SF_GRAPH_PASSES_BLOCK_SELECTION_H_
#define SF_GRAPH_PASSES_BLOCK_SELECTION_H_

#include "absl/strings/string_view.h"
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

struct ConvBlockChoice {
  int node = -1;          // node index of the Conv
  bool candidate = false;  // eligible for the sparse kernel (class, kernel, groups, dilation)
  int block = 0;          // chosen block edge, 0 = not replaced
};

// One entry per Conv node, in node order. `overrides` maps Conv node names to a
// block edge (0 disables); names that match no Conv are an error.
absl::StatusOr<std::vector<ConvBlockChoice>> SelectBlocks(
    const Graph& graph, const SpikeAnalysis& spikes, const BlockRule& rule,
    const std::map<std::string, int>& overrides);

}  // namespace sf

#endif  // SF_GRAPH_PASSES_BLOCK_SELECTION_H_
