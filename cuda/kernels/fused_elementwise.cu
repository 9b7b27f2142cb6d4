#include <cuda_fp16.h>

#include "cuda/kernels/device_util.cuh"
#include "cuda/kernels/elementwise_ops.cuh"
#include "cuda/kernels/fused_elementwise.h"

namespace sf::cuda {
namespace {

__device__ inline float LoadAs(fused::RegisterType type, const void* p, int64_t i) {
  switch (type) {
    case fused::kFloat32:
      return static_cast<const float*>(p)[i];
    case fused::kFloat16:
      return __half2float(static_cast<const __half*>(p)[i]);
    default:
      return static_cast<const uint8_t*>(p)[i] != 0 ? 1.0f : 0.0f;
  }
}

__device__ inline void StoreAs(fused::RegisterType type, void* p, int64_t i, float v) {
  switch (type) {
    case fused::kFloat32:
      static_cast<float*>(p)[i] = v;
      break;
    case fused::kFloat16:
      static_cast<__half*>(p)[i] = __float2half_rn(v);
      break;
    default:
      static_cast<uint8_t*>(p)[i] = v != 0.0f ? 1 : 0;
      break;
  }
}

// elementwise_ops.cuh's expressions, as the op's own kernel runs them.
static_assert(fused::kSub - fused::kAdd == static_cast<int>(BinaryOp::kSub) &&
                  fused::kMin - fused::kAdd == static_cast<int>(BinaryOp::kMin) &&
                  fused::kEqual - fused::kAdd == static_cast<int>(BinaryOp::kEqual) &&
                  fused::kLessOrEqual - fused::kAdd == static_cast<int>(BinaryOp::kLessOrEqual),
              "fused binary opcodes follow BinaryOp's order");
__device__ inline float Apply(fused::Opcode op, fused::RegisterType type, float a, float b) {
  const BinaryOp binary = static_cast<BinaryOp>(op - fused::kAdd);
  if (fused::IsComparison(op)) return Compare(binary, a, b) ? 1.0f : 0.0f;
  if (fused::IsBinary(op)) return Arith(binary, a, b);
  switch (op) {
    case fused::kCast:  // float <-> float16: rounded by the caller, as a store would
      return type == fused::kBool ? (Convert<bool>(a) ? 1.0f : 0.0f) : a;
    case fused::kNeg:
      return ApplyUnary(UnaryOp::kNeg, a);
    case fused::kAbs:
      return ApplyUnary(UnaryOp::kAbs, a);
    default:  // kNot
      return ApplyUnary(UnaryOp::kNot, a != 0.0f) ? 1.0f : 0.0f;
  }
}

// `shared`: the program is copied into shared memory first (it fits).
__global__ void FusedElementwiseKernel(const int64_t* __restrict__ program, int num_words,
                                       bool shared, int64_t elements, FusedSlots slots) {
  extern __shared__ int64_t shared_words[];
  if (shared) {
    for (int k = threadIdx.x; k < num_words; k += blockDim.x) shared_words[k] = program[k];
    __syncthreads();
  }
  const int64_t* words = shared ? shared_words : program;
  float r[fused::kMaxRegisters];
  SF_GRID_STRIDE_LOOP(i, elements) {
    for (int k = 0; k < num_words; k += fused::kWordsPerInstruction) {
      const int64_t* w = &words[k];
      const fused::Opcode op = fused::OpcodeOf(w[0]);
      const fused::RegisterType type = fused::TypeOf(w[0]);
      const int64_t channels = fused::ChannelsOf(w[0]);
      const int64_t at =
          channels > 0 ? fused::NhwcIndex(w[3] + i, channels, fused::SpatialOf(w[0])) : w[3] + i;
      float v;
      if (op == fused::kStore) {
        StoreAs(type, slots.out[w[1]], at, r[w[2]]);
        continue;
      } else if (op == fused::kLoad) {
        v = LoadAs(type, slots.in[w[2]], at);
      } else if (op == fused::kConst) {
        v = __int_as_float(static_cast<int>(static_cast<uint32_t>(w[3])));
      } else {
        v = Apply(op, type, r[w[2]], fused::IsBinary(op) ? r[w[3]] : 0.0f);
        if (type == fused::kFloat16) v = __half2float(__float2half_rn(v));
      }
      r[w[1]] = v;
    }
  }
}

}  // namespace

cudaError_t LaunchFusedElementwise(const int64_t* program, int num_instructions, int64_t elements,
                                   const FusedSlots& slots, cudaStream_t stream) {
  if (elements <= 0) return cudaSuccess;
  if (num_instructions <= 0 || num_instructions > fused::kMaxInstructions) {
    return cudaErrorInvalidValue;
  }
  const int num_words = num_instructions * fused::kWordsPerInstruction;
  const bool shared = num_instructions <= fused::kSharedInstructions;
  const size_t smem = shared ? static_cast<size_t>(num_words) * sizeof(int64_t) : 0;
  static_assert(
      fused::kSharedInstructions * fused::kWordsPerInstruction * sizeof(int64_t) <= 48 * 1024,
      "a shared program must fit the default dynamic shared memory");
  FusedElementwiseKernel<<<BlocksFor(elements), kThreadsPerBlock, smem, stream>>>(
      program, num_words, shared, elements, slots);
  return cudaGetLastError();
}

static_assert(kThreadsPerBlock == 256,
              "sf_fused's tiled lane loop (cuda/fused_jit.cc) takes 16 x 16 lanes a block");

cudaError_t LaunchCompiledFused(const void* kernel, int64_t elements, const FusedSlots& slots,
                                cudaStream_t stream) {
  if (elements <= 0) return cudaSuccess;
  long long n = elements;
  FusedSlots s = slots;
  void* args[] = {&n, &s};
  return cudaLaunchKernel(kernel, dim3(BlocksFor(elements)), dim3(kThreadsPerBlock), args, 0,
                          stream);
}

}  // namespace sf::cuda
