// OpType: the enum generated from graph/ops.def.
#ifndef SF_GRAPH_OP_TYPE_H_
#define SF_GRAPH_OP_TYPE_H_

#include "absl/strings/string_view.h"
#include <cstdint>
#include <optional>


namespace sf {

enum class OpType : int16_t {
#define SF_OP(e, domain, name) k##e,
#include "graph/ops.def"
#undef SF_OP
  kNumOps
};

inline constexpr int kNumOpTypes = static_cast<int>(OpType::kNumOps);

// The ONNX op_type string ("Conv", "LIF").
absl::string_view ToString(OpType op);
// The ONNX domain ("" for the default domain, "sparseflow" for neurons).
absl::string_view DomainOf(OpType op);
// Looks up (domain, op_type); "ai.onnx" is treated as "".
std::optional<OpType> OpTypeFromOnnx(absl::string_view domain, absl::string_view op_type);
// True for IF/LIF/PLIF.
bool IsNeuron(OpType op);
// True for the ops that compute each output element from the input elements
// at the same (broadcast) index: unary and binary math, the variadic Sum/Max/
// Min, comparisons, Not, Cast, Clip, Where, Identity, Dropout. Not the
// neurons (elementwise within each time step's rows, stateful along T) nor
// Concat (whose axis matters).
bool IsElementwise(OpType op);

}  // namespace sf

#endif  // SF_GRAPH_OP_TYPE_H_
