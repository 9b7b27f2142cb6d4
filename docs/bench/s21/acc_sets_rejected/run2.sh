# Session 21 run 2 (H100): two accumulator sets per thread in the sparse conv, taps of even index into
# one, odd into the other, added at the item's end (the MMA chain per accumulator half as deep; other
# bits than the fused kernel, so timing only). A = HEAD, C = SF_EXP_SETS 2; built here (sm_90, nvcc 13.0).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T4 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done; ls /tmp/bin
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
F='^(cifar_l1_3x3_64@32|cifar_l2_3x3_128@16|cifar_l3_3x3_256@8|cifar_l2_down_3x3s2_64@32|imagenet_l1_3x3_64@56|imagenet_l2_3x3_128@28|imagenet_l3_3x3_256@14)/tiles_(0|1|5|10|25|100)%/'
for v in A C A C; do
  timeout 100 /tmp/bin/gbench_$v --reps=20 --benchmark_filter="$F" > $R/t.tmp 2>&1; echo "rc=$?" >> $R/t.tmp; cat $R/t.tmp >> $R/gbench_$v.txt
done; snap
for v in A C; do
  timeout 60 /tmp/bin/occ_$v --reps 20 > $R/occ_$v.txt 2>&1; echo "rc=$?" >> $R/occ_$v.txt
done; rm -f $R/*.tmp; snap
python3 - $R <<'PY'
import sys,re,collections
R=sys.argv[1]; t=collections.defaultdict(dict)
for v in 'AC':
    for l in open(f'{R}/gbench_{v}.txt'):
        m=re.match(r'(\S+)/(sparse|cudnn)/\S+\s+([\d.]+) us',l)
        if m: t[(m.group(1),m.group(2))].setdefault(v,[]).append(float(m.group(3)))
for k in sorted(t):
    if k[1]!='sparse': continue
    a=t[k].get('A',[]); b=t[k].get('C',[]); c=t.get((k[0],'cudnn'),{}).get('A',[0])
    print('%-42s cudnn %6.1f  A %s  C %s'%(k[0],min(c),' '.join('%.1f'%x for x in a),' '.join('%.1f'%x for x in b)))
PY
