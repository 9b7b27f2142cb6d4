# Session 32 run 11 (H200): after the review's refactor (Forward through LegacyForward, knob descriptors reused in Candidates, no cached backend workspace): the whole CUDA suite; the trained Spiking-ResNet18's backend candidates per conv (SF_CUDNN_SEARCH_LOG=1) and logits against --sparse off without the backend.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do case $f in *.tar.xz) continue;; esac; xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
xz -T8 -dc build-bin/sr18.tar.xz | tar xf - -C /tmp
M=/tmp/sr18/sr18.onnx; X=/tmp/sr18/test_input.npy
SF_CUDNN_SEARCH_LOG=1 /tmp/bin/sfrun $M --input $X --precision fp16 --layout nhwc --sparse off --plan --output /tmp/on.npy > $R/plan.txt 2> $R/search_log.txt
SF_CUDNN_BACKEND=0 /tmp/bin/sfrun $M --input $X --precision fp16 --layout nhwc --sparse off --output /tmp/off.npy > /dev/null 2>&1
python3 -c "
import numpy as np; a=np.load('/tmp/on.npy'); b=np.load('/tmp/off.npy'); print('backend vs legacy max|diff|', abs(a-b).max())" | tee $R/outputs.txt
python3 - $R/search_log.txt <<'PY' | tee $R/candidates.txt
import sys, re
searches=[]; cur=None
for line in open(sys.argv[1]):
    if 'retimed' not in line: continue
    m = re.search(r'retimed (engine .*?): ', line)
    if m is None:
        if cur is None or cur: cur=[]; searches.append(cur)
        continue
    cur.append(m.group(1))
for i, b in enumerate(searches):
    print('search', i, 'backend candidates', len(b), 'distinct', len(set(b)), 'with knobs', sum('knobs' in x for x in b))
PY
snap
timeout 300 /tmp/bin/sf_cuda_tests > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; grep -E "^\[  (PASSED|FAILED) |FAILED  \]|rc=" $R/all_tests.txt | head; snap
