#include "graph/graph.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "graph/status.h"

namespace sf {

Shape MakeShape(std::span<const int64_t> dims) {
  Shape s;
  s.reserve(dims.size());
  for (int64_t d : dims) s.push_back(Dim::Known(d));
  return s;
}

absl::StatusOr<std::vector<int64_t>> ConcreteValueDims(const Value& value) {
  auto concrete = value.shape ? ConcreteDims(*value.shape) : std::nullopt;
  if (!concrete) {
    return absl::InvalidArgumentError(absl::StrCat("value '", value.name, "' has shape ",
                                                   ShapeToString(value.shape),
                                                   " that is not concrete after inference"));
  }
  return *std::move(concrete);
}

absl::StatusOr<int64_t> ConcreteValueBytes(const Value& value) {
  SF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, ConcreteValueDims(value));
  SF_ASSIGN_OR_RETURN(int64_t count, CheckedElementCount(dims, value.name));
  return count * static_cast<int64_t>(SizeOf(value.dtype));
}

std::optional<std::vector<int64_t>> ConcreteDims(const Shape& shape) {
  std::vector<int64_t> dims;
  dims.reserve(shape.size());
  for (const Dim& d : shape) {
    if (!d.known()) return std::nullopt;
    dims.push_back(d.value);
  }
  return dims;
}

std::string ShapeToString(const std::optional<Shape>& shape) {
  if (!shape) return "<unknown rank>";
  std::string out = "[";
  for (size_t i = 0; i < shape->size(); ++i) {
    const Dim& d = (*shape)[i];
    if (i > 0) out += ",";
    if (d.known()) {
      absl::StrAppend(&out, d.value);
    } else {
      out += d.symbol.empty() ? "?" : d.symbol;
    }
  }
  return out + "]";
}

ValueId Graph::AddValue(std::string name, DataType dtype, std::optional<Shape> shape) {
  ValueId id = static_cast<ValueId>(values_.size());
  by_name_.try_emplace(name, id);
  values_.push_back(Value{std::move(name), dtype, std::move(shape), std::nullopt, -1});
  return id;
}

ValueId Graph::AddConstant(std::string name, Tensor t) {
  ValueId id = AddValue(std::move(name), t.dtype(), MakeShape(t.dims()));
  values_[id].constant = std::move(t);
  return id;
}

int Graph::AddNode(Node node) {
  int index = static_cast<int>(nodes_.size());
  for (ValueId out : node.outputs) {
    if (out >= 0 && out < num_values()) values_[out].producer = index;
  }
  nodes_.push_back(std::move(node));
  return index;
}

bool Graph::IsOutput(ValueId v) const {
  return std::find(outputs_.begin(), outputs_.end(), v) != outputs_.end();
}

std::optional<ValueId> Graph::FindValue(absl::string_view name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

std::string Graph::UniqueValueName(absl::string_view base) const {
  std::string name(base);
  for (int i = 1; by_name_.contains(name); ++i) name = absl::StrCat(base, "_", i);
  return name;
}

std::vector<std::vector<int>> Graph::Consumers() const {
  std::vector<std::vector<int>> consumers(values_.size());
  for (int i = 0; i < num_nodes(); ++i) {
    for (ValueId in : nodes_[i].inputs) {
      if (in >= 0 && in < num_values()) consumers[in].push_back(i);
    }
  }
  return consumers;
}

void Graph::KeepNodes(const std::vector<bool>& keep) {
  std::vector<Node> kept;
  for (int i = 0; i < num_nodes(); ++i) {
    if (keep[i]) kept.push_back(std::move(nodes_[i]));
  }
  nodes_ = std::move(kept);
  RecomputeProducers();
}

void Graph::ReorderNodes(const std::vector<int>& order) {
  std::vector<Node> sorted;
  sorted.reserve(order.size());
  for (int i : order) sorted.push_back(std::move(nodes_[i]));
  nodes_ = std::move(sorted);
  RecomputeProducers();
}

void Graph::RecomputeProducers() {
  for (Value& v : values_) v.producer = -1;
  for (int i = 0; i < num_nodes(); ++i) {
    for (ValueId out : nodes_[i].outputs) {
      if (out >= 0 && out < num_values()) values_[out].producer = i;
    }
  }
}

}  // namespace sf
