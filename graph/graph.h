// The SparseFlow graph IR.
//
// A Graph owns Values (typed, optionally shaped edges; constants carry their data)
// and Nodes (an OpType with input/output Value ids and attributes). It is plain
// data: passes are functions over it (graph/passes/). Not thread-safe; a Graph is
// built once by an importer and then read or transformed by one thread at a time.
#ifndef SF_GRAPH_GRAPH_H_
#define SF_GRAPH_GRAPH_H_

#include "absl/strings/string_view.h"
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "graph/attr.h"
#include "graph/dtype.h"
#include "graph/op_type.h"
#include "graph/tensor.h"

namespace sf {

using ValueId = int32_t;
inline constexpr ValueId kNoValue = -1;  // an omitted optional input

// One dimension: a known size (value >= 0) or a symbolic one ("N", or "" when unnamed).
struct Dim {
  int64_t value = -1;
  std::string symbol;

  static Dim Known(int64_t v) { return Dim{v, ""}; }
  static Dim Symbolic(std::string s) { return Dim{-1, std::move(s)}; }
  bool known() const { return value >= 0; }
  bool operator==(const Dim&) const = default;
};
using Shape = std::vector<Dim>;

Shape MakeShape(std::span<const int64_t> dims);
// The concrete dims when every dim is known.
std::optional<std::vector<int64_t>> ConcreteDims(const Shape& shape);
// "[N,3,32,32]", "[?,4]"; "<unknown rank>" for nullopt.
std::string ShapeToString(const std::optional<Shape>& shape);

struct Value {
  std::string name;
  DataType dtype = DataType::kUndefined;
  std::optional<Shape> shape;      // nullopt: rank unknown
  std::optional<Tensor> constant;  // initializer, Constant output or folded value
  int producer = -1;               // index of the producing node, -1 for inputs/constants
};

// The concrete dims of `value`; InvalidArgument naming it when its shape is
// unknown or has a symbolic dim (e.g. after shape inference failed to resolve it).
absl::StatusOr<std::vector<int64_t>> ConcreteValueDims(const Value& value);
// Its bytes: the element count (CheckedElementCount's limit) times the dtype's size.
absl::StatusOr<int64_t> ConcreteValueBytes(const Value& value);

struct Node {
  std::string name;
  OpType op = OpType::kIdentity;
  std::vector<ValueId> inputs;  // kNoValue marks an omitted optional input
  std::vector<ValueId> outputs;
  Attrs attrs;
  // Set only by MakeStepGraph (graph/passes/step_graph.h), never by an importer:
  // the node keeps state across runs of its executor (a neuron its membrane, a
  // time reduction its running sum) until the executor's ResetState().
  bool carries_state = false;
  // Set only by ConvertToNhwc (graph/passes/layout.h), never by an importer:
  // the node's rank-4 inputs and outputs are stored channels-last (NHWC
  // activations, a Conv weight as KRSC) and their graph shapes are those
  // stored dims, so kernels index them channels-last.
  bool channels_last = false;
};

class Graph {
 public:
  // Adds a value; the name must be unique in the graph (checked by the verifier,
  // FindValue returns the first).
  ValueId AddValue(std::string name, DataType dtype = DataType::kUndefined,
                   std::optional<Shape> shape = std::nullopt);
  // Adds a constant value whose dtype/shape come from `t`.
  ValueId AddConstant(std::string name, Tensor t);
  // Appends a node and records it as the producer of its outputs. Returns its index.
  int AddNode(Node node);
  void AddInput(ValueId v) { inputs_.push_back(v); }
  void AddOutput(ValueId v) { outputs_.push_back(v); }

  std::optional<ValueId> FindValue(absl::string_view name) const;
  // A name not used by any value yet, built from `base`.
  std::string UniqueValueName(absl::string_view base) const;

  int num_values() const { return static_cast<int>(values_.size()); }
  int num_nodes() const { return static_cast<int>(nodes_.size()); }
  Value& value(ValueId id) { return values_[id]; }
  const Value& value(ValueId id) const { return values_[id]; }
  Node& node(int i) { return nodes_[i]; }
  const Node& node(int i) const { return nodes_[i]; }
  const std::vector<Value>& values() const { return values_; }
  const std::vector<Node>& nodes() const { return nodes_; }
  const std::vector<ValueId>& inputs() const { return inputs_; }
  const std::vector<ValueId>& outputs() const { return outputs_; }
  std::vector<ValueId>& mutable_outputs() { return outputs_; }
  // Whether `v` is one of the graph's outputs.
  bool IsOutput(ValueId v) const;

  // consumers()[v] = indices of nodes reading value v (a node appears once per use).
  std::vector<std::vector<int>> Consumers() const;
  // Keeps only nodes with keep[i] == true (order preserved); producers are recomputed.
  void KeepNodes(const std::vector<bool>& keep);
  // Reorders nodes by `order` (a permutation of node indices).
  void ReorderNodes(const std::vector<int>& order);

 private:
  void RecomputeProducers();

  std::vector<Value> values_;
  std::vector<Node> nodes_;
  std::vector<ValueId> inputs_;
  std::vector<ValueId> outputs_;
  absl::flat_hash_map<std::string, ValueId> by_name_;
};

}  // namespace sf

#endif  // SF_GRAPH_GRAPH_H_
