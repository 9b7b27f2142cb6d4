#!/usr/bin/env bash
# README command 2: install what is missing, build, run every test, install
# SparseFlow into a temporary prefix and build + run examples/classify against
# the installed package (not the build tree), then build the C++ tests with
# ASan+UBSan (CPU only, g++) and run them. SF_SKIP_SANITIZERS=1 skips that step.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
build=${SF_BUILD_DIR:-$root/build}
ctest --test-dir "$build" --output-on-failure -j "$(nproc)" --timeout 1200

prefix=$(mktemp -d /tmp/sparseflow-install.XXXXXX)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build" --prefix "$prefix/usr" > /dev/null
cmake -S "$root/examples/classify" -B "$prefix/build" -DCMAKE_PREFIX_PATH="$prefix/usr" > /dev/null
cmake --build "$prefix/build" -j "$(nproc)" > /dev/null
"$prefix/build/classify" "$root/models/fmnist_snn/model.onnx" \
  "$root/models/fmnist_snn/test_input.npy"
echo "examples/classify built against the installed package and ran"

if [ "${SF_SKIP_SANITIZERS:-0}" != 1 ]; then
  SF_SAN_CXX=${SF_SAN_CXX:-g++} SF_SAN_BUILD_DIR=${SF_SAN_BUILD_DIR:-$root/build-asan} \
    "$root/scripts/test-sanitizers.sh"
fi
