// Spike analysis: classifies every value as binary, zero_preserving or dense by
// propagation from spike sources (IF/LIF/PLIF and Cast of a boolean comparison),
// following ../shared/spec/neuron-ops.md. A pure function over the graph.
#ifndef SF_GRAPH_PASSES_SPIKE_ANALYSIS_H_
#define SF_GRAPH_PASSES_SPIKE_ANALYSIS_H_

#include "absl/strings/string_view.h"
#include <string_view>
#include <vector>

#include "graph/graph.h"

namespace sf {

#define SF_VALUE_CLASSES(X) \
  X(kDense, "dense")        \
  X(kZeroPreserving, "zero_preserving") \
  X(kBinary, "binary")

enum class ValueClass : int8_t {
#define SF_VC_ENUM(e, name) e,
  SF_VALUE_CLASSES(SF_VC_ENUM)
#undef SF_VC_ENUM
};

absl::string_view ToString(ValueClass c);

struct SpikeAnalysis {
  std::vector<ValueClass> value_class;        // indexed by ValueId
  std::vector<std::vector<int>> spike_sources;  // per ValueId: node indices of its spike sources
};

// `graph` must be topologically sorted.
SpikeAnalysis AnalyzeSpikes(const Graph& graph);

}  // namespace sf

#endif  // SF_GRAPH_PASSES_SPIKE_ANALYSIS_H_
