// Builds a Graph holding one node with concrete input/output shapes, for unit
// tests of kernels, shape inference and passes:
//
//   OneNodeGraph g = OneNodeGraphBuilder(OpType::kConv, "conv_3")
//                        .Input(DataType::kFloat32, {1, 3, 8, 8})
//                        .ConstantInput(weights)
//                        .Output(DataType::kFloat32, {1, 4, 8, 8})
//                        .Attr("pads", std::vector<int64_t>{1, 1, 1, 1})
//                        .Build();
#ifndef SF_TESTS_TESTING_GRAPH_BUILDER_H_
#define SF_TESTS_TESTING_GRAPH_BUILDER_H_

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "graph/graph.h"

namespace sf::testing {

struct OneNodeGraph {
  Graph graph;
  int node = 0;  // index of the node in `graph`
};

class OneNodeGraphBuilder {
 public:
  explicit OneNodeGraphBuilder(OpType op, std::string name = "node") {
    node_.op = op;
    node_.name = std::move(name);
  }

  // A graph input of `dtype` and `dims`.
  OneNodeGraphBuilder& Input(DataType dtype, std::vector<int64_t> dims) {
    const ValueId id = graph_.AddValue(NextName("in"), dtype, MakeShape(dims));
    graph_.AddInput(id);
    node_.inputs.push_back(id);
    return *this;
  }
  // A constant input (dtype and shape from `t`).
  OneNodeGraphBuilder& ConstantInput(Tensor t) {
    node_.inputs.push_back(graph_.AddConstant(NextName("const"), std::move(t)));
    return *this;
  }
  // An omitted optional input.
  OneNodeGraphBuilder& NoInput() {
    node_.inputs.push_back(kNoValue);
    return *this;
  }
  OneNodeGraphBuilder& Output(DataType dtype, std::vector<int64_t> dims) {
    const ValueId id = graph_.AddValue(NextName("out"), dtype, MakeShape(dims));
    graph_.AddOutput(id);
    node_.outputs.push_back(id);
    return *this;
  }
  OneNodeGraphBuilder& Attr(std::string name, AttrValue v) {
    node_.attrs.Set(std::move(name), std::move(v));
    return *this;
  }
  OneNodeGraph Build() {
    OneNodeGraph g{std::move(graph_), 0};
    g.node = g.graph.AddNode(std::move(node_));
    return g;
  }

 private:
  std::string NextName(absl::string_view kind) { return absl::StrCat(kind, "_", counter_++); }

  Graph graph_;
  Node node_;
  int counter_ = 0;
};

}  // namespace sf::testing

#endif  // SF_TESTS_TESTING_GRAPH_BUILDER_H_
