#!/usr/bin/env bash
# ASan + UBSan build of the C++ tests (CPU only) in build-asan, then ctest on
# them. The python-driven model tests (tests/models) are skipped: they are slow
# under ASan and exercise the same code as the C++ tests.
#
#   scripts/test-sanitizers.sh            # clang++ (or SF_SAN_CXX=g++)
#   SF_SAN_JOBS=4 scripts/test-sanitizers.sh
#   SF_SAN_BUILD_DIR=/tmp/asan scripts/test-sanitizers.sh
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${SF_SAN_BUILD_DIR:-$root/build-asan}
cxx=${SF_SAN_CXX:-clang++}
jobs=${SF_SAN_JOBS:-2}
flags="-fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer"

start=$(date +%s)
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DCMAKE_CXX_COMPILER="$cxx" \
  -DSF_WITH_CUDA=OFF -DSF_BUILD_BENCHMARKS=OFF \
  -DCMAKE_CXX_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$flags"
cmake --build "$build" -j "$jobs"
built=$(date +%s)

# detect_leaks: a leak is a bug too. halt_on_error: the first report fails the test.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
status=0
ctest --test-dir "$build" --output-on-failure -j "$jobs" --timeout 900 -E '^models_' || status=$?
end=$(date +%s)
echo "test-sanitizers: build $((built - start)) s, tests $((end - built)) s, total $((end - start)) s"
exit "$status"
