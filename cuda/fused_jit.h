// A FusedElementwise program (graph/fused_program.h) compiled to a CUDA kernel
// of its own with NVRTC: straight-line code, each register a real register.
// The interpreter (cuda/kernels/fused_elementwise.h) walks the program per
// lane through local memory; the compiled kernel does the same float
// operations in the same order (-fmad=false, IEEE division, float16 rounded by
// cvt.rn), so both give the bits of the unfused kernels.
//
// NVRTC is opened at run time (dlopen of libnvrtc.so.13 / libnvrtc.so): a
// machine without it, or a compile that fails, gets an error and the caller
// runs the interpreter. Compiled kernels are cached per (architecture,
// program) for the life of the process.
#ifndef SF_CUDA_FUSED_JIT_H_
#define SF_CUDA_FUSED_JIT_H_

#include <cuda_runtime_api.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "cuda/kernels/fused_elementwise.h"

namespace sf::cuda {

// The CUDA C++ source of `words`' kernel, extern "C" sf_fused(long long
// elements, FusedSlots slots), for blocks of 256 threads. `words` must have
// passed CheckFusedProgram. A program with channels-last accesses (of one
// [C, HW], both >= 16) walks its lanes in tiles of 16 channels x 16 pixels.

std::string FusedProgramSource(std::span<const int64_t> words);

// A CUBIN of `src` for `arch` ("sm_90"); needs no GPU. Unavailable without
// NVRTC; Internal with NVRTC's log when the source does not compile.
absl::StatusOr<std::vector<char>> CompileFusedSource(const std::string& src,
                                                     const std::string& arch);

// The compiled kernel of `words` for `device`'s architecture, launched by
// LaunchCompiledFused (cuda/kernels/fused_elementwise.h).
absl::StatusOr<const void*> CompileFusedProgram(std::span<const int64_t> words, int device);

}  // namespace sf::cuda

#endif  // SF_CUDA_FUSED_JIT_H_
