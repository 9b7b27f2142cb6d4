#!/usr/bin/env bash
# Builds SparseFlow on a GPU machine that lacks the Debian libraries and runs the
# GPU tests, sfrun on the GPU, and the benchmarks; logs go to ${OUT:-/tmp/sf-gpu}.
# Debian packages come from `../shared/tools/device-debs.sh .device-debs` (carried).
#   scripts/gpu-check.sh build|test|bench|all
#   scripts/gpu-check.sh sanitize [memcheck|racecheck|initcheck|synccheck ...]   (default: all four;
#     one tool per call keeps a call under 10 minutes)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
out=${OUT:-/tmp/sf-gpu}
mkdir -p "$out"
pfx=/tmp/pfx
build=${SF_BUILD_DIR:-/tmp/sf-build}

unpack() {
  [ -d "$pfx/usr" ] && return
  for f in "$root"/.device-debs/*.deb; do dpkg -x "$f" "$pfx"; done
}

do_build() {
  unpack
  export PATH=$pfx/usr/bin:$PATH LD_LIBRARY_PATH=$pfx/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_PREFIX_PATH=$pfx/usr \
    -DCMAKE_CUDA_ARCHITECTURES=90 -DProtobuf_PROTOC_EXECUTABLE=$pfx/usr/bin/protoc \
    -DSF_ONNX_PROTO=$pfx/usr/include/onnx/onnx.proto > "$out/cmake.log" 2>&1 || { tail -30 "$out/cmake.log"; return 1; }
  cmake --build "$build" -j 16 -- -k 0 > "$out/build.log" 2>&1
  local rc=$?
  grep -E "error|FAILED" "$out/build.log" | head -40
  return $rc
}

do_test() {
  export LD_LIBRARY_PATH=$pfx/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
  export SF_EXPECT_GPU=1
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader | tee "$out/gpu.txt"
  for t in "$build"/tests/sf_cuda_tests "$build"/tests/sf_tools_tests; do
    [ -x "$t" ] && "$t" --gtest_brief=1 2>&1 | tail -40 | tee -a "$out/gpu-tests.log"
  done
  local m="$root/models/fmnist_snn"
  "$build/tools/sfrun" "$m/model.onnx" --input "$m/test_input.npy" --device cuda --output /tmp/gpu.npy &&
    "$build/tools/sfrun" "$m/model.onnx" --input "$m/test_input.npy" --device cpu --output /tmp/cpu.npy &&
    python3 -c "import numpy as n; a=n.load('/tmp/gpu.npy'); b=n.load('/tmp/cpu.npy'); e=n.load('$m/expected_logits.npy'); print('fmnist gpu-cpu max abs', abs(a-b).max(), 'gpu-torch', abs(a-e).max())" |
    tee -a "$out/gpu-tests.log"
}

# Inputs for the shipped models at batch N (T-major [T*N, ...]), from their 8 test samples.
make_inputs() {
  local dir=$1
  python3 "$root/models/pack_weights.py" onnx spiking_resnet18 \
    "$root/models/resnet18_fmnist/spiking_resnet18" "$dir/spiking_resnet18.onnx" > /dev/null 2>&1
  python3 "$root/models/pack_weights.py" onnx sew_resnet18 \
    "$root/models/resnet18_fmnist/sew_resnet18" "$dir/sew_resnet18.onnx" > /dev/null 2>&1
  python3 - "$root" "$dir" <<'PY'
import sys, numpy as np
root, out = sys.argv[1], sys.argv[2]
def tile(x, t, n):  # [t*8, ...] -> [t*n, ...], repeating the 8 samples
    x = x.reshape(t, 8, *x.shape[1:])
    return np.concatenate([x] * (n // 8), 1).reshape(t * n, *x.shape[2:]).astype(np.float32)
r = np.load(f"{root}/models/resnet18_fmnist/test_input.npy")
e = np.load(f"{root}/models/events/test_input.npy")
f = np.load(f"{root}/models/fmnist_snn/test_input.npy")
for n in (16, 64, 128, 256):
    np.save(f"{out}/resnet_n{n}.npy", tile(r, 4, n))
    np.save(f"{out}/events_n{n}.npy", tile(e, 8, n))
    np.save(f"{out}/fmnist_n{n}.npy", np.concatenate([f] * (n // 8), 0))
PY
}

do_bench() {
  export LD_LIBRARY_PATH=$pfx/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
  local dir=/tmp/sf-bench-models
  mkdir -p "$dir"
  make_inputs "$dir"
  for b in "$build"/tests/perf/*bench*; do
    [ -x "$b" ] && (cd "$out" && "$b" "$out/sparse_conv_bench.json" > "$out/sparse_conv_bench.txt" 2>&1)
  done
  for n in 16 64; do
    for m in spiking_resnet18 sew_resnet18; do
      "$build/tools/sfbench" "$dir/$m.onnx" --input "$dir/resnet_n$n.npy" --warmup 20 --iters 200 \
        --json "$out/sfbench_${m}_n$n.json" > "$out/sfbench_${m}_n$n.txt" 2>&1
    done
    "$build/tools/sfbench" "$root/models/events/model.onnx" --input "$dir/events_n$n.npy" \
      --warmup 20 --iters 200 --json "$out/sfbench_events_n$n.json" > "$out/sfbench_events_n$n.txt" 2>&1
    "$build/tools/sfbench" "$root/models/fmnist_snn/model.onnx" --input "$dir/fmnist_n$n.npy" \
      --warmup 20 --iters 200 --json "$out/sfbench_fmnist_n$n.json" > "$out/sfbench_fmnist_n$n.txt" 2>&1
  done
}

# compute-sanitizer tools and the sf_cuda_tests filter each runs. memcheck and
# synccheck take every test; racecheck (every shared-memory access tracked) and
# initcheck take representative tests, chosen to stay near 3 minutes each:
# the sparse conv (shared-memory accumulators, prescan), reductions, softmax,
# pooling, neurons, an executor end to end with graph replay, and the
# separate-allocation run. Everywhere: not BadDeviceFails, whose failing
# cudaSetDevice is an intended API error.
sanitize_filter() {
  local skip=GpuExecutorTest.BadDeviceFails
  case $1 in
    memcheck|synccheck) echo "*-$skip" ;;
    racecheck|initcheck)
      echo "SparseConvGpuTest.SingleSpikeAtEveryTileEdgeAndCorner:SparseConvGpuTest.DeterministicAndSkipsEmptyWork:SparseConvGpuTest.ExecutorRunsPlannedSparseConvs:GpuOpsTest.ReduceAndGlobalAveragePool:GpuOpsTest.Softmax:GpuOpsTest.MaxAndAveragePool:GpuOpsTest.Gather:GpuNeuronTest.LifTauValuesBitExact:GpuExecutorTest.SmallSnnMatchesCpu:GpuGraphReplayTest.ReplaySeesEachRunsNewInput:GpuArenaBypassTest.SeparateAllocationsGiveTheArenaResults:GpuProfileTest.SparseConvReportsItsTileDensity" ;;
  esac
}

# Every tensor in its own exact-size allocation (SF_CUDA_ARENA_BYPASS=1), so
# that an overrun of one tensor is not hidden inside the arena. Logs:
# $out/sanitize-TOOL.log (tests) and $out/sanitize-TOOL-sfrun.log (sfrun on
# fmnist_snn); one summary line per tool in $out/sanitize-summary.txt. Exit 1
# when any run reported an error.
do_sanitize() {
  export LD_LIBRARY_PATH=$pfx/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
  export SF_CUDA_ARENA_BYPASS=1 SF_EXPECT_GPU=1
  local cs=${COMPUTE_SANITIZER:-/usr/local/cuda/bin/compute-sanitizer}
  local m="$root/models/fmnist_snn" failed=0 tool
  for tool in "$@"; do
    local filter extra=()
    filter=$(sanitize_filter "$tool")
    [ -n "$filter" ] || { echo "unknown sanitizer tool '$tool'"; return 2; }
    [ "$tool" = memcheck ] && extra=(--leak-check full)
    local t0=$SECONDS
    "$cs" --tool "$tool" --error-exitcode 99 "${extra[@]}" "$build/tests/sf_cuda_tests" \
      --gtest_filter="$filter" --gtest_brief=1 > "$out/sanitize-$tool.log" 2>&1
    local rc_tests=$?
    "$cs" --tool "$tool" --error-exitcode 99 "${extra[@]}" "$build/tools/sfrun" "$m/model.onnx" \
      --input "$m/test_input.npy" --device cuda --output /tmp/sanitize-$tool.npy \
      > "$out/sanitize-$tool-sfrun.log" 2>&1
    local rc_sfrun=$?
    [ $rc_tests -eq 0 ] && [ $rc_sfrun -eq 0 ] || failed=1
    printf '%-9s tests rc=%d (%s) | sfrun rc=%d (%s) | %ds\n' "$tool" $rc_tests \
      "$(grep -h 'SUMMARY' "$out/sanitize-$tool.log" | tail -1 | sed 's/^=* *//')" $rc_sfrun \
      "$(grep -h 'SUMMARY' "$out/sanitize-$tool-sfrun.log" | tail -1 | sed 's/^=* *//')" \
      $((SECONDS - t0)) | tee -a "$out/sanitize-summary.txt"
  done
  return $failed
}

case "${1:-all}" in
  build) do_build ;;
  inputs) mkdir -p "${2:-/tmp/sf-bench-models}"; make_inputs "${2:-/tmp/sf-bench-models}" ;;
  test) do_test ;;
  bench) do_bench ;;
  sanitize) shift; [ $# -gt 0 ] || set -- memcheck racecheck initcheck synccheck; do_sanitize "$@" ;;
  all) do_build; do_test; do_bench ;;
esac
