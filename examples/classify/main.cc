// classify: runs the Fashion-MNIST SNN on a .npy batch and prints the classes.
//   classify models/fmnist_snn/model.onnx models/fmnist_snn/test_input.npy
#include <cstdio>

#include "runtime/npy.h"
#include "sf/runtime.h"

namespace {

constexpr const char* kClasses[] = {"T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                    "Sandal",      "Shirt",   "Sneaker",  "Bag",   "Ankle boot"};

int Fail(const absl::Status& s) {
  std::fprintf(stderr, "error: %s\n", std::string(s.message()).c_str());
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: classify MODEL.onnx IMAGES.npy\n");
    return 2;
  }
  sf::Options options;
  options.device = "auto";  // the GPU when there is one, else the CPU
  auto runtime = sf::Runtime::Load(argv[1], options);
  if (!runtime.ok()) return Fail(runtime.status());
  auto images = sf::ReadNpy(argv[2]);
  if (!images.ok()) return Fail(images.status());

  const std::string& input = (*runtime)->InputInfo().at(0).name;
  auto outputs = (*runtime)->Run({{input, *images}});
  if (!outputs.ok()) return Fail(outputs.status());

  const sf::Tensor& logits = outputs->at(0);
  if (logits.rank() != 2) return Fail(absl::InvalidArgumentError("expected [N, classes] logits"));
  const int64_t rows = logits.dim(0), cols = logits.dim(1);
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = logits.data<float>() + r * cols;
    int64_t best = 0;
    for (int64_t c = 1; c < cols; ++c) best = row[c] > row[best] ? c : best;
    std::printf("%lld: %s\n", static_cast<long long>(r),
                best < 10 && cols == 10 ? kClasses[best] : std::to_string(best).c_str());
  }
  std::printf("ran on %s\n", (*runtime)->device().c_str());
  return 0;
}
