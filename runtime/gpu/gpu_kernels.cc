// The GPU kernel registry: one explicit row per supported OpType.
#include <array>

#include "runtime/gpu/gpu_kernel.h"
#include "runtime/gpu/gpu_kernel_factories.h"

namespace sf {
namespace {

struct Entry {
  OpType op;
  GpuKernelFactory factory;
  bool float16;  // the kernel also runs float16 (computing in float32)
  bool nhwc = false;  // the kernel also runs channels-last (Node::channels_last)
};

constexpr Entry kTable[] = {
    {OpType::kAbs, MakeGpuUnaryKernel, true},
    {OpType::kAdd, MakeGpuBinaryKernel, true},
    {OpType::kAveragePool, MakeGpuPoolKernel, true, true},
    {OpType::kBatchNormalization, MakeGpuBatchNormKernel, false},
    {OpType::kCast, MakeGpuCastKernel, false},
    {OpType::kClip, MakeGpuClipKernel, true},
    {OpType::kConcat, MakeGpuConcatKernel, true},
    {OpType::kConstantOfShape, MakeGpuConstantOfShapeKernel, false},
    {OpType::kConv, MakeGpuConvKernel, true, true},
    {OpType::kDiv, MakeGpuBinaryKernel, true},
    {OpType::kDropout, MakeGpuCopyKernel, true},
    {OpType::kEqual, MakeGpuBinaryKernel, false},
    {OpType::kExp, MakeGpuUnaryKernel, true},
    {OpType::kExpand, MakeGpuExpandKernel, true},
    {OpType::kFlatten, MakeGpuCopyKernel, true},
    {OpType::kFloor, MakeGpuUnaryKernel, true},
    {OpType::kGather, MakeGpuGatherKernel, true},
    {OpType::kGemm, MakeGpuGemmKernel, true},
    {OpType::kGlobalAveragePool, MakeGpuReduceKernel, true, true},
    {OpType::kGreater, MakeGpuBinaryKernel, false},
    {OpType::kGreaterOrEqual, MakeGpuBinaryKernel, false},
    {OpType::kIdentity, MakeGpuCopyKernel, true},
    {OpType::kLess, MakeGpuBinaryKernel, false},
    {OpType::kLessOrEqual, MakeGpuBinaryKernel, false},
    {OpType::kMatMul, MakeGpuMatMulKernel, true},
    {OpType::kMax, MakeGpuBinaryKernel, true},
    {OpType::kMaxPool, MakeGpuPoolKernel, true, true},
    {OpType::kMin, MakeGpuBinaryKernel, true},
    {OpType::kMul, MakeGpuBinaryKernel, true},
    {OpType::kNeg, MakeGpuUnaryKernel, true},
    {OpType::kNot, MakeGpuUnaryKernel, false},
    {OpType::kPad, MakeGpuPadKernel, true},
    {OpType::kReduceMean, MakeGpuReduceKernel, true},
    {OpType::kReduceSum, MakeGpuReduceKernel, true},
    {OpType::kRelu, MakeGpuUnaryKernel, true},
    {OpType::kReshape, MakeGpuCopyKernel, true},
    {OpType::kSigmoid, MakeGpuUnaryKernel, true},
    {OpType::kSlice, MakeGpuSliceKernel, true},
    {OpType::kSoftmax, MakeGpuSoftmaxKernel, false},
    {OpType::kSqrt, MakeGpuUnaryKernel, true},
    {OpType::kCeil, MakeGpuUnaryKernel, true},
    {OpType::kElu, MakeGpuUnaryKernel, true},
    {OpType::kErf, MakeGpuUnaryKernel, true},
    {OpType::kHardSigmoid, MakeGpuUnaryKernel, true},
    {OpType::kHardSwish, MakeGpuUnaryKernel, true},
    {OpType::kLeakyRelu, MakeGpuUnaryKernel, true},
    {OpType::kLog, MakeGpuUnaryKernel, true},
    {OpType::kPow, MakeGpuBinaryKernel, true},
    {OpType::kReciprocal, MakeGpuUnaryKernel, true},
    {OpType::kRound, MakeGpuUnaryKernel, true},
    {OpType::kSign, MakeGpuUnaryKernel, true},
    {OpType::kSoftplus, MakeGpuUnaryKernel, true},
    {OpType::kLayerNormalization, MakeGpuLayerNormKernel, false},
    {OpType::kSplit, MakeGpuSplitKernel, true},
    {OpType::kSqueeze, MakeGpuCopyKernel, true},
    {OpType::kSub, MakeGpuBinaryKernel, true},
    {OpType::kSum, MakeGpuBinaryKernel, true},
    {OpType::kTanh, MakeGpuUnaryKernel, true},
    {OpType::kTranspose, MakeGpuTransposeKernel, true},
    {OpType::kUnsqueeze, MakeGpuCopyKernel, true},
    {OpType::kWhere, MakeGpuWhereKernel, true},
    {OpType::kIF, MakeGpuNeuronKernel, true},
    {OpType::kLIF, MakeGpuNeuronKernel, true},
    {OpType::kPLIF, MakeGpuNeuronKernel, true},
    {OpType::kFusedElementwise, MakeGpuFusedElementwiseKernel, true},
};

const Entry* Find(OpType op) {
  for (const Entry& e : kTable) {
    if (e.op == op) return &e;
  }
  return nullptr;
}

}  // namespace

std::unique_ptr<GpuKernel> CreateGpuKernel(OpType op) {
  const Entry* e = Find(op);
  return e != nullptr ? e->factory(op) : nullptr;
}

bool GpuKernelRunsFloat16(const Graph&, const Node& node) {
  // A streamed reduction accumulates its float32 input across Step()s.
  if (node.carries_state && !IsNeuron(node.op)) return false;
  const Entry* e = Find(node.op);
  return e != nullptr && e->float16;
}

bool GpuKernelRunsNhwc(const Graph&, const Node& node) {
  const Entry* e = Find(node.op);
  if (e == nullptr || !e->nhwc || node.carries_state) return false;
  // cuDNN's grouped NHWC convs are not covered by the tests: those stay NCHW.
  return node.op != OpType::kConv || node.attrs.GetIntOr("group", 1).value_or(0) == 1;
}

}  // namespace sf
