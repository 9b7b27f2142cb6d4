// The per-op converters of the ONNX importer: one function per OpType, in the
// explicit table of op_converters.cc, with the op's allowed arity and attributes.
//
// A converter receives a Node whose inputs/outputs are resolved (kNoValue for an
// omitted optional one, trailing omitted ones trimmed) and whose attributes are the
// ONNX ones, and rewrites it into the normalized form the rest of SparseFlow relies
// on (axes as attributes, defaults written, opset-dependent variants unified).
// Errors name the node.
#ifndef SF_IMPORTERS_ONNX_OP_CONVERTERS_H_
#define SF_IMPORTERS_ONNX_OP_CONVERTERS_H_

#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"

namespace sf {

// What a converter reads and edits for one ONNX node.
struct ConvertContext {
  Graph& graph;
  int opset = 0;     // version of the default ONNX domain the model imports (11..21)
  Node node;         // rewritten in place
  bool keep = true;  // false when the converter folded the node into a constant value
};

using ConvertFn = absl::Status (*)(ConvertContext& ctx);

struct OpConverter {
  OpType op;
  int min_inputs, max_inputs, min_outputs, max_outputs;
  absl::string_view attributes;  // comma-separated names the op accepts
  ConvertFn convert;
};

inline constexpr int kVariadic = 1 << 20;

// The table entry for `op` (every OpType has one).
const OpConverter& ConverterFor(OpType op);

// Checks arity and attribute names against the table, then runs the converter.
absl::Status ConvertNode(ConvertContext& ctx);

// --- Helpers for converters --------------------------------------------------

template <typename... Args>
absl::Status NodeError(const ConvertContext& ctx, const Args&... args) {
  return absl::InvalidArgumentError(absl::StrCat("node '", ctx.node.name, "': ", args...));
}

// Reads an attribute (or `def`) and writes it back explicitly.
absl::StatusOr<int64_t> IntAttr(ConvertContext& ctx, absl::string_view name, int64_t def);
// An int attribute that must be 0 or 1.
absl::StatusOr<int64_t> FlagAttr(ConvertContext& ctx, absl::string_view name, int64_t def);
// A finite float attribute (an int is accepted and written back as a float).
absl::StatusOr<float> FloatAttr(ConvertContext& ctx, absl::string_view name, float def);
// A required one: missing -> error.
absl::StatusOr<int64_t> RequiredIntAttr(ConvertContext& ctx, absl::string_view name);
absl::StatusOr<float> RequiredFloatAttr(ConvertContext& ctx, absl::string_view name);
// A string attribute that must be one of `allowed` (comma-separated).
absl::StatusOr<std::string> EnumAttr(ConvertContext& ctx, absl::string_view name,
                                     absl::string_view def, absl::string_view allowed);
// An optional int-list attribute (nullopt when absent).
absl::StatusOr<std::optional<std::vector<int64_t>>> IntsAttr(const ConvertContext& ctx,
                                                             absl::string_view name);
// Adds a constant value named after the node and returns its id.
ValueId AddConstantInput(ConvertContext& ctx, absl::string_view suffix, Tensor t);
// Moves `axes` into the int-list attribute "axes": it is an attribute below opset
// `input_since` and a constant second input from it on. An empty list is the same
// as no axes. `required`: no axes is an error.
absl::Status NormalizeAxes(ConvertContext& ctx, int input_since, bool required);

// --- Converters (convert_*.cc) -----------------------------------------------

absl::Status ConvertAsIs(ConvertContext& ctx);
// Ops SparseFlow makes itself (FusedElementwise): never read from a file.
absl::Status RefuseInternalOp(ConvertContext& ctx);
// convert_nn.cc
absl::Status ConvertConv(ConvertContext& ctx);
absl::Status ConvertPool(ConvertContext& ctx);
absl::Status ConvertBatchNorm(ConvertContext& ctx);
absl::Status ConvertGemm(ConvertContext& ctx);
absl::Status ConvertSoftmax(ConvertContext& ctx);
absl::Status ConvertDropout(ConvertContext& ctx);
absl::Status ConvertClip(ConvertContext& ctx);
// LeakyRelu, Elu, HardSigmoid: their float attributes, defaults written.
absl::Status ConvertActivation(ConvertContext& ctx);
// LayerNormalization: axis, epsilon written; only Y (no Mean/InvStdDev
// outputs) and float32 statistics (stash_type 1).
absl::Status ConvertLayerNorm(ConvertContext& ctx);
// Split: the sizes into the int-list "split" (from the opset-13 input, which
// must be constant, or the attribute below 13); opset 18's num_outputs must
// match the outputs and becomes "ceil" 1.
absl::Status ConvertSplit(ConvertContext& ctx);
// Pow: an integer constant exponent becomes float32 (a float base only).
absl::Status ConvertPow(ConvertContext& ctx);
// convert_tensor.cc
absl::Status ConvertConstant(ConvertContext& ctx);
absl::Status ConvertConstantOfShape(ConvertContext& ctx);
absl::Status ConvertCast(ConvertContext& ctx);
absl::Status ConvertAxis(ConvertContext& ctx);  // Concat (required), Flatten, Gather
absl::Status ConvertPad(ConvertContext& ctx);
absl::Status ConvertReshape(ConvertContext& ctx);
absl::Status ConvertShape(ConvertContext& ctx);
absl::Status ConvertTranspose(ConvertContext& ctx);
absl::Status ConvertSqueeze(ConvertContext& ctx);
absl::Status ConvertUnsqueeze(ConvertContext& ctx);
absl::Status ConvertReduce(ConvertContext& ctx);
// convert_neurons.cc
absl::Status ConvertNeuron(ConvertContext& ctx);

}  // namespace sf

#endif  // SF_IMPORTERS_ONNX_OP_CONVERTERS_H_
