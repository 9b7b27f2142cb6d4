#include "runtime/gpu/cuda_graph.h"

#include "absl/strings/str_cat.h"
#include "cuda/cuda_status.h"

namespace sf {

absl::StatusOr<GraphExec> CaptureGraph(cudaStream_t stream,
                                       const std::function<absl::Status()>& enqueue) {
  SF_CUDA_RETURN_IF_ERROR(cudaStreamBeginCapture(stream, cudaStreamCaptureModeThreadLocal));
  const absl::Status queued = enqueue();
  cudaGraph_t graph = nullptr;
  const cudaError_t ended = cudaStreamEndCapture(stream, &graph);
  (void)cudaGetLastError();  // a failed capture leaves a non-sticky error behind
  if (!queued.ok() || ended != cudaSuccess || graph == nullptr) {
    if (graph != nullptr) cudaGraphDestroy(graph);
    return absl::UnimplementedError(absl::StrCat(
        "CUDA graph capture failed: ", queued.ok() ? cudaGetErrorString(ended) : queued.message()));
  }
  cudaGraphExec_t exec = nullptr;
  const cudaError_t instantiated = cudaGraphInstantiate(&exec, graph, 0);
  cudaGraphDestroy(graph);
  if (instantiated != cudaSuccess) {
    (void)cudaGetLastError();
    return absl::UnimplementedError(absl::StrCat("CUDA graph instantiation failed: ",
                                                 cudaGetErrorString(instantiated)));
  }
  return GraphExec(exec);
}

}  // namespace sf
