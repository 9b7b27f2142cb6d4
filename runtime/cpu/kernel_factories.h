// Factories of the CPU reference kernels, one per family (file). The registry
// table in cpu_kernels.cc maps each OpType to one of them; a factory receives
// the OpType so that one class can serve a family (Add/Sub/Mul/...).
#ifndef SF_RUNTIME_CPU_KERNEL_FACTORIES_H_
#define SF_RUNTIME_CPU_KERNEL_FACTORIES_H_

#include <memory>

#include "runtime/cpu/cpu_kernel.h"

namespace sf {

using CpuKernelFactory = std::unique_ptr<CpuKernel> (*)(OpType op);

std::unique_ptr<CpuKernel> MakeConvKernel(OpType op);             // conv.cc
std::unique_ptr<CpuKernel> MakePoolKernel(OpType op);             // pool.cc
std::unique_ptr<CpuKernel> MakeGlobalAveragePoolKernel(OpType op);  // pool.cc
std::unique_ptr<CpuKernel> MakeGemmKernel(OpType op);             // gemm.cc
std::unique_ptr<CpuKernel> MakeMatMulKernel(OpType op);           // gemm.cc
std::unique_ptr<CpuKernel> MakeUnaryKernel(OpType op);            // unary.cc
std::unique_ptr<CpuKernel> MakeClipKernel(OpType op);             // unary.cc
std::unique_ptr<CpuKernel> MakeCastKernel(OpType op);             // cast.cc
std::unique_ptr<CpuKernel> MakeBinaryKernel(OpType op);           // binary.cc
std::unique_ptr<CpuKernel> MakeWhereKernel(OpType op);            // binary.cc
std::unique_ptr<CpuKernel> MakeBatchNormKernel(OpType op);        // normalization.cc
std::unique_ptr<CpuKernel> MakeSoftmaxKernel(OpType op);          // normalization.cc
std::unique_ptr<CpuKernel> MakeLayerNormKernel(OpType op);        // normalization.cc
std::unique_ptr<CpuKernel> MakeReduceKernel(OpType op);           // reduce.cc
std::unique_ptr<CpuKernel> MakeCopyKernel(OpType op);             // shape_ops.cc
std::unique_ptr<CpuKernel> MakeShapeKernel(OpType op);            // shape_ops.cc
std::unique_ptr<CpuKernel> MakeConstantOfShapeKernel(OpType op);  // shape_ops.cc
std::unique_ptr<CpuKernel> MakeExpandKernel(OpType op);           // shape_ops.cc
std::unique_ptr<CpuKernel> MakeTransposeKernel(OpType op);        // transpose.cc
std::unique_ptr<CpuKernel> MakeConcatKernel(OpType op);           // concat.cc
std::unique_ptr<CpuKernel> MakeSliceKernel(OpType op);            // slice.cc
std::unique_ptr<CpuKernel> MakeSplitKernel(OpType op);            // slice.cc
std::unique_ptr<CpuKernel> MakeGatherKernel(OpType op);           // gather.cc
std::unique_ptr<CpuKernel> MakePadKernel(OpType op);              // pad.cc
std::unique_ptr<CpuKernel> MakeNeuronKernel(OpType op);           // neuron.cc
std::unique_ptr<CpuKernel> MakeFusedElementwiseKernel(OpType op);  // fused_elementwise.cc

}  // namespace sf

#endif  // SF_RUNTIME_CPU_KERNEL_FACTORIES_H_
