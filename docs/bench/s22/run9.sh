# Session 22 run 9 (H200 machine, no kernel run): the sm_90 SASS of HEAD's sparse conv kernels
# for 3x3 stride 1 NHWC, 8x8 tiles at 32 channels, one and two tiles per item, dumped with the
# device machine's cuobjdump (the development machine has none), for the next look at code size.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/bin; for f in build-bin/*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); done
ls /usr/local/cuda/bin | tr '\n' ' ' > $R/cuda_bin.txt
/usr/local/cuda/bin/cuobjdump -sass /tmp/bin/gbench_H > /tmp/all.sass 2> $R/cuobjdump_err.txt; echo "rc=$?" >> $R/cuobjdump_err.txt
python3 - "$R" <<'PY'
import re, sys
R = sys.argv[1]
text = open('/tmp/all.sass').read()
parts = re.split(r'(?m)^\s+Function : ', text)
keep = {'ILi3ELi1ELi8ELb1ELi32ELi1E': 'k3s1_t8_nhwc_c32_x1', 'ILi3ELi1ELi8ELb1ELi32ELi2E': 'k3s1_t8_nhwc_c32_x2'}
summary = []
for p in parts[1:]:
    name = p.split('\n', 1)[0].strip()
    if 'SparseConvF16Kernel' not in name: continue
    n = len(re.findall(r'/\*[0-9a-f]{4,}\*/', p))
    summary.append(f'{n:7d} {name}')
    for k, v in keep.items():
        if k in name and 'sm_90' not in v:
            open(f'{R}/sass_{v}.txt', 'w').write(name + '\n' + p)
open(f'{R}/sass_summary.txt', 'w').write('\n'.join(summary) + '\n')
PY
(cd $R && xz -9 sass_k3s1*.txt; ls -la); snap
