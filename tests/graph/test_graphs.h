// Small helpers to build IR graphs in graph tests.
#ifndef SF_TESTS_GRAPH_TEST_GRAPHS_H_
#define SF_TESTS_GRAPH_TEST_GRAPHS_H_

#include <initializer_list>
#include <string>
#include <vector>

#include "graph/graph.h"

namespace sf::testing {

// Parses "N", "?" or a number into a Dim.
inline Dim D(const std::string& s) {
  if (s == "?") return Dim::Symbolic("");
  if (!s.empty() && (std::isdigit(static_cast<unsigned char>(s[0])) != 0)) {
    return Dim::Known(std::stoll(s));
  }
  return Dim::Symbolic(s);
}
inline Shape S(std::initializer_list<std::string> dims) {
  Shape s;
  for (const std::string& d : dims) s.push_back(D(d));
  return s;
}

inline ValueId AddInput(Graph& g, const std::string& name, Shape shape,
                        DataType dtype = DataType::kFloat32) {
  ValueId v = g.AddValue(name, dtype, std::move(shape));
  g.AddInput(v);
  return v;
}

// Adds node `name` reading `inputs` and writing fresh values named after `outputs`.
// Returns the first output's id.
inline ValueId AddOp(Graph& g, OpType op, const std::string& name, std::vector<ValueId> inputs,
                     Attrs attrs = {}, std::vector<std::string> outputs = {}) {
  if (outputs.empty()) outputs.push_back(name + "_out");
  Node node{name, op, std::move(inputs), {}, std::move(attrs)};
  for (const std::string& out : outputs) node.outputs.push_back(g.AddValue(out));
  ValueId first = node.outputs[0];
  g.AddNode(std::move(node));
  return first;
}

inline ValueId AddInt64s(Graph& g, const std::string& name, std::vector<int64_t> values) {
  const int64_t n = static_cast<int64_t>(values.size());
  return g.AddConstant(name, Tensor::FromVector<int64_t>({n}, values));
}

}  // namespace sf::testing

#endif  // SF_TESTS_GRAPH_TEST_GRAPHS_H_
