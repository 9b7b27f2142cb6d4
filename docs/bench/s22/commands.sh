# Session 22 device runs (H200). Binaries built on the development machine (nvcc 13.0, sm_90,
# Release), compressed into build-bin/ and carried; each script ran as `bash build-bin/run.sh`.
# run 1  run1.sh   the walk's barrier as barrier.sync (unaligned): focused tests, synccheck,
#                  racecheck, memcheck, H/N timing
# run 2  run2.sh   work-list entries with the tile's first mask word, read with the count
#                  (work_entry_rejected.patch): tests, sanitizers, H/W timing; not kept
# run 3  run3.sh   two 8x8 tiles per work item, 80 or 128 registers (G, G2): focused tests, memcheck
#                  of the grouped-tiles test, H/G/G2 timing
# run 4  run4.sh   the committed kernels (G2, stride 1 only): whole CUDA suite, 48-case zoo, H/N
#                  timing of every layer, memcheck/racecheck/synccheck
# run 5  run5.sh   the new DeterministicWithGroupedTiles test under memcheck, racecheck, synccheck
# run 6  run6.sh   one call site of the item for the work list and the occupied conv
#                  (one_item_call_site_rejected.patch): focused tests, H/U timing, sanitizers; not kept
# run 7  run7.sh   clock64 timing of an item's steps (item_timing.patch), one-tile vs two-tile kernel
# run 8  run8.sh   the same with each block's first item run twice, cold then warm (item_timing_twice.patch)
# run 9  run9.sh   cuobjdump -sass of HEAD's tile-8 NHWC kernels on the device machine (no kernel run)
# run 10 run10.sh  the walk's loops without a special pass (walk_loops.patch): focused tests, H/P timing,
#                  synccheck, racecheck
# run 11 run11.sh  the committed walk loops: the whole CUDA suite, memcheck
# run 12 run12.sh  after the launch dispatch went through LaunchConvTiles (same cubin): the focused tests
