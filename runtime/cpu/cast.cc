// Cast between every supported element type. Floating -> integer truncates
// toward zero (NaN -> 0, out-of-range saturates instead of being undefined);
// anything -> bool is `!= 0`; float16 is converted with round-to-nearest-even.
#include <cmath>
#include <limits>
#include <type_traits>
#include <vector>

#include "graph/float16.h"
#include "graph/status.h"
#include "runtime/cpu/kernel_factories.h"
#include "runtime/cpu/kernel_util.h"

namespace sf {
namespace {

// Tag for float16 elements (stored as uint16_t bits, computed as float).
struct Half {};

template <typename F>
absl::Status VisitAnyType(const Node& node, DataType t, F&& f) {
  switch (t) {
    case DataType::kFloat16: return f(Half{});
    case DataType::kBool: return f(bool{});
    case DataType::kUInt8: return f(uint8_t{});
    case DataType::kInt8: return f(int8_t{});
    default: return VisitArithmetic(node, t, f);
  }
}

// The storage type of an element and its value type for arithmetic.
template <typename T> struct Elem { using Storage = T; using Value = T; };
template <> struct Elem<Half> { using Storage = uint16_t; using Value = float; };

template <typename T>
typename Elem<T>::Value Load(typename Elem<T>::Storage s) {
  if constexpr (std::is_same_v<T, Half>) return HalfToFloat(s);
  else return s;
}

template <typename D, typename V>
typename Elem<D>::Storage Convert(V v) {
  if constexpr (std::is_same_v<D, bool>) {
    return v != V{0};
  } else if constexpr (std::is_same_v<D, Half>) {
    return FloatToHalf(static_cast<float>(v));
  } else if constexpr (std::is_integral_v<D> && std::is_floating_point_v<V>) {
    if (std::isnan(v)) return D{0};
    if (v <= static_cast<V>(std::numeric_limits<D>::min())) return std::numeric_limits<D>::min();
    if (v >= static_cast<V>(std::numeric_limits<D>::max())) return std::numeric_limits<D>::max();
    return static_cast<D>(v);
  } else {
    return static_cast<D>(v);
  }
}

class CastKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_RETURN_IF_ERROR(CheckArity(node, 1, 1, 1, 1));
    from_ = InputType(graph, node, 0);
    SF_ASSIGN_OR_RETURN(int64_t to_code, node.attrs.GetInt("to"));
    std::optional<DataType> to = DataTypeFromOnnx(static_cast<int32_t>(to_code));
    if (!to.has_value()) return NodeError(node, "unsupported target type code ", to_code);
    to_ = *to;
    if (OutputType(graph, node, 0) != to_) {
      return NodeError(node, "output type ", ToString(OutputType(graph, node, 0)),
                       " disagrees with 'to' (", ToString(to_), ")");
    }
    SF_ASSIGN_OR_RETURN(dims_, InputDims(graph, node, 0));
    SF_RETURN_IF_ERROR(VisitAnyType(node, from_, [](auto) { return absl::OkStatus(); }));
    return VisitAnyType(node, to_, [](auto) { return absl::OkStatus(); });
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    SF_RETURN_IF_ERROR(CheckTensor(label_, inputs[0], from_, dims_, "input"));
    const int64_t n = inputs[0]->num_elements();
    return VisitAnyType(label_, from_, [&](auto from_tag) {
      using S = decltype(from_tag);
      return VisitAnyType(label_, to_, [&](auto to_tag) {
        using D = decltype(to_tag);
        const auto* in = static_cast<const typename Elem<S>::Storage*>(inputs[0]->raw_data());
        auto* out = static_cast<typename Elem<D>::Storage*>(outputs[0]->raw_data());
        for (int64_t i = 0; i < n; ++i) out[i] = Convert<D>(Load<S>(in[i]));
        return absl::OkStatus();
      });
    });
  }

 private:
  Node label_;
  DataType from_ = DataType::kUndefined;
  DataType to_ = DataType::kUndefined;
  std::vector<int64_t> dims_;
};

}  // namespace

std::unique_ptr<CpuKernel> MakeCastKernel(OpType) { return std::make_unique<CastKernel>(); }

}  // namespace sf
