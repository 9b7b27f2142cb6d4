// Helpers to build ONNX ModelProtos in tests and import them.
#ifndef SF_TESTS_IMPORTERS_ONNX_TEST_UTIL_H_
#define SF_TESTS_IMPORTERS_ONNX_TEST_UTIL_H_

#include <cstring>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/graph.h"
#include "importers/onnx/onnx_importer.h"
#include "onnx/onnx.pb.h"

namespace sf::testing {

// A model with ir_version 8, the default domain at `opset` and, when `neurons`,
// the sparseflow domain at version 1.
class ModelBuilder {
 public:
  explicit ModelBuilder(int opset = 13, bool neurons = false) {
    model_.set_ir_version(8);
    auto* op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    if (neurons) {
      op = model_.add_opset_import();
      op->set_domain("sparseflow");
      op->set_version(1);
    }
    model_.mutable_graph()->set_name("test");
  }

  onnx::ModelProto& model() { return model_; }
  onnx::GraphProto& graph() { return *model_.mutable_graph(); }

  // A float (or `elem_type`) input; a negative dim becomes the symbolic "N".
  ModelBuilder& Input(const std::string& name, std::vector<int64_t> dims = {1, 4},
                      int elem_type = onnx::TensorProto::FLOAT) {
    SetType(graph().add_input(), name, dims, elem_type);
    return *this;
  }
  ModelBuilder& Output(const std::string& name) {
    graph().add_output()->set_name(name);
    return *this;
  }
  onnx::NodeProto& Node(const std::string& op_type, std::vector<std::string> inputs,
                        std::vector<std::string> outputs, const std::string& name = "",
                        const std::string& domain = "") {
    onnx::NodeProto* n = graph().add_node();
    n->set_op_type(op_type);
    n->set_name(name);
    n->set_domain(domain);
    for (auto& i : inputs) n->add_input(i);
    for (auto& o : outputs) n->add_output(o);
    return *n;
  }
  onnx::TensorProto& Initializer(const std::string& name, std::vector<int64_t> dims,
                                 const std::vector<float>& values) {
    onnx::TensorProto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    for (float v : values) t->add_float_data(v);
    return *t;
  }
  onnx::TensorProto& Int64Initializer(const std::string& name, const std::vector<int64_t>& v) {
    onnx::TensorProto* t = graph().add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    t->add_dims(static_cast<int64_t>(v.size()));
    for (int64_t x : v) t->add_int64_data(x);
    return *t;
  }

  std::string Bytes() const { return model_.SerializeAsString(); }
  absl::StatusOr<Graph> Import(const OnnxImportOptions& options = {}) const {
    return ImportOnnxModel(Bytes(), options);
  }

  static void SetType(onnx::ValueInfoProto* info, const std::string& name,
                      const std::vector<int64_t>& dims, int elem_type) {
    info->set_name(name);
    auto* tt = info->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(elem_type);
    auto* shape = tt->mutable_shape();
    for (int64_t d : dims) {
      if (d < 0) {
        shape->add_dim()->set_dim_param("N");
      } else {
        shape->add_dim()->set_dim_value(d);
      }
    }
  }

 private:
  onnx::ModelProto model_;
};

inline onnx::AttributeProto* AddAttr(onnx::NodeProto& n, const std::string& name,
                                     onnx::AttributeProto::AttributeType type) {
  onnx::AttributeProto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(type);
  return a;
}
inline void SetInt(onnx::NodeProto& n, const std::string& name, int64_t v) {
  AddAttr(n, name, onnx::AttributeProto::INT)->set_i(v);
}
inline void SetFloat(onnx::NodeProto& n, const std::string& name, float v) {
  AddAttr(n, name, onnx::AttributeProto::FLOAT)->set_f(v);
}
inline void SetString(onnx::NodeProto& n, const std::string& name, const std::string& v) {
  AddAttr(n, name, onnx::AttributeProto::STRING)->set_s(v);
}
inline void SetInts(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = AddAttr(n, name, onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}
inline void SetFloats(onnx::NodeProto& n, const std::string& name, const std::vector<float>& v) {
  auto* a = AddAttr(n, name, onnx::AttributeProto::FLOATS);
  for (float x : v) a->add_floats(x);
}

// The node called `name` (nullptr when absent).
inline const sf::Node* FindNode(const Graph& g, const std::string& name) {
  for (const sf::Node& n : g.nodes()) {
    if (n.name == name) return &n;
  }
  return nullptr;
}

}  // namespace sf::testing

#endif  // SF_TESTS_IMPORTERS_ONNX_TEST_UTIL_H_
