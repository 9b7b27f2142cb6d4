// The GPU kernel registry: one explicit row per supported OpType.
#include <array>

#include "runtime/gpu/gpu_kernel.h"
#include "runtime/gpu/gpu_kernel_factories.h"

namespace sf {
namespace {

struct Entry {
  OpType op;
  GpuKernelFactory factory;
};

constexpr Entry kTable[] = {
    {OpType::kAbs, MakeGpuUnaryKernel},
    {OpType::kAdd, MakeGpuBinaryKernel},
    {OpType::kAveragePool, MakeGpuPoolKernel},
    {OpType::kBatchNormalization, MakeGpuBatchNormKernel},
    {OpType::kCast, MakeGpuCastKernel},
    {OpType::kClip, MakeGpuClipKernel},
    {OpType::kConcat, MakeGpuConcatKernel},
    {OpType::kConstantOfShape, MakeGpuConstantOfShapeKernel},
    {OpType::kConv, MakeGpuConvKernel},
    {OpType::kDiv, MakeGpuBinaryKernel},
    {OpType::kDropout, MakeGpuCopyKernel},
    {OpType::kEqual, MakeGpuBinaryKernel},
    {OpType::kExp, MakeGpuUnaryKernel},
    {OpType::kExpand, MakeGpuExpandKernel},
    {OpType::kFlatten, MakeGpuCopyKernel},
    {OpType::kFloor, MakeGpuUnaryKernel},
    {OpType::kGather, MakeGpuGatherKernel},
    {OpType::kGemm, MakeGpuGemmKernel},
    {OpType::kGlobalAveragePool, MakeGpuReduceKernel},
    {OpType::kGreater, MakeGpuBinaryKernel},
    {OpType::kGreaterOrEqual, MakeGpuBinaryKernel},
    {OpType::kIdentity, MakeGpuCopyKernel},
    {OpType::kLess, MakeGpuBinaryKernel},
    {OpType::kLessOrEqual, MakeGpuBinaryKernel},
    {OpType::kMatMul, MakeGpuMatMulKernel},
    {OpType::kMax, MakeGpuBinaryKernel},
    {OpType::kMaxPool, MakeGpuPoolKernel},
    {OpType::kMin, MakeGpuBinaryKernel},
    {OpType::kMul, MakeGpuBinaryKernel},
    {OpType::kNeg, MakeGpuUnaryKernel},
    {OpType::kNot, MakeGpuUnaryKernel},
    {OpType::kPad, MakeGpuPadKernel},
    {OpType::kReduceMean, MakeGpuReduceKernel},
    {OpType::kReduceSum, MakeGpuReduceKernel},
    {OpType::kRelu, MakeGpuUnaryKernel},
    {OpType::kReshape, MakeGpuCopyKernel},
    {OpType::kSigmoid, MakeGpuUnaryKernel},
    {OpType::kSlice, MakeGpuSliceKernel},
    {OpType::kSoftmax, MakeGpuSoftmaxKernel},
    {OpType::kSqrt, MakeGpuUnaryKernel},
    {OpType::kSqueeze, MakeGpuCopyKernel},
    {OpType::kSub, MakeGpuBinaryKernel},
    {OpType::kSum, MakeGpuBinaryKernel},
    {OpType::kTanh, MakeGpuUnaryKernel},
    {OpType::kTranspose, MakeGpuTransposeKernel},
    {OpType::kUnsqueeze, MakeGpuCopyKernel},
    {OpType::kWhere, MakeGpuWhereKernel},
    {OpType::kIF, MakeGpuNeuronKernel},
    {OpType::kLIF, MakeGpuNeuronKernel},
    {OpType::kPLIF, MakeGpuNeuronKernel},
};

}  // namespace

std::unique_ptr<GpuKernel> CreateGpuKernel(OpType op) {
  for (const Entry& e : kTable) {
    if (e.op == op) return e.factory(op);
  }
  return nullptr;
}

}  // namespace sf
