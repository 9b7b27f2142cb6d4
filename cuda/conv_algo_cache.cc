#include "cuda/conv_algo_cache.h"

#include <mutex>

#include "absl/container/flat_hash_map.h"

namespace sf::cuda {
namespace {

struct Cache {
  std::mutex mu;
  absl::flat_hash_map<ConvAlgoKey, ConvAlgoChoice> choices;  // guarded by mu
  int64_t searches = 0;                                      // guarded by mu
};

// Never destroyed: kernels may prepare during static destruction of a caller.
Cache& GetCache() {
  static Cache* cache = new Cache();
  return *cache;
}

}  // namespace

bool operator==(const ConvAlgoKey& a, const ConvAlgoKey& b) {
  const ConvShape& x = a.shape;
  const ConvShape& y = b.shape;
  return a.device == b.device && a.data_type == b.data_type && a.layout == b.layout &&
         a.tf32 == b.tf32 && a.timed == b.timed && a.workspace_limit == b.workspace_limit &&
         a.gemm_only == b.gemm_only && a.bias == b.bias && x.n == y.n && x.c_in == y.c_in &&
         x.h == y.h && x.w == y.w && x.c_out == y.c_out && x.kh == y.kh && x.kw == y.kw &&
         x.stride_h == y.stride_h && x.stride_w == y.stride_w && x.pad_h == y.pad_h &&
         x.pad_w == y.pad_w && x.dil_h == y.dil_h && x.dil_w == y.dil_w && x.group == y.group &&
         x.out_h == y.out_h && x.out_w == y.out_w;
}

absl::StatusOr<ConvAlgoChoice> LookupOrSearchConvAlgo(
    const ConvAlgoKey& key, absl::FunctionRef<absl::StatusOr<ConvAlgoChoice>()> search) {
  Cache& cache = GetCache();
  std::lock_guard<std::mutex> lock(cache.mu);
  auto it = cache.choices.find(key);
  if (it != cache.choices.end()) return it->second;
  ++cache.searches;
  absl::StatusOr<ConvAlgoChoice> choice = search();
  if (choice.ok()) cache.choices.emplace(key, *choice);
  return choice;
}

int64_t ConvAlgoSearchCount() {
  Cache& cache = GetCache();
  std::lock_guard<std::mutex> lock(cache.mu);
  return cache.searches;
}

}  // namespace sf::cuda
