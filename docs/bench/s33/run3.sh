# Session 33 run 3 (H200): where a cold sfrun process's time goes once the conv choices come from the tuning cache: wall time of whole processes, each 3 times: the CPU path, a tiny model's plan on the GPU (CUDA, cuDNN and cuBLAS start), the trained Spiking-ResNet18's plan only, and its full run; fp16 NHWC sparse off, fp16 NHWC auto, fp32 defaults.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *.tar.xz) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
xz -T8 -dc build-bin/sr18.tar.xz | tar xf - -C /tmp
M=/tmp/sr18/sr18.onnx; X=/tmp/sr18/test_input.npy; F=models/fmnist_snn/model.onnx; FX=models/fmnist_snn/test_input.npy
C=/tmp/cache.txt
t() { local s=$(date +%s.%N); "$@" > /dev/null 2>>$R/err.txt; local rc=$?; local e=$(date +%s.%N); awk -v s=$s -v e=$e -v rc=$rc 'BEGIN{printf "%.3f rc=%d", e-s, rc}'; }
row() { local label="$1"; shift; local a=$(t "$@"); local b=$(t "$@"); local c=$(t "$@"); echo "$label | $a | $b | $c" | tee -a $R/breakdown.txt; }
for cfg in "--precision fp16 --layout nhwc --sparse off" "--precision fp16 --layout nhwc" ""; do
  rm -f $C; /tmp/bin/sfrun $M --input $X $cfg --tuning-cache $C > /dev/null 2>&1
  /tmp/bin/sfrun $F --input $FX $cfg --tuning-cache $C > /dev/null 2>&1
  echo "== $cfg (tuning cache filled first)" | tee -a $R/breakdown.txt
  row "sfrun --version" /tmp/bin/sfrun --version
  row "SR18 on the CPU, --plan-only" /tmp/bin/sfrun $M --plan-only --device cpu
  row "fmnist_snn --plan-only on cuda" /tmp/bin/sfrun $F --plan-only --device cuda $cfg --tuning-cache $C
  row "fmnist_snn run on cuda" /tmp/bin/sfrun $F --input $FX --device cuda $cfg --tuning-cache $C
  row "SR18 --plan-only on cuda" /tmp/bin/sfrun $M --plan-only --device cuda $cfg --tuning-cache $C
  row "SR18 run on cuda" /tmp/bin/sfrun $M --input $X --device cuda $cfg --tuning-cache $C
  row "SR18 run on cuda, 2 runs" /tmp/bin/sfrun $M --input $X --device cuda $cfg --tuning-cache $C --runs 2
  snap
done
/tmp/bin/sfrun $M --input $X --precision fp16 --layout nhwc --tuning-cache $C -v > /dev/null 2> $R/verbose_fp16_auto.txt
snap
