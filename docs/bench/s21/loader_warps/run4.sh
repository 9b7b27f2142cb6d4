# Session 21 run 4 (H100): loader and MMA warps. One binary built here (sm_90, nvcc 13.0) with the
# bias staged in shared memory at the item's start in both variants: A = 4 warps doing both (as on
# main), R = SF_SPARSE_F16_ROLES=1: 8 warps, warps 0-3 issue the copies, warps 4-7 multiply and
# store, named barriers per stage. Same MMAs in the same order. A and R interleaved; R's tests.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -T4 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done; ls /tmp/bin
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 250 env SF_SPARSE_F16_ROLES=1 /tmp/bin/sf_cuda_tests --gtest_filter='SparseConvF16*:SpikeOccupancy*:ConvNeuronF16*:FusedSpikeMarks*:DensitySwitch*:SpikePacked*:*Executor*Sparse*' --gtest_brief=1 > $R/focused_tests_R.txt 2>&1; echo "rc=$?" >> $R/focused_tests_R.txt
grep -E "FAILED|Failure" -A6 $R/focused_tests_R.txt | cut -c1-300 | head -30; tail -3 $R/focused_tests_R.txt; snap
F='^(cifar_l1_3x3_64@32|cifar_l2_3x3_128@16|cifar_l3_3x3_256@8|cifar_l2_down_3x3s2_64@32|cifar_l2_short_1x1s2_64@32|imagenet_l1_3x3_64@56|imagenet_l2_3x3_128@28|imagenet_l3_3x3_256@14)/tiles_(0|1|5|10|25|100)%/'
run() { local v=$1; shift; if [ $v = R ]; then env SF_SPARSE_F16_ROLES=1 "$@"; else "$@"; fi; }
for v in A R A R; do
  run $v timeout 100 /tmp/bin/sparse_conv_gbench --reps=20 --benchmark_filter="$F" > $R/t.tmp 2>&1; echo "rc=$?" >> $R/t.tmp; cat $R/t.tmp >> $R/gbench_$v.txt
done; snap
for v in A R; do
  run $v timeout 60 /tmp/bin/spike_occupancy_bench --reps 20 > $R/occ_$v.txt 2>&1; echo "rc=$?" >> $R/occ_$v.txt
  run $v timeout 60 /tmp/bin/fused_marks_bench --reps 20 > $R/marks_$v.txt 2>&1; echo "rc=$?" >> $R/marks_$v.txt
done; rm -f $R/*.tmp; (cd $R && tar czf benches.tgz occ_* marks_* && rm occ_* marks_*); snap
python3 - $R <<'PY'
import sys,re,collections
R=sys.argv[1]; t=collections.defaultdict(dict)
for v in 'AR':
    for l in open(f'{R}/gbench_{v}.txt'):
        m=re.match(r'(\S+)/(sparse|cudnn)/\S+\s+([\d.]+) us',l)
        if m: t[(m.group(1),m.group(2))].setdefault(v,[]).append(float(m.group(3)))
for k in sorted(t):
    if k[1]!='sparse': continue
    a=t[k].get('A',[]); b=t[k].get('R',[]); c=t.get((k[0],'cudnn'),{}).get('A',[0])
    print('%-42s cudnn %6.1f  A %s  R %s'%(k[0],min(c),' '.join('%.1f'%x for x in a),' '.join('%.1f'%x for x in b)))
PY
