// Error-handling helpers used across SparseFlow. Every fallible function returns
// absl::Status or absl::StatusOr<T>; no exceptions cross module boundaries.
#ifndef SF_GRAPH_STATUS_H_
#define SF_GRAPH_STATUS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

#define SF_CONCAT_INNER_(a, b) a##b
#define SF_CONCAT_(a, b) SF_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define SF_RETURN_IF_ERROR(expr)                       \
  do {                                                 \
    ::absl::Status sf_status_ = (expr);                \
    if (!sf_status_.ok()) return sf_status_;           \
  } while (0)

// `SF_ASSIGN_OR_RETURN(auto x, F())`: evaluates F() (an absl::StatusOr<T>), returns
// its status on error, otherwise moves the value into `lhs`.
#define SF_ASSIGN_OR_RETURN(lhs, expr) \
  SF_ASSIGN_OR_RETURN_IMPL_(SF_CONCAT_(sf_statusor_, __LINE__), lhs, expr)
#define SF_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()

// Returns InvalidArgument with the concatenated message when `cond` is false.
#define SF_CHECK_ARG(cond, ...)                                          \
  do {                                                                   \
    if (!(cond)) return ::absl::InvalidArgumentError(absl::StrCat(__VA_ARGS__)); \
  } while (0)

#endif  // SF_GRAPH_STATUS_H_
