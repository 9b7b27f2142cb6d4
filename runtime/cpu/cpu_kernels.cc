// The CPU kernel registry: an explicit table from OpType to factory.
#include <array>

#include "runtime/cpu/cpu_kernel.h"
#include "runtime/cpu/kernel_factories.h"

namespace sf {
namespace {

struct Entry {
  OpType op;
  CpuKernelFactory factory;
};

constexpr Entry kRegistry[] = {
    {OpType::kAbs, MakeUnaryKernel},
    {OpType::kAdd, MakeBinaryKernel},
    {OpType::kAveragePool, MakePoolKernel},
    {OpType::kBatchNormalization, MakeBatchNormKernel},
    {OpType::kCast, MakeCastKernel},
    {OpType::kClip, MakeClipKernel},
    {OpType::kConcat, MakeConcatKernel},
    {OpType::kConstantOfShape, MakeConstantOfShapeKernel},
    {OpType::kConv, MakeConvKernel},
    {OpType::kDiv, MakeBinaryKernel},
    {OpType::kDropout, MakeCopyKernel},
    {OpType::kEqual, MakeBinaryKernel},
    {OpType::kExp, MakeUnaryKernel},
    {OpType::kExpand, MakeExpandKernel},
    {OpType::kFlatten, MakeCopyKernel},
    {OpType::kFloor, MakeUnaryKernel},
    {OpType::kGather, MakeGatherKernel},
    {OpType::kGemm, MakeGemmKernel},
    {OpType::kGlobalAveragePool, MakeGlobalAveragePoolKernel},
    {OpType::kGreater, MakeBinaryKernel},
    {OpType::kGreaterOrEqual, MakeBinaryKernel},
    {OpType::kIdentity, MakeCopyKernel},
    {OpType::kLess, MakeBinaryKernel},
    {OpType::kLessOrEqual, MakeBinaryKernel},
    {OpType::kMatMul, MakeMatMulKernel},
    {OpType::kMax, MakeBinaryKernel},
    {OpType::kMaxPool, MakePoolKernel},
    {OpType::kMin, MakeBinaryKernel},
    {OpType::kMul, MakeBinaryKernel},
    {OpType::kNeg, MakeUnaryKernel},
    {OpType::kNot, MakeUnaryKernel},
    {OpType::kPad, MakePadKernel},
    {OpType::kReduceMean, MakeReduceKernel},
    {OpType::kReduceSum, MakeReduceKernel},
    {OpType::kRelu, MakeUnaryKernel},
    {OpType::kReshape, MakeCopyKernel},
    {OpType::kShape, MakeShapeKernel},
    {OpType::kSigmoid, MakeUnaryKernel},
    {OpType::kSlice, MakeSliceKernel},
    {OpType::kSoftmax, MakeSoftmaxKernel},
    {OpType::kSqrt, MakeUnaryKernel},
    {OpType::kCeil, MakeUnaryKernel},
    {OpType::kElu, MakeUnaryKernel},
    {OpType::kErf, MakeUnaryKernel},
    {OpType::kHardSigmoid, MakeUnaryKernel},
    {OpType::kHardSwish, MakeUnaryKernel},
    {OpType::kLeakyRelu, MakeUnaryKernel},
    {OpType::kLog, MakeUnaryKernel},
    {OpType::kPow, MakeBinaryKernel},
    {OpType::kReciprocal, MakeUnaryKernel},
    {OpType::kRound, MakeUnaryKernel},
    {OpType::kSign, MakeUnaryKernel},
    {OpType::kSoftplus, MakeUnaryKernel},
    {OpType::kLayerNormalization, MakeLayerNormKernel},
    {OpType::kSplit, MakeSplitKernel},
    {OpType::kSqueeze, MakeCopyKernel},
    {OpType::kSub, MakeBinaryKernel},
    {OpType::kSum, MakeBinaryKernel},
    {OpType::kTanh, MakeUnaryKernel},
    {OpType::kTranspose, MakeTransposeKernel},
    {OpType::kUnsqueeze, MakeCopyKernel},
    {OpType::kWhere, MakeWhereKernel},
    {OpType::kIF, MakeNeuronKernel},
    {OpType::kLIF, MakeNeuronKernel},
    {OpType::kPLIF, MakeNeuronKernel},
    {OpType::kFusedElementwise, MakeFusedElementwiseKernel},
};

}  // namespace

std::unique_ptr<CpuKernel> CreateCpuKernel(OpType op) {
  for (const Entry& e : kRegistry) {
    if (e.op == op) return e.factory(op);
  }
  return nullptr;
}

}  // namespace sf
