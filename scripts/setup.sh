#!/usr/bin/env bash
# README command 1: install what is missing, build, and classify a few
# Fashion-MNIST test images with the shipped trained SNN (CPU when no GPU).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh"
build=${SF_BUILD_DIR:-$root/build}
"$build/tools/sfrun" "$root/models/fmnist_snn/model.onnx" \
  --input "$root/models/fmnist_snn/test_input.npy"
