# Session 20 device scripts (2026-11-28). No run built on the device: the binaries were built on the
# development machine (Debian 12, nvcc 13.0, build-cuda with -DCMAKE_CUDA_ARCHITECTURES=90, Release), copied
# into the ignored folder build-bin/ (xz-compressed from run 3 on) and carried with .device-debs; docs/ and
# models/resnet18_fmnist/*.part* were moved out of the tree during the runs (64 MiB limit). Each run started
# a fresh H100 80GB HBM3 (driver 580.159.04). A variant binary was built by putting `#define NAME 1` on the
# first line of cuda/kernels/sparse_conv_f16.cu and running
#   cd build-cuda && make -j2 sparse_conv_gbench spike_occupancy_bench [sf_cuda_tests]
# A = HEAD 9d6f9db everywhere.

## run1
# Session 20 run 1 (2026-11-28, H100): where an active item's time goes. The locally built
# sparse_conv_gbench of HEAD (9d6f9db, sm_90, nvcc 13.0) carried in build-bin/ (no device build).
# ncu of the conv kernel, caches and clocks left as they are (warm, as in a graph replay), full
# set with per-SASS-instruction stall samples: CIFAR 3x3 128@16 at 1% and 0% of tiles.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
B=build-bin/sparse_conv_gbench
timeout 120 $B --reps=20 --benchmark_filter='cifar_l2_3x3_128@16/tiles_(0|1)%/' > $R/gbench.txt 2>&1; echo "rc=$?" >> $R/gbench.txt
grep -E 'tiles_|rc=' $R/gbench.txt | cut -c1-200; snap
NCU=$(ls /usr/local/cuda/bin/ncu 2>/dev/null || which ncu)
for d in 1 0; do
  timeout 200 $NCU --cache-control none --clock-control none --set full --import-source no -k regex:SparseConvF16Kernel --launch-skip 30 --launch-count 1 -o $R/l2_$d -f $B --reps=20 --benchmark_filter="cifar_l2_3x3_128@16/tiles_$d%/sparse" > $R/ncu_$d.log 2>&1; echo "rc=$?" >> $R/ncu_$d.log
  tail -3 $R/ncu_$d.log
  $NCU --import $R/l2_$d.ncu-rep --page source --csv --print-source sass > $R/sass_$d.csv 2> $R/sass_$d.err
  $NCU --import $R/l2_$d.ncu-rep --page details > $R/details_$d.txt 2>&1
  grep -E "Duration|Warp Cycles Per Issued|No Eligible|Active Warps Per|Issued Instructions  " $R/details_$d.txt | head
  ls -la $R; snap
done
# (Run 1's binary was stale: build-cuda still held session 19's rejected cluster build, so its profile is of
# that code and is not used. Its files are not kept.)

## run2
# Run 1 again with the HEAD binary, and the same ncu of CIFAR 3x3 256@8 at 1% (tile 4): as run 1 with the
# gbench filter '(cifar_l2_3x3_128@16|cifar_l3_3x3_256@8)/tiles_(0|1)%/', only d=1 in the loop, then:
timeout 200 $NCU --cache-control none --clock-control none --set full --import-source no -k regex:SparseConvF16Kernel --launch-skip 30 --launch-count 1 -o $R/l3_1 -f $B --reps=20 --benchmark_filter="cifar_l3_3x3_256@8/tiles_1%/sparse" > $R/ncu_l3.log 2>&1; echo "rc=$?" >> $R/ncu_l3.log
$NCU --import $R/l3_1.ncu-rep --page source --csv --print-source sass > $R/sass_l3.csv 2>&1
$NCU --import $R/l3_1.ncu-rep --page details > $R/details_l3.txt 2>&1
rm -f $R/*.ncu-rep; snap
# ncu_item/stall_summary.txt and sass_*_executed.txt come from the two sass CSVs (3-4 MB each, not kept)
# by summing the stall_* columns and listing the instructions that ran or were sampled.

## run3
# Session 20 run 3 (2026-11-28, H100): one call site for the group loads (the walk's prologue folded
# into its loop, `#pragma unroll 1`): 9304 -> 4192 SASS instructions for the CIFAR 128@16 kernel.
# Binaries built here (sm_90, nvcc 13.0) and carried xz-compressed: A = HEAD 9d6f9db, B = the change.
# sparse_conv_gbench and spike_occupancy_bench A and B interleaved on one machine; B's focused tests.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done; ls /tmp/bin
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
F='^(cifar_l1_3x3_64@32|cifar_l2_3x3_128@16|cifar_l3_3x3_256@8|cifar_l2.0_3x3/2_64->128@32|imagenet_l1_3x3_64@56|imagenet_l2_3x3_128@28|imagenet_l3_3x3_256@14)/tiles_(0|1|5|10|25|100)%/'
for v in A B A B; do
  timeout 90 /tmp/bin/gbench_$v --reps=20 --benchmark_filter="$F" > $R/gbench_$v.txt.tmp 2>&1; echo "rc=$?" >> $R/gbench_$v.txt.tmp; cat $R/gbench_$v.txt.tmp >> $R/gbench_$v.txt
done; snap
for v in A B; do
  timeout 60 /tmp/bin/occ_$v --reps 20 > $R/occ_$v.txt 2>&1; echo "rc=$?" >> $R/occ_$v.txt
done; snap
timeout 200 /tmp/bin/tests_B --gtest_filter='SparseConvF16*:SpikeOccupancy*:ConvNeuronF16*:FusedSpikeMarks*:DensitySwitch*:SpikePacked*:*Executor*Sparse*' --gtest_brief=1 > $R/focused_tests_B.txt 2>&1; echo "rc=$?" >> $R/focused_tests_B.txt
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

## run4
# Session 20 run 4 (H100): the per-group loop's span. C = the planned-halo branch marked likely
# (__builtin_expect); D = LoadHalo's NHWC element-wise path out of line (__noinline__) in every kernel,
# so the loop body no longer straddles 293 never-run instructions.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
for v in A C D; do /usr/local/cuda/bin/cuobjdump -sass /tmp/bin/$v.cubin | awk '/Function : /{p = index($0, "SparseConvF16KernelILi3ELi1ELi8ELb1ELi32ELi1E") > 0} p' > $R/sass_l2_$v.txt 2>&1; wc -l $R/sass_l2_$v.txt; done
F='^(cifar_l1_3x3_64@32|cifar_l2_3x3_128@16|cifar_l3_3x3_256@8|imagenet_l1_3x3_64@56|imagenet_l2_3x3_128@28|imagenet_l3_3x3_256@14)/tiles_(0|1|5|10|100)%/'
for v in A C D A C D; do
  timeout 80 /tmp/bin/gbench_$v --reps=20 --benchmark_filter="$F" >> $R/gbench_$v.txt 2>&1; echo "rc=$?" >> $R/gbench_$v.txt
done; snap
for v in A C D; do timeout 60 /tmp/bin/occ_$v --reps 20 > $R/occ_$v.txt 2>&1; echo "rc=$?" >> $R/occ_$v.txt; done; snap

## run5
# Session 20 run 5 (2026-11-28, H100): the kept change (E): LoadHalo's NHWC element-wise path out of line in the
# sparse conv kernels of one tile per item only. A = HEAD 9d6f9db. Binaries built here (sm_90, nvcc 13.0), xz'd.
# The whole CUDA test suite on E (SF_SOURCE_DIR is the build machine's /work/main: a link to this checkout;
# models/resnet18_fmnist/*.part* were left behind to fit 64 MiB), memcheck and racecheck on the sparse conv
# kernel tests, then sparse_conv_gbench and spike_occupancy_bench A and E interleaved.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin /work; ln -sfn $PWD /work/main
for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 330 /tmp/bin/tests_E --gtest_brief=1 > $R/cuda_tests_E.txt 2>&1; echo "rc=$?" >> $R/cuda_tests_E.txt
grep -E "FAILED|Failure" -A3 $R/cuda_tests_E.txt | cut -c1-250 | head -30; tail -4 $R/cuda_tests_E.txt; snap
CS=/usr/local/cuda/bin/compute-sanitizer
timeout 120 $CS --tool memcheck --print-limit 5 /tmp/bin/tests_E --gtest_filter='SparseConvF16*' --gtest_brief=1 > $R/memcheck_E.txt 2>&1; echo "rc=$?" >> $R/memcheck_E.txt; tail -3 $R/memcheck_E.txt
timeout 120 $CS --tool racecheck --print-limit 5 /tmp/bin/tests_E --gtest_filter='SparseConvF16GpuTest.SingleSpike*:SparseConvF16GpuTest.Deterministic*' --gtest_brief=1 > $R/racecheck_E.txt 2>&1; echo "rc=$?" >> $R/racecheck_E.txt; tail -3 $R/racecheck_E.txt; snap
F='^(cifar_l1_3x3_64@32|cifar_l2_3x3_128@16|cifar_l3_3x3_256@8|imagenet_l1_3x3_64@56|imagenet_l2_3x3_128@28|imagenet_l3_3x3_256@14)/tiles_(0|1|5|10|100)%/'
for v in A E A E; do timeout 80 /tmp/bin/gbench_$v --reps=20 --benchmark_filter="$F" >> $R/gbench_$v.txt 2>&1; echo "rc=$?" >> $R/gbench_$v.txt; done; snap
for v in A E; do timeout 60 /tmp/bin/occ_$v --reps 20 > $R/occ_$v.txt 2>&1; echo "rc=$?" >> $R/occ_$v.txt; done; snap

## run6
# Session 20 run 6 (H100): F = E (7a22cc9) + each thread's weight-copy addresses worked out once per work item
# (a struct of the first copy's pointer and the group and tap strides; run 7's G keeps only the pointer).
# The CUDA suite on F; sparse_conv_gbench and spike_occupancy_bench E and F interleaved; fused_marks_bench
# A (9d6f9db, whose fused kernel E leaves as is) and F (the fused kernel's weight loads change too).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin /work; ln -sfn $PWD /work/main
for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 200 /tmp/bin/tests_F --gtest_brief=1 > $R/cuda_tests_F.txt 2>&1; echo "rc=$?" >> $R/cuda_tests_F.txt
grep -E "FAILED|Failure" -A3 $R/cuda_tests_F.txt | cut -c1-250 | head -30; tail -4 $R/cuda_tests_F.txt; snap
F='^(cifar_l1_3x3_64@32|cifar_l2_3x3_128@16|cifar_l3_3x3_256@8|imagenet_l1_3x3_64@56|imagenet_l2_3x3_128@28|imagenet_l3_3x3_256@14)/tiles_(0|1|5|10|100)%/'
for v in E F E F; do timeout 80 /tmp/bin/gbench_$v --reps=20 --benchmark_filter="$F" >> $R/gbench_$v.txt 2>&1; echo "rc=$?" >> $R/gbench_$v.txt; done; snap
for v in E F; do timeout 60 /tmp/bin/occ_$v --reps 20 > $R/occ_$v.txt 2>&1; echo "rc=$?" >> $R/occ_$v.txt; done; snap
for v in A F; do timeout 60 /tmp/bin/fm_$v --reps 20 > $R/fm_$v.txt 2>&1; echo "rc=$?" >> $R/fm_$v.txt; done; snap
# (then the same A/B summary as run 7's, E against F)

## run7
# Session 20 run 7 (2026-11-28, H100): G = the code committed: F with only the per-thread pointer kept per item
# (the group and tap strides from cout_pad, a kernel parameter, at each load). E = 7a22cc9, A = 9d6f9db.
# The CUDA suite on G; sparse_conv_gbench and spike_occupancy_bench E and G interleaved; fused_marks_bench A, G.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin /work; ln -sfn $PWD /work/main
for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 200 /tmp/bin/tests_G --gtest_brief=1 > $R/cuda_tests_G.txt 2>&1; echo "rc=$?" >> $R/cuda_tests_G.txt
grep -E "FAILED|Failure" -A3 $R/cuda_tests_G.txt | cut -c1-250 | head -30; tail -3 $R/cuda_tests_G.txt; snap
CS=/usr/local/cuda/bin/compute-sanitizer
timeout 120 $CS --tool memcheck --print-limit 5 /tmp/bin/tests_G --gtest_filter='SparseConvF16*:ConvNeuronF16*' --gtest_brief=1 > $R/memcheck_G.txt 2>&1; echo "rc=$?" >> $R/memcheck_G.txt; tail -2 $R/memcheck_G.txt; snap
F='^(cifar_l1_3x3_64@32|cifar_l2_3x3_128@16|cifar_l3_3x3_256@8|imagenet_l1_3x3_64@56|imagenet_l2_3x3_128@28|imagenet_l3_3x3_256@14)/tiles_(0|1|5|10|100)%/'
for v in E G E G; do timeout 80 /tmp/bin/gbench_$v --reps=20 --benchmark_filter="$F" >> $R/gbench_$v.txt 2>&1; echo "rc=$?" >> $R/gbench_$v.txt; done; snap
for v in E G; do timeout 60 /tmp/bin/occ_$v --reps 20 > $R/occ_$v.txt 2>&1; echo "rc=$?" >> $R/occ_$v.txt; done; snap
for v in A G; do timeout 60 /tmp/bin/fm_$v --reps 20 > $R/fm_$v.txt 2>&1; echo "rc=$?" >> $R/fm_$v.txt; done; snap
python3 - $R <<'PY'
import sys,re,collections
R=sys.argv[1]; t=collections.defaultdict(dict)
for v in 'EG':
    for l in open(f'{R}/gbench_{v}.txt'):
        m=re.match(r'(\S+)/(sparse|cudnn)/\S+\s+([\d.]+) us',l)
        if m: t[(m.group(1),m.group(2))].setdefault(v,[]).append(float(m.group(3)))
for k in sorted(t):
    if k[1]!='sparse': continue
    c=t.get((k[0],'cudnn'),{}).get('E',[0]); a=t[k]['E']; e=t[k]['G']
    print('%-40s cudnn %6.1f  E %s  G %s  %+.1f%%'%(k[0],min(c),' '.join('%.1f'%x for x in a),' '.join('%.1f'%x for x in e),100*(sum(e)/len(e)/(sum(a)/len(a))-1)))
PY

## run8
# Session 20 run 8 (H100): run 2's ncu profile again on G (bf37e22's kernel), CIFAR 3x3 128@16 and 256@8 at 1%,
# and G's SASS of the CIFAR 128@16 kernel (build-bin/G.cubin from `nvcc -O3 -DNDEBUG -arch=sm_90 -cubin
# -fmad=false -std=c++17 -I. cuda/kernels/sparse_conv_f16.cu`).
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
/usr/local/cuda/bin/cuobjdump -sass /tmp/bin/G.cubin | awk '/Function : /{p = index($0, "SparseConvF16KernelILi3ELi1ELi8ELb1ELi32ELi1E") > 0} p' | grep -v '^\s*/\* 0x' | sed 's#/\* 0x[0-9a-f]* \*/##; s/ \+/ /g' > $R/sass_l2_G.txt; wc -l $R/sass_l2_G.txt
NCU=$(ls /usr/local/cuda/bin/ncu 2>/dev/null || which ncu)
for L in cifar_l2_3x3_128@16 cifar_l3_3x3_256@8; do
  timeout 200 $NCU --cache-control none --clock-control none --set full --import-source no -k regex:SparseConvF16Kernel --launch-skip 30 --launch-count 1 -o $R/p -f /tmp/bin/gbench_G --reps=20 --benchmark_filter="$L/tiles_1%/sparse" > $R/ncu_$L.log 2>&1; echo "rc=$?" >> $R/ncu_$L.log
  $NCU --import $R/p.ncu-rep --page source --csv --print-source sass > $R/sass_$L.csv 2>&1
  $NCU --import $R/p.ncu-rep --page details > $R/details_$L.txt 2>&1
  grep -E "Duration" $R/details_$L.txt; rm -f $R/p.ncu-rep
done
snap
# ncu_item/run8_G/stall_summary.txt: the stall sums and the regions (entry, setup and prologue, group loop,
# epilogue) of run 2's and run 8's CIFAR 128@16 CSVs (not kept, 3 MB each).

## run9
# Session 20 run 9 (2026-11-28, H100): P = G (bf37e22) with the walk's two prologue loads as a rolled loop
# (`#pragma unroll 1`): one inlined copy of the group load in the item's setup instead of two (CIFAR 128@16
# kernel 5552 -> 5328 instructions, spill 12 -> 4 bytes). The CUDA suite on P; sparse_conv_gbench and
# spike_occupancy_bench G and P interleaved, twice each.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin /work; ln -sfn $PWD /work/main
for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/*.xz; do xz -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 200 /tmp/bin/tests_P --gtest_brief=1 > $R/cuda_tests_P.txt 2>&1; echo "rc=$?" >> $R/cuda_tests_P.txt
grep -E "FAILED|Failure" -A3 $R/cuda_tests_P.txt | cut -c1-250 | head -30; tail -3 $R/cuda_tests_P.txt; snap
F='^(cifar_l1_3x3_64@32|cifar_l2_3x3_128@16|cifar_l3_3x3_256@8|imagenet_l1_3x3_64@56|imagenet_l2_3x3_128@28|imagenet_l3_3x3_256@14)/tiles_(0|1|5|10|100)%/'
for v in G P G P; do timeout 80 /tmp/bin/gbench_$v --reps=20 --benchmark_filter="$F" >> $R/gbench_$v.txt 2>&1; echo "rc=$?" >> $R/gbench_$v.txt; done; snap
for v in G P G P; do timeout 60 /tmp/bin/occ_$v --reps 20 >> $R/occ_$v.txt 2>&1; echo "rc=$?" >> $R/occ_$v.txt; done; snap
python3 - $R <<'PY'
import sys,re,collections
R=sys.argv[1]; t=collections.defaultdict(dict)
for v in 'GP':
    for l in open(f'{R}/gbench_{v}.txt'):
        m=re.match(r'(\S+)/(sparse|cudnn)/\S+\s+([\d.]+) us',l)
        if m: t[(m.group(1),m.group(2))].setdefault(v,[]).append(float(m.group(3)))
for k in sorted(t):
    if k[1]!='sparse': continue
    c=t.get((k[0],'cudnn'),{}).get('G',[0]); a=t[k]['G']; e=t[k]['P']
    print('%-40s cudnn %6.1f  G %s  P %s  %+.1f%%'%(k[0],min(c),' '.join('%.1f'%x for x in a),' '.join('%.1f'%x for x in e),100*(sum(e)/len(e)/(sum(a)/len(a))-1)))
PY

## run10
# Session 20 run 10 (2026-11-28, H100): the whole zoo (48 cases of models/make_test_models.py) through
# scripts/zoo_fp16_check.py on the kernel committed (bf37e22's sparse conv; sfrun built here at eb1ffac):
# fp16 sparse on vs off, NHWC and NCHW, fused vs --no-fuse, grouped tiles vs one tile per item, linked runs.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin /tmp/zoo; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
xz -dc build-bin/sfrun.xz > /tmp/bin/sfrun && chmod +x /tmp/bin/sfrun
tar xJf build-bin/zoo-all-48.tar.xz -C /tmp/zoo
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
timeout 420 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo-fp16.txt 2>&1; echo "zoo rc=$?" | tee -a $R/zoo-fp16.txt; tail -6 $R/zoo-fp16.txt
snap
