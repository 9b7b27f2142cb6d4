// Converter of the sparseflow neurons IF / LIF / PLIF (../shared/spec/neuron-ops.md):
// strict validation, every attribute written explicitly with its default.
#include "graph/status.h"
#include "importers/onnx/op_converters.h"

namespace sf {

absl::Status ConvertNeuron(ConvertContext& ctx) {
  SF_ASSIGN_OR_RETURN(int64_t steps, RequiredIntAttr(ctx, "steps"));
  if (steps < 1) return NodeError(ctx, "steps must be >= 1, got ", steps);
  SF_RETURN_IF_ERROR(FloatAttr(ctx, "v_threshold", 1.0f).status());
  SF_RETURN_IF_ERROR(FloatAttr(ctx, "v_reset", 0.0f).status());
  SF_RETURN_IF_ERROR(FlagAttr(ctx, "soft_reset", 0).status());
  if (ctx.node.op == OpType::kIF) return absl::OkStatus();
  SF_RETURN_IF_ERROR(FlagAttr(ctx, "decay_input", 1).status());
  if (ctx.node.op == OpType::kPLIF) return RequiredFloatAttr(ctx, "w").status();
  SF_ASSIGN_OR_RETURN(float tau, RequiredFloatAttr(ctx, "tau"));
  if (tau <= 0) return NodeError(ctx, "tau must be > 0, got ", tau);
  return absl::OkStatus();
}

}  // namespace sf
