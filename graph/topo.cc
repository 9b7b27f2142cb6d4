#include "graph/topo.h"

#include <functional>
#include <queue>

#include "absl/strings/str_cat.h"
#include "graph/status.h"

namespace sf {
namespace {

// producer[v] = the node writing value v (from the nodes' output lists, so a stale
// Value::producer cannot mislead the sort), -1 when none.
std::vector<int> ProducersOf(const Graph& graph) {
  std::vector<int> producer(graph.num_values(), -1);
  for (int i = 0; i < graph.num_nodes(); ++i) {
    for (ValueId out : graph.node(i).outputs) {
      if (out >= 0 && out < graph.num_values()) producer[out] = i;
    }
  }
  return producer;
}

// Walks back from `start` (a node left over by Kahn's algorithm, hence with an
// unsorted predecessor) until a node repeats; that node lies on a cycle.
int NodeOnCycle(const Graph& graph, const std::vector<int>& producer,
                const std::vector<bool>& emitted, int start) {
  std::vector<bool> seen(graph.num_nodes(), false);
  int n = start;
  while (!seen[n]) {
    seen[n] = true;
    for (ValueId in : graph.node(n).inputs) {
      if (in < 0 || in >= graph.num_values()) continue;
      int p = producer[in];
      if (p >= 0 && !emitted[p]) {
        n = p;
        break;
      }
    }
  }
  return n;
}

}  // namespace

absl::StatusOr<std::vector<int>> TopologicalOrder(const Graph& graph) {
  const std::vector<int> producer = ProducersOf(graph);
  const std::vector<std::vector<int>> consumers = graph.Consumers();
  std::vector<int> pending(graph.num_nodes(), 0);  // unsorted producer edges per node
  for (int i = 0; i < graph.num_nodes(); ++i) {
    for (ValueId in : graph.node(i).inputs) {
      if (in >= 0 && in < graph.num_values() && producer[in] >= 0) ++pending[i];
    }
  }
  // Min-heap on the node index: among ready nodes, the earliest in file order first.
  std::priority_queue<int, std::vector<int>, std::greater<>> ready;
  for (int i = 0; i < graph.num_nodes(); ++i) {
    if (pending[i] == 0) ready.push(i);
  }
  std::vector<int> order;
  order.reserve(graph.num_nodes());
  std::vector<bool> emitted(graph.num_nodes(), false);
  while (!ready.empty()) {
    int n = ready.top();
    ready.pop();
    order.push_back(n);
    emitted[n] = true;
    for (ValueId out : graph.node(n).outputs) {
      if (out < 0 || out >= graph.num_values() || producer[out] != n) continue;
      for (int c : consumers[out]) {
        if (--pending[c] == 0) ready.push(c);
      }
    }
  }
  if (static_cast<int>(order.size()) == graph.num_nodes()) return order;
  int stuck = 0;
  while (emitted[stuck]) ++stuck;
  const int on_cycle = NodeOnCycle(graph, producer, emitted, stuck);
  return absl::InvalidArgumentError(
      absl::StrCat("graph has a cycle through node '", graph.node(on_cycle).name, "'"));
}

absl::Status SortTopologically(Graph& graph) {
  SF_ASSIGN_OR_RETURN(std::vector<int> order, TopologicalOrder(graph));
  graph.ReorderNodes(order);
  return absl::OkStatus();
}

}  // namespace sf
