# Session 11 run 4 (2026-11-27, H100): split K in the FP16 sparse conv, measured and NOT kept (the kernel on main is run 3's).
# The variant: a tile's channel groups in at most 4 slices of ceil(groups/4); when active (tile, chunk) pairs x slices <= 512
# one block per slice wrote its FP32 partial to the workspace and the last to arrive (atomic count) added the partials in
# slice order; otherwise one block summed the same slices in order (so both gave the same bits; a GPU test checked it), and the
# fused conv + neuron kernel summed by the same slices (its tile-8 variant then needed 3 blocks/SM, 4 spilled).
# The device script was ../sparse_conv_latency/commands.sh "## run3" with two changes:
#   F16='SparseConvF16GpuTest.SingleSpikeAtEveryTileEdgeAndCorner:SparseConvF16GpuTest.DeterministicAndSkipsEmptyWork:SparseConvF16GpuTest.SplitAndOneBlockSumsGiveTheSameBits:SparseConvF16GpuTest.ExecutorRunsPlannedFloat16SparseConvs:GpuNhwcTest.SparseConvKernelByPrecision:ConvNeuronF16GpuTest.SpikesEqualConvThenNeuronBitForBit'
#   (SplitAndOneBlockSumsGiveTheSameBits: a GPU test of the variant, dropped with it) and `timeout 240` for both sanitizers.
