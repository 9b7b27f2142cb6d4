#include "importers/onnx/onnx_importer.h"

#include <climits>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "graph/status.h"
#include "graph/topo.h"
#include "graph/verifier.h"
#include "importers/onnx/onnx_attrs.h"
#include "importers/onnx/onnx_tensor.h"
#include "importers/onnx/op_converters.h"
#include "onnx/onnx.pb.h"

namespace sf {
namespace {

constexpr int64_t kMinIrVersion = 3;
constexpr int64_t kMaxIrVersion = 10;
constexpr int64_t kMinOpset = 11;
constexpr int64_t kMaxOpset = 21;
constexpr int64_t kNeuronOpset = 1;
constexpr absl::string_view kNeuronDomain = "sparseflow";
constexpr int kProtoRecursionLimit = 64;

absl::StatusOr<onnx::ModelProto> ParseModel(absl::string_view bytes,
                                            const OnnxImportOptions& options) {
  const int64_t limit = std::min<int64_t>(options.max_model_bytes, INT_MAX);
  SF_CHECK_ARG(static_cast<int64_t>(bytes.size()) <= limit, "model is ", bytes.size(),
               " bytes, above the limit of ", limit,
               " bytes (OnnxImportOptions::max_model_bytes; protobuf's own cap is 2 GiB)");
  google::protobuf::io::CodedInputStream in(reinterpret_cast<const uint8_t*>(bytes.data()),
                                            static_cast<int>(bytes.size()));
  in.SetRecursionLimit(kProtoRecursionLimit);
  in.SetTotalBytesLimit(static_cast<int>(limit));
  onnx::ModelProto model;
  SF_CHECK_ARG(model.ParseFromCodedStream(&in) && in.ConsumedEntireMessage(),
               "not a valid ONNX model (protobuf parse failed): the bytes are corrupt or "
               "truncated, or messages nest deeper than the limit of ", kProtoRecursionLimit);
  return model;
}

absl::string_view NormalizeDomain(absl::string_view domain) {
  return domain == "ai.onnx" ? "" : domain;
}

// The versions a model imports; 0 = not imported.
struct Opsets {
  int64_t onnx = 0;
  int64_t neuron = 0;
};

absl::StatusOr<Opsets> ReadOpsets(const onnx::ModelProto& model) {
  Opsets opsets;
  absl::flat_hash_set<std::string> seen;
  for (const onnx::OperatorSetIdProto& op_set : model.opset_import()) {
    const absl::string_view domain = NormalizeDomain(op_set.domain());
    const int64_t v = op_set.version();
    SF_CHECK_ARG(seen.insert(std::string(domain)).second, "opset_import lists domain '", domain,
                 "' twice");
    if (domain.empty()) {
      SF_CHECK_ARG(v >= kMinOpset && v <= kMaxOpset, "opset ", v,
                   " of the default domain is not supported (", kMinOpset, "-", kMaxOpset, ")");
      opsets.onnx = v;
    } else if (domain == kNeuronDomain) {
      SF_CHECK_ARG(v == kNeuronOpset, "opset ", v, " of domain '", kNeuronDomain,
                   "' is not supported (", kNeuronOpset, ")");
      opsets.neuron = v;
    }
  }
  return opsets;
}

// Builds a Graph from a GraphProto. One instance per import.
class GraphImporter {
 public:
  GraphImporter(const onnx::GraphProto& proto, Opsets opsets, const OnnxImportOptions& options)
      : proto_(proto), opsets_(opsets), options_(options) {}

  absl::StatusOr<Graph> Import() && {
    SF_CHECK_ARG(proto_.node_size() <= options_.max_nodes, "graph has ", proto_.node_size(),
                 " nodes, above the limit of ", options_.max_nodes,
                 " (OnnxImportOptions::max_nodes)");
    SF_CHECK_ARG(proto_.sparse_initializer_size() == 0, "sparse initializers are not supported");
    SF_RETURN_IF_ERROR(AddInitializers());
    SF_RETURN_IF_ERROR(AddInputs());
    SF_RETURN_IF_ERROR(NameNodes());
    SF_RETURN_IF_ERROR(ResolveOps());
    SF_RETURN_IF_ERROR(DefineNodeOutputs());
    // Constants first, so that converters can read constant operands (axes, ...)
    // wherever the Constant node sits in the file.
    for (bool constants : {true, false}) {
      for (int i = 0; i < proto_.node_size(); ++i) {
        if ((ops_[i] == OpType::kConstant) == constants) SF_RETURN_IF_ERROR(ConvertNodeAt(i));
      }
    }
    SF_RETURN_IF_ERROR(ApplyValueInfo());
    SF_RETURN_IF_ERROR(AddOutputs());
    SF_RETURN_IF_ERROR(VerifyGraph(graph_));
    SF_RETURN_IF_ERROR(SortTopologically(graph_));
    return std::move(graph_);
  }

 private:
  absl::StatusOr<ValueId> DefineValue(const std::string& name, absl::string_view what) {
    SF_CHECK_ARG(!name.empty(), what, " has an empty name");
    SF_CHECK_ARG(!graph_.FindValue(name).has_value(), "value '", name, "' is defined twice (",
                 what, ")");
    return graph_.AddValue(name);
  }

  absl::Status AddInitializers() {
    for (const onnx::TensorProto& t : proto_.initializer()) {
      const std::string what = absl::StrCat("initializer '", t.name(), "'");
      SF_ASSIGN_OR_RETURN(ValueId id, DefineValue(t.name(), what));
      SF_ASSIGN_OR_RETURN(Tensor tensor, TensorFromOnnx(t, options_.model_dir, what));
      Value& v = graph_.value(id);
      v.dtype = tensor.dtype();
      v.shape = MakeShape(tensor.dims());
      v.constant = std::move(tensor);
    }
    return absl::OkStatus();
  }

  absl::Status AddInputs() {
    for (const onnx::ValueInfoProto& info : proto_.input()) {
      auto existing = graph_.FindValue(info.name());
      if (existing && graph_.value(*existing).constant) continue;  // an initializer
      const std::string what = absl::StrCat("graph input '", info.name(), "'");
      SF_ASSIGN_OR_RETURN(ValueType type, ValueTypeFromOnnx(info, what));
      SF_CHECK_ARG(type.dtype != DataType::kUndefined, what, " has no element type");
      SF_ASSIGN_OR_RETURN(ValueId id, DefineValue(info.name(), what));
      graph_.value(id).dtype = type.dtype;
      graph_.value(id).shape = std::move(type.shape);
      graph_.AddInput(id);
    }
    return absl::OkStatus();
  }

  // Keeps the file's node names; unnamed nodes get "<op_type>_<index>".
  absl::Status NameNodes() {
    absl::flat_hash_set<std::string> taken;
    for (const onnx::NodeProto& n : proto_.node()) {
      if (n.name().empty()) continue;
      SF_CHECK_ARG(taken.insert(n.name()).second, "node name '", n.name(), "' is used twice");
    }
    for (int i = 0; i < proto_.node_size(); ++i) {
      const onnx::NodeProto& n = proto_.node(i);
      if (!n.name().empty()) {
        names_.push_back(n.name());
        continue;
      }
      const std::string base = absl::StrCat(n.op_type(), "_", i);
      std::string name = base;
      for (int k = 1; taken.contains(name); ++k) name = absl::StrCat(base, "_", k);
      taken.insert(name);
      names_.push_back(std::move(name));
    }
    return absl::OkStatus();
  }

  absl::Status ResolveOps() {
    for (int i = 0; i < proto_.node_size(); ++i) {
      const onnx::NodeProto& n = proto_.node(i);
      const absl::string_view domain = NormalizeDomain(n.domain());
      const std::string where = absl::StrCat("node '", names_[i], "'");
      if (domain.empty()) {
        SF_CHECK_ARG(opsets_.onnx != 0, where,
                     ": the model does not import the default ONNX domain");
      } else if (domain == kNeuronDomain) {
        SF_CHECK_ARG(opsets_.neuron != 0, where, ": domain '", kNeuronDomain,
                     "' is used but not in opset_import");
      } else {
        return absl::InvalidArgumentError(
            absl::StrCat(where, ": op '", n.op_type(), "' of domain '", domain,
                         "': the domain is not supported"));
      }
      std::optional<OpType> op = OpTypeFromOnnx(domain, n.op_type());
      SF_CHECK_ARG(op.has_value(), where, ": unsupported op '", n.op_type(), "' (domain '",
                   domain, "')");
      ops_.push_back(*op);
    }
    return absl::OkStatus();
  }

  absl::Status DefineNodeOutputs() {
    for (int i = 0; i < proto_.node_size(); ++i) {
      std::vector<ValueId> outs;
      for (const std::string& name : proto_.node(i).output()) {
        if (name.empty()) {
          outs.push_back(kNoValue);
          continue;
        }
        SF_ASSIGN_OR_RETURN(ValueId id,
                            DefineValue(name, absl::StrCat("output of node '", names_[i], "'")));
        outs.push_back(id);
      }
      while (!outs.empty() && outs.back() == kNoValue) outs.pop_back();
      outputs_.push_back(std::move(outs));
    }
    return absl::OkStatus();
  }

  absl::Status ConvertNodeAt(int i) {
    const onnx::NodeProto& n = proto_.node(i);
    ConvertContext ctx{graph_, static_cast<int>(opsets_.onnx), Node{}};
    ctx.node.name = names_[i];
    ctx.node.op = ops_[i];
    ctx.node.outputs = outputs_[i];
    for (const std::string& name : n.input()) {
      if (name.empty()) {
        ctx.node.inputs.push_back(kNoValue);
        continue;
      }
      std::optional<ValueId> id = graph_.FindValue(name);
      SF_CHECK_ARG(id.has_value(), "node '", names_[i], "': input '", name,
                   "' is not defined (no graph input, initializer or node output has that name)");
      ctx.node.inputs.push_back(*id);
    }
    while (!ctx.node.inputs.empty() && ctx.node.inputs.back() == kNoValue) {
      ctx.node.inputs.pop_back();
    }
    SF_ASSIGN_OR_RETURN(ctx.node.attrs, AttrsFromOnnx(n, names_[i], options_.model_dir));
    SF_RETURN_IF_ERROR(ConvertNode(ctx));
    if (ctx.keep) graph_.AddNode(std::move(ctx.node));
    return absl::OkStatus();
  }

  // Fills dtype/shape that the file declares for a value and that are not known yet.
  absl::Status ApplyType(const onnx::ValueInfoProto& info, ValueId id, absl::string_view what) {
    absl::StatusOr<ValueType> type = ValueTypeFromOnnx(info, what);
    if (!type.ok()) return type.status();
    Value& v = graph_.value(id);
    if (v.dtype == DataType::kUndefined) v.dtype = type->dtype;
    if (!v.shape) v.shape = std::move(type->shape);
    return absl::OkStatus();
  }

  absl::Status ApplyValueInfo() {
    for (const onnx::ValueInfoProto& info : proto_.value_info()) {
      std::optional<ValueId> id = graph_.FindValue(info.name());
      if (!id) continue;  // describes a value the graph does not use
      SF_RETURN_IF_ERROR(ApplyType(info, *id, absl::StrCat("value_info '", info.name(), "'")));
    }
    return absl::OkStatus();
  }

  absl::Status AddOutputs() {
    SF_CHECK_ARG(proto_.output_size() > 0, "graph has no outputs");
    absl::flat_hash_set<std::string> seen;
    for (const onnx::ValueInfoProto& info : proto_.output()) {
      const std::string what = absl::StrCat("graph output '", info.name(), "'");
      std::optional<ValueId> id = graph_.FindValue(info.name());
      SF_CHECK_ARG(id.has_value(), what, " is not defined");
      SF_CHECK_ARG(seen.insert(info.name()).second, what, " is listed twice");
      SF_RETURN_IF_ERROR(ApplyType(info, *id, what));
      graph_.AddOutput(*id);
    }
    return absl::OkStatus();
  }

  const onnx::GraphProto& proto_;
  const Opsets opsets_;
  const OnnxImportOptions& options_;
  Graph graph_;
  std::vector<std::string> names_;               // per file node
  std::vector<OpType> ops_;                      // per file node
  std::vector<std::vector<ValueId>> outputs_;    // per file node
};

}  // namespace

absl::StatusOr<Graph> ImportOnnxModel(absl::string_view bytes, const OnnxImportOptions& options) {
  SF_ASSIGN_OR_RETURN(onnx::ModelProto model, ParseModel(bytes, options));
  const int64_t ir = model.ir_version();
  SF_CHECK_ARG(ir >= kMinIrVersion && ir <= kMaxIrVersion, "ir_version ", ir,
               " is not supported (", kMinIrVersion, "-", kMaxIrVersion, ")");
  SF_ASSIGN_OR_RETURN(Opsets opsets, ReadOpsets(model));
  SF_CHECK_ARG(model.has_graph(), "model has no graph");
  return GraphImporter(model.graph(), opsets, options).Import();
}

}  // namespace sf
