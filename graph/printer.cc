#include "graph/printer.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sf {
namespace {

std::string ValueName(const Graph& graph, ValueId v) {
  if (v == kNoValue) return "_";
  if (v < 0 || v >= graph.num_values()) return absl::StrCat("<bad id ", v, ">");
  return graph.value(v).name;
}

// "name : float32 [N,3]"
std::string TypedValue(const Graph& graph, ValueId v) {
  std::string out = ValueName(graph, v);
  if (v < 0 || v >= graph.num_values()) return out;
  const Value& value = graph.value(v);
  return absl::StrCat(out, " : ", ToString(value.dtype), " ", ShapeToString(value.shape));
}

std::string NodeLine(const Graph& graph, const Node& node) {
  auto name = [&](std::string* out, ValueId v) { out->append(ValueName(graph, v)); };
  auto typed = [&](std::string* out, ValueId v) { out->append(TypedValue(graph, v)); };
  std::string line = absl::StrCat(node.name, " = ", ToString(node.op), "(",
                                  absl::StrJoin(node.inputs, ", ", name), ")");
  if (!node.attrs.map().empty()) {
    absl::StrAppend(&line, " {",
                    absl::StrJoin(node.attrs.map(), ", ",
                                  [](std::string* out, const auto& kv) {
                                    absl::StrAppend(out, kv.first, "=", AttrToString(kv.second));
                                  }),
                    "}");
  }
  absl::StrAppend(&line, " -> ", absl::StrJoin(node.outputs, ", ", typed));
  return line;
}

}  // namespace

std::string PrintGraph(const Graph& graph) {
  std::string out = "graph {\n";
  for (ValueId v : graph.inputs()) absl::StrAppend(&out, "  input ", TypedValue(graph, v), "\n");
  for (ValueId v = 0; v < graph.num_values(); ++v) {
    if (graph.value(v).constant) absl::StrAppend(&out, "  const ", TypedValue(graph, v), "\n");
  }
  for (const Node& node : graph.nodes()) absl::StrAppend(&out, "  ", NodeLine(graph, node), "\n");
  for (ValueId v : graph.outputs()) absl::StrAppend(&out, "  output ", TypedValue(graph, v), "\n");
  return out + "}\n";
}

}  // namespace sf
