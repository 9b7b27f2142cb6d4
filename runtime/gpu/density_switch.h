// A run-time choice between two ways of computing one step, made on the GPU
// with no host round trip: kernels queued first set a CUDA graph conditional
// handle from what they found in device memory (a sparse conv's prescan: the
// active tile count), then an IF/ELSE conditional node runs one of two bodies.
//
// On a capturing stream (the executor's CUDA graph) the setter kernels are
// captured as usual and the conditional node is added to the graph being
// captured, its bodies captured on a private stream. On a plain stream the
// same is built once into a graph of its own, instantiated and launched
// (rebuilt when the device addresses it was built with change). Conditional
// bodies may hold only kernels, memsets, memcopies, empty and child-graph
// nodes; a body that queues anything else (an event, a host call) fails the
// Enqueue with the reason.
#ifndef SF_RUNTIME_GPU_DENSITY_SWITCH_H_
#define SF_RUNTIME_GPU_DENSITY_SWITCH_H_

#include <cuda_runtime_api.h>

#include <functional>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "cuda/resources.h"
#include "runtime/gpu/cuda_graph.h"

namespace sf {

class DensitySwitch {
 public:
  // Queues the kernels that end by setting `handle` (1: run `when_set`, 0:
  // run `when_clear`) on the stream.
  using SetFn = std::function<absl::Status(cudaStream_t, cudaGraphConditionalHandle)>;
  // Queues one branch's work on the stream.
  using BodyFn = std::function<absl::Status(cudaStream_t)>;

  static absl::StatusOr<DensitySwitch> Create(int device);

  // Queues set, then the branch it chose, on `stream`. `key` names what the
  // queued work depends on besides the functions (the device addresses): a
  // plain-stream Enqueue reuses its graph while the key stays the same.
  absl::Status Enqueue(cudaStream_t stream, const SetFn& set, const BodyFn& when_set,
                       const BodyFn& when_clear, const std::vector<const void*>& key);

 private:
  // Captures set + the conditional node into the graph `stream` is capturing.
  absl::Status AddToCapture(cudaStream_t stream, const SetFn& set, const BodyFn& when_set,
                            const BodyFn& when_clear);

  cuda::Stream outer_;  // captures the standalone graph (plain-stream Enqueue)
  cuda::Stream body_;   // captures the bodies
  GraphExec standalone_;
  std::vector<const void*> standalone_key_;
};

}  // namespace sf

#endif  // SF_RUNTIME_GPU_DENSITY_SWITCH_H_
