// The FusedElementwise kernel (graph/fused_program.h): one thread per lane
// runs the whole program, its registers in local memory and the program in
// shared memory (up to kSharedInstructions; longer ones from global memory). Bit-exact with the
// unfused GPU kernels (cuda/kernels/ elementwise.h): the same float expressions, float16 rounded
// once per op.
#ifndef SF_CUDA_KERNELS_FUSED_ELEMENTWISE_H_
#define SF_CUDA_KERNELS_FUSED_ELEMENTWISE_H_

#include <cuda_runtime_api.h>

#include <cstdint>

#include "graph/fused_program.h"

namespace sf::cuda {

struct FusedSlots {
  const void* in[fused::kMaxSlots] = {};
  void* out[fused::kMaxSlots] = {};
};

// `program`: device memory, num_instructions * kWordsPerInstruction words,
// checked on the host (CheckFusedProgram) against the slots' sizes.
cudaError_t LaunchFusedElementwise(const int64_t* program, int num_instructions, int64_t elements,
                                   const FusedSlots& slots, cudaStream_t stream);

// Launches a kernel cuda/fused_jit.h compiled (sf_fused(elements, slots)) over
// `elements` lanes, with the interpreter's grid.
cudaError_t LaunchCompiledFused(const void* kernel, int64_t elements, const FusedSlots& slots,
                                cudaStream_t stream);

}  // namespace sf::cuda

#endif  // SF_CUDA_KERNELS_FUSED_ELEMENTWISE_H_
