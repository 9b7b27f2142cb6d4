// Device-only check (session 15): a zoo model under --sparse on, fp16 NHWC,
// every sparse conv on the spike gather (SF_SPARSE_F16_KERNEL=gather, set by
// the caller), run 4 times; prints each run's output checksum and max|diff|
// against the same runtime loaded with SF_SPIKE_OCCUPANCY=off.
//   zoo_packed MODEL.onnx INPUT.npy
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
        int packed = 0;
        for (const auto& step : plan->steps) {
          if (step.kernel_detail.find("read as bits") != std::string::npos) ++packed;
        }
        std::printf("convs reading bit-packed spikes: %d\n", packed);
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
