#!/usr/bin/env bash
# Builds SparseFlow on a GPU machine that lacks the Debian libraries and runs the
# GPU tests, sfrun on the GPU, and the benchmarks; logs go to ${OUT:-/tmp/sf-gpu}.
# Debian packages come from `../shared/tools/device-debs.sh .device-debs` (carried).
#   scripts/gpu-check.sh build|test|bench|bench-kernels|zoo-fp16|all
#   scripts/gpu-check.sh inputs [DIR]   (benchmark models and inputs; default /tmp/sf-bench-models)
#   bench: the sfbench matrix into $OUT/bench/ (NAME.json, NAME.txt, summary.txt, fp16.txt)
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

# Models and inputs the benchmarks use, in DIR: the trained ResNet18s' ONNX
# (fixed 32x32, and *_anyhw.onnx with symbolic H/W for upscaled images), the
# ResNet test input upscaled to 224x224 (bilinear, tools/upscale_input.py),
# Spiking-ResNet34/50 with RANDOM weights (seed 0, BN folded; densities are not
# those of a trained net), and T-major copies of the test inputs at batch N
# (resnet_nN.npy etc., for --device all; sfbench --batch does this itself).
make_inputs() {
  local dir=$1 m
  for m in spiking_resnet18 sew_resnet18; do
    python3 "$root/models/pack_weights.py" onnx $m "$root/models/resnet18_fmnist/$m" \
      "$dir/$m.onnx" > /dev/null 2>&1
    python3 "$root/models/pack_weights.py" onnx $m "$root/models/resnet18_fmnist/$m" \
      "$dir/${m}_anyhw.onnx" --dynamic-hw > /dev/null 2>&1
  done
  for m in spiking_resnet34 spiking_resnet50; do
    (cd "$root/models" && python3 -m sparseflow_models.export --arch $m --steps 4 \
      --input-shape 8,1,32,32 --classes 10 --stem cifar --seed 0 --dynamic-hw \
      --out "$dir/${m}_random.onnx") > /dev/null 2>&1
  done
  python3 "$root/tools/upscale_input.py" "$root/models/resnet18_fmnist/test_input.npy" \
    "$dir/resnet_224.npy" --size 224 --mode bilinear
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
  ls "$dir"/*.onnx "$dir/resnet_224.npy" > /dev/null || return 1
}

# One sfbench run of the matrix: NAME MODEL INPUT BATCH PRECISION ITERS LAYER_ITERS [ARGS...]
# -> $out/bench/NAME.{json,txt}. fp16 is tried once; when sfbench refuses it
# (exit 2, or "not supported"), $out/bench/fp16.txt says so and later fp16
# runs are skipped.
fp16_state=untried
bench_one() {
  local name=$1 model=$2 input=$3 batch=$4 prec=$5 iters=$6 liters=$7
  shift 7
  if [ "$prec" = fp16 ] && [ "$fp16_state" = unsupported ]; then return 0; fi
  local t0=$SECONDS
  "$build/tools/sfbench" "$model" --input "$input" --batch "$batch" --precision "$prec" \
    --warmup $((iters / 10 + 2)) --iters "$iters" --layer-iters "$liters" "$@" \
    --json "$out/bench/$name.json" > "$out/bench/$name.txt" 2>&1
  local rc=$?
  if [ "$prec" = fp16 ] && [ "$fp16_state" = untried ]; then
    if [ $rc -eq 2 ] || grep -q "not supported" "$out/bench/$name.txt"; then
      fp16_state=unsupported
      echo "fp16: not supported (sfbench exit $rc: $(grep -m1 '^error:' "$out/bench/$name.txt"))" |
        tee "$out/bench/fp16.txt"
      rm -f "$out/bench/$name.json"
      return 0
    fi
    fp16_state=supported
  fi
  printf '%-34s rc=%d %3ds  %s\n' "$name" $rc $((SECONDS - t0)) \
    "$(grep -m1 -E '^WARNING|^error' "$out/bench/$name.txt")" | tee -a "$out/bench/summary.txt"
}

# The matrix of issue #8 (about 8 minutes on one H100; every run once):
#  trained Spiking-/SEW-ResNet18 (32x32, T=4) and fmnist_snn (T=4), batch
#  1/16/64, fp32 and fp16; both ResNet18s on 224x224 upscaled images at batch 1
#  and 16 (fp32; batch 16 without per-step tables); Spiking-ResNet34/50 with
#  random weights at batch 16 (fp32); then SpikingJelly (torch/cupy/triton LIF
#  backends, fp32 and fp16 autocast) on the trained ResNet18s at 32x32 batch 16
#  and 224x224 batch 1 and 16. Not timed on a GPU yet: if it runs long,
#  lower the 224x224 iterations first.
do_bench() {
  export LD_LIBRARY_PATH=$pfx/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
  local dir=/tmp/sf-bench-models m n p
  mkdir -p "$dir" "$out/bench"
  make_inputs "$dir" || { echo "inputs failed"; return 1; }
  local resnet="$root/models/resnet18_fmnist/test_input.npy"
  local fmnist="$root/models/fmnist_snn"
  local layout
  for p in fp32 fp16; do
    layout=nchw; [ "$p" = fp16 ] && layout=nhwc  # fp16 runs channels-last (tensor cores)
    for n in 1 16 64; do
      for m in spiking_resnet18 sew_resnet18; do
        bench_one "${m}_n${n}_$p" "$dir/$m.onnx" "$resnet" $n $p 100 20 --layout $layout
      done
      bench_one "fmnist_snn_n${n}_$p" "$fmnist/model.onnx" "$fmnist/test_input.npy" $n $p 100 20 \
        --layout $layout
    done
  done
  # 224x224: per-step tables at batch 1; batch 16 (64 rows of 224x224, ~50x the
  # work of 32x32) whole-model only, since timing every step alone there (and the
  # sparse kernel alone at every conv) would take minutes per model.
  for m in spiking_resnet18 sew_resnet18; do
    bench_one "${m}_224_n1_fp32" "$dir/${m}_anyhw.onnx" "$dir/resnet_224.npy" 1 fp32 50 10
    bench_one "${m}_224_n16_fp32" "$dir/${m}_anyhw.onnx" "$dir/resnet_224.npy" 16 fp32 10 1 \
      --no-layers
  done
  for m in spiking_resnet34 spiking_resnet50; do
    bench_one "${m}_random_n16_fp32" "$dir/${m}_random.onnx" "$resnet" 16 fp32 50 10 \
      --label "random weights: densities are not those of a trained net"
  done
  # SpikingJelly on the same weights (tools/bench_spikingjelly.py; needs .device-models/spikingjelly carried)
  for m in spiking_resnet18 sew_resnet18; do for r in "32 $resnet 16" "224 $dir/resnet_224.npy 1" "224 $dir/resnet_224.npy 16"; do
    read -r s inp n <<< "$r"; python3 "$root/tools/bench_spikingjelly.py" $m "$root/models/resnet18_fmnist/$m" "$inp" --batch $n --iters 50 --fp16 \
      --json "$out/bench/sj_${m}_${s}_n$n.json" > "$out/bench/sj_${m}_${s}_n$n.txt" 2>&1; echo "sj_${m}_${s}_n$n rc=$?" | tee -a "$out/bench/summary.txt"; done; done
}

# The sparse-conv microbenchmark (tests/perf), fp32 and fp16, apart from the model matrix.
do_bench_kernels() {
  export LD_LIBRARY_PATH=$pfx/usr/lib/x86_64-linux-gnu:${LD_LIBRARY_PATH:-}
  local b="$build/tests/perf/sparse_conv_bench"
  [ -x "$b" ] || { echo "no $b: run build first"; return 1; }
  (cd "$out" && "$b" fp32 "$out/sparse_conv_bench.json" > "$out/sparse_conv_bench.txt" 2>&1)
  (cd "$out" && "$b" fp16 "$out/sparse_conv_bench_fp16.json" > "$out/sparse_conv_bench_fp16.txt" 2>&1)
}

# compute-sanitizer tools and the sf_cuda_tests filter each runs. memcheck and
# synccheck take every test; racecheck (every shared-memory access tracked) and
# initcheck take representative tests, chosen to stay near 3 minutes each:
# the sparse convs (shared-memory accumulators, prescan; the FP16 tensor-core
# kernel's cp.async stages, the fused conv + neuron kernel, the spike gather's
# double-buffered halo masks, the direct conv + neuron and the Add + neuron
# kernels), reductions, softmax,
# pooling, neurons, an executor end to end with graph replay, and the
# separate-allocation run. Everywhere: not BadDeviceFails, whose failing
# cudaSetDevice is an intended API error.
sanitize_filter() {
  local skip=GpuExecutorTest.BadDeviceFails
  case $1 in
    memcheck|synccheck) echo "*-$skip" ;;
    racecheck|initcheck)
      echo "SparseConvGpuTest.SingleSpikeAtEveryTileEdgeAndCorner:SparseConvGpuTest.DeterministicAndSkipsEmptyWork:SparseConvGpuTest.ExecutorRunsPlannedSparseConvs:GpuOpsTest.ReduceAndGlobalAveragePool:GpuOpsTest.Softmax:GpuOpsTest.MaxAndAveragePool:GpuOpsTest.Gather:GpuNeuronTest.LifTauValuesBitExact:GpuExecutorTest.SmallSnnMatchesCpu:GpuGraphReplayTest.ReplaySeesEachRunsNewInput:GpuArenaBypassTest.SeparateAllocationsGiveTheArenaResults:GpuProfileTest.SparseConvReportsItsTileDensity:SparseConvF16GpuTest.DeterministicAndSkipsEmptyWork:SparseConvF16GpuTest.ExecutorRunsPlannedFloat16SparseConvs:GpuNhwcTest.SparseConvKernelByPrecision:ConvNeuronF16GpuTest.SpikesEqualConvThenNeuronBitForBit:ConvNeuronF16GpuTest.ExecutorFusesPlannedConvsAndMatchesUnfused:SpikeGatherConvGpuTest.SingleSpikeAtEveryPixelAroundTileBorders:SpikeGatherConvGpuTest.TwoLaunchesGiveIdenticalBitsAtAnyAlignment:SpikeGatherConvExecutorTest.ForcedGatherMatchesCpuInExecutor:DirectConvNeuronTest.FirstConvOfAModelRunsFusedAndAgrees:NeuronAddTest.FusedEqualsUnfusedBitForBit:NeuronAddTest.SumOnTheThresholdFires" ;;
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
  bench-kernels) do_bench_kernels ;;
  sanitize) shift; [ $# -gt 0 ] || set -- memcheck racecheck initcheck synccheck; do_sanitize "$@" ;;
  zoo-fp16)  # the zoo (carried .device-models) in fp16: sparse on vs off, NHWC and NCHW
    LD_LIBRARY_PATH=$pfx/usr/lib/x86_64-linux-gnu python3 "$root/scripts/zoo_fp16_check.py" \
      "$build/tools/sfrun" "$root/.device-models" | tee "$out/zoo-fp16.txt" ;;
  all) do_build; do_test; do_bench ;;
esac
