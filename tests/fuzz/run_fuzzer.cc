// libFuzzer harness: plan and run tiny fuzzed ONNX graphs on the CPU through the
// public API (Runtime::LoadFromBytes + Run). Models whose tensors would exceed a
// small budget once specialised are skipped, so one input stays fast and small.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>

#include "sf/runtime.h"
#include "tests/fuzz/fuzz_graph.h"

namespace {

// All values of a run together: 64 Ki elements (at most 512 KiB of data).
constexpr int64_t kMaxRunElements = int64_t{1} << 16;

// Small deterministic values of every dtype, so kernels see signs, zeros and
// (for indices) both in- and out-of-range entries.
template <typename T>
void Fill(sf::Tensor& t) {
  T* p = t.data<T>();
  for (int64_t i = 0; i < t.num_elements(); ++i) p[i] = static_cast<T>(i % 7 - 3);
}

void FillInput(sf::Tensor& t) {
  switch (t.dtype()) {
    case sf::DataType::kFloat32: return Fill<float>(t);
    case sf::DataType::kFloat64: return Fill<double>(t);
    case sf::DataType::kInt32: return Fill<int32_t>(t);
    case sf::DataType::kInt64: return Fill<int64_t>(t);
    case sf::DataType::kInt8: return Fill<int8_t>(t);
    case sf::DataType::kBool: {
      bool* p = t.data<bool>();
      for (int64_t i = 0; i < t.num_elements(); ++i) p[i] = i % 3 == 0;
      return;
    }
    default:
      return;  // zeros
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view bytes(reinterpret_cast<const char*>(data), size);
  absl::StatusOr<sf::Graph> graph = sf::fuzz::ImportAndSpecialize(bytes);
  if (!graph.ok() || !sf::fuzz::WithinBudget(*graph, kMaxRunElements)) return 0;

  sf::Options options;
  options.device = "cpu";
  absl::StatusOr<std::unique_ptr<sf::Runtime>> rt = sf::Runtime::LoadFromBytes(bytes, options);
  if (!rt.ok()) return 0;
  std::map<std::string, sf::Tensor> inputs;
  for (const sf::TensorInfo& info : (*rt)->InputInfo()) {
    std::vector<int64_t> dims = info.dims;
    for (int64_t& d : dims) d = d < 0 ? 1 : d;
    absl::StatusOr<sf::Tensor> t = sf::Tensor::Create(info.dtype, dims, info.name);
    if (!t.ok()) return 0;
    FillInput(*t);
    inputs.emplace(info.name, *std::move(t));
  }
  // Twice: the second Run reuses the prepared plan and arena.
  for (int i = 0; i < 2; ++i) {
    if (!(*rt)->Run(inputs).ok()) return 0;
  }
  return 0;
}
