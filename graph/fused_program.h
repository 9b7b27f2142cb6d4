// The program of a FusedElementwise node (graph/passes/fuse_elementwise.h).
//
// A FusedElementwise node runs a chain of elementwise ops as one kernel. Every
// op of the chain has `elements` (M) elements; lane i of the program computes
// element i of every one of them, in float32 registers, one op at a time in
// graph order, rounding each result to its op's type exactly like the op's
// own kernel does (float16: computed in float32, rounded once; bool: 0 or 1).
// So the outputs are the same bits as running the ops one by one.
//
// The node's inputs are the values the program loads (input k is load slot
// k), then the program: a constant int64 tensor of shape [instructions,
// kWordsPerInstruction]. Its outputs are the values the program stores
// (output k is store slot k). A load or store names a slot and an
// element offset: lane i reads or writes element offset + i. That is how a
// Gather of time step t along axis 0 reads its rows (offset t*M) and how a
// Concat along axis 0 writes its k-th input (offset k*M), with no copy.
//
// A load or store may also name a channels-last slot: word 0 then carries
// the channel count C and the spatial size HW (H*W) of a 4-D NHWC tensor, and
// the element index offset + i counts in NCHW order: element f of [B, C, H, W]
// is read from or written to NhwcIndex(f, C, HW). That is how a Transpose
// from NHWC before the time Reshape, or back to NHWC after the Concat, runs
// inside the program instead of as steps of their own.
//
// Words of one instruction:
//   0: opcode | type << 8 | C << 16 | HW << 40
//                           (type: the result's RegisterType; a load's or a
//                            store's: its slot's element type; C and HW: 0
//                            except for a channels-last load or store)
//   1: destination register (kStore: the output slot)
//   2: operand a register   (kLoad: the input slot; kStore: the register stored)
//   3: operand b register   (kLoad/kStore: the element offset; kConst: the
//                            float32 bits of the constant; unary ops: unused)
//
// Plain C++ with no dependencies: the CUDA kernel includes it too.
#ifndef SF_GRAPH_FUSED_PROGRAM_H_
#define SF_GRAPH_FUSED_PROGRAM_H_

#include <cstdint>

#ifdef __CUDACC__
#define SF_FUSED_HD __host__ __device__
#else
#define SF_FUSED_HD
#endif

namespace sf::fused {

enum Opcode : int32_t {
  kLoad,
  kConst,
  kStore,
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMax,
  kMin,
  kEqual,
  kGreater,
  kGreaterOrEqual,
  kLess,
  kLessOrEqual,
  kCast,  // to the instruction's type: float32 <-> float16 rounds, x -> bool is x != 0
  kNeg,
  kAbs,
  kNot,
  kNumOpcodes,
};

enum RegisterType : int32_t { kFloat32, kFloat16, kBool, kNumRegisterTypes };

inline constexpr int kWordsPerInstruction = 4;
// Registers one lane holds (the pass reuses a register after its value's last read).
inline constexpr int kMaxRegisters = 32;
// Load and store slots.
inline constexpr int kMaxSlots = 8;
// Instructions of one program (a LIF unrolled over T takes ~10 per step). The
// CUDA interpreter keeps programs of up to kSharedInstructions in shared memory
// and reads longer ones from global memory.
inline constexpr int kMaxInstructions = 8192;
inline constexpr int kSharedInstructions = 1024;

// Largest C and HW a channels-last load or store can name.
inline constexpr int64_t kMaxChannels = (int64_t{1} << 24) - 1;
inline constexpr int64_t kMaxSpatial = (int64_t{1} << 23) - 1;

SF_FUSED_HD inline constexpr int64_t Word0(Opcode op, RegisterType type, int64_t channels = 0,
                                           int64_t spatial = 0) {
  return static_cast<int64_t>(op) | (static_cast<int64_t>(type) << 8) | (channels << 16) |
         (spatial << 40);
}
SF_FUSED_HD inline constexpr int64_t ChannelsOf(int64_t word0) {
  return (word0 >> 16) & kMaxChannels;
}
SF_FUSED_HD inline constexpr int64_t SpatialOf(int64_t word0) {
  return (word0 >> 40) & kMaxSpatial;
}
// Element f of an NCHW [B, C, H, W] tensor in the same tensor stored NHWC.
SF_FUSED_HD inline int64_t NhwcIndex(int64_t f, int64_t channels, int64_t spatial) {
  const int64_t image = channels * spatial;
  const int64_t b = f / image, r = f - b * image;
  const int64_t c = r / spatial, hw = r - c * spatial;
  return b * image + hw * channels + c;
}
SF_FUSED_HD inline constexpr Opcode OpcodeOf(int64_t word0) {
  return static_cast<Opcode>(word0 & 0xff);
}
SF_FUSED_HD inline constexpr RegisterType TypeOf(int64_t word0) {
  return static_cast<RegisterType>((word0 >> 8) & 0xff);
}
SF_FUSED_HD inline constexpr bool IsComparison(Opcode op) {
  return op >= kEqual && op <= kLessOrEqual;
}
SF_FUSED_HD inline constexpr bool IsBinary(Opcode op) { return op >= kAdd && op <= kLessOrEqual; }

}  // namespace sf::fused

#endif  // SF_GRAPH_FUSED_PROGRAM_H_
