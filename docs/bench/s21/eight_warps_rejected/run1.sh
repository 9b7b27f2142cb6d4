# Session 21 run 1 (H100): 8 warps per block for the sparse conv (4 along M x 2 along N for tile 8,
# 8 along N for tile 4), the same MMAs per output in the same order. One binary built here (sm_90,
# nvcc 13.0, SF_EXPERIMENT_WARPS): A = 4 warps (as on main), B = SF_SPARSE_F16_WARPS=8 and
# SF_SPARSE_F16_WARPS4=8. A and B interleaved on one machine; B's focused tests.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T4 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done; ls /tmp/bin
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
F='^(cifar_l1_3x3_64@32|cifar_l2_3x3_128@16|cifar_l3_3x3_256@8|cifar_l2_down_3x3s2_64@32|cifar_l2_short_1x1s2_64@32|imagenet_l1_3x3_64@56|imagenet_l2_3x3_128@28|imagenet_l3_3x3_256@14)/tiles_(0|1|5|10|25|100)%/'
run() {  # variant, then the command
  local v=$1; shift
  if [ $v = B ]; then env SF_SPARSE_F16_WARPS=8 SF_SPARSE_F16_WARPS4=8 "$@"; else "$@"; fi
}
for v in A B A B; do
  run $v timeout 100 /tmp/bin/sparse_conv_gbench --reps=20 --benchmark_filter="$F" > $R/t.tmp 2>&1; echo "rc=$?" >> $R/t.tmp; cat $R/t.tmp >> $R/gbench_$v.txt
done; snap
for v in A B A B; do
  run $v timeout 60 /tmp/bin/spike_occupancy_bench --reps 20 > $R/t.tmp 2>&1; echo "rc=$?" >> $R/t.tmp; cat $R/t.tmp >> $R/occ_$v.txt
  run $v timeout 60 /tmp/bin/fused_marks_bench --reps 20 > $R/t.tmp 2>&1; echo "rc=$?" >> $R/t.tmp; cat $R/t.tmp >> $R/marks_$v.txt
done; snap
run B timeout 200 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16*:SpikeOccupancy*:ConvNeuronF16*:FusedSpikeMarks*:DensitySwitch*:SpikePacked*:*Executor*Sparse*' --gtest_brief=1 > $R/focused_tests_B.txt 2>&1; echo "rc=$?" >> $R/focused_tests_B.txt
grep -E "FAILED|Failure" -A6 $R/focused_tests_B.txt | cut -c1-300 | head -30; tail -3 $R/focused_tests_B.txt; rm -f $R/*.tmp; snap
python3 - $R <<'PY'
import sys,re,collections
R=sys.argv[1]; t=collections.defaultdict(dict)
for v in 'AB':
    for l in open(f'{R}/gbench_{v}.txt'):
        m=re.match(r'(\S+)/(sparse|cudnn)/\S+\s+([\d.]+) us',l)
        if m: t[(m.group(1),m.group(2))].setdefault(v,[]).append(float(m.group(3)))
for k in sorted(t):
    if k[1]!='sparse': continue
    a=t[k].get('A',[]); b=t[k].get('B',[]); c=t.get((k[0],'cudnn'),{}).get('A',[0])
    print('%-45s cudnn %6.1f  A %s  B %s'%(k[0],min(c),' '.join('%.1f'%x for x in a),' '.join('%.1f'%x for x in b)))
PY
