// libFuzzer harness: ONNX bytes -> importer -> verifier -> shape inference and
// constant folding -> plan. Every input must give a graph or a clean error.
#include <cstddef>
#include <cstdint>

#include "runtime/plan.h"
#include "tests/fuzz/fuzz_graph.h"

namespace {

// Planning walks every value; keep it to graphs whose tensors are modest.
constexpr int64_t kMaxPlannedElements = int64_t{1} << 24;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<sf::Graph> graph =
      sf::fuzz::ImportAndSpecialize(absl::string_view(reinterpret_cast<const char*>(data), size));
  if (!graph.ok() || !sf::fuzz::WithinBudget(*graph, kMaxPlannedElements)) return 0;
  sf::PlanOptions options;
  options.model_name = "fuzz.onnx";
  absl::StatusOr<sf::Plan> plan = sf::BuildPlan(*graph, options);
  if (plan.ok()) (void)sf::PlanToJson(*plan);
  return 0;
}
