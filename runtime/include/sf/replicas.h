// Data-parallel inference over several devices: one sf::Runtime replica per
// device, a batch split across them by sample, results gathered in order.
//
//   SF_ASSIGN_OR_RETURN(auto set, sf::ReplicaSet::Load("m.onnx", {}, sf::AvailableGpus()));
//   SF_ASSIGN_OR_RETURN(auto outs, set->Run({{"input", tensor}}));  // same as one Runtime
//
// Batch layout: SNN inputs are T-major, [T*N, ...] (row t*N+n is step t of
// sample n), with T = Runtime::NeuronSteps(); a model without neurons, or one
// that repeats its [N, ...] input over the T steps itself, has one row per
// sample (told apart at Load from the plan of a one-sample batch). Each replica gets a contiguous range of samples (all their
// steps); uneven splits give the first replicas one sample more; a batch of
// fewer samples than replicas uses only the first N replicas. Outputs are
// gathered back by sample: an output of each replica must be per-sample
// ([n, ...]) or T-major ([T*n, ...]).
//
// Ownership: the set owns its Runtimes. Thread-safety: Run is not reentrant
// (each replica is driven by its own thread during a Run, and by no one
// else); separate ReplicaSets may run concurrently.
#ifndef SF_REPLICAS_H_
#define SF_REPLICAS_H_

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/tensor.h"
#include "sf/runtime.h"

namespace sf {

// The visible GPUs as resolved device strings ("cuda:0", "cuda:1", ...); empty
// when there is none or the build has no CUDA.
std::vector<std::string> AvailableGpus();

// Rows per sample of the model's inputs: T (NeuronSteps) when they are
// T-major, 1 when the model has no neuron or repeats its input over the T
// steps itself. Told apart by the plan for a batch of one sample taken as T
// rows: the first neuron sees T rows (T-major) or T*T (repeated).
absl::StatusOr<int64_t> InputRowsPerSample(Runtime& rt);

class ReplicaSet {
 public:
  // Inputs by name, one map per replica used, in replica order.
  using Shards = std::vector<std::map<std::string, Tensor>>;

  ReplicaSet(const ReplicaSet&) = delete;
  ReplicaSet& operator=(const ReplicaSet&) = delete;

  // Loads one Runtime per entry of `devices` (each as Options::device; a
  // device may repeat, e.g. {"cpu", "cpu"} for tests). `options.device` is
  // ignored. Plans one sample on the first replica to learn the batch layout.
  // InvalidArgument for an empty device list; load errors name the device.
  static absl::StatusOr<std::unique_ptr<ReplicaSet>> Load(const std::string& path,
                                                          const Options& options,
                                                          const std::vector<std::string>& devices);

  // One replica per AvailableGpus() entry; FailedPrecondition when there is none.
  static absl::StatusOr<std::unique_ptr<ReplicaSet>> LoadOnAllGpus(const std::string& path,
                                                                   const Options& options);

  int size() const { return static_cast<int>(replicas_.size()); }
  Runtime& replica(int i) { return *replicas_[i]; }
  // The resolved devices, one per replica.
  std::vector<std::string> devices() const;
  // Rows per sample of every input: the model's T for T-major inputs, else 1.
  int64_t steps() const { return steps_; }

  // The inputs each replica runs for `inputs`. InvalidArgument when the inputs disagree on the number of
  // samples, a row count is not a multiple of T, or the batch is empty.
  absl::StatusOr<Shards> Shard(const std::map<std::string, Tensor>& inputs) const;

  // Runs the batch on the replicas concurrently; outputs as Runtime::Run
  // would give them for the whole batch (in OutputInfo() order). Errors name
  // the device that failed.
  absl::StatusOr<std::vector<Tensor>> Run(const std::map<std::string, Tensor>& inputs);

 private:
  ReplicaSet(std::vector<std::unique_ptr<Runtime>> replicas, int64_t steps)
      : replicas_(std::move(replicas)), steps_(steps) {}

  std::vector<std::unique_ptr<Runtime>> replicas_;
  int64_t steps_;
};

}  // namespace sf

#endif  // SF_REPLICAS_H_
