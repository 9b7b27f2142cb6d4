// A process-wide cache of cuDNN forward-algorithm choices, so that a conv is
// searched once per process: a second Runtime, or a second input shape that
// repeats a conv's geometry, reuses the choice. Keyed by everything the choice
// depends on: device, conv geometry, data type, layout, math mode (TF32 or
// not) and the workspace limit.
// Thread-safe: one mutex guards the map, and a search runs under it, so two
// threads preparing the same conv search once and timed searches never run
// concurrently (they would time each other). Entries live until process exit.
// Across processes: a tuning cache file (Options::tuning_cache,
// runtime/gpu/tuning_cache.h) holds the choices as records, each under the
// identity of the device and libraries it was made on (DeviceIdentity), in the
// text form of FormatTuningRecords, with other measured values (MeasuredRecord).
#ifndef SF_CUDA_CONV_ALGO_CACHE_H_
#define SF_CUDA_CONV_ALGO_CACHE_H_

#include <cudnn.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "absl/functional/function_ref.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "cuda/cudnn_backend_conv.h"
#include "cuda/cudnn_conv.h"

namespace sf::cuda {

struct ConvAlgoKey {
  int device = 0;
  ConvShape shape{};
  cudnnDataType_t data_type = CUDNN_DATA_FLOAT;
  cudnnTensorFormat_t layout = CUDNN_TENSOR_NCHW;
  bool tf32 = false;
  bool timed = false;  // a heuristic choice never answers a timed request
  size_t workspace_limit = 0;
  bool gemm_only = false;  // CudnnConv::Create's gemm_only
  bool bias = false;       // CudnnConv::Create's with_bias (timed with the bias added)

  friend bool operator==(const ConvAlgoKey& a, const ConvAlgoKey& b);
  template <typename H>
  friend H AbslHashValue(H h, const ConvAlgoKey& k) {
    const ConvShape& s = k.shape;
    return H::combine(std::move(h), k.device, s.n, s.c_in, s.h, s.w, s.c_out, s.kh, s.kw,
                      s.stride_h, s.stride_w, s.pad_h, s.pad_w, s.dil_h, s.dil_w, s.group, s.out_h,
                      s.out_w, static_cast<int>(k.data_type), static_cast<int>(k.layout), k.tf32,
                      k.timed, k.workspace_limit, k.gemm_only, k.bias);
  }
};

struct ConvAlgoChoice {
  cudnnConvolutionFwdAlgo_t algo = CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM;
  size_t workspace_bytes = 0;
  // The choice came from a timed search (cudnnFindConvolutionForwardAlgorithmEx),
  // not from cuDNN's heuristic (also when a timed search failed and fell back).
  bool timed = false;
  // A backend-API engine config (cuda/cudnn_backend_conv.h) that the timed
  // search found faster than every legacy algorithm (its plan, rebuilt by
  // CudnnConv::Create, says its workspace); engine < 0: none (algo runs).
  // algo stays the best legacy algorithm.
  BackendEngineConfig backend;
  // The choice came from a tuning cache file (ImportConvAlgoRecords), made by
  // an earlier process; not written to files.
  bool from_file = false;
};

// The cached choice for `key`, or `search()`'s result, stored on success.
// `search` runs with the cache's mutex held and must not call back into it.
absl::StatusOr<ConvAlgoChoice> LookupOrSearchConvAlgo(
    const ConvAlgoKey& key, absl::FunctionRef<absl::StatusOr<ConvAlgoChoice>()> search);

// How many times LookupOrSearchConvAlgo ran a search in this process (for
// tests: a cache hit leaves it unchanged).
int64_t ConvAlgoSearchCount();

// What a choice depends on beyond the key: "NVIDIA H200, cc 9.0, 132 SMs,
// cuDNN 91400, CUDA runtime 13000" (cuDNN's engine indices and the speeds
// timed are those of this device, cuDNN and CUDA).
absl::StatusOr<std::string> DeviceIdentity(int device);

// One cached choice as a file holds it: the identity of the device it was
// made on instead of a device ordinal (key.device is 0 and unused).
struct ConvAlgoRecord {
  std::string identity;
  ConvAlgoKey key;
  ConvAlgoChoice choice;
};

// A value measured on a device and kept beside the choices (a sparse conv's
// density crossover, runtime/gpu/sparse_conv_kernel.cc): `key` names what
// was measured and everything the measurement depends on, `value` the
// result; both printable ASCII without spaces, 1 to kMaxMeasuredChars long.
struct MeasuredRecord {
  std::string identity, key, value;
};
inline constexpr size_t kMaxMeasuredChars = 1024;

struct TuningRecords {
  std::vector<ConvAlgoRecord> convs;
  std::vector<MeasuredRecord> measured;
};

// The records' text: a first line "sparseflow-tuning-cache 1", then a line
// "device ID IDENTITY" per identity, a line "conv device=ID n=... ..." of
// key=value fields per choice (cuda/conv_algo_cache.cc lists them) and a line
// "measured device=ID key=KEY value=VALUE" per measured value.
std::string FormatTuningRecords(const TuningRecords& records);
// The records of a file's text. Every field is checked (present once, a
// number in its range, a known name; the conv's output size must follow from
// its input, kernel, stride and padding); the first fault fails it, naming
// `file` and the line. A record repeating an earlier key (with its identity)
// is dropped. Blank lines and lines starting with '#' are skipped.
absl::StatusOr<TuningRecords> ParseTuningRecords(absl::string_view text, absl::string_view file);

// Every choice and measured value of the process cache, with its device's
// identity.
absl::StatusOr<TuningRecords> ExportTuningRecords();
// Adds the records whose identity is that of a visible CUDA device, under
// each such device (what the process already holds for a key wins); returns
// how many were added. Records of other identities are left out.
absl::StatusOr<int> ImportTuningRecords(const TuningRecords& records);

// The measured value of `key` on `device` (this process's or imported), if any.
std::optional<std::string> LookupMeasured(int device, absl::string_view key);
// Keeps a measured value (replacing one of the same key); InvalidArgument
// when key or value is empty, too long or not printable ASCII without spaces.
absl::Status StoreMeasured(int device, absl::string_view key, absl::string_view value);

// Changes whenever the process cache gains a choice or a measured value (a
// search, a measurement or an import).
int64_t ConvAlgoCacheGeneration();
// Empties the process cache, choices and measured values (tests: the next
// Create searches again).
void ClearConvAlgoCacheForTesting();

}  // namespace sf::cuda

#endif  // SF_CUDA_CONV_ALGO_CACHE_H_
