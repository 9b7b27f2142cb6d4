// Human-readable dump of a Graph (one line per input/constant/node/output).
#ifndef SF_GRAPH_PRINTER_H_
#define SF_GRAPH_PRINTER_H_

#include <string>

#include "graph/graph.h"

namespace sf {

std::string PrintGraph(const Graph& graph);

}  // namespace sf

#endif  // SF_GRAPH_PRINTER_H_
