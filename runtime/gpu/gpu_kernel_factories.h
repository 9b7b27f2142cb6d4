// Factories of the GPU kernels, one family per file; the table in
// gpu_kernels.cc maps each OpType to one of them.
#ifndef SF_RUNTIME_GPU_GPU_KERNEL_FACTORIES_H_
#define SF_RUNTIME_GPU_GPU_KERNEL_FACTORIES_H_

#include <memory>

#include "runtime/gpu/gpu_kernel.h"

namespace sf {

using GpuKernelFactory = std::unique_ptr<GpuKernel> (*)(OpType op);

std::unique_ptr<GpuKernel> MakeGpuUnaryKernel(OpType op);      // elementwise_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuClipKernel(OpType op);       // elementwise_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuCastKernel(OpType op);       // elementwise_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuBinaryKernel(OpType op);     // elementwise_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuWhereKernel(OpType op);      // elementwise_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuCopyKernel(OpType op);       // data_movement_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuTransposeKernel(OpType op);  // data_movement_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuSliceKernel(OpType op);      // data_movement_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuSplitKernel(OpType op);      // data_movement_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuPadKernel(OpType op);        // data_movement_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuConcatKernel(OpType op);     // data_movement_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuExpandKernel(OpType op);     // data_movement_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuGatherKernel(OpType op);     // data_movement_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuConstantOfShapeKernel(OpType op);  // data_movement_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuConvKernel(OpType op);       // nn_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuNeuronKernel(OpType op);     // nn_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuFusedElementwiseKernel(OpType op);  // fused_elementwise_kernel.cc
std::unique_ptr<GpuKernel> MakeGpuBatchNormKernel(OpType op);  // nn_kernels.cc
// A residual Add fused with a neuron (NeuronAddKernel in nn_kernels.cc):
// add_first prepares it on the Add with `partner` the neuron after it
// (PlanStep::fused_neuron), else on the neuron with `partner` the Add after
// it (PlanStep::fused_add; the executor passes the Add's other input second).
std::unique_ptr<GpuKernel> CreateNeuronAddGpuKernel(bool add_first, int partner);
std::unique_ptr<GpuKernel> MakeGpuPoolKernel(OpType op);       // nn_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuReduceKernel(OpType op);     // reduce_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuSoftmaxKernel(OpType op);    // reduce_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuLayerNormKernel(OpType op);  // reduce_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuGemmKernel(OpType op);       // gemm_kernels.cc
std::unique_ptr<GpuKernel> MakeGpuMatMulKernel(OpType op);     // gemm_kernels.cc

}  // namespace sf

#endif  // SF_RUNTIME_GPU_GPU_KERNEL_FACTORIES_H_
