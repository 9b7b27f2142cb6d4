// FusedElementwise (graph/fused_program.h): the program run over chunks of
// lanes, one instruction at a time over the whole chunk. Each op is the same
// float expression as its own CPU kernel's, so the bits match the unfused run.
#include <algorithm>
#include <bit>
#include <cstdint>
#include <vector>

#include "graph/float16.h"
#include "graph/fused_program.h"
#include "graph/passes/fuse_elementwise.h"
#include "runtime/cpu/kernel_factories.h"
#include "runtime/cpu/kernel_util.h"

namespace sf {
namespace {

constexpr int64_t kChunk = 1024;  // lanes per pass over the program

struct Slot {
  DataType dtype;
  std::vector<int64_t> dims;
};

float LoadElement(const Tensor& t, int64_t i) {
  switch (t.dtype()) {
    case DataType::kFloat32:
      return t.data<float>()[i];
    case DataType::kFloat16:
      return HalfToFloat(t.data<uint16_t>()[i]);
    default:
      return t.data<uint8_t>()[i] != 0 ? 1.0f : 0.0f;
  }
}

void StoreElement(Tensor& t, int64_t i, float v) {
  switch (t.dtype()) {
    case DataType::kFloat32:
      t.data<float>()[i] = v;
      break;
    case DataType::kFloat16:
      t.data<uint16_t>()[i] = FloatToHalf(v);
      break;
    default:
      t.data<uint8_t>()[i] = v != 0.0f ? 1 : 0;
      break;
  }
}

template <typename F>
void Map2(float* d, const float* a, const float* b, int64_t n, F f) {
  for (int64_t j = 0; j < n; ++j) d[j] = f(a[j], b[j]);
}

class FusedElementwiseKernel : public CpuKernel {
 public:
  absl::Status Prepare(const Graph& graph, const Node& node) override {
    label_ = NodeLabel(node);
    SF_ASSIGN_OR_RETURN(FusedNodeProgram p, ReadFusedProgram(graph, node));
    words_.assign(p.words.begin(), p.words.end());
    elements_ = p.elements;
    for (size_t i = 0; i + 1 < node.inputs.size(); ++i) {
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, InputDims(graph, node, static_cast<int>(i)));
      inputs_.push_back({InputType(graph, node, static_cast<int>(i)), std::move(dims)});
    }
    for (size_t i = 0; i < node.outputs.size(); ++i) {
      SF_ASSIGN_OR_RETURN(std::vector<int64_t> dims, OutputDims(graph, node, static_cast<int>(i)));
      outputs_.push_back({OutputType(graph, node, static_cast<int>(i)), std::move(dims)});
    }
    regs_.assign(static_cast<size_t>(fused::kMaxRegisters * kChunk), 0.0f);
    return absl::OkStatus();
  }

  absl::Status Compute(std::span<const Tensor* const> inputs,
                       std::span<Tensor* const> outputs) override {
    if (inputs.size() != inputs_.size() + 1 || outputs.size() != outputs_.size()) {
      return NodeError(label_, "called with ", inputs.size(), " inputs and ", outputs.size(),
                       " outputs, prepared for ", inputs_.size() + 1, " and ", outputs_.size());
    }
    for (size_t i = 0; i < inputs_.size(); ++i) {
      SF_RETURN_IF_ERROR(
          CheckTensor(label_, inputs[i], inputs_[i].dtype, inputs_[i].dims, "input"));
    }
    for (size_t i = 0; i < outputs_.size(); ++i) {
      SF_RETURN_IF_ERROR(
          CheckTensor(label_, outputs[i], outputs_[i].dtype, outputs_[i].dims, "output"));
    }
    for (int64_t base = 0; base < elements_; base += kChunk) {
      const int64_t n = std::min(kChunk, elements_ - base);
      for (size_t k = 0; k < words_.size(); k += fused::kWordsPerInstruction) {
        Run(&words_[k], base, n, inputs, outputs);
      }
    }
    return absl::OkStatus();
  }

 private:
  float* Reg(int64_t r) { return &regs_[static_cast<size_t>(r * kChunk)]; }

  void Run(const int64_t* w, int64_t base, int64_t n, std::span<const Tensor* const> inputs,
           std::span<Tensor* const> outputs) {
    const fused::Opcode op = fused::OpcodeOf(w[0]);
    const fused::RegisterType type = fused::TypeOf(w[0]);
    const int64_t channels = fused::ChannelsOf(w[0]), spatial = fused::SpatialOf(w[0]);
    auto index = [&](int64_t j) {
      const int64_t f = w[3] + base + j;
      return channels > 0 ? fused::NhwcIndex(f, channels, spatial) : f;
    };
    if (op == fused::kStore) {
      const float* a = Reg(w[2]);
      for (int64_t j = 0; j < n; ++j) StoreElement(*outputs[w[1]], index(j), a[j]);
      return;
    }
    float* d = Reg(w[1]);
    const float* a = op == fused::kLoad || op == fused::kConst ? nullptr : Reg(w[2]);
    const float* b = fused::IsBinary(op) ? Reg(w[3]) : nullptr;
    switch (op) {
      case fused::kLoad:
        for (int64_t j = 0; j < n; ++j) d[j] = LoadElement(*inputs[w[2]], index(j));
        return;  // already of its type
      case fused::kConst:
        std::fill(d, d + n, std::bit_cast<float>(static_cast<uint32_t>(w[3])));
        return;
      case fused::kAdd:
        Map2(d, a, b, n, [](float u, float v) { return u + v; });
        break;
      case fused::kSub:
        Map2(d, a, b, n, [](float u, float v) { return u - v; });
        break;
      case fused::kMul:
        Map2(d, a, b, n, [](float u, float v) { return u * v; });
        break;
      case fused::kDiv:
        Map2(d, a, b, n, [](float u, float v) { return u / v; });
        break;
      case fused::kMax:
        Map2(d, a, b, n, [](float u, float v) { return std::max(u, v); });
        break;
      case fused::kMin:
        Map2(d, a, b, n, [](float u, float v) { return std::min(u, v); });
        break;
      case fused::kEqual:
        Map2(d, a, b, n, [](float u, float v) { return u == v ? 1.f : 0.f; });
        break;
      case fused::kGreater:
        Map2(d, a, b, n, [](float u, float v) { return u > v ? 1.f : 0.f; });
        break;
      case fused::kGreaterOrEqual:
        Map2(d, a, b, n, [](float u, float v) { return u >= v ? 1.f : 0.f; });
        break;
      case fused::kLess:
        Map2(d, a, b, n, [](float u, float v) { return u < v ? 1.f : 0.f; });
        break;
      case fused::kLessOrEqual:
        Map2(d, a, b, n, [](float u, float v) { return u <= v ? 1.f : 0.f; });
        break;
      case fused::kCast:
        if (type == fused::kBool) {
          for (int64_t j = 0; j < n; ++j) d[j] = a[j] != 0.0f ? 1.0f : 0.0f;
        } else {
          std::copy(a, a + n, d);
        }
        break;
      case fused::kNeg:
        for (int64_t j = 0; j < n; ++j) d[j] = -a[j];
        break;
      case fused::kAbs:
        for (int64_t j = 0; j < n; ++j) d[j] = a[j] < 0.0f ? -a[j] : a[j];
        break;
      case fused::kNot:
        for (int64_t j = 0; j < n; ++j) d[j] = a[j] != 0.0f ? 0.0f : 1.0f;
        break;
      default:
        break;
    }
    if (type == fused::kFloat16) {
      for (int64_t j = 0; j < n; ++j) d[j] = HalfToFloat(FloatToHalf(d[j]));
    }
  }

  Node label_;
  std::vector<int64_t> words_;
  int64_t elements_ = 0;
  std::vector<Slot> inputs_, outputs_;
  std::vector<float> regs_;
};

}  // namespace

std::unique_ptr<CpuKernel> MakeFusedElementwiseKernel(OpType) {
  return std::make_unique<FusedElementwiseKernel>();
}

}  // namespace sf
