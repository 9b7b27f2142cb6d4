#include "cuda/cudnn_backend_conv.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "cuda/cuda_status.h"
#include "cuda/cudnn_conv.h"
#include "graph/status.h"

namespace sf::cuda {
namespace {

// Tensor unique ids in the graph and its variant packs.
constexpr int64_t kX = 1, kW = 2, kY = 3, kBias = 4, kAccumulator = 5;
constexpr int kMaxNotes = 16;

absl::StatusOr<BackendDescriptor> MakeDescriptor(cudnnBackendDescriptorType_t type) {
  cudnnBackendDescriptor_t d = nullptr;
  SF_CUDNN_RETURN_IF_ERROR(cudnnBackendCreateDescriptor(type, &d));
  return BackendDescriptor(d);
}

// A packed 4-D tensor of logical dims (n, c, h, w) stored NCHW or NHWC.
absl::StatusOr<BackendDescriptor> MakeTensor(int64_t uid, int64_t n, int64_t c, int64_t h,
                                             int64_t w, cudnnDataType_t type,
                                             cudnnTensorFormat_t format, bool is_virtual) {
  SF_ASSIGN_OR_RETURN(BackendDescriptor d, MakeDescriptor(CUDNN_BACKEND_TENSOR_DESCRIPTOR));
  const int64_t dims[4] = {n, c, h, w};
  const bool nhwc = format == CUDNN_TENSOR_NHWC;
  const int64_t strides[4] = {c * h * w, nhwc ? 1 : h * w, nhwc ? w * c : w, nhwc ? c : 1};
  const int64_t alignment = type == CUDNN_DATA_HALF ? 2 : 4;
  SF_CUDNN_RETURN_IF_ERROR(cudnnBackendSetAttribute(d.get(), CUDNN_ATTR_TENSOR_DATA_TYPE,
                                                    CUDNN_TYPE_DATA_TYPE, 1, &type));
  SF_CUDNN_RETURN_IF_ERROR(
      cudnnBackendSetAttribute(d.get(), CUDNN_ATTR_TENSOR_DIMENSIONS, CUDNN_TYPE_INT64, 4, dims));
  SF_CUDNN_RETURN_IF_ERROR(
      cudnnBackendSetAttribute(d.get(), CUDNN_ATTR_TENSOR_STRIDES, CUDNN_TYPE_INT64, 4, strides));
  SF_CUDNN_RETURN_IF_ERROR(
      cudnnBackendSetAttribute(d.get(), CUDNN_ATTR_TENSOR_UNIQUE_ID, CUDNN_TYPE_INT64, 1, &uid));
  SF_CUDNN_RETURN_IF_ERROR(cudnnBackendSetAttribute(d.get(), CUDNN_ATTR_TENSOR_BYTE_ALIGNMENT,
                                                    CUDNN_TYPE_INT64, 1, &alignment));
  SF_CUDNN_RETURN_IF_ERROR(cudnnBackendSetAttribute(d.get(), CUDNN_ATTR_TENSOR_IS_VIRTUAL,
                                                    CUDNN_TYPE_BOOLEAN, 1, &is_virtual));
  SF_CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(d.get()));
  return d;
}

template <typename T>
absl::Status Set(const BackendDescriptor& d, cudnnBackendAttributeName_t name,
                 cudnnBackendAttributeType_t type, const T* value, int64_t count = 1) {
  SF_CUDNN_RETURN_IF_ERROR(cudnnBackendSetAttribute(d.get(), name, type, count, value));
  return absl::OkStatus();
}

absl::Status SetDescriptor(const BackendDescriptor& d, cudnnBackendAttributeName_t name,
                           const BackendDescriptor& value) {
  cudnnBackendDescriptor_t v = value.get();
  return Set(d, name, CUDNN_TYPE_BACKEND_DESCRIPTOR, &v);
}

// Whether an engine's notes let it run here (the header's rules).
absl::StatusOr<bool> Qualifies(const BackendDescriptor& engine, bool sum_of_products_only,
                               bool allow_tensor_cores) {
  cudnnBackendNumericalNote_t numerical[kMaxNotes];
  int64_t count = 0;
  SF_CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(engine.get(), CUDNN_ATTR_ENGINE_NUMERICAL_NOTE,
                                                    CUDNN_TYPE_NUMERICAL_NOTE, kMaxNotes, &count,
                                                    numerical));
  for (int64_t i = 0; i < std::min<int64_t>(count, kMaxNotes); ++i) {
    switch (numerical[i]) {
      case CUDNN_NUMERICAL_NOTE_TENSOR_CORE:
        if (!allow_tensor_cores) return false;
        break;
      case CUDNN_NUMERICAL_NOTE_DOWN_CONVERT_INPUTS:
      case CUDNN_NUMERICAL_NOTE_REDUCED_PRECISION_REDUCTION:
      case CUDNN_NUMERICAL_NOTE_NONDETERMINISTIC:
        return false;
      case CUDNN_NUMERICAL_NOTE_FFT:
      case CUDNN_NUMERICAL_NOTE_WINOGRAD:
      case CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_4x4:
      case CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_6x6:
      case CUDNN_NUMERICAL_NOTE_WINOGRAD_TILE_13x13:
        if (sum_of_products_only) return false;
        break;
      default:
        break;
    }
  }
  cudnnBackendBehaviorNote_t behavior[kMaxNotes];
  SF_CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(engine.get(), CUDNN_ATTR_ENGINE_BEHAVIOR_NOTE,
                                                    CUDNN_TYPE_BEHAVIOR_NOTE, kMaxNotes, &count,
                                                    behavior));
  for (int64_t i = 0; i < std::min<int64_t>(count, kMaxNotes); ++i) {
    if (behavior[i] == CUDNN_BEHAVIOR_NOTE_RUNTIME_COMPILATION) return false;
  }
  return true;
}

}  // namespace

std::string DescribeEngineConfig(const BackendEngineConfig& config) {
  std::string s = absl::StrCat("engine ", config.engine);
  if (!config.knobs.empty()) {
    absl::StrAppend(&s, " (knobs");
    for (const auto& [type, value] : config.knobs) absl::StrAppend(&s, " ", type, "=", value);
    absl::StrAppend(&s, ")");
  }
  return s;
}

absl::StatusOr<BackendConvGraph> BackendConvGraph::Create(cudnnHandle_t handle, const ConvShape& s,
                                                          cudnnDataType_t data,
                                                          cudnnTensorFormat_t format, bool bias) {
  if (s.group != 1) return absl::UnimplementedError("grouped convs use the legacy API only");
  BackendConvGraph g;
  g.bias_ = bias;
  SF_ASSIGN_OR_RETURN(g.x_, MakeTensor(kX, s.n, s.c_in, s.h, s.w, data, format, false));
  SF_ASSIGN_OR_RETURN(g.w_, MakeTensor(kW, s.c_out, s.c_in, s.kh, s.kw, data, format, false));
  SF_ASSIGN_OR_RETURN(g.y_, MakeTensor(kY, s.n, s.c_out, s.out_h, s.out_w, data, format, false));
  if (bias) {
    SF_ASSIGN_OR_RETURN(g.b_, MakeTensor(kBias, 1, s.c_out, 1, 1, data, format, false));
    SF_ASSIGN_OR_RETURN(g.acc_, MakeTensor(kAccumulator, s.n, s.c_out, s.out_h, s.out_w,
                                           CUDNN_DATA_FLOAT, format, true));
  }
  SF_ASSIGN_OR_RETURN(g.conv_, MakeDescriptor(CUDNN_BACKEND_CONVOLUTION_DESCRIPTOR));
  {
    const cudnnDataType_t compute = CUDNN_DATA_FLOAT;
    const cudnnConvolutionMode_t mode = CUDNN_CROSS_CORRELATION;
    const int64_t dims = 2, dilation[2] = {s.dil_h, s.dil_w}, stride[2] = {s.stride_h, s.stride_w},
                  pad[2] = {s.pad_h, s.pad_w};
    SF_RETURN_IF_ERROR(
        Set(g.conv_, CUDNN_ATTR_CONVOLUTION_COMP_TYPE, CUDNN_TYPE_DATA_TYPE, &compute));
    SF_RETURN_IF_ERROR(
        Set(g.conv_, CUDNN_ATTR_CONVOLUTION_CONV_MODE, CUDNN_TYPE_CONVOLUTION_MODE, &mode));
    SF_RETURN_IF_ERROR(Set(g.conv_, CUDNN_ATTR_CONVOLUTION_SPATIAL_DIMS, CUDNN_TYPE_INT64, &dims));
    SF_RETURN_IF_ERROR(
        Set(g.conv_, CUDNN_ATTR_CONVOLUTION_DILATIONS, CUDNN_TYPE_INT64, dilation, 2));
    SF_RETURN_IF_ERROR(
        Set(g.conv_, CUDNN_ATTR_CONVOLUTION_FILTER_STRIDES, CUDNN_TYPE_INT64, stride, 2));
    SF_RETURN_IF_ERROR(Set(g.conv_, CUDNN_ATTR_CONVOLUTION_PRE_PADDINGS, CUDNN_TYPE_INT64, pad, 2));
    SF_RETURN_IF_ERROR(
        Set(g.conv_, CUDNN_ATTR_CONVOLUTION_POST_PADDINGS, CUDNN_TYPE_INT64, pad, 2));
    SF_CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(g.conv_.get()));
  }
  SF_ASSIGN_OR_RETURN(g.op_,
                      MakeDescriptor(CUDNN_BACKEND_OPERATION_CONVOLUTION_FORWARD_DESCRIPTOR));
  {
    const float alpha = 1.0f, beta = 0.0f;
    SF_RETURN_IF_ERROR(SetDescriptor(g.op_, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_X, g.x_));
    SF_RETURN_IF_ERROR(SetDescriptor(g.op_, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_W, g.w_));
    SF_RETURN_IF_ERROR(
        SetDescriptor(g.op_, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_Y, bias ? g.acc_ : g.y_));
    SF_RETURN_IF_ERROR(
        SetDescriptor(g.op_, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_CONV_DESC, g.conv_));
    SF_RETURN_IF_ERROR(
        Set(g.op_, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_ALPHA, CUDNN_TYPE_FLOAT, &alpha));
    SF_RETURN_IF_ERROR(
        Set(g.op_, CUDNN_ATTR_OPERATION_CONVOLUTION_FORWARD_BETA, CUDNN_TYPE_FLOAT, &beta));
    SF_CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(g.op_.get()));
  }
  std::vector<cudnnBackendDescriptor_t> ops = {g.op_.get()};
  if (bias) {
    SF_ASSIGN_OR_RETURN(g.pointwise_, MakeDescriptor(CUDNN_BACKEND_POINTWISE_DESCRIPTOR));
    const cudnnPointwiseMode_t mode = CUDNN_POINTWISE_ADD;
    const cudnnDataType_t precision = CUDNN_DATA_FLOAT;
    SF_RETURN_IF_ERROR(
        Set(g.pointwise_, CUDNN_ATTR_POINTWISE_MODE, CUDNN_TYPE_POINTWISE_MODE, &mode));
    SF_RETURN_IF_ERROR(
        Set(g.pointwise_, CUDNN_ATTR_POINTWISE_MATH_PREC, CUDNN_TYPE_DATA_TYPE, &precision));
    SF_CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(g.pointwise_.get()));
    SF_ASSIGN_OR_RETURN(g.add_, MakeDescriptor(CUDNN_BACKEND_OPERATION_POINTWISE_DESCRIPTOR));
    SF_RETURN_IF_ERROR(
        SetDescriptor(g.add_, CUDNN_ATTR_OPERATION_POINTWISE_PW_DESCRIPTOR, g.pointwise_));
    SF_RETURN_IF_ERROR(SetDescriptor(g.add_, CUDNN_ATTR_OPERATION_POINTWISE_XDESC, g.acc_));
    SF_RETURN_IF_ERROR(SetDescriptor(g.add_, CUDNN_ATTR_OPERATION_POINTWISE_BDESC, g.b_));
    SF_RETURN_IF_ERROR(SetDescriptor(g.add_, CUDNN_ATTR_OPERATION_POINTWISE_YDESC, g.y_));
    SF_CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(g.add_.get()));
    ops.push_back(g.add_.get());
  }
  SF_ASSIGN_OR_RETURN(g.graph_, MakeDescriptor(CUDNN_BACKEND_OPERATIONGRAPH_DESCRIPTOR));
  SF_CUDNN_RETURN_IF_ERROR(cudnnBackendSetAttribute(g.graph_.get(), CUDNN_ATTR_OPERATIONGRAPH_OPS,
                                                    CUDNN_TYPE_BACKEND_DESCRIPTOR,
                                                    static_cast<int64_t>(ops.size()), ops.data()));
  SF_RETURN_IF_ERROR(Set(g.graph_, CUDNN_ATTR_OPERATIONGRAPH_HANDLE, CUDNN_TYPE_HANDLE, &handle));
  SF_CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(g.graph_.get()));
  return g;
}

absl::StatusOr<std::vector<BackendEngineConfig>> BackendConvGraph::Candidates(
    bool sum_of_products_only, bool allow_tensor_cores, int max_count) const {
  SF_ASSIGN_OR_RETURN(BackendDescriptor heuristic,
                      MakeDescriptor(CUDNN_BACKEND_ENGINEHEUR_DESCRIPTOR));
  SF_RETURN_IF_ERROR(SetDescriptor(heuristic, CUDNN_ATTR_ENGINEHEUR_OPERATION_GRAPH, graph_));
  const cudnnBackendHeurMode_t mode = CUDNN_HEUR_MODE_A;
  SF_RETURN_IF_ERROR(Set(heuristic, CUDNN_ATTR_ENGINEHEUR_MODE, CUDNN_TYPE_HEUR_MODE, &mode));
  SF_CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(heuristic.get()));
  int64_t count = 0;
  SF_CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(heuristic.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                                    CUDNN_TYPE_BACKEND_DESCRIPTOR, 0, &count,
                                                    nullptr));
  count = std::clamp<int64_t>(count, 0, 256);
  std::vector<BackendDescriptor> owned;
  std::vector<cudnnBackendDescriptor_t> configs;
  for (int64_t i = 0; i < count; ++i) {
    SF_ASSIGN_OR_RETURN(BackendDescriptor c, MakeDescriptor(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR));
    configs.push_back(c.get());
    owned.push_back(std::move(c));
  }
  int64_t returned = 0;
  if (count > 0) {
    SF_CUDNN_RETURN_IF_ERROR(
        cudnnBackendGetAttribute(heuristic.get(), CUDNN_ATTR_ENGINEHEUR_RESULTS,
                                 CUDNN_TYPE_BACKEND_DESCRIPTOR, count, &returned, configs.data()));
  }
  // Knob-choice descriptors for reading each config's choices into (reused).
  std::vector<BackendDescriptor> knob_owned;
  std::vector<cudnnBackendDescriptor_t> knobs;
  for (int k = 0; k < kMaxBackendKnobs; ++k) {
    SF_ASSIGN_OR_RETURN(BackendDescriptor kc, MakeDescriptor(CUDNN_BACKEND_KNOB_CHOICE_DESCRIPTOR));
    knobs.push_back(kc.get());
    knob_owned.push_back(std::move(kc));
  }
  std::vector<BackendEngineConfig> out;
  for (int64_t i = 0; i < std::min(returned, count) && static_cast<int>(out.size()) < max_count;
       ++i) {
    SF_ASSIGN_OR_RETURN(BackendDescriptor engine, MakeDescriptor(CUDNN_BACKEND_ENGINE_DESCRIPTOR));
    cudnnBackendDescriptor_t e = engine.get();
    int64_t got = 0;
    if (cudnnBackendGetAttribute(configs[i], CUDNN_ATTR_ENGINECFG_ENGINE,
                                 CUDNN_TYPE_BACKEND_DESCRIPTOR, 1, &got,
                                 &e) != CUDNN_STATUS_SUCCESS ||
        got != 1) {
      continue;
    }
    SF_ASSIGN_OR_RETURN(const bool ok, Qualifies(engine, sum_of_products_only, allow_tensor_cores));
    if (!ok) continue;
    BackendEngineConfig config;
    SF_CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(e, CUDNN_ATTR_ENGINE_GLOBAL_INDEX,
                                                      CUDNN_TYPE_INT64, 1, &got, &config.engine));
    int64_t knob_count = 0;
    SF_CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(configs[i], CUDNN_ATTR_ENGINECFG_KNOB_CHOICES,
                                                      CUDNN_TYPE_BACKEND_DESCRIPTOR,
                                                      kMaxBackendKnobs, &knob_count, knobs.data()));
    for (int64_t k = 0; k < std::min<int64_t>(knob_count, kMaxBackendKnobs); ++k) {
      cudnnBackendKnobType_t type{};
      int64_t value = 0;
      SF_CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(knobs[k], CUDNN_ATTR_KNOB_CHOICE_KNOB_TYPE,
                                                        CUDNN_TYPE_KNOB_TYPE, 1, &got, &type));
      SF_CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(knobs[k], CUDNN_ATTR_KNOB_CHOICE_KNOB_VALUE,
                                                        CUDNN_TYPE_INT64, 1, &got, &value));
      config.knobs.emplace_back(static_cast<int64_t>(type), value);
    }
    if (std::find(out.begin(), out.end(), config) == out.end()) out.push_back(std::move(config));
  }
  return out;
}

absl::StatusOr<BackendConvPlan> BackendConvGraph::Build(cudnnHandle_t handle,
                                                        const BackendEngineConfig& config,
                                                        bool sum_of_products_only,
                                                        bool allow_tensor_cores) const {
  SF_ASSIGN_OR_RETURN(BackendDescriptor engine, MakeDescriptor(CUDNN_BACKEND_ENGINE_DESCRIPTOR));
  SF_RETURN_IF_ERROR(SetDescriptor(engine, CUDNN_ATTR_ENGINE_OPERATION_GRAPH, graph_));
  SF_RETURN_IF_ERROR(Set(engine, CUDNN_ATTR_ENGINE_GLOBAL_INDEX, CUDNN_TYPE_INT64, &config.engine));
  SF_CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(engine.get()));
  SF_ASSIGN_OR_RETURN(const bool qualifies,
                      Qualifies(engine, sum_of_products_only, allow_tensor_cores));
  if (!qualifies) {
    return absl::InvalidArgumentError(
        absl::StrCat("cuDNN backend conv: ", DescribeEngineConfig(config),
                     " does not qualify (compiled at run time, nondeterministic, reduced precision",
                     allow_tensor_cores ? "" : ", tensor cores",
                     sum_of_products_only ? ", Winograd or FFT" : "", ")"));
  }
  std::vector<BackendDescriptor> knob_owned;
  std::vector<cudnnBackendDescriptor_t> knobs;
  for (const auto& [type, value] : config.knobs) {
    SF_ASSIGN_OR_RETURN(BackendDescriptor kc, MakeDescriptor(CUDNN_BACKEND_KNOB_CHOICE_DESCRIPTOR));
    const auto knob_type = static_cast<cudnnBackendKnobType_t>(type);
    SF_RETURN_IF_ERROR(Set(kc, CUDNN_ATTR_KNOB_CHOICE_KNOB_TYPE, CUDNN_TYPE_KNOB_TYPE, &knob_type));
    SF_RETURN_IF_ERROR(Set(kc, CUDNN_ATTR_KNOB_CHOICE_KNOB_VALUE, CUDNN_TYPE_INT64, &value));
    SF_CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(kc.get()));
    knobs.push_back(kc.get());
    knob_owned.push_back(std::move(kc));
  }
  SF_ASSIGN_OR_RETURN(BackendDescriptor cfg, MakeDescriptor(CUDNN_BACKEND_ENGINECFG_DESCRIPTOR));
  SF_RETURN_IF_ERROR(SetDescriptor(cfg, CUDNN_ATTR_ENGINECFG_ENGINE, engine));
  if (!knobs.empty()) {
    SF_CUDNN_RETURN_IF_ERROR(cudnnBackendSetAttribute(
        cfg.get(), CUDNN_ATTR_ENGINECFG_KNOB_CHOICES, CUDNN_TYPE_BACKEND_DESCRIPTOR,
        static_cast<int64_t>(knobs.size()), knobs.data()));
  }
  SF_CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(cfg.get()));
  BackendConvPlan plan;
  SF_ASSIGN_OR_RETURN(plan.plan_, MakeDescriptor(CUDNN_BACKEND_EXECUTION_PLAN_DESCRIPTOR));
  SF_RETURN_IF_ERROR(Set(plan.plan_, CUDNN_ATTR_EXECUTION_PLAN_HANDLE, CUDNN_TYPE_HANDLE, &handle));
  SF_RETURN_IF_ERROR(SetDescriptor(plan.plan_, CUDNN_ATTR_EXECUTION_PLAN_ENGINE_CONFIG, cfg));
  SF_CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(plan.plan_.get()));
  int64_t workspace = 0, got = 0;
  SF_CUDNN_RETURN_IF_ERROR(cudnnBackendGetAttribute(plan.plan_.get(),
                                                    CUDNN_ATTR_EXECUTION_PLAN_WORKSPACE_SIZE,
                                                    CUDNN_TYPE_INT64, 1, &got, &workspace));
  if (workspace < 0) return absl::InternalError("cuDNN reported a negative workspace size");
  plan.workspace_bytes_ = static_cast<size_t>(workspace);
  plan.config_ = config;
  plan.has_bias_ = bias_;
  return plan;
}

absl::Status BackendConvPlan::Execute(cudnnHandle_t handle, const void* x, const void* w,
                                      const void* bias, void* y, void* workspace) const {
  if (!plan_) return absl::FailedPreconditionError("cuDNN backend conv: no plan");
  if (has_bias_ != (bias != nullptr)) {
    return absl::InvalidArgumentError(
        absl::StrCat("cuDNN backend conv: planned ", has_bias_ ? "with" : "without", " a bias"));
  }
  const std::array<const void*, 5> ptrs = {x, w, bias, y, workspace};
  if (!pack_ || ptrs != pack_ptrs_) {
    SF_ASSIGN_OR_RETURN(BackendDescriptor pack,
                        MakeDescriptor(CUDNN_BACKEND_VARIANT_PACK_DESCRIPTOR));
    void* data[4] = {const_cast<void*>(x), const_cast<void*>(w), y, const_cast<void*>(bias)};
    const int64_t uids[4] = {kX, kW, kY, kBias};
    const int64_t n = has_bias_ ? 4 : 3;
    SF_RETURN_IF_ERROR(
        Set(pack, CUDNN_ATTR_VARIANT_PACK_DATA_POINTERS, CUDNN_TYPE_VOID_PTR, data, n));
    SF_RETURN_IF_ERROR(Set(pack, CUDNN_ATTR_VARIANT_PACK_UNIQUE_IDS, CUDNN_TYPE_INT64, uids, n));
    SF_RETURN_IF_ERROR(
        Set(pack, CUDNN_ATTR_VARIANT_PACK_WORKSPACE, CUDNN_TYPE_VOID_PTR, &workspace));
    SF_CUDNN_RETURN_IF_ERROR(cudnnBackendFinalize(pack.get()));
    pack_ = std::move(pack);
    pack_ptrs_ = ptrs;
  }
  SF_CUDNN_RETURN_IF_ERROR(cudnnBackendExecute(handle, plan_.get(), pack_.get()));
  return absl::OkStatus();
}

}  // namespace sf::cuda
