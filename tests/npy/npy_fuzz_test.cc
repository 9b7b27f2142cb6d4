// Mini fuzz: truncations and byte flips of valid files must return (ok or error),
// never crash or read out of bounds (most useful under ASan).
#include <random>
#include <string>

#include <gtest/gtest.h>

#include "runtime/npy.h"
#include "tests/npy/npy_test_util.h"

namespace sf {
namespace {

using ::sf::testing::MakeNpy;
using ::sf::testing::NpyDict;

std::vector<std::string> Seeds() {
  return {
      MakeNpy(NpyDict("<f4", "(2, 3)"), std::string(24, '\x01')),
      MakeNpy(NpyDict(">i8", "(3, 2)", "True"), std::string(48, '\x02')),
      MakeNpy(NpyDict("|b1", "(2, 2, 2)", "True"), std::string(8, '\x01'), /*major=*/2),
      MakeNpy(NpyDict("<f8", "()"), std::string(8, '\x03'), /*major=*/3),
      SerializeNpy(Tensor::FromVector<int32_t>({2, 1, 3}, {1, 2, 3, 4, 5, 6})).value(),
  };
}

TEST(NpyFuzzTest, EveryTruncationReturns) {
  for (const std::string& seed : Seeds()) {
    ASSERT_TRUE(ParseNpy(seed).ok());
    for (size_t n = 0; n < seed.size(); ++n) {
      EXPECT_FALSE(ParseNpy(seed.substr(0, n)).ok()) << "prefix " << n;
    }
  }
}

TEST(NpyFuzzTest, RandomByteFlipsReturn) {
  std::mt19937 rng(1234);
  int ok = 0;
  int failed = 0;
  for (const std::string& seed : Seeds()) {
    for (int iter = 0; iter < 3000; ++iter) {
      std::string bytes = seed;
      const int flips = 1 + static_cast<int>(rng() % 3);
      for (int f = 0; f < flips; ++f) {
        // Mostly hit the preamble and header, where the parsing happens.
        const size_t limit = rng() % 4 != 0 ? std::min<size_t>(bytes.size(), 128) : bytes.size();
        bytes[rng() % limit] = static_cast<char>(rng() % 256);
      }
      if (rng() % 8 == 0) bytes.resize(rng() % (bytes.size() + 1));
      ParseNpy(bytes).ok() ? ++ok : ++failed;
    }
  }
  // Both outcomes occur; the point is that every call returned.
  EXPECT_GT(ok, 0);
  EXPECT_GT(failed, 0);
}

}  // namespace
}  // namespace sf
