// SparseFlow public C++ API.
//
//   SF_ASSIGN_OR_RETURN(auto rt, sf::Runtime::Load("model.onnx", sf::Options{}));
//   SF_ASSIGN_OR_RETURN(auto outs, rt->Run({{"input", tensor}}));
//
// Thread-safety: a Runtime runs one request at a time (Run is not reentrant);
// separate Runtimes may run concurrently. A Runtime keeps its prepared plan per
// input shape, so repeated Run()s with the same shapes do no planning work.
#ifndef SF_RUNTIME_H_
#define SF_RUNTIME_H_

#include "absl/strings/string_view.h"
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/tensor.h"
#include "runtime/plan.h"

namespace sf {

struct Options {
  // "auto" (cuda when a GPU is present, else cpu), "cpu", "cuda", "cuda:N".
  std::string device = "auto";
  SparseMode sparse = SparseMode::kAuto;
  BlockRule block_rule;
  std::map<std::string, int> block_overrides;  // Conv node name -> block edge
};

struct TensorInfo {
  std::string name;
  DataType dtype = DataType::kUndefined;
  std::vector<int64_t> dims;  // -1 for a symbolic dimension
  std::vector<std::string> dim_names;  // symbol per dim ("" when known/unnamed)
};

struct NodeTiming {
  std::string name;
  OpType op = OpType::kIdentity;
  std::string kernel;  // "sparse" / "dense", as planned
  int block = 0;
  double microseconds = 0;  // host wall time of the node in the last Run
};

class Runtime {
 public:
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Loads, verifies and analyses a model. Errors name the file and node at fault.
  static absl::StatusOr<std::unique_ptr<Runtime>> Load(const std::string& path,
                                                       const Options& options);
  // `model_dir` resolves external data ("" refuses external data).
  static absl::StatusOr<std::unique_ptr<Runtime>> LoadFromBytes(absl::string_view bytes,
                                                                const Options& options,
                                                                std::string model_name = "model",
                                                                std::string model_dir = "");

  const std::vector<TensorInfo>& InputInfo() const;
  const std::vector<TensorInfo>& OutputInfo() const;
  // The resolved device ("cpu", "cuda:0").
  const std::string& device() const;

  // The plan for the given input shapes (name -> dims). Missing inputs use the
  // model's declared shape with symbolic dims set to 1.
  absl::StatusOr<Plan> GetPlan(const std::map<std::string, std::vector<int64_t>>& input_dims = {});

  // Runs the model. Inputs by name; every model input must be given, with the
  // model's dtype (float64 is converted to float32 where the model wants float32)
  // and a shape that matches its known dims. Outputs in OutputInfo() order.
  absl::StatusOr<std::vector<Tensor>> Run(const std::map<std::string, Tensor>& inputs);

  // Per-node timing of the last successful Run, in plan order (empty before one).
  std::vector<NodeTiming> LastProfile() const;

 private:
  struct Impl;
  explicit Runtime(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sf

#endif  // SF_RUNTIME_H_
