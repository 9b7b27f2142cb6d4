#include "cuda/fused_jit.h"

#include <dlfcn.h>
#include <nvrtc.h>

#include <map>
#include <mutex>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "graph/fused_program.h"
#include "graph/status.h"

namespace sf::cuda {
namespace {

// The NVRTC entry points used, resolved from the library opened at run time.
struct Nvrtc {
  decltype(&nvrtcCreateProgram) create = nullptr;
  decltype(&nvrtcCompileProgram) compile = nullptr;
  decltype(&nvrtcGetProgramLogSize) log_size = nullptr;
  decltype(&nvrtcGetProgramLog) log = nullptr;
  decltype(&nvrtcGetCUBINSize) cubin_size = nullptr;
  decltype(&nvrtcGetCUBIN) cubin = nullptr;
  decltype(&nvrtcDestroyProgram) destroy = nullptr;
  decltype(&nvrtcGetErrorString) error = nullptr;
};

template <typename F>
bool Resolve(void* lib, const char* name, F* f) {
  *f = reinterpret_cast<F>(dlsym(lib, name));
  return *f != nullptr;
}

// Opened once; nullptr when no NVRTC library is found.
const Nvrtc* OpenNvrtc() {
  static const Nvrtc* nvrtc = []() -> const Nvrtc* {
    for (const char* name :
         {"libnvrtc.so.13", "libnvrtc.so", "/usr/local/cuda/lib64/libnvrtc.so"}) {
      void* lib = dlopen(name, RTLD_NOW | RTLD_LOCAL);
      if (lib == nullptr) continue;
      static Nvrtc n;
      if (Resolve(lib, "nvrtcCreateProgram", &n.create) &&
          Resolve(lib, "nvrtcCompileProgram", &n.compile) &&
          Resolve(lib, "nvrtcGetProgramLogSize", &n.log_size) &&
          Resolve(lib, "nvrtcGetProgramLog", &n.log) &&
          Resolve(lib, "nvrtcGetCUBINSize", &n.cubin_size) &&
          Resolve(lib, "nvrtcGetCUBIN", &n.cubin) &&
          Resolve(lib, "nvrtcDestroyProgram", &n.destroy) &&
          Resolve(lib, "nvrtcGetErrorString", &n.error)) {
        return &n;
      }
      dlclose(lib);
    }
    return nullptr;
  }();
  return nvrtc;
}

static_assert(fused::kMaxSlots == 8, "kPrelude's FusedSlots has 8 slots each way");

constexpr char kPrelude[] = R"(struct FusedSlots { const void* in[8]; void* out[8]; };
__device__ __forceinline__ float F16Bits(unsigned short h) {
  float f; asm("cvt.f32.f16 %0, %1;" : "=f"(f) : "h"(h)); return f;
}
__device__ __forceinline__ unsigned short ToF16(float f) {
  unsigned short h; asm("cvt.rn.f16.f32 %0, %1;" : "=h"(h) : "f"(f)); return h;
}
__device__ __forceinline__ float RoundF16(float f) { return F16Bits(ToF16(f)); }
__device__ __forceinline__ long long Nhwc(long long f, long long c, long long hw) {
  const long long image = c * hw, b = f / image, r = f - b * image, ch = r / hw;
  return b * image + (r - ch * hw) * c + ch;
}
extern "C" __global__ void sf_fused(long long elements, FusedSlots s) {
)";

// The lane loop: lane i is element i of the logical (NCHW) order.
constexpr char kLinearLoop[] =
    R"(  for (long long i = (long long)blockIdx.x * blockDim.x + threadIdx.x; i < elements;
       i += (long long)blockDim.x * gridDim.x) {
)";

// The lane loop of a program that reads or writes channels-last slots of
// [B, C, HW] (kC, kHW below) beside plain ones: each block of 256 threads
// takes a tile of 16 channels x 16 pixels of one image, each warp 4 channels
// x 8 pixels of it, so a warp's plain access touches 4 runs of 8 pixels and
// its channels-last one 8 runs of 4 channels, and the block uses all of every
// 32-byte sector either way (the linear order touches 32 sectors a warp in a
// channels-last slot, and reads each 16 times, from 16 blocks).
constexpr char kTiledLoop[] =
    R"(  const long long tiles_c = (kC + 15) / 16, tiles_hw = (kHW + 15) / 16;
  const long long tiles = (elements + kC * kHW - 1) / (kC * kHW) * tiles_c * tiles_hw;
  const int warp = threadIdx.x / 32, lane = threadIdx.x % 32;
  for (long long tile = blockIdx.x; tile < tiles; tile += gridDim.x) {
    const long long image = tile / (tiles_c * tiles_hw), rest = tile % (tiles_c * tiles_hw);
    const long long c = rest / tiles_hw * 16 + lane / 8 + 4 * (warp / 2);
    const long long hw = rest % tiles_hw * 16 + lane % 8 + 8 * (warp % 2);
    if (c >= kC || hw >= kHW) continue;
    const long long i = (image * kC + c) * kHW + hw;
    if (i >= elements) continue;
)";

// Tiles pay when every channels-last access shares one [C, HW] with at least
// 16 of each (the kernel runs 256 threads a block: LaunchCompiledFused).
bool TiledLayout(std::span<const int64_t> words, int64_t& channels, int64_t& spatial) {
  channels = spatial = 0;
  for (size_t k = 0; k + fused::kWordsPerInstruction <= words.size();
       k += fused::kWordsPerInstruction) {
    const int64_t c = fused::ChannelsOf(words[k]);
    if (c == 0) continue;
    const int64_t hw = fused::SpatialOf(words[k]);
    if (channels != 0 && (c != channels || hw != spatial)) return false;
    channels = c;
    spatial = hw;
  }
  return channels >= 16 && spatial >= 16;
}

std::string Reg(int64_t r) { return absl::StrCat("r", r); }

std::string Line(const int64_t* w) {
  const fused::Opcode op = fused::OpcodeOf(w[0]);
  const fused::RegisterType type = fused::TypeOf(w[0]);
  const std::string d = Reg(w[1]), a = Reg(w[2]), b = Reg(w[3]);
  const int64_t channels = fused::ChannelsOf(w[0]);
  const std::string at = channels > 0 ? absl::StrCat("Nhwc(", w[3], "LL + i, ", channels, "LL, ",
                                                     fused::SpatialOf(w[0]), "LL)")
                                      : absl::StrCat("(", w[3], "LL + i)");
  switch (op) {
    case fused::kLoad:
      switch (type) {
        case fused::kFloat32:
          return absl::StrCat(d, " = ((const float*)s.in[", w[2], "])[", at, "];");
        case fused::kFloat16:
          return absl::StrCat(d, " = F16Bits(((const unsigned short*)s.in[", w[2], "])[", at,
                              "]);");
        default:
          return absl::StrCat(d, " = ((const unsigned char*)s.in[", w[2], "])[", at,
                              "] != 0 ? 1.0f : 0.0f;");
      }
    case fused::kStore:
      switch (type) {
        case fused::kFloat32:
          return absl::StrCat("((float*)s.out[", w[1], "])[", at, "] = ", a, ";");
        case fused::kFloat16:
          return absl::StrCat("((unsigned short*)s.out[", w[1], "])[", at, "] = ToF16(", a, ");");
        default:
          return absl::StrCat("((unsigned char*)s.out[", w[1], "])[", at, "] = ", a,
                              " != 0.0f ? 1 : 0;");
      }
    case fused::kConst:
      return absl::StrFormat("%s = __int_as_float((int)0x%08xu);", d, static_cast<uint32_t>(w[3]));
    default:
      break;
  }
  std::string e;
  switch (op) {
    case fused::kAdd:
      e = absl::StrCat(a, " + ", b);
      break;
    case fused::kSub:
      e = absl::StrCat(a, " - ", b);
      break;
    case fused::kMul:
      e = absl::StrCat(a, " * ", b);
      break;
    case fused::kDiv:
      e = absl::StrCat(a, " / ", b);
      break;
    case fused::kMax:
      e = absl::StrCat(a, " < ", b, " ? ", b, " : ", a);
      break;
    case fused::kMin:
      e = absl::StrCat(b, " < ", a, " ? ", b, " : ", a);
      break;
    case fused::kEqual:
      e = absl::StrCat(a, " == ", b, " ? 1.0f : 0.0f");
      break;
    case fused::kGreater:
      e = absl::StrCat(a, " > ", b, " ? 1.0f : 0.0f");
      break;
    case fused::kGreaterOrEqual:
      e = absl::StrCat(a, " >= ", b, " ? 1.0f : 0.0f");
      break;
    case fused::kLess:
      e = absl::StrCat(a, " < ", b, " ? 1.0f : 0.0f");
      break;
    case fused::kLessOrEqual:
      e = absl::StrCat(a, " <= ", b, " ? 1.0f : 0.0f");
      break;
    case fused::kCast:
      e = type == fused::kBool ? absl::StrCat(a, " != 0.0f ? 1.0f : 0.0f") : a;
      break;
    case fused::kNeg:
      e = absl::StrCat("-", a);
      break;
    case fused::kAbs:
      e = absl::StrCat(a, " < 0.0f ? -", a, " : ", a);
      break;
    default:
      e = absl::StrCat(a, " != 0.0f ? 0.0f : 1.0f");
      break;  // kNot
  }
  if (type == fused::kFloat16) e = absl::StrCat("RoundF16(", e, ")");
  return absl::StrCat(d, " = ", e, ";");
}

}  // namespace

std::string FusedProgramSource(std::span<const int64_t> words) {
  std::string src = kPrelude;
  int64_t channels = 0, spatial = 0;
  if (TiledLayout(words, channels, spatial)) {
    absl::StrAppend(&src, "  constexpr long long kC = ", channels, "LL, kHW = ", spatial, "LL;\n",
                    kTiledLoop);
  } else {
    absl::StrAppend(&src, kLinearLoop);
  }
  absl::StrAppend(&src, "    float");
  for (int r = 0; r < fused::kMaxRegisters; ++r) {
    absl::StrAppend(&src, r == 0 ? " " : ", ", Reg(r), " = 0.0f");
  }
  absl::StrAppend(&src, ";\n");
  for (size_t k = 0; k + fused::kWordsPerInstruction <= words.size();
       k += fused::kWordsPerInstruction) {
    absl::StrAppend(&src, "    ", Line(&words[k]), "\n");
  }
  absl::StrAppend(&src, "  }\n}\n");
  return src;
}

absl::StatusOr<std::vector<char>> CompileFusedSource(const std::string& src,
                                                     const std::string& arch) {
  const Nvrtc* nv = OpenNvrtc();
  if (nv == nullptr) return absl::UnavailableError("NVRTC (libnvrtc.so) is not available");
  const std::string arch_flag = absl::StrCat("--gpu-architecture=", arch);
  nvrtcProgram prog = nullptr;
  if (nv->create(&prog, src.c_str(), "sf_fused.cu", 0, nullptr, nullptr) != NVRTC_SUCCESS) {
    return absl::InternalError("nvrtcCreateProgram failed");
  }
  const char* options[] = {arch_flag.c_str(), "-fmad=false", "--std=c++17"};
  const nvrtcResult compiled = nv->compile(prog, 3, options);
  std::string log;
  size_t log_size = 0;
  if (nv->log_size(prog, &log_size) == NVRTC_SUCCESS && log_size > 1) {
    log.resize(log_size);
    nv->log(prog, log.data());
  }
  std::vector<char> cubin;
  size_t cubin_size = 0;
  if (compiled == NVRTC_SUCCESS && nv->cubin_size(prog, &cubin_size) == NVRTC_SUCCESS) {
    cubin.resize(cubin_size);
    if (nv->cubin(prog, cubin.data()) != NVRTC_SUCCESS) cubin.clear();
  }
  nv->destroy(&prog);
  if (compiled != NVRTC_SUCCESS || cubin.empty()) {
    return absl::InternalError(
        absl::StrCat("NVRTC could not compile a fused program: ", nv->error(compiled), ": ", log));
  }
  return cubin;
}

absl::StatusOr<const void*> CompileFusedProgram(std::span<const int64_t> words, int device) {
  cudaDeviceProp prop{};
  if (cudaGetDeviceProperties(&prop, device) != cudaSuccess) {
    return absl::UnavailableError(absl::StrCat("no properties for CUDA device ", device));
  }
  const std::string arch = absl::StrCat("sm_", prop.major, prop.minor);
  const std::string src = FusedProgramSource(words);
  static std::mutex mutex;
  static std::map<std::pair<std::string, std::string>, const void*> cache;
  std::lock_guard<std::mutex> lock(mutex);
  const auto key = std::pair{arch, src};
  if (const auto it = cache.find(key); it != cache.end()) return it->second;

  SF_ASSIGN_OR_RETURN(std::vector<char> cubin, CompileFusedSource(src, arch));
  cudaLibrary_t library = nullptr;
  cudaKernel_t kernel = nullptr;
  cudaError_t e =
      cudaLibraryLoadData(&library, cubin.data(), nullptr, nullptr, 0, nullptr, nullptr, 0);
  if (e == cudaSuccess) e = cudaLibraryGetKernel(&kernel, library, "sf_fused");
  if (e != cudaSuccess) {
    cudaGetLastError();  // clear it: the caller falls back to the interpreter
    return absl::InternalError(
        absl::StrCat("loading a compiled fused program: ", cudaGetErrorString(e)));
  }
  // Kept for the life of the process, like the cache that hands it out.
  const void* k = reinterpret_cast<const void*>(kernel);
  cache.emplace(key, k);
  return k;
}

}  // namespace sf::cuda
