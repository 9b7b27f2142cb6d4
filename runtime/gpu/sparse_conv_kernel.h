// The GPU kernel for convs the plan marks "sparse" (runtime/plan.h): the
// prescan + block-sparse conv of cuda/kernels/sparse_conv.h (float32) or
// cuda/kernels/sparse_conv_f16.h (float16, tensor cores),
// with cuDNN (the dense conv kernel of nn_kernels.cc) as the alternative it
// must never be slower than.
//
// Prepare checks the conv is one the sparse kernel runs (float32 or float16, group 1,
// dilation 1, square 3x3 or 1x1, equal strides 1 or 2; any padding), repacks
// the constant weights once into a device buffer the kernel owns, prepares the
// cuDNN conv too (unless the mode is kOn or cuDNN cannot run the conv, e.g.
// asymmetric pads) and sizes the workspace for both.
//
// Which path Enqueue runs, by mode:
//  - kOn: always sparse.
//  - kOff: always cuDNN (the executor never builds this kernel for kOff; tests
//    use it to force the cuDNN path).
//  - kAuto: a static rule first: shapes where sparse never won on the measured
//    data run cuDNN without trying (kNeverSparseRule in the .cc; float32 kernel
//    only). Otherwise the
//    first Enqueue outside CUDA-graph capture times both paths on the real
//    input, each captured as a CUDA graph and replayed (as the executor runs
//    them after the first run; timing plain launches would count cuDNN's host
//    overhead, tens of us per call, as GPU time): a warm-up round, then
//    interleaved rounds of back-to-back launches, medians; it keeps the
//    faster for good. That one Enqueue synchronises the stream (the only
//    Enqueue that does). An Enqueue under capture before the
//    choice is made runs cuDNN and decides nothing. Float16: Prepare also
//    calibrates the crossover with cuDNN (DensitySwitchTiles(), the plan's
//    switch_sparse_tiles; SF_SPARSE_SWITCH=off skips it), and with
//    SF_SPARSE_SWITCH=on (or SF_SPARSE_SWITCH_TILES=N) a layer whose first run
//    chose sparse picks cuDNN or sparse on the GPU every run by its prescan's
//    active tile count (runtime/gpu/density_switch.h; off by default: it
//    measured slower than either fixed path, docs/benchmarks.md twelfth run).
// The cuDNN path is the dense conv kernel prepared with the same context, so
// it runs the very algorithm the dense path would (one process-wide choice per
// conv, cuda/conv_algo_cache.h), and kAuto times sparse against that.
// Kernels: float32 NCHW convs run the gather kernel of
// cuda/kernels/sparse_conv.h (tile = the block capped at 8); float16 convs,
// NCHW or NHWC (Options::precision fp16, Options::layout nhwc), the
// tensor-core kernel of cuda/kernels/sparse_conv_f16.h (tile 8 for blocks >= 8,
// else 4; 32 output channels per work item for tile 8, 64 for tile 4, or
// SF_SPARSE_F16_CHUNK=16|32|64, any other value fails Prepare; compute
// capability 8.0 or newer, else cuDNN). A float32
// channels-last conv always runs cuDNN's conv, in every mode; Describe() says
// so.
// Describe() reports the choice and the measured times for plan printouts;
// LastPath() which path the last Enqueue ran. For the per-step profiler,
// EnqueuePart runs the prescan alone (kPrescan) or the sparse path whatever
// the choice (kSparse); it has neither for a float16 or channels-last conv.
// Prepared with GpuPrepareContext::profile_nodes, every sparse launch also
// queues a copy of the prescan's tile counters into pinned host memory
// (allocated in Prepare) for LastTileDensity().
// One thread at a time.
#ifndef SF_RUNTIME_GPU_SPARSE_CONV_KERNEL_H_
#define SF_RUNTIME_GPU_SPARSE_CONV_KERNEL_H_

#include <memory>
#include <string>

#include "graph/passes/spike_analysis.h"
#include "runtime/gpu/gpu_kernel.h"
#include "runtime/plan.h"

namespace sf {

// `block`: the plan's block edge (>= 1, else Prepare fails naming the node);
// `input_class`: the class of the conv's input; kBinary lets the kernel add
// weight rows without multiplying (the input must then hold only 0 and 1);
// `mode`: the plan's SparseMode (Plan::sparse_mode), see above.
std::unique_ptr<GpuKernel> CreateSparseConvGpuKernel(int block, ValueClass input_class,
                                                     SparseMode mode = SparseMode::kAuto);

// The kernel of a Conv fused with the neuron `neuron_node` (the plan's
// PlanStep::fused_neuron): Enqueue gets the conv's inputs and the neuron's
// output and writes the spikes. Paths: the fused FP16 tensor-core kernel
// (cuda::LaunchConvNeuronF16; float16, compute capability 8.0, a shape it
// runs), or cuDNN's conv into workspace scratch followed by the neuron kernel.
// Which one by `mode` as for the sparse conv above: kOn fused (unfused where
// the fused kernel cannot run, Describe says why), kOff unfused, kAuto both
// timed by CUDA-graph replay on the first run outside capture, the faster
// kept. LastPath() is "fused" or "cudnn"; EnqueuePart(kSparse) runs the fused
// kernel whatever the choice. Prepare fails naming the node when neither path
// can run.
std::unique_ptr<GpuKernel> CreateConvNeuronGpuKernel(int block, ValueClass input_class,
                                                     SparseMode mode, int neuron_node);

// The kernel of a neuron fused into conv `into` (PlanStep::fused_into): runs
// nothing, its output is written by the conv's kernel.
std::unique_ptr<GpuKernel> CreateFusedAwayGpuKernel(std::string into);

}  // namespace sf

#endif  // SF_RUNTIME_GPU_SPARSE_CONV_KERNEL_H_
