// CUDA graph capture for the GPU executor: what one function queues on a
// stream, recorded once and instantiated, to be replayed with cudaGraphLaunch.
// The captured kernels keep the device addresses they were queued with.
// Not thread-safe; a GraphExec is launched by one thread at a time.
#ifndef SF_RUNTIME_GPU_CUDA_GRAPH_H_
#define SF_RUNTIME_GPU_CUDA_GRAPH_H_

#include <cuda_runtime_api.h>

#include <functional>

#include "absl/status/statusor.h"
#include "cuda/owned.h"

namespace sf {

namespace internal {
inline void DestroyGraphExec(cudaGraphExec_t g) { cudaGraphExecDestroy(g); }
}  // namespace internal

using GraphExec = cuda::Owned<cudaGraphExec_t, internal::DestroyGraphExec>;

// Captures what `enqueue` queues on `stream` into an instantiated CUDA graph.
// Unimplemented with the reason when capture or instantiation fails (e.g. a
// kernel that synchronises); the stream is out of capture mode on every path.
absl::StatusOr<GraphExec> CaptureGraph(cudaStream_t stream,
                                       const std::function<absl::Status()>& enqueue);

}  // namespace sf

#endif  // SF_RUNTIME_GPU_CUDA_GRAPH_H_
