// SparseFlow public C++ API.
//
//   SF_ASSIGN_OR_RETURN(auto rt, sf::Runtime::Load("model.onnx", sf::Options{}));
//   SF_ASSIGN_OR_RETURN(auto outs, rt->Run({{"input", tensor}}));
//
// Zero-copy, allocation-free runs on caller memory (device buffers and a
// caller stream on a GPU, like TensorRT's enqueueV3 or ONNX Runtime's IOBinding):
//
//   float* d_x;  float* d_y;  // cudaMalloc'ed by the caller, on the Runtime's device
//   SF_RETURN_IF_ERROR(rt->RunInto(
//       {{"input", {d_x, sf::DataType::kFloat32, {16, 1, 28, 28}, sf::MemoryKind::kCuda}}},
//       {{"logits", {d_y, sf::DataType::kFloat32, {16, 10}, sf::MemoryKind::kCuda}}}, stream));
//
// Thread-safety: one Runtime = one executor (and, on a GPU, one CUDA stream)
// per prepared input shape. Run, RunInto, Step, TimeRuns, ProfileLayers and
// RunStepByStep are not reentrant: call them from one thread at a time.
// Separate Runtimes, on the same or different devices, may run concurrently. A
// Runtime keeps its prepared plan per input shape, so repeated Run()s with the
// same shapes do no planning work.
#ifndef SF_RUNTIME_H_
#define SF_RUNTIME_H_

#include <array>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "graph/tensor.h"
#include "runtime/conv_occupancy.h"
#include "runtime/plan.h"
#include "runtime/tensor_view.h"

namespace sf {

enum class LogLevel { kUnchanged, kDebug, kInfo, kWarn, kError, kOff };

struct Options {
  // "auto" (cuda when a GPU is present, else cpu), "cpu", "cuda", "cuda:N".
  std::string device = "auto";
  SparseMode sparse = SparseMode::kAuto;
  BlockRule block_rule;
  std::map<std::string, int> block_overrides;  // Conv node name -> block edge
  // CUDA: the first Run() of a prepared shape launches its kernels plainly and
  // captures them as a CUDA graph, which every later Run() replays.
  bool cuda_graphs = true;
  // CUDA: let cuDNN convolutions and cuBLAS GEMMs use TF32 tensor cores (about
  // 1e-3 relative error instead of FP32's 1e-7; faster on Ampere and later).
  bool allow_tf32 = false;
  // CUDA: how each cuDNN conv's algorithm is chosen when a shape is prepared
  // (runtime/plan.h). Choices are cached per process, per device and conv.
  ConvAlgoSearch conv_algo_search = ConvAlgoSearch::kTimed;
  // CUDA: a tuning cache file that keeps those choices across processes
  // (runtime/gpu/tuning_cache.h): Load reads it (a missing file is no error; a
  // file that is not a tuning cache or has a faulty line fails Load naming
  // it), and preparing a shape that made new choices writes it back (a
  // failure to write is logged as a warning; the run goes on). Each choice
  // is kept under the identity of its device, cuDNN and CUDA runtime, and used
  // only on that same kind. "": the environment variable SF_TUNING_CACHE,
  // else none. Ignored on the CPU.
  std::string tuning_cache;
  // CUDA: time every node of each Run with CUDA events for LastProfile(). Run
  // then launches kernels plainly, never as a CUDA graph (per-node events
  // cannot be read out of a replayed graph, and would change what it costs).
  // The CPU always times its nodes.
  bool profile_nodes = false;
  // CUDA, for compute-sanitizer: every tensor, the workspace and the error
  // flags get their own exact-size cudaMalloc instead of an offset in one
  // arena (an overrun inside the arena is invisible to the sanitizer), and
  // CUDA graphs are off. Slower to prepare; the plan still reports the arena
  // the normal mode would use. The environment variable
  // SF_CUDA_ARENA_BYPASS=1 turns it on too.
  bool debug_separate_allocations = false;
  // CUDA: kFloat16 runs activations and weights in float16 where a kernel has
  // a float16 path (Conv, Gemm/MatMul, neurons, elementwise, pooling,
  // reductions, data movement; float32 accumulation), Casts at graph inputs,
  // outputs and around the other ops; inputs and outputs stay float32.
  // kFloat16 on the CPU fails at Load (InvalidArgument).
  Precision precision = Precision::kFloat32;
  // CUDA: kNHWC keeps the 4-D activations between Conv, pooling and
  // GlobalAveragePool channels-last (cuDNN's fast float16 convs want NHWC),
  // with Transposes where they meet ops that need NCHW (graph/passes/layout.h);
  // inputs and outputs stay NCHW. Block-sparse convs run cuDNN instead.
  // kNHWC on the CPU fails at Load (InvalidArgument).
  Layout layout = Layout::kNCHW;
  // CUDA, float16, sparse auto/on: a block-sparse-planned Conv (or a dense
  // one with at most 64 taps per output) whose output only a neuron reads
  // runs with that neuron as one kernel (the plan's "fused_neuron"; with
  // sparse auto only where it measures faster than cuDNN + the neuron
  // kernel). CUDA, any precision and sparse mode: a residual Add and the
  // neuron it feeds or is fed by run as one kernel ("fused_neuron" on the
  // Add, "fused_add" on the neuron; bit-identical). false keeps them apart.
  bool fuse_neurons = true;
  // Chains of elementwise ops with one element count (a neuron written with
  // primitive ops, unrolled over its time steps: Gathers, arithmetic, Cast of
  // a comparison, a Concat along axis 0) run as one FusedElementwise step
  // each (graph/passes/fuse_elementwise.h), on the CPU and on CUDA (float16
  // included there), with the same output bits. false runs them op by op.
  bool fuse_elementwise = true;
  // CUDA: a conv on a branch beside the main path (a ResNet's shortcut conv,
  // which reads the block input and is needed only at the residual Add) runs
  // on a second stream, concurrently with the main path's kernels; the two
  // streams meet before the first step that reads its result (in a CUDA graph
  // these are graph edges). Its tensors are kept out of the bytes the steps
  // beside it reuse, and it has its own cuDNN/cuBLAS handles and workspace.
  // Runs that time each step (profile_nodes, the step profilers,
  // RunStepByStep) stay on one stream. The plan's kernel detail of such a
  // step says "side stream". false: one stream.
  bool overlap_branches = true;
  // Most bytes one prepared shape's arena (intermediate tensors; on a GPU also
  // graph inputs, cuDNN workspace and error flags) may take; preparing a shape
  // that needs more fails with ResourceExhausted naming both sizes, before
  // anything is allocated. 0: no limit (a built-in 64 GiB ceiling remains).
  int64_t arena_limit_bytes = 0;
  // Sets the level of SparseFlow's log (spdlog's default logger, which is
  // process-wide) at Load; kUnchanged leaves it as it is.
  LogLevel log_level = LogLevel::kUnchanged;
};

struct TensorInfo {
  std::string name;
  DataType dtype = DataType::kUndefined;
  std::vector<int64_t> dims;           // -1 for a symbolic dimension
  std::vector<std::string> dim_names;  // symbol per dim ("" when known/unnamed)
};

struct NodeTiming {
  std::string name;
  OpType op = OpType::kIdentity;
  std::string kernel;  // "sparse" / "dense", as planned
  int block = 0;
  // Time of the node in the last Run: host wall time on the CPU; on CUDA the
  // time between CUDA events around it with Options::profile_nodes, else 0.
  double microseconds = 0;
  std::string kernel_detail;  // what ran ("cudnn IMPLICIT_GEMM (timed, ws 0 B)", "cpu dense")
  // Sparse conv: fraction of its output tiles the last Run found active (its
  // prescan on CUDA, only with profile_nodes); -1 for other nodes.
  double tile_density = -1;
};

// Repeated runs on the same inputs (Runtime::TimeRuns). Microseconds, one
// entry per timed run, in run order.
struct RunTimings {
  std::string clock;               // "cuda_events" or "steady_clock" (CPU)
  std::vector<double> compute_us;  // first kernel to last (inputs already on the device)
  std::vector<double> h2d_us;      // input copies host -> device (0 on the CPU)
  std::vector<double> d2h_us;      // output copies device -> host (CPU: out of the arena)
  // The compute of one run captured as a CUDA graph, one entry per replay;
  // empty when not measured, and then `graph_status` says why.
  std::vector<double> graph_us;
  std::string graph_status;
};

// One plan step timed alone on the real intermediate tensors of a full run
// (Runtime::ProfileLayers).
struct LayerProfile {
  std::string name;
  OpType op = OpType::kIdentity;
  std::string kernel;         // "sparse" / "dense", as planned
  std::string kernel_detail;  // what actually ran ("cudnn IMPLICIT_GEMM ...", "cpu dense")
  int block = 0;
  ValueClass input_class = ValueClass::kDense;
  std::vector<int64_t> input_dims, output_dims;
  std::array<int64_t, 2> kernel_hw{0, 0}, stride{0, 0};  // Conv only
  double median_us = 0, min_us = 0;                      // per execution of the step
  int iters = 0;                                         // executions timed
  // CUDA block-sparse conv, timed alone like the step (median us): its
  // prescan, and its sparse path with the prescan (whichever path the step
  // runs); -1 where not applicable (other steps, the CPU, all-cuDNN plans).
  double prescan_us = -1, sparse_us = -1;
  // The path the step ran when its kernel chooses one at run time ("sparse" or
  // "cudnn", --sparse auto on CUDA), decided by the profiling run; "" otherwise.
  std::string path;
  // Conv with a float32 NCHW input: occupancy of that input; -1 / empty otherwise.
  double element_density = -1;
  std::vector<TileOccupancy> tiles;  // at kOccupancyBlocks and the planned block
  // A conv the plan fuses with its neuron (PlanStep::fused_neuron): that
  // neuron's name; the step's time then includes the neuron, whose own step
  // runs nothing. Empty otherwise.
  std::string fused_neuron;
  // CUDA float16 sparse conv in --sparse auto: its calibrated crossover, the
  // most of `switch_tiles` active tiles at which its sparse path beat cuDNN
  // (-1: at none); -2 and 0 where not calibrated (PlanStep's fields).
  int switch_sparse_tiles = -2;
  int switch_tiles = 0;
  // The tensor bytes the step reads and writes, each tensor once
  // (PlanStepTraffic in runtime/plan.h: a model, not a measurement); 0 for a
  // step fused into another.
  int64_t read_bytes = 0, written_bytes = 0;
};

class Runtime {
 public:
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  // Loads, verifies and analyses a model. Errors name the file and node at fault.
  static absl::StatusOr<std::unique_ptr<Runtime>> Load(const std::string& path,
                                                       const Options& options);
  // `model_dir` resolves external data ("" refuses external data).
  static absl::StatusOr<std::unique_ptr<Runtime>> LoadFromBytes(absl::string_view bytes,
                                                                const Options& options,
                                                                std::string model_name = "model",
                                                                std::string model_dir = "");

  const std::vector<TensorInfo>& InputInfo() const;
  const std::vector<TensorInfo>& OutputInfo() const;
  // The resolved device ("cpu", "cuda:0").
  const std::string& device() const;
  // The `steps` (T) attribute of the first spiking neuron in topological
  // order; 0 when the model has none. A batch of N samples is T*N rows.
  int64_t NeuronSteps() const;

  // The plan for the given input shapes (name -> dims). Missing inputs use the
  // model's declared shape with symbolic dims set to the least common multiple of
  // the neurons' steps (1 without neurons), so T-major inputs stay valid.
  absl::StatusOr<Plan> GetPlan(const std::map<std::string, std::vector<int64_t>>& input_dims = {});

  // The concrete dims of every output, in OutputInfo() order, for these input
  // shapes (missing inputs resolved as GetPlan does). Prepares the plan.
  absl::StatusOr<std::vector<std::vector<int64_t>>> OutputDims(
      const std::map<std::string, std::vector<int64_t>>& input_dims = {});

  // Runs the model. Inputs by name; every model input must be given, with the
  // model's dtype (float64 is converted to float32 where the model wants float32)
  // and a shape that matches its known dims. Outputs in OutputInfo() order.
  // After the first Run for a set of shapes, a Run allocates only what it
  // returns (the output tensors, their dims and the vector) plus a few
  // bookkeeping objects per input (name-to-dims map, dims, converted or
  // shared input tensors): a constant count per run that does not grow.
  absl::StatusOr<std::vector<Tensor>> Run(const std::map<std::string, Tensor>& inputs);

  // Runs the model on memory the caller owns: no conversion, no copy where the
  // device can use the memory in place, and, after the first RunInto for a set
  // of input shapes, no allocation at all (host heap or device memory).
  //   - `inputs`: every model input by name, with exactly the model's dtype
  //     and a shape that fits its known dims. `outputs`: every model output by
  //     name, with exactly the dtype of OutputInfo() and the dims OutputDims()
  //     gives for these input shapes. The views must not overlap one another.
  //   - CPU: host views only; kernels read the inputs and write the outputs
  //     in place. CUDA: device views (MemoryKind::kCuda, memory of this
  //     Runtime's device) are bound in place; host views are copied through
  //     the executor's device arena. An output that is a model input, a
  //     constant, or a repeat of another output is copied.
  //   - `cuda_stream` (a cudaStream_t of this Runtime's device, or nullptr;
  //     CUDA only): the run starts after the work already queued on it, and
  //     work queued on it later sees the outputs (joined with CUDA events).
  //   - RunInto blocks until the outputs are written (it checks the kernels'
  //     error flags), also with a stream.
  //   - CUDA graphs (Options::cuda_graphs): the same device pointers in
  //     consecutive RunIntos are captured once and replayed; new pointers are
  //     launched plainly, then captured when they come again.
  // Errors: InvalidArgument naming the tensor for an unknown, missing, null,
  // wrongly typed or shaped view, a device view on the CPU or of another
  // device, a host view of device memory; for a stream on the CPU or on
  // another device. After an error the outputs' contents are unspecified.
  absl::Status RunInto(const std::map<std::string, TensorView>& inputs,
                       const std::map<std::string, TensorView>& outputs,
                       void* cuda_stream = nullptr);

  // Streaming: runs ONE time step. Each input holds the N rows of one step of
  // the T-major [T*N, ...] input Run() takes (T = NeuronSteps()). Every neuron
  // keeps its membrane potential, in the executor's memory (on the GPU for a
  // CUDA device), from one Step() to the next, so T Step()s give what one Run()
  // gives for the T steps at once — bit for bit on the CPU:
  //   - an output that has rows in Run() ([T*N, ...]) returns this step's N rows;
  //   - an output reduced over time (Reshape to [T, N, ...] then ReduceMean or
  //     ReduceSum over axis 0, as SpikingJelly models average their output)
  //     returns the running mean / sum of the steps so far.
  // A stream starts at the first Step() and after ResetState(); it may run past
  // T steps (the running mean then covers them all). The first Step() of a new
  // input shape prepares a step graph (graph/passes/step_graph.h); later ones
  // allocate nothing. Errors: FailedPrecondition when the model has no
  // IF/LIF/PLIF custom-op neuron, its neurons disagree on T, or the input shapes
  // change mid-stream; Unimplemented, naming the node, when an op mixes time
  // steps or samples (e.g. neurons unrolled over T with Slice/Concat);
  // InvalidArgument for inputs as Run() would, with N rows. After a failed
  // Step() the stream's state is unspecified: call ResetState().
  absl::StatusOr<std::vector<Tensor>> Step(const std::map<std::string, Tensor>& inputs);
  // Ends the stream: every membrane back to its initial value (v_reset, or 0
  // for soft reset), running sums to zero.
  absl::Status ResetState();
  // Step() calls since the stream started.
  int64_t StepsTaken() const;

  // Per-node timing of the last successful Run, in plan order (empty before one).
  std::vector<NodeTiming> LastProfile() const;

  // Benchmarking. Inputs as for Run (and the same prepared plan). TimeRuns does
  // `warmup` untimed runs, then `iters` timed ones (CUDA events on a GPU,
  // steady_clock on the CPU), then, on a GPU, `iters` replays of a CUDA graph
  // of the compute. InvalidArgument for warmup < 0 or iters < 1.
  absl::StatusOr<RunTimings> TimeRuns(const std::map<std::string, Tensor>& inputs, int warmup,
                                      int iters);
  // Runs the model once with a profiling executor (every tensor in its own
  // memory, created for this call and freed after it: needs the sum of all
  // tensor sizes), then times every step alone `iters` times on its real
  // inputs and measures each Conv input's occupancy. Per step, in plan order.
  absl::StatusOr<std::vector<LayerProfile>> ProfileLayers(
      const std::map<std::string, Tensor>& inputs, int iters);
  // Runs the model once on the prepared plan (the executor Run uses, not a
  // profiling one) step by step, in plan order, and calls `after_step(i,
  // name)` after step i (plan.steps[i], named `name`) has finished: on a GPU
  // each step is launched plainly (never from a CUDA graph) and the stream
  // synchronised before its callback, so that whatever the callback observes
  // (e.g. the kernels a tracer recorded since the previous call) belongs to
  // that step alone. Steps that launch nothing (a neuron fused into its conv)
  // get their callback too. The first error, of a step or of the callback,
  // stops the run and is returned; outputs are not returned. On a GPU, when
  // this shape has not run yet, a full Run comes first (the kernels' run-time
  // choices are made on the first run), before the steps. For attributing
  // the kernels of a traced CUDA-graph replay to steps (sfbench
  // --kernel-trace); slow, not for serving. Inputs as for Run.
  absl::Status RunStepByStep(
      const std::map<std::string, Tensor>& inputs,
      const std::function<absl::Status(int step, const std::string& step_name)>& after_step);

 private:
  struct Impl;
  explicit Runtime(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace sf

#endif  // SF_RUNTIME_H_
