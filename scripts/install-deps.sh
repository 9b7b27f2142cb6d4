#!/usr/bin/env bash
# Installs the Debian packages SparseFlow needs, only those that are missing.
# CUDA Toolkit + cuDNN are expected in /usr/local/cuda (optional: the build
# drops the CUDA backend when nvcc is absent).
set -euo pipefail
pkgs=(build-essential cmake pkg-config
      libabsl-dev libspdlog-dev libfmt-dev
      libprotobuf-dev protobuf-compiler libonnx-dev
      libgtest-dev libgmock-dev libbenchmark-dev
      python3 python3-numpy python3-torch python3-onnx dataset-fashion-mnist)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq || true
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
