// Device-only check (session 17): a zoo model under --sparse on, fp16 NHWC,
// conv + neuron fusion on (ZOO_NO_FUSE: off), the sparse convs on the kernel
// SF_SPARSE_F16_KERNEL says (set by the caller), run 4 times; prints each
// run's output checksum and max|diff| against the same runtime loaded with
// SF_SPIKE_OCCUPANCY=off, and which steps mark or read spike links.
//   zoo_links MODEL.onnx INPUT.npy
#include <cmath>
#include <cstdio>
#include <cstdlib>

#include "runtime/npy.h"
#include "sf/runtime.h"

int main(int argc, char** argv) {
  if (argc != 3) return 2;
  auto input = sf::ReadNpy(argv[2]);
  if (!input.ok()) return 1;
  sf::Options o;
  o.device = "cuda";
  o.sparse = sf::SparseMode::kOn;
  o.precision = sf::Precision::kFloat16;
  o.layout = sf::Layout::kNHWC;
  o.fuse_neurons = std::getenv("ZOO_NO_FUSE") == nullptr;
  std::vector<std::vector<sf::Tensor>> outs[2];
  for (int links = 0; links < 2; ++links) {
    if (links == 0) setenv("SF_SPIKE_OCCUPANCY", "off", 1); else unsetenv("SF_SPIKE_OCCUPANCY");
    auto rt = sf::Runtime::Load(argv[1], o);
    if (!rt.ok()) { std::fprintf(stderr, "%s\n", std::string(rt.status().message()).c_str()); return 1; }
    const std::string& name = (*rt)->InputInfo().at(0).name;
    for (int run = 0; run < 4; ++run) {
      auto r = (*rt)->Run({{name, *input}});
      if (!r.ok()) { std::fprintf(stderr, "%s\n", std::string(r.status().message()).c_str()); return 1; }
      outs[links].push_back(*r);
    }
    if (links == 1) {
      auto plan = (*rt)->GetPlan({{name, input->dims()}});
      if (plan.ok()) {
        int packed = 0, masks = 0, fused_marking = 0;
        for (const auto& step : plan->steps) {
          const std::string& d = step.kernel_detail;
          if (d.find("read as bits") != std::string::npos) ++packed;
          if (d.find("': on, no prescan") != std::string::npos) ++masks;
          if (d.find(" fused ") != std::string::npos && d.find("conv+") != std::string::npos) {
            if (d.find("marks spike occupancy for") != std::string::npos ||
                d.find("writes bit-packed spikes for") != std::string::npos) {
              ++fused_marking;
            }
            std::printf("fused pair %s: %s\n", step.name.c_str(), d.c_str());
          }
          if (step.name.find("stem") != std::string::npos || &step == &plan->steps[0] ||
              &step == &plan->steps[1] || &step == &plan->steps[2]) {
            std::printf("step %s (%s): %s\n", step.name.c_str(), std::string(ToString(step.op)).c_str(),
                        d.c_str());
          }
        }
        std::printf("convs reading bit-packed spikes: %d, convs on masks (no prescan): %d, "
                    "fused conv + neuron pairs marking: %d\n", packed, masks, fused_marking);
      }
    }
  }
  double worst = 0;
  for (int run = 0; run < 4; ++run) {
    const sf::Tensor& a = outs[0][run][0];
    const sf::Tensor& b = outs[1][run][0];
    double d = 0, sum = 0;
    for (int64_t i = 0; i < a.num_elements(); ++i) {
      d = std::max(d, std::fabs(static_cast<double>(a.data<float>()[i]) - b.data<float>()[i]));
      sum += b.data<float>()[i];
    }
    std::printf("run %d: max|diff| %g, checksum %.6f, %lld values\n", run, d, sum,
                static_cast<long long>(a.num_elements()));
    worst = std::max(worst, d);
  }
  return worst == 0 ? 0 : 3;
}
