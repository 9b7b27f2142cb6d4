# Session 29 run 2 (H200): the two pool kernels through one PoolWindow (P = run 1's sfbench,
# N = this build): pool tests, the CUDA suite, the zoo, memcheck on the pools, the
# Spikformers' kernel traces (pool kernels P vs N), and the fp16 NHWC plans printed.
R=$OUT/r; mkdir -p $R
snap() { (cd $OUT && tar czf r.tgz r); }
mkdir -p /tmp/pfx /tmp/bin; for f in .device-debs/*.deb; do dpkg -x "$f" /tmp/pfx; done
for f in build-bin/sf*.xz; do xz -T8 -dc $f > /tmp/bin/$(basename $f .xz); chmod +x /tmp/bin/$(basename $f .xz); done
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu:/usr/local/cuda/lib64 SF_EXPECT_GPU=1
mkdir -p /work; ln -sfn $PWD /work/main
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt; cat $R/gpu.txt
tar xzf build-bin/zoo.tgz -C /tmp; xz -T8 -dc build-bin/sf2.tar.xz | tar xf - -C /tmp
timeout 120 /tmp/bin/sf_cuda_tests --gtest_filter='*Pool*' > $R/pool_tests.txt 2>&1; echo "rc=$?" >> $R/pool_tests.txt; tail -2 $R/pool_tests.txt
timeout 120 /usr/local/cuda/bin/compute-sanitizer --tool memcheck /tmp/bin/sf_cuda_tests --gtest_filter='*Pool*' > $R/memcheck_pool.txt 2>&1; echo "rc=$?" >> $R/memcheck_pool.txt; tail -3 $R/memcheck_pool.txt; snap
for d in sfb sfl; do for b in sfbenchprev sfbench; do
  timeout 200 /tmp/bin/$b /tmp/$d/spikformer_custom.onnx --input /tmp/$d/x.npy --precision fp16 --layout nhwc --warmup 20 --iters 200 --no-layers --kernel-trace $R/trace_${d}_$b.txt > $R/${d}_$b.txt 2>&1
  echo "$d $b: $(grep -m1 'compute (CUDA graph)' $R/${d}_$b.txt)"; grep -i "pool" $R/trace_${d}_$b.txt | head -4
done; /tmp/bin/sfrun /tmp/$d/spikformer_custom.onnx --input /tmp/$d/x.npy --precision fp16 --layout nhwc --plan-only > $R/plan_${d}_fp16_nhwc.txt 2>&1; done; snap
timeout 250 /tmp/bin/sf_cuda_tests --gtest_brief=1 > $R/all_tests.txt 2>&1; echo "rc=$?" >> $R/all_tests.txt; tail -3 $R/all_tests.txt; snap
timeout 250 python3 scripts/zoo_fp16_check.py /tmp/bin/sfrun /tmp/zoo > $R/zoo.txt 2>&1; echo "rc=$?" >> $R/zoo.txt; tail -2 $R/zoo.txt; snap
timeout 200 python3 tests/models/run_model_tests.py /tmp/bin/sfrun /tmp/w zoo --models-dir /tmp/zoo/snn/models --device cuda > $R/zoo_gpu_vs_pytorch.txt 2>&1; echo "rc=$?" >> $R/zoo_gpu_vs_pytorch.txt; tail -2 $R/zoo_gpu_vs_pytorch.txt; snap
