// A tuning cache file (Options::tuning_cache, sfrun/sfbench --tuning-cache):
// the cuDNN conv choices of the process-wide cache (cuda/conv_algo_cache.h)
// kept across processes, as TensorRT keeps a timing cache, so that a second
// process preparing the same convs on the same kind of device skips their
// timed searches (5-20 ms each), and the values measured beside them: each
// float16 sparse conv's density crossover with cuDNN (--sparse auto), which
// is then calibrated once per machine instead of once per process.
//
// Each choice is stored under the identity of the device, cuDNN and CUDA
// runtime it was made with (cuda::DeviceIdentity); a process uses only the
// records of its own devices' identities and writes the others back untouched,
// so one file may serve several machines. A choice read from a file is checked
// as it is used: an algorithm or backend engine that the conv's rules exclude
// (a Winograd algorithm under --conv-algo gemm, a TF32 or nondeterministic
// engine, one compiled at run time) is not run (cuda/cudnn_conv.h), and a plan
// names a choice from a file with ", tuning cache".
// Thread-safe.
#ifndef SF_RUNTIME_GPU_TUNING_CACHE_H_
#define SF_RUNTIME_GPU_TUNING_CACHE_H_

#include <string>

#include "absl/status/status.h"

namespace sf {

// Reads `path` and adds its records for this machine's devices to the process
// cache. A file that does not exist is no error (SaveTuningCache creates it);
// one that is not a tuning cache, or has a faulty line, is (InvalidArgument,
// naming the file and the line), and nothing of it is used.
absl::Status LoadTuningCache(const std::string& path);

// Writes the process cache's choices and the other machines' records read
// from `path` to `path`: a temporary file renamed over it, so that `path` is
// either as it was or complete. Writes nothing when the process cache has not
// changed since `path` was last loaded or saved.
absl::Status SaveTuningCache(const std::string& path);

}  // namespace sf

#endif  // SF_RUNTIME_GPU_TUNING_CACHE_H_
