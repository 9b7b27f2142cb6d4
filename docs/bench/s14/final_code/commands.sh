# Session 14 run 8 (2026-11-27, H100): the final kernel code at b47d15a. Script as run (scripts/.dev8.sh).
# fused conv + neuron, spike gather and density switch tests.
R=$OUT
export LD_LIBRARY_PATH=/tmp/pfx/usr/lib/x86_64-linux-gnu SF_EXPECT_GPU=1
nvidia-smi --query-gpu=name,driver_version --format=csv,noheader > $R/gpu.txt
git log -1 --format=%h > $R/commit.txt 2>/dev/null  # (the device copy's git metadata was stale: it said 6ba6651; commit.txt dropped)
mkdir -p /tmp/b; SF_BUILD_DIR=$PWD/build-dev OUT=/tmp/b scripts/gpu-check.sh build > /tmp/b/build.txt 2>&1; tail -1 /tmp/b/build.txt
timeout 45 build-dev/tests/sf_cuda_tests --gtest_filter='SparseConvF16*:SpikeOccupancy*:ConvNeuron*:SpikeGather*:DensitySwitch*:GpuExecutor*' --gtest_brief=1 > $R/tests.txt 2>&1; echo "rc=$?" >> $R/tests.txt
tail -4 $R/tests.txt
