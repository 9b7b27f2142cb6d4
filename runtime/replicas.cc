#include "sf/replicas.h"

#include <algorithm>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "graph/op_type.h"
#include "graph/status.h"
#include "runtime/batch_split.h"
#ifdef SF_WITH_CUDA
#include "cuda/device.h"
#endif

namespace sf {
namespace {

absl::Status OnDevice(const absl::Status& s, const std::string& device) {
  return absl::Status(s.code(), absl::StrCat("device ", device, ": ", s.message()));
}

}  // namespace

absl::StatusOr<int64_t> InputRowsPerSample(Runtime& rt) {
  const int64_t steps = rt.NeuronSteps();
  if (steps <= 1 || rt.InputInfo().empty()) return 1;
  std::map<std::string, std::vector<int64_t>> probe;
  for (const TensorInfo& info : rt.InputInfo()) {
    std::vector<int64_t> dims = info.dims;
    for (size_t i = 0; i < dims.size(); ++i) {
      if (dims[i] < 0) dims[i] = i == 0 ? steps : 1;
    }
    probe[info.name] = dims;
  }
  const std::vector<int64_t>& first = probe.at(rt.InputInfo().front().name);
  if (first.empty()) return steps;
  SF_ASSIGN_OR_RETURN(Plan plan, rt.GetPlan(probe));
  for (const PlanStep& step : plan.steps) {
    if (!IsNeuron(step.op) || step.input_dims.empty()) continue;
    return step.input_dims[0] == first[0] * steps ? 1 : steps;
  }
  return steps;
}

std::vector<std::string> AvailableGpus() {
  std::vector<std::string> gpus;
#ifdef SF_WITH_CUDA
  for (const cuda::DeviceInfo& d : cuda::ListDevices()) gpus.push_back(absl::StrCat("cuda:", d.ordinal));
#endif
  return gpus;
}

absl::StatusOr<std::unique_ptr<ReplicaSet>> ReplicaSet::Load(
    const std::string& path, const Options& options, const std::vector<std::string>& devices) {
  if (devices.empty()) return absl::InvalidArgumentError("a replica set needs at least one device");
  std::vector<std::unique_ptr<Runtime>> replicas;
  for (const std::string& device : devices) {
    Options replica_options = options;
    replica_options.device = device;
    absl::StatusOr<std::unique_ptr<Runtime>> rt = Runtime::Load(path, replica_options);
    if (!rt.ok()) return OnDevice(rt.status(), device);
    replicas.push_back(*std::move(rt));
  }
  absl::StatusOr<int64_t> steps = InputRowsPerSample(*replicas.front());
  if (!steps.ok()) return OnDevice(steps.status(), replicas.front()->device());
  return std::unique_ptr<ReplicaSet>(new ReplicaSet(std::move(replicas), *steps));
}

absl::StatusOr<std::unique_ptr<ReplicaSet>> ReplicaSet::LoadOnAllGpus(const std::string& path,
                                                                      const Options& options) {
  const std::vector<std::string> gpus = AvailableGpus();
  if (gpus.empty()) {
    return absl::FailedPreconditionError(
        "device 'all' requested but no CUDA GPU is present (or SparseFlow was built without GPU "
        "support)");
  }
  return Load(path, options, gpus);
}

std::vector<std::string> ReplicaSet::devices() const {
  std::vector<std::string> out;
  for (const auto& rt : replicas_) out.push_back(rt->device());
  return out;
}

absl::StatusOr<ReplicaSet::Shards> ReplicaSet::Shard(
    const std::map<std::string, Tensor>& inputs) const {
  if (inputs.empty()) return absl::InvalidArgumentError("no inputs to split over replicas");
  int64_t samples = -1;
  std::string first;
  for (const auto& [name, t] : inputs) {
    SF_ASSIGN_OR_RETURN(int64_t n, SampleCount(t, steps_, absl::StrCat("input ", name)));
    if (samples >= 0 && n != samples) {
      return absl::InvalidArgumentError(absl::StrCat("input '", name, "' holds ", n,
                                                     " samples but input '", first, "' holds ",
                                                     samples, " (T=", steps_, ")"));
    }
    samples = n;
    first = name;
  }
  if (samples == 0) return absl::InvalidArgumentError("the batch is empty (0 samples)");
  Shards shards;
  for (const SampleRange& range : SplitSamples(samples, size())) {
    std::map<std::string, Tensor>& shard = shards.emplace_back();
    for (const auto& [name, t] : inputs) {
      SF_ASSIGN_OR_RETURN(Tensor part, TakeSamples(t, steps_, range));
      shard.emplace(name, std::move(part));
    }
  }
  return shards;
}

absl::StatusOr<std::vector<Tensor>> ReplicaSet::Run(const std::map<std::string, Tensor>& inputs) {
  SF_ASSIGN_OR_RETURN(Shards shards, Shard(inputs));
  std::vector<absl::StatusOr<std::vector<Tensor>>> results(shards.size());
  {
    std::vector<std::jthread> threads;
    threads.reserve(shards.size());
    for (size_t r = 0; r < shards.size(); ++r) {
      threads.emplace_back([this, r, &shards, &results] { results[r] = replicas_[r]->Run(shards[r]); });
    }
  }  // joined
  for (size_t r = 0; r < results.size(); ++r) {
    if (!results[r].ok()) return OnDevice(results[r].status(), replicas_[r]->device());
  }
  // The sample range of each shard, from its rows.
  std::vector<SampleRange> ranges;
  for (int64_t begin = 0; const auto& shard : shards) {
    const int64_t count = shard.begin()->second.dim(0) / steps_;
    ranges.push_back({begin, count});
    begin += count;
  }
  const std::vector<TensorInfo>& infos = replicas_.front()->OutputInfo();
  std::vector<Tensor> outputs;
  for (size_t o = 0; o < infos.size(); ++o) {
    std::vector<Tensor> parts;
    for (const auto& result : results) parts.push_back((*result)[o]);
    SF_ASSIGN_OR_RETURN(Tensor gathered, GatherSamples(parts, ranges, steps_, infos[o].name));
    outputs.push_back(std::move(gathered));
  }
  return outputs;
}

}  // namespace sf
