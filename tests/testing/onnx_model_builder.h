// Builds small ONNX models in tests (no Python needed):
//   OnnxModelBuilder b;
//   b.Input("x", {-1, 3, 8, 8}).Output("y").Initializer("w", {4, 3, 3, 3}, weights);
//   b.Node("Conv", {"x", "w"}, {"y"}, "conv_1").Ints("pads", {1, 1, 1, 1});
//   std::string bytes = b.Serialize();
#ifndef SF_TESTS_TESTING_ONNX_MODEL_BUILDER_H_
#define SF_TESTS_TESTING_ONNX_MODEL_BUILDER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "onnx/onnx.pb.h"

namespace sf::testing {

// Attribute setters chained on a node.
class NodeRef {
 public:
  explicit NodeRef(onnx::NodeProto* node) : node_(node) {}
  NodeRef& Int(const std::string& name, int64_t v) {
    auto* a = Add(name, onnx::AttributeProto::INT);
    a->set_i(v);
    return *this;
  }
  NodeRef& Float(const std::string& name, float v) {
    auto* a = Add(name, onnx::AttributeProto::FLOAT);
    a->set_f(v);
    return *this;
  }
  NodeRef& String(const std::string& name, const std::string& v) {
    auto* a = Add(name, onnx::AttributeProto::STRING);
    a->set_s(v);
    return *this;
  }
  NodeRef& Ints(const std::string& name, const std::vector<int64_t>& v) {
    auto* a = Add(name, onnx::AttributeProto::INTS);
    for (int64_t x : v) a->add_ints(x);
    return *this;
  }
  onnx::NodeProto* proto() { return node_; }

 private:
  onnx::AttributeProto* Add(const std::string& name, onnx::AttributeProto::AttributeType type) {
    auto* a = node_->add_attribute();
    a->set_name(name);
    a->set_type(type);
    return a;
  }
  onnx::NodeProto* node_;
};

class OnnxModelBuilder {
 public:
  explicit OnnxModelBuilder(int64_t opset = 17, bool sparseflow_domain = true) {
    model_.set_ir_version(8);
    model_.set_producer_name("sparseflow-tests");
    auto* op = model_.add_opset_import();
    op->set_domain("");
    op->set_version(opset);
    if (sparseflow_domain) {
      auto* sf = model_.add_opset_import();
      sf->set_domain("sparseflow");
      sf->set_version(1);
    }
    model_.mutable_graph()->set_name("test");
  }

  // dims: -1 becomes the symbolic dim "N".
  OnnxModelBuilder& Input(const std::string& name, const std::vector<int64_t>& dims,
                          int32_t elem_type = onnx::TensorProto::FLOAT) {
    SetValueInfo(model_.mutable_graph()->add_input(), name, dims, elem_type);
    return *this;
  }
  OnnxModelBuilder& Output(const std::string& name, int32_t elem_type = onnx::TensorProto::FLOAT) {
    auto* vi = model_.mutable_graph()->add_output();
    vi->set_name(name);
    vi->mutable_type()->mutable_tensor_type()->set_elem_type(elem_type);
    return *this;
  }
  OnnxModelBuilder& Initializer(const std::string& name, const std::vector<int64_t>& dims,
                                const std::vector<float>& values) {
    auto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    for (int64_t d : dims) t->add_dims(d);
    for (float v : values) t->add_float_data(v);
    return *this;
  }
  OnnxModelBuilder& InitializerInt64(const std::string& name, const std::vector<int64_t>& dims,
                                     const std::vector<int64_t>& values) {
    auto* t = model_.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    for (int64_t d : dims) t->add_dims(d);
    for (int64_t v : values) t->add_int64_data(v);
    return *this;
  }
  NodeRef Node(const std::string& op, const std::vector<std::string>& inputs,
               const std::vector<std::string>& outputs, const std::string& name = "",
               const std::string& domain = "") {
    auto* n = model_.mutable_graph()->add_node();
    n->set_op_type(op);
    if (!name.empty()) n->set_name(name);
    if (!domain.empty()) n->set_domain(domain);
    for (const auto& i : inputs) n->add_input(i);
    for (const auto& o : outputs) n->add_output(o);
    return NodeRef(n);
  }

  onnx::ModelProto& proto() { return model_; }
  std::string Serialize() const { return model_.SerializeAsString(); }

 private:
  static void SetValueInfo(onnx::ValueInfoProto* vi, const std::string& name,
                           const std::vector<int64_t>& dims, int32_t elem_type) {
    vi->set_name(name);
    auto* tt = vi->mutable_type()->mutable_tensor_type();
    tt->set_elem_type(elem_type);
    auto* shape = tt->mutable_shape();
    for (int64_t d : dims) {
      auto* dim = shape->add_dim();
      if (d < 0) {
        dim->set_dim_param("N");
      } else {
        dim->set_dim_value(d);
      }
    }
  }
  onnx::ModelProto model_;
};

}  // namespace sf::testing

#endif  // SF_TESTS_TESTING_ONNX_MODEL_BUILDER_H_
