#include <cstdio>

#include "runtime/version.h"

int main() {
  std::printf("sfrun %s\n", sf::VersionString());
  return 0;
}
