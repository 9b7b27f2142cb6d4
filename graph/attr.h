// Node attributes: a small typed map (int, float, string, lists, tensor).
#ifndef SF_GRAPH_ATTR_H_
#define SF_GRAPH_ATTR_H_

#include "absl/strings/string_view.h"
#include <cstdint>
#include <map>
#include <string>
#include <variant>
#include <vector>

#include "absl/status/statusor.h"
#include "graph/tensor.h"

namespace sf {

using AttrValue = std::variant<int64_t, float, std::string, std::vector<int64_t>,
                               std::vector<float>, std::vector<std::string>, Tensor>;

// Ordered by name so that printing is stable.
class Attrs {
 public:
  void Set(std::string name, AttrValue v) { map_[std::move(name)] = std::move(v); }
  bool Has(absl::string_view name) const { return map_.find(std::string(name)) != map_.end(); }
  void Erase(absl::string_view name) { map_.erase(std::string(name)); }
  const std::map<std::string, AttrValue, std::less<>>& map() const { return map_; }

  // Typed getters. The *Or forms return `def` when the attribute is absent and
  // an error when it is present with another type. Required forms fail when absent.
  absl::StatusOr<int64_t> GetInt(absl::string_view name) const;
  absl::StatusOr<int64_t> GetIntOr(absl::string_view name, int64_t def) const;
  absl::StatusOr<float> GetFloat(absl::string_view name) const;
  absl::StatusOr<float> GetFloatOr(absl::string_view name, float def) const;
  absl::StatusOr<std::string> GetStringOr(absl::string_view name, std::string def) const;
  absl::StatusOr<std::vector<int64_t>> GetIntsOr(absl::string_view name,
                                                 std::vector<int64_t> def) const;
  absl::StatusOr<std::vector<float>> GetFloatsOr(absl::string_view name,
                                                 std::vector<float> def) const;
  absl::StatusOr<Tensor> GetTensor(absl::string_view name) const;

 private:
  template <typename T>
  absl::StatusOr<T> Get(absl::string_view name, const T* def) const;
  std::map<std::string, AttrValue, std::less<>> map_;
};

// "3", "[1,1]", "tensor float32[2,3]", ...
std::string AttrToString(const AttrValue& v);

}  // namespace sf

#endif  // SF_GRAPH_ATTR_H_
