// Loading a model for Runtime-level tests (CPU and GPU).
#ifndef SF_TESTS_TESTING_RUNTIME_TEST_UTIL_H_
#define SF_TESTS_TESTING_RUNTIME_TEST_UTIL_H_

#include <memory>
#include <string>

#include <gtest/gtest.h>

#include "sf/runtime.h"

namespace sf::testing {

// The model in `bytes` on `device`; nullptr (with a test failure) if it does not load.
inline std::unique_ptr<Runtime> LoadModelBytes(const std::string& bytes, const std::string& device,
                                               bool cuda_graphs = true) {
  Options options;
  options.device = device;
  options.cuda_graphs = cuda_graphs;
  auto rt = Runtime::LoadFromBytes(bytes, options);
  EXPECT_TRUE(rt.ok()) << rt.status();
  return rt.ok() ? std::move(rt).value() : nullptr;
}

}  // namespace sf::testing

#endif  // SF_TESTS_TESTING_RUNTIME_TEST_UTIL_H_
