#include "graph/attr.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace sf {

template <typename T>
absl::StatusOr<T> Attrs::Get(absl::string_view name, const T* def) const {
  auto it = map_.find(name);
  if (it == map_.end()) {
    if (def != nullptr) return *def;
    return absl::InvalidArgumentError(absl::StrCat("missing required attribute '", name, "'"));
  }
  if (const T* v = std::get_if<T>(&it->second)) return *v;
  // Accept an int where a float is expected (exporters write tau=2 as an int sometimes).
  if constexpr (std::is_same_v<T, float>) {
    if (const int64_t* i = std::get_if<int64_t>(&it->second)) return static_cast<float>(*i);
  }
  return absl::InvalidArgumentError(
      absl::StrCat("attribute '", name, "' has the wrong type (", AttrToString(it->second), ")"));
}

absl::StatusOr<int64_t> Attrs::GetInt(absl::string_view name) const {
  return Get<int64_t>(name, nullptr);
}
absl::StatusOr<int64_t> Attrs::GetIntOr(absl::string_view name, int64_t def) const {
  return Get<int64_t>(name, &def);
}
absl::StatusOr<float> Attrs::GetFloat(absl::string_view name) const {
  return Get<float>(name, nullptr);
}
absl::StatusOr<float> Attrs::GetFloatOr(absl::string_view name, float def) const {
  return Get<float>(name, &def);
}
absl::StatusOr<std::string> Attrs::GetStringOr(absl::string_view name, std::string def) const {
  return Get<std::string>(name, &def);
}
absl::StatusOr<std::vector<int64_t>> Attrs::GetIntsOr(absl::string_view name,
                                                      std::vector<int64_t> def) const {
  return Get<std::vector<int64_t>>(name, &def);
}
absl::StatusOr<std::vector<float>> Attrs::GetFloatsOr(absl::string_view name,
                                                      std::vector<float> def) const {
  return Get<std::vector<float>>(name, &def);
}
absl::StatusOr<Tensor> Attrs::GetTensor(absl::string_view name) const {
  return Get<Tensor>(name, nullptr);
}

std::string AttrToString(const AttrValue& v) {
  struct Visitor {
    std::string operator()(int64_t x) const { return absl::StrCat(x); }
    std::string operator()(float x) const { return absl::StrCat(x); }
    std::string operator()(const std::string& x) const { return absl::StrCat("\"", x, "\""); }
    std::string operator()(const std::vector<int64_t>& x) const {
      return absl::StrCat("[", absl::StrJoin(x, ","), "]");
    }
    std::string operator()(const std::vector<float>& x) const {
      return absl::StrCat("[", absl::StrJoin(x, ","), "]");
    }
    std::string operator()(const std::vector<std::string>& x) const {
      return absl::StrCat("[", absl::StrJoin(x, ","), "]");
    }
    std::string operator()(const Tensor& t) const {
      return absl::StrCat("tensor ", ToString(t.dtype()), ShapeToString(t.dims()));
    }
  };
  return std::visit(Visitor{}, v);
}

}  // namespace sf
