// gMock matchers for absl::Status / absl::StatusOr:
//   EXPECT_THAT(s, StatusIs(absl::StatusCode::kInvalidArgument, HasSubstr("conv_3")));
//   EXPECT_OK(s); ASSERT_OK_AND_ASSIGN(auto v, F());
#ifndef SF_TESTS_TESTING_STATUS_MATCHERS_H_
#define SF_TESTS_TESTING_STATUS_MATCHERS_H_

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace sf::testing {

inline const absl::Status& GetStatus(const absl::Status& s) { return s; }
template <typename T>
const absl::Status& GetStatus(const absl::StatusOr<T>& s) { return s.status(); }

MATCHER_P2(StatusIs, code, message_matcher, "") {
  const absl::Status& s = GetStatus(arg);
  *result_listener << "status is " << s.ToString();
  return s.code() == code &&
         ::testing::ExplainMatchResult(message_matcher, std::string(s.message()),
                                       result_listener);
}

}  // namespace sf::testing

#define SF_TEST_CONCAT_INNER_(a, b) a##b
#define SF_TEST_CONCAT_(a, b) SF_TEST_CONCAT_INNER_(a, b)
#define EXPECT_OK(expr) EXPECT_TRUE(::sf::testing::GetStatus(expr).ok()) << ::sf::testing::GetStatus(expr)
#define ASSERT_OK(expr) ASSERT_TRUE(::sf::testing::GetStatus(expr).ok()) << ::sf::testing::GetStatus(expr)
#define ASSERT_OK_AND_ASSIGN(lhs, expr) \
  ASSERT_OK_AND_ASSIGN_IMPL_(SF_TEST_CONCAT_(sf_test_so_, __LINE__), lhs, expr)
#define ASSERT_OK_AND_ASSIGN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                               \
  ASSERT_TRUE(tmp.ok()) << tmp.status();           \
  lhs = std::move(tmp).value()

#endif  // SF_TESTS_TESTING_STATUS_MATCHERS_H_
