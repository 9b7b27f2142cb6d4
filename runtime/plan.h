// The execution plan: the ordered steps of a run with, per node, the kernel
// chosen, its block size, input class and shapes. Printable as a table
// (sfrun --plan) and as JSON (--plan-json, ../shared/spec/cli-and-plan.md).
#ifndef SF_RUNTIME_PLAN_H_
#define SF_RUNTIME_PLAN_H_

#include <array>
#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/graph.h"
#include "graph/passes/block_selection.h"
#include "graph/passes/spike_analysis.h"

namespace sf {

enum class SparseMode { kAuto, kOn, kOff };
absl::string_view ToString(SparseMode m);

// How a GPU executor chooses each cuDNN conv's algorithm at prepare time:
// kTimed runs cuDNN's timed search on temporary buffers, then times the best
// legacy algorithms and the engine configs of cuDNN's backend API (conv and
// bias as one graph; cuda/cudnn_backend_conv.h) against each other (tens of
// ms per distinct conv on an H200, once per process), kHeuristic takes the legacy API's
// heuristic pick (no device work). kTimedGemm times too, but only among the algorithms that compute
// each output as a plain sum of products (implicit GEMM, GEMM, direct): no Winograd or FFT
// transform, whose rounding is of another kind, so a model whose sums are exact in float32 gives
// PyTorch's CPU bits (spikes sitting exactly on a threshold do not flip). Every choice respects the
// workspace limit.
enum class ConvAlgoSearch { kHeuristic, kTimed, kTimedGemm };
absl::string_view ToString(ConvAlgoSearch s);

// Element type of activations and weights on the device (Options::precision).
// kFloat16 is CUDA only: graph/passes/float16.h converts the prepared graph.
enum class Precision { kFloat32, kFloat16 };
absl::string_view ToString(Precision p);  // "fp32", "fp16"
// "fp32" / "fp16"; InvalidArgument naming the accepted values otherwise.
absl::StatusOr<Precision> ParsePrecision(absl::string_view text);

// Memory layout of 4-D activations on the device (Options::layout). kNHWC is
// CUDA only: graph/passes/layout.h converts the prepared graph; graph inputs
// and outputs stay NCHW.
enum class Layout { kNCHW, kNHWC };
absl::string_view ToString(Layout l);  // "nchw", "nhwc"
// "nchw" / "nhwc"; InvalidArgument naming the accepted values otherwise.
absl::StatusOr<Layout> ParseLayout(absl::string_view text);

struct PlanOptions {
  std::string model_name;  // shown in the plan ("resnet18.onnx")
  std::string device = "cpu";
  SparseMode sparse = SparseMode::kAuto;
  Precision precision = Precision::kFloat32;
  Layout layout = Layout::kNCHW;
  BlockRule block_rule;
  std::map<std::string, int> block_overrides;  // node name -> block edge
  // CUDA, float16, sparse mode auto/on: fuse a sparse-planned Conv with the
  // neuron that is its output's only reader (PlanStep::fused_neuron). CUDA,
  // any precision and sparse mode: fuse a residual Add with the neuron it
  // feeds or is fed by (PlanStep::fused_neuron on the Add, fused_add).
  bool fuse_neurons = true;
};

struct PlanStep {
  int node = -1;
  std::string name;
  OpType op = OpType::kIdentity;
  std::string kernel;  // "sparse" or "dense"
  ValueClass input_class = ValueClass::kDense;
  std::vector<int64_t> input_dims;   // first input
  std::vector<int64_t> output_dims;  // first output
  // Conv only:
  int64_t h = 0, w = 0;
  std::array<int64_t, 2> kernel_hw{0, 0};
  std::array<int64_t, 2> stride{0, 0};
  int block = 0;
  std::vector<std::string> spike_sources;  // names of the neuron nodes it descends from
  // Conv + neuron fusion (issue 12): on the Conv, the node index of the
  // neuron (IF/LIF/PLIF) that is the only reader of its output; the GPU runs
  // both as one kernel that writes the neuron's spikes, and the conv's output
  // gets no memory. On that neuron, the Conv's index (its step runs nothing).
  // -1 otherwise. Chosen by BuildPlan for device cuda, precision fp16, sparse
  // mode auto/on, a sparse-planned conv (block > 0) or a dense one with at
  // most 64 taps per output (C_in * kh * kw: a first conv on a 1- or 3-channel
  // image, run by the direct kernel) with equal strides, whose
  // float16 output is no graph output and is read only by a neuron without
  // carried state whose `steps` divides the batch. With mode auto the kernel
  // still times fused against cuDNN + neuron on the first run.
  //
  // Add + neuron fusion (device cuda, any precision and sparse mode, taken
  // before the conv + neuron fusion): an elementwise Add of two tensors of
  // the same dims and float type, with a neuron without carried state
  // (`steps` dividing the first dim), one reading the other's output as its
  // only reader, neither output a graph output. Add -> neuron: fused_neuron
  // on the Add, whose step writes the neuron's spikes (the sum gets no
  // memory). Neuron -> Add (SEW's spike + shortcut): fused_add on the
  // neuron, whose step writes the Add's output (the spikes get no memory);
  // only where the Add's other input is computed before the neuron. The
  // fused step's node is the one that runs; the other has fused_into.
  int fused_neuron = -1;
  int fused_add = -1;
  int fused_into = -1;
  // Filled by Runtime::GetPlan from the executor prepared for these shapes
  // (BuildPlan leaves them empty): what the step's kernel is ("cudnn fp16
  // nhwc IMPLICIT_PRECOMP_GEMM (timed, ...)", a sparse conv's choice and
  // measured times), and a sparse conv's calibrated density switch
  // (StepStats::switch_sparse_tiles, switch_tiles; -2 and 0 without one).
  std::string kernel_detail;
  int switch_sparse_tiles = -2;
  int switch_tiles = 0;
};

struct Plan {
  std::string model;
  std::string device;
  // PlanOptions::sparse: kAuto lets a GPU sparse conv time itself against
  // cuDNN on its first run and keep the faster; kOn always runs sparse.
  SparseMode sparse_mode = SparseMode::kAuto;
  // With kFloat16 the steps include the Casts of graph/passes/float16.h.
  Precision precision = Precision::kFloat32;
  // With kNHWC the steps include the Transposes of graph/passes/layout.h and
  // the dims of channels-last values are their stored NHWC dims.
  Layout layout = Layout::kNCHW;
  std::vector<PlanStep> steps;  // topological order, one per node
  // Filled by the runtime once the executor exists (0 before): the arena that
  // holds every intermediate, and the sum of their sizes without reuse.
  int64_t arena_bytes = 0;
  int64_t tensor_bytes = 0;
  // CUDA: the device memory beside the arena that the spike links between
  // neurons and sparse convs take (issue 12; GpuExecutor): tile occupancy
  // masks, and bit-packed spikes (one buffer per producing neuron, 1/16 of its
  // float16 output). 0 without links and on the CPU.
  int64_t spike_mask_bytes = 0;
  int64_t spike_packed_bytes = 0;
};

// `graph` must be topologically sorted with concrete shapes.
absl::StatusOr<Plan> BuildPlan(const Graph& graph, const PlanOptions& options);
std::string PlanToJson(const Plan& plan);
// A JSON string literal of `s`: quotes, backslashes and control characters
// escaped; well-formed UTF-8 passes through, and each byte that is not part of
// one (a node name is any bytes a model holds) becomes U+FFFD, so the output is
// always valid JSON. Shared by every JSON writer.
std::string JsonString(absl::string_view s);
std::string PlanToTable(const Plan& plan);

// The tensor bytes step `step` of `plan` moves when every tensor it touches is
// read or written once: its inputs (weights included) and its outputs,
// following the fusions. A conv fused with its neuron writes the neuron's
// output, not its own; an Add fused with its neuron likewise; a neuron fused
// with an Add also reads the Add's other input and writes the Add's output; a
// step fused into another moves nothing. `conv_neuron_ran_fused` false: the
// conv + neuron pair ran its unfused path (a kernel that chose it at run time),
// the conv's output written and read back by the neuron. A model for comparing
// plans, not a measurement: caches, a sparse conv's prescan (a second read of
// its input), occupancy masks and packed spikes are not in it. `graph` is the
// one the plan was built from (concrete shapes; else an error).
struct StepTraffic {
  int64_t read_bytes = 0, written_bytes = 0;
};
absl::StatusOr<StepTraffic> PlanStepTraffic(const Graph& graph, const Plan& plan, size_t step,
                                            bool conv_neuron_ran_fused = true);

}  // namespace sf

#endif  // SF_RUNTIME_PLAN_H_
