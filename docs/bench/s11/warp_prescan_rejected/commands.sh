# Session 11 run 5 (2026-11-27, H100): the NHWC prescan with one warp per tile (4 tiles per block, one set of counter
# atomics per block), measured and NOT kept (main keeps one block per tile).
# The device script was ../sparse_conv_latency/commands.sh "## run3" without the inputs and sfbench lines, with
#   F16='SparseConvF16GpuTest.SingleSpikeAtEveryTileEdgeAndCorner:SparseConvF16GpuTest.DeterministicAndSkipsEmptyWork:SparseConvF16GpuTest.ExecutorRunsPlannedFloat16SparseConvs:GpuNhwcTest.SparseConvKernelByPrecision:GpuProfileTest.SparseConvReportsItsTileDensity'
