#include "runtime/tensor_view.h"

namespace sf {

absl::string_view ToString(MemoryKind memory) {
  switch (memory) {
    case MemoryKind::kHost: return "host";
    case MemoryKind::kCuda: return "cuda";
  }
  return "?";
}

}  // namespace sf
