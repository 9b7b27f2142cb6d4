// OccupancyMarks: the spike occupancy links (gpu_kernel.h,
// SpikeOccupancyLink) one spike-writing GPU kernel has accepted, turned into
// the cuda::SpikeOccupancy of each run.
#ifndef SF_RUNTIME_GPU_OCCUPANCY_MARKS_H_
#define SF_RUNTIME_GPU_OCCUPANCY_MARKS_H_

#include <cstddef>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "cuda/kernels/neuron.h"
#include "graph/dtype.h"
#include "runtime/gpu/gpu_kernel.h"

namespace sf {

// The spike occupancy links a kernel that writes spikes marks as it stores
// them (GpuKernel::AcceptSpikeOccupancy): the neuron and Add + neuron kernels
// (nn_kernels.cc) and the conv + neuron pair (sparse_conv_kernel.cc). Float16
// only, at most cuda::kMaxSpikeOccupancyTargets consumers of masks, and any
// number of bit-packed spikes, which all its consumers share (the executor
// gives a producer's packed links one buffer). The masks are cleared before
// every run by whoever linked them (SpikeOccupancyLink), not here.
class OccupancyMarks {
 public:
  // Whether a kernel storing `type` spikes of neuron `p` can mark `link`
  // beside the links accepted so far.
  bool CanTake(const SpikeOccupancyLink* link, DataType type, const cuda::NeuronParams& p) const {
    if (link == nullptr || type != DataType::kFloat16) return false;
    const cuda::SpikeOccupancyTarget& t = link->target;
    if (link->packed) {
      return t.images * t.h * t.w * t.c == p.steps * p.step_elements &&
             *cuda::SpikePackedUnsupportedReason(type, p.steps, p.step_elements) == '\0';
    }
    return links_.size() < static_cast<size_t>(cuda::kMaxSpikeOccupancyTargets) &&
           *cuda::SpikeOccupancyUnsupportedReason(t, p.steps, p.step_elements) == '\0';
  }
  // CanTake, and then keeps it.
  bool Accept(SpikeOccupancyLink* link, DataType type, const cuda::NeuronParams& p) {
    if (!CanTake(link, type, p)) return false;
    (link->packed ? packed_ : links_).push_back(link);
    return true;
  }
  // The targets to mark and the packed spikes to write in this run; null
  // when no link is on.
  const cuda::SpikeOccupancy* ForRun() {
    occupancy_.count = 0;
    occupancy_.cleared = true;
    for (const SpikeOccupancyLink* link : links_) {
      if (link->on) occupancy_.targets[occupancy_.count++] = link->target;
    }
    occupancy_.packed = nullptr;
    for (const SpikeOccupancyLink* link : packed_) {
      if (link->on) occupancy_.packed = link->target.masks;  // one buffer for all
    }
    return occupancy_.count > 0 || occupancy_.packed != nullptr ? &occupancy_ : nullptr;
  }
  // ", marks spike occupancy for 'conv1', 'conv2', writes bit-packed spikes
  // for 'conv3'", or "" without links.
  std::string Describe() const {
    std::string out;
    for (const SpikeOccupancyLink* link : links_) {
      absl::StrAppend(&out, out.empty() ? ", marks spike occupancy for '" : ", '", link->consumer,
                      "'", link->on ? "" : " (off)");
    }
    for (size_t i = 0; i < packed_.size(); ++i) {
      absl::StrAppend(&out, i == 0 ? ", writes bit-packed spikes for '" : ", '",
                      packed_[i]->consumer, "'", packed_[i]->on ? "" : " (off)");
    }
    return out;
  }

 private:
  std::vector<SpikeOccupancyLink*> links_;
  std::vector<SpikeOccupancyLink*> packed_;
  cuda::SpikeOccupancy occupancy_;
};

}  // namespace sf

#endif  // SF_RUNTIME_GPU_OCCUPANCY_MARKS_H_
