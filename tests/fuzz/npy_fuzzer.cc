// libFuzzer harness: .npy bytes -> ParseNpy. A parsed tensor must serialise and
// parse back to the same dtype, dims and bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "runtime/npy.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::StatusOr<sf::Tensor> t =
      sf::ParseNpy(absl::string_view(reinterpret_cast<const char*>(data), size), "fuzz.npy");
  if (!t.ok()) return 0;
  absl::StatusOr<std::string> bytes = sf::SerializeNpy(*t);
  if (!bytes.ok()) std::abort();
  absl::StatusOr<sf::Tensor> back = sf::ParseNpy(*bytes, "roundtrip.npy");
  if (!back.ok() || back->dtype() != t->dtype() || back->dims() != t->dims() ||
      back->nbytes() != t->nbytes() ||
      (t->nbytes() > 0 && std::memcmp(back->raw_data(), t->raw_data(), t->nbytes()) != 0)) {
    std::abort();
  }
  return 0;
}
