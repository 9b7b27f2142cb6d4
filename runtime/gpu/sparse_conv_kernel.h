// The GPU kernel for convs the plan marks "sparse" (runtime/plan.h): the
// prescan + output-stationary block-sparse conv of cuda/kernels/sparse_conv.h.
//
// Prepare checks the conv is one the sparse kernel runs (float32, group 1,
// dilation 1, square 3x3 or 1x1, equal strides 1 or 2; any padding), repacks
// the constant weights once into a device buffer the kernel owns, and sizes
// the workspace. Enqueue queues the prescan and the conv (no allocation, no
// synchronisation). The tile edge is the plan's block edge capped at
// cuda::kSparseConvMaxTile. One thread at a time.
#ifndef SF_RUNTIME_GPU_SPARSE_CONV_KERNEL_H_
#define SF_RUNTIME_GPU_SPARSE_CONV_KERNEL_H_

#include <memory>

#include "graph/passes/spike_analysis.h"
#include "runtime/gpu/gpu_kernel.h"

namespace sf {

// `block`: the plan's block edge (>= 1, else Prepare fails naming the node);
// `input_class`: the class of the conv's input; kBinary lets the kernel add
// weight rows without multiplying (the input must then hold only 0 and 1).
std::unique_ptr<GpuKernel> CreateSparseConvGpuKernel(int block, ValueClass input_class);

}  // namespace sf

#endif  // SF_RUNTIME_GPU_SPARSE_CONV_KERNEL_H_
