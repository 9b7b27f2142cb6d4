#include "runtime/version.h"

namespace sf {

const char* VersionString() { return "0.1.0"; }

}  // namespace sf
