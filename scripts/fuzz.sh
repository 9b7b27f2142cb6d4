#!/usr/bin/env bash
# Builds (in build-fuzz) and runs one libFuzzer target for a given time.
#
#   scripts/fuzz.sh TARGET SECONDS [extra libFuzzer flags]
#   TARGET: onnx_import | npy | run
#
# The committed seeds in tests/fuzz/corpus/TARGET are read; new interesting
# inputs go to build-fuzz/corpus/TARGET (not committed), crashes to
# build-fuzz/artifacts/. Reproduce one with build-fuzz/tests/fuzz/sf_fuzz_TARGET FILE.
set -euo pipefail
if [[ $# -lt 2 ]]; then
  echo "usage: $0 TARGET SECONDS [libFuzzer flags]   (TARGET: onnx_import | npy | run)" >&2
  exit 2
fi
target=$1
seconds=$2
shift 2
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SF_FUZZ_BUILD_DIR:-$root/build-fuzz}
seeds=$root/tests/fuzz/corpus/$target
if [[ ! -d $seeds ]]; then
  echo "error: unknown fuzz target '$target' (no $seeds)" >&2
  exit 2
fi

cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER=clang++ \
  -DCMAKE_C_COMPILER=clang -DSF_FUZZ=ON -DSF_WITH_CUDA=OFF -DSF_BUILD_TESTS=OFF \
  -DSF_BUILD_BENCHMARKS=OFF >/dev/null
cmake --build "$build" -j "${SF_FUZZ_JOBS:-2}" --target "sf_fuzz_$target"

corpus=$build/corpus/$target
mkdir -p "$corpus" "$build/artifacts"
# Leaks are reported by the sanitizer tests; here they would only slow the search.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:allocator_may_return_null=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
exec "$build/tests/fuzz/sf_fuzz_$target" "$corpus" "$seeds" -max_total_time="$seconds" \
  -timeout=10 -rss_limit_mb=2048 -max_len=65536 -print_final_stats=1 \
  -artifact_prefix="$build/artifacts/$target-" "$@"
