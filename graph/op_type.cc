#include "graph/op_type.h"

namespace sf {
namespace {

struct OpInfo {
  absl::string_view domain;
  absl::string_view name;
};

constexpr OpInfo kOpInfo[] = {
#define SF_OP(e, domain, name) {domain, name},
#include "graph/ops.def"
#undef SF_OP
};

}  // namespace

absl::string_view ToString(OpType op) {
  int i = static_cast<int>(op);
  return i >= 0 && i < kNumOpTypes ? kOpInfo[i].name : "?";
}

absl::string_view DomainOf(OpType op) {
  int i = static_cast<int>(op);
  return i >= 0 && i < kNumOpTypes ? kOpInfo[i].domain : "";
}

std::optional<OpType> OpTypeFromOnnx(absl::string_view domain, absl::string_view op_type) {
  if (domain == "ai.onnx") domain = "";
  for (int i = 0; i < kNumOpTypes; ++i) {
    if (kOpInfo[i].domain == domain && kOpInfo[i].name == op_type) {
      return static_cast<OpType>(i);
    }
  }
  return std::nullopt;
}

bool IsNeuron(OpType op) {
  return op == OpType::kIF || op == OpType::kLIF || op == OpType::kPLIF;
}

bool IsElementwise(OpType op) {
  switch (op) {
    case OpType::kAbs:
    case OpType::kAdd:
    case OpType::kCast:
    case OpType::kClip:
    case OpType::kDiv:
    case OpType::kDropout:
    case OpType::kEqual:
    case OpType::kExp:
    case OpType::kFloor:
    case OpType::kGreater:
    case OpType::kGreaterOrEqual:
    case OpType::kIdentity:
    case OpType::kLess:
    case OpType::kLessOrEqual:
    case OpType::kMax:
    case OpType::kMin:
    case OpType::kMul:
    case OpType::kNeg:
    case OpType::kNot:
    case OpType::kRelu:
    case OpType::kSigmoid:
    case OpType::kSqrt:
    case OpType::kSub:
    case OpType::kSum:
    case OpType::kTanh:
    case OpType::kWhere:
    case OpType::kCeil:
    case OpType::kElu:
    case OpType::kErf:
    case OpType::kHardSigmoid:
    case OpType::kHardSwish:
    case OpType::kLeakyRelu:
    case OpType::kLog:
    case OpType::kPow:
    case OpType::kReciprocal:
    case OpType::kRound:
    case OpType::kSign:
    case OpType::kSoftplus:
      return true;
    default:
      return false;
  }
}

}  // namespace sf
