#include "runtime/gpu/density_switch.h"

#include <array>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cuda/cuda_status.h"
#include "graph/status.h"

namespace sf {
namespace {

// Captures what `body` queues into `graph` (a conditional node's body) on
// `stream`, which must not be capturing.
absl::Status CaptureBody(cudaStream_t stream, cudaGraph_t graph,
                         const DensitySwitch::BodyFn& body) {
  SF_CUDA_RETURN_IF_ERROR(cudaStreamBeginCaptureToGraph(stream, graph, nullptr, nullptr, 0,
                                                        cudaStreamCaptureModeRelaxed));
  const absl::Status queued = body(stream);
  cudaGraph_t captured = nullptr;
  const cudaError_t ended = cudaStreamEndCapture(stream, &captured);
  (void)cudaGetLastError();  // a failed capture leaves a non-sticky error behind
  SF_RETURN_IF_ERROR(queued);
  if (ended != cudaSuccess) {
    return absl::UnimplementedError(absl::StrCat(
        "capturing a branch of the density switch failed: ", cudaGetErrorString(ended)));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<DensitySwitch> DensitySwitch::Create(int device) {
  DensitySwitch s;
  SF_ASSIGN_OR_RETURN(s.outer_, cuda::Stream::Create(device));
  SF_ASSIGN_OR_RETURN(s.body_, cuda::Stream::Create(device));
  return s;
}

absl::Status DensitySwitch::AddToCapture(cudaStream_t stream, const SetFn& set,
                                         const BodyFn& when_set, const BodyFn& when_clear) {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  cudaGraph_t graph = nullptr;
  SF_CUDA_RETURN_IF_ERROR(
      cudaStreamGetCaptureInfo(stream, &status, nullptr, &graph, nullptr, nullptr, nullptr));
  if (status != cudaStreamCaptureStatusActive || graph == nullptr) {
    return absl::InternalError("the density switch needs a capturing stream");
  }
  cudaGraphConditionalHandle handle{};
  SF_CUDA_RETURN_IF_ERROR(cudaGraphConditionalHandleCreate(&handle, graph, 0, 0));
  SF_RETURN_IF_ERROR(set(stream, handle));
  const cudaGraphNode_t* deps = nullptr;
  const cudaGraphEdgeData* edges = nullptr;
  size_t num_deps = 0;
  SF_CUDA_RETURN_IF_ERROR(
      cudaStreamGetCaptureInfo(stream, &status, nullptr, &graph, &deps, &edges, &num_deps));
  cudaGraphNodeParams params{};
  params.type = cudaGraphNodeTypeConditional;
  params.conditional.handle = handle;
  params.conditional.type = cudaGraphCondTypeIf;
  params.conditional.size = 2;  // [0] when the handle is non-zero, [1] when zero
  cudaGraphNode_t node = nullptr;
  SF_CUDA_RETURN_IF_ERROR(cudaGraphAddNode(&node, graph, deps, edges, num_deps, &params));
  const std::array<cudaGraph_t, 2> bodies = {params.conditional.phGraph_out[0],
                                             params.conditional.phGraph_out[1]};
  SF_RETURN_IF_ERROR(CaptureBody(body_.get(), bodies[0], when_set));
  SF_RETURN_IF_ERROR(CaptureBody(body_.get(), bodies[1], when_clear));
  SF_CUDA_RETURN_IF_ERROR(cudaStreamUpdateCaptureDependencies(stream, &node, nullptr, 1,
                                                              cudaStreamSetCaptureDependencies));
  return absl::OkStatus();
}

absl::Status DensitySwitch::Enqueue(cudaStream_t stream, const SetFn& set, const BodyFn& when_set,
                                    const BodyFn& when_clear, const std::vector<const void*>& key) {
  cudaStreamCaptureStatus status = cudaStreamCaptureStatusNone;
  SF_CUDA_RETURN_IF_ERROR(cudaStreamIsCapturing(stream, &status));
  if (status != cudaStreamCaptureStatusNone) {
    return AddToCapture(stream, set, when_set, when_clear);
  }
  if (standalone_.get() == nullptr || key != standalone_key_) {
    standalone_ = GraphExec();
    SF_ASSIGN_OR_RETURN(standalone_, CaptureGraph(outer_.get(), [&] {
                          return AddToCapture(outer_.get(), set, when_set, when_clear);
                        }));
    standalone_key_ = key;
  }
  SF_CUDA_RETURN_IF_ERROR(cudaGraphLaunch(standalone_.get(), stream));
  return absl::OkStatus();
}

}  // namespace sf
